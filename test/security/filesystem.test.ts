import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atomicWriteFileSync, sweepTempFiles } from '../../src/core/atomic-write.js';
import { resolveInsideProject } from '../../src/targets/files.js';
import { makeRotationProject, startTestIssuer, type Issuer } from '../helpers/rotation-project.js';
import { runCli } from '../helpers/cli.js';
import { cli, oneClearLine } from './helpers.js';

// Promise 8: a repository's symlinks, state files and .git/config never take credctl outside it.

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    stdio: 'ignore',
    env: { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.test', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.test' },
  });
const FAKE_KEY = 'sk_live_51FAKEq8Zr2Lm4Vx7Tn1Wp9Ks3Hd6J';

function repo(): { root: string; env: NodeJS.ProcessEnv } {
  const base = mkdtempSync(join(tmpdir(), 'credctl-sec-fs-'));
  const root = join(base, 'repo');
  mkdirSync(root);
  git(root, 'init', '-q');
  const home = join(base, 'home');
  mkdirSync(home);
  return { root, env: { ...process.env, HOME: home, CREDCTL_STORE: 'file', CREDCTL_PASSPHRASE: 'FAKE-passphrase-for-tests', NO_COLOR: '1', CI: 'true' } };
}

let issuer: Issuer;
beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(async () => {
  await issuer.close();
});

describe('symbolic links', () => {
  it('a committed directory link leading out of the project is refused as a write target; links inside are followed', () => {
    const { root } = repo();
    const outside = mkdtempSync(join(tmpdir(), 'credctl-outside-'));
    symlinkSync(outside, join(root, 'secrets'));
    expect(() => resolveInsideProject(root, 'secrets/.env')).toThrow(
      expect.objectContaining({ exitCode: 6, message: expect.stringMatching(/leads outside the project/) }),
    );
    symlinkSync(join(outside, 'x.env'), join(root, 'app.env'));
    expect(() => resolveInsideProject(root, 'app.env')).toThrow(expect.objectContaining({ exitCode: 6 }));
    expect(() => resolveInsideProject(root, '../x.env')).toThrow(expect.objectContaining({ exitCode: 6 }));
    expect(() => resolveInsideProject(root, '/etc/passwd')).toThrow(expect.objectContaining({ exitCode: 6 }));
    mkdirSync(join(root, 'config'));
    symlinkSync(join(root, 'config'), join(root, 'cfg'));
    expect(resolveInsideProject(root, 'cfg/.env')).toBe(join(realpathSync(root), 'config', '.env'));
  });

  it('rotation refuses to write an env_file that leads out of the project, and the outside file is unchanged', async () => {
    const p = await makeRotationProject(issuer, { names: ['EVENTS_API_KEY'] });
    const outside = mkdtempSync(join(tmpdir(), 'credctl-outside-'));
    writeFileSync(join(outside, 'app.env'), `EVENTS_API_KEY=${p.values.EVENTS_API_KEY}\n`);
    symlinkSync(outside, join(p.root, 'secrets'));
    writeFileSync(join(p.root, 'docker-compose.yml'), 'services:\n  app:\n    image: app\n    env_file: [secrets/app.env]\n');
    // The graph does not even read the linked file, so it is no target; had it been one, the
    // write would be refused (resolveInsideProject, above).
    const where = await cli(['where', 'EVENTS_API_KEY', '--json'], { cwd: p.root, env: p.env });
    expect(where.stdout).not.toContain('secrets/app.env');
    const r = await cli(['rotate', 'EVENTS_API_KEY', '--yes', '--no-input'], { cwd: p.root, env: p.env });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(outside, 'app.env'), 'utf8')).toBe(`EVENTS_API_KEY=${p.values.EVENTS_API_KEY}\n`);
  });

  it('a committed .credctl link to another project is refused: its graph is not overwritten, its store not used', async () => {
    const { root, env } = repo();
    const other = repo();
    mkdirSync(join(other.root, '.credctl'), { mode: 0o700 });
    writeFileSync(join(other.root, '.credctl', 'graph.json'), '{"theirs":true}');
    symlinkSync(join(other.root, '.credctl'), join(root, '.credctl'));
    writeFileSync(join(root, '.env'), `STRIPE_SECRET_KEY=${FAKE_KEY}\n`);
    // The scan itself reads only the project; the graph it would refresh is refused, and said so.
    const r = await cli(['scan'], { cwd: root, env });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/usage graph not updated: .*\.credctl is a symbolic link/);
    expect(readFileSync(join(other.root, '.credctl', 'graph.json'), 'utf8')).toBe('{"theirs":true}');
    // store list records the access first: the audit log fails closed (exit 4) on the link.
    const s = await cli(['store', 'list'], { cwd: root, env });
    expect(s.status).toBe(4);
    oneClearLine(s);
    expect(s.stderr).toMatch(/symbolic link/);
  });

  it('state files planted as links to paths outside are not followed when credctl appends', async () => {
    const { root, env } = repo();
    const outside = mkdtempSync(join(tmpdir(), 'credctl-outside-'));
    mkdirSync(join(root, '.credctl'), { mode: 0o700 });
    symlinkSync(join(outside, 'audit.jsonl'), join(root, '.credctl', 'audit.jsonl'));
    symlinkSync(join(outside, 'checkpoints'), join(root, '.credctl', 'checkpoints'));
    const r = await runCli(['store', 'put', 'demo/token'], { cwd: root, env, input: 'FAKE-value-for-store-put-123\n' });
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBe(70);
    expect(readdirSync(outside)).toEqual([]);
  }, 60_000);
});

describe('.git/config from the repository', () => {
  it('core.fsmonitor (and friends) never run a command on scan, graph or inventory', async () => {
    const { root, env } = repo();
    const marker = join(root, 'fsmonitor-ran');
    writeFileSync(join(root, '.env.example'), 'PORT=3000\n');
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'init');
    writeFileSync(join(root, '.env'), `STRIPE_SECRET_KEY=${FAKE_KEY}\n`);
    git(root, 'add', '.env');
    // From here on the repository's own config asks git to run a command (set last: the test's
    // own git calls above would run it too).
    for (const [k, v] of [
      ['core.fsmonitor', `touch ${marker}`],
      ['core.pager', `touch ${marker}`],
      ['diff.external', `touch ${marker}`],
    ] as const)
      git(root, 'config', k, v);
    for (const args of [['scan'], ['graph'], ['inventory', '--no-probe'], ['scan', '--history'], ['scan', '--staged'], ['hook', 'install']]) {
      const r = await cli(args, { cwd: root, env });
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).not.toBe(70);
    }
    expect(existsSync(marker)).toBe(false);
  }, 60_000);
});

describe('temp files of interrupted writes', () => {
  it('are owner-only while written, removed when a rename fails, and swept (and named) on the next run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'credctl-tmp-'));
    mkdirSync(join(dir, 'target-is-a-dir'));
    expect(() => atomicWriteFileSync(join(dir, 'target-is-a-dir'), 'SECRET=FAKE\n')).toThrow();
    expect(readdirSync(dir)).toEqual(['target-is-a-dir']);
    // A leftover of a process that died (pid 2^22-1 is not running), and a live one's (ours).
    writeFileSync(join(dir, '.env.credctl-4194303-deadbeef.tmp'), 'EVENTS_API_KEY=FAKE\n', { mode: 0o600 });
    writeFileSync(join(dir, `.env.credctl-${process.pid}-cafebabe.tmp`), 'in progress', { mode: 0o600 });
    expect(sweepTempFiles(dir)).toEqual([join(dir, '.env.credctl-4194303-deadbeef.tmp')]);
    expect(readdirSync(dir).sort()).toEqual([`.env.credctl-${process.pid}-cafebabe.tmp`, 'target-is-a-dir']);
  });

  it('a rotation run removes and reports a leftover beside its targets', async () => {
    const p = await makeRotationProject(issuer, { names: ['EVENTS_API_KEY'], health: 'none' });
    writeFileSync(join(p.root, '.env.credctl-4194303-0badf00d.tmp'), `EVENTS_API_KEY=${p.values.EVENTS_API_KEY}\n`, { mode: 0o600 });
    const r = await cli(['rotate', 'EVENTS_API_KEY', '--yes', '--no-input'], { cwd: p.root, env: p.env });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/removed 1 temp file\(s\) an interrupted write left behind: \.env\.credctl-4194303-0badf00d\.tmp/);
    expect(existsSync(join(p.root, '.env.credctl-4194303-0badf00d.tmp'))).toBe(false);
  });
});

describe('file names with control characters', () => {
  it('are escaped in the terminal table: no escape sequence reaches the terminal, no row can be forged', async () => {
    const { root, env } = repo();
    const evil = 'x\x1b[2K\r\x1b[32mclean.txt\nFAKE.env';
    writeFileSync(join(root, evil), `STRIPE_SECRET_KEY=${FAKE_KEY}\n`);
    const r = await cli(['scan', '--no-graph'], { cwd: root, env });
    expect(r.status).toBe(1);
    expect(r.stdout).not.toContain('\x1b');
    expect(r.stdout).not.toContain('\r');
    expect(r.stdout).toContain('x\\x1b[2K\\x0d\\x1b[32mclean.txt\\x0aFAKE.env');
  });
});

describe('the audit public key', () => {
  it('a committed audit.pub is never overwritten; a swapped working copy is not what verify uses', async () => {
    const p = await makeRotationProject(issuer, { names: ['EVENTS_API_KEY'], health: 'none' });
    const theirs = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    writeFileSync(join(p.root, '.credctl', 'audit.pub'), theirs);
    git(p.root, 'add', '-f', '.credctl/audit.pub');
    git(p.root, 'commit', '-q', '-m', 'team audit key');
    const r = await cli(['rotate', 'EVENTS_API_KEY', '--yes', '--no-input'], { cwd: p.root, env: p.env });
    expect(r.status).toBe(0);
    expect(readFileSync(join(p.root, '.credctl', 'audit.pub'), 'utf8')).toBe(theirs);
    expect(existsSync(join(p.root, '.credctl', 'audit.local.pub'))).toBe(true);
    // The log is signed with this clone's own key: against the committed key it does not verify.
    const v = await cli(['audit', 'verify'], { cwd: p.root, env: p.env });
    expect(v.status).toBe(4);
    // Replacing the working copy with this clone's key does not make it verify either: HEAD's copy is used.
    writeFileSync(join(p.root, '.credctl', 'audit.pub'), readFileSync(join(p.root, '.credctl', 'audit.local.pub')));
    const swapped = await cli(['audit', 'verify'], { cwd: p.root, env: p.env });
    expect(swapped.status).toBe(4);
    expect(swapped.stdout + swapped.stderr).toMatch(/as committed at HEAD \(the working copy differs from it\)/);
    // Pinned explicitly, the clone's own key verifies its own log.
    expect((await cli(['audit', 'verify', '--pubkey', '.credctl/audit.local.pub'], { cwd: p.root, env: p.env })).status).toBe(0);
  });
});
