import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/** End to end: the CLI (in-process, test/helpers/cli.ts) in a temp project, with HOME and CREDCTL_* pointing into temp dirs. */
const base = mkdtempSync(join(tmpdir(), 'credctl-cli-'));
const project = join(base, 'project');
const home = join(base, 'home');
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: home,
  XDG_CONFIG_HOME: join(home, '.config'),
  CREDCTL_STORE: 'file',
  CREDCTL_PASSPHRASE: 'FAKE passphrase for tests',
  NO_COLOR: '1',
  CREDCTL_ACTOR: 'e2e-test',
};
const CANARY = 'sk_live_51FAKEcliCANARY0000000000000000';
const CANARY2 = 'FAKE-second-canary-42x';
const outputs: string[] = [];

async function credctl(args: string[], opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = await runCli(args, { cwd: opts.cwd ?? project, env: { ...env, ...opts.env }, input: opts.input ?? '' });
  outputs.push(r.stdout, r.stderr);
  return r;
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((f) => (f.isDirectory() ? allFiles(join(dir, f.name)) : [join(dir, f.name)]));
}

beforeAll(() => {
  mkdirSync(project, { recursive: true });
  mkdirSync(home, { recursive: true });
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('credctl store + audit, end to end', () => {
  it('put from stdin, get to a pipe, list/versions without values', async () => {
    let r = await credctl(['store', 'put', 'STRIPE_SECRET_KEY'], { input: CANARY + '\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/stored STRIPE_SECRET_KEY v1 \[current\] fp_/);
    r = await credctl(['store', 'put', 'STRIPE_SECRET_KEY', '--label', 'pending'], { input: CANARY2 });
    expect(r.code, r.stderr).toBe(0);
    r = await credctl(['store', 'get', 'STRIPE_SECRET_KEY', '--label', 'current']);
    expect(r).toMatchObject({ code: 0, stdout: CANARY + '\n' });
    r = await credctl(['store', 'get', 'STRIPE_SECRET_KEY', '--version', '2', '-n']);
    expect(r).toMatchObject({ code: 0, stdout: CANARY2 });
    r = await credctl(['store', 'list', '--json']);
    expect(JSON.parse(r.stdout).secrets).toEqual([expect.objectContaining({ name: 'STRIPE_SECRET_KEY', versions: 2, labels: { current: 1, pending: 2 } })]);
    r = await credctl(['store', 'versions', 'STRIPE_SECRET_KEY', '--json']);
    expect(JSON.parse(r.stdout).versions.map((v: { labels: string[] }) => v.labels)).toEqual([['current'], ['pending']]);
    expect(statSync(join(project, '.credctl', 'store.enc.json')).mode & 0o777).toBe(0o600);
  });

  it('never takes a value from a flag; bad input is one line with the right exit code', async () => {
    let r = await credctl(['store', 'put', 'X', '--value', CANARY]);
    expect(r.code).toBe(2);
    r = await credctl(['store', 'get', 'MISSING']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^credctl: no secret named MISSING\n/);
    r = await credctl(['store', 'put', 'EMPTY'], { input: '' });
    expect(r.code).toBe(3);
    r = await credctl(['store', 'rm', 'STRIPE_SECRET_KEY']);
    expect(r.code).toBe(6); // no --yes and no terminal to confirm on
  });

  it('a wrong passphrase is exit 8, one clear line, no stack trace, file untouched', async () => {
    const file = join(project, '.credctl', 'store.enc.json');
    const before = readFileSync(file);
    const r = await credctl(['store', 'get', 'STRIPE_SECRET_KEY'], { env: { CREDCTL_PASSPHRASE: 'not the FAKE passphrase' } });
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/^credctl: wrong CREDCTL_PASSPHRASE/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('every access is in the audit log, which verifies; show filters', async () => {
    let r = await credctl(['audit', 'show', '--json']);
    const entries = JSON.parse(r.stdout).entries as Array<{ action: string; outcome: string; actor: string; subject: { name?: string } }>;
    const actions = entries.map((e) => `${e.action}:${e.outcome}`);
    expect(actions).toEqual(expect.arrayContaining(['store.put:ok', 'store.get:ok', 'store.get:failed', 'store.list:ok', 'store.versions:ok']));
    expect(actions.filter((a) => a === 'store.get:ok')).toHaveLength(2);
    expect(entries.every((e) => e.actor === 'e2e-test')).toBe(true);
    r = await credctl(['audit', 'show', '--credential', 'MISSING', '--json']);
    expect(JSON.parse(r.stdout).entries.map((e: { action: string }) => e.action)).toEqual(['store.get']);
    r = await credctl(['audit', 'verify']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^verified: /);
  });

  it('an exported bundle verifies offline in a fresh directory, pinned to the published key', async () => {
    const bundle = join(base, 'proof.json');
    expect((await credctl(['audit', 'export', '--out', bundle])).code).toBe(0);
    const fresh = mkdtempSync(join(tmpdir(), 'credctl-fresh-'));
    try {
      const pub = join(fresh, 'audit.pub');
      writeFileSync(pub, readFileSync(join(project, '.credctl', 'audit.pub')));
      const r = await credctl(['audit', 'verify', '--bundle', bundle, '--pubkey', pub, '--json'], { cwd: fresh, env: { HOME: fresh, CREDCTL_PASSPHRASE: '' } });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, pinnedKey: true });
      // A bundle edited in transit fails with exit 4 and names the entry.
      const b = JSON.parse(readFileSync(bundle, 'utf8'));
      b.log = b.log.replace('"outcome":"failed"', '"outcome":"ok"');
      writeFileSync(bundle, JSON.stringify(b));
      const bad = await credctl(['audit', 'verify', '--bundle', bundle, '--pubkey', pub], { cwd: fresh });
      expect(bad.code).toBe(4);
      expect(bad.stderr).toMatch(/does not verify: entry seq \d+ \(line \d+\) was edited/);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('a tampered local log fails verify with exit 4, naming the first bad entry', async () => {
    const logPath = join(project, '.credctl', 'audit.jsonl');
    const good = readFileSync(logPath, 'utf8');
    const lines = good.trim().split('\n');
    lines.splice(2, 1);
    writeFileSync(logPath, lines.join('\n') + '\n');
    const r = await credctl(['audit', 'verify', '--json']);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout).firstProblem).toMatchObject({ kind: 'missing', line: 3, seq: 4 });
    writeFileSync(logPath, good.split('\n').slice(0, 3).join('\n') + '\n');
    const t = await credctl(['audit', 'verify']);
    expect(t.code).toBe(4);
    expect(t.stderr).toMatch(/truncated/);
    writeFileSync(logPath, good);
  });

  it('audit checkpoint prints a note kept elsewhere; verify --checkpoint catches a log cut with its checkpoints', async () => {
    const logPath = join(project, '.credctl', 'audit.jsonl');
    const cpPath = join(project, '.credctl', 'checkpoints');
    const good = { log: readFileSync(logPath, 'utf8'), cps: readFileSync(cpPath, 'utf8') };
    const out = await credctl(['audit', 'checkpoint']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^credctl-audit\/[0-9a-f]{16}\n\d+\n[A-Za-z0-9+/]{43}=\n\n\u2014 credctl-audit\//);
    const kept = join(mkdtempSync(join(tmpdir(), 'credctl-kept-')), 'checkpoint.txt');
    writeFileSync(kept, out.stdout);
    expect((await credctl(['audit', 'verify', '--checkpoint', kept])).code).toBe(0);
    try {
      // Cut the log to its first 2 entries and drop the local checkpoints: the chain alone is fine...
      writeFileSync(logPath, good.log.split('\n').slice(0, 2).join('\n') + '\n');
      writeFileSync(cpPath, '');
      expect((await credctl(['audit', 'verify'])).code).toBe(0);
      // ...but not against the checkpoint kept elsewhere.
      const r = await credctl(['audit', 'verify', '--checkpoint', kept]);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/the log was truncated: published .*checkpoint.txt: checkpoint 1 covers \d+ entries but the log has 2/);
      expect((await credctl(['audit', 'verify', '--checkpoint', join(project, 'no-such-file')])).code).toBe(3);
    } finally {
      writeFileSync(logPath, good.log);
      writeFileSync(cpPath, good.cps);
    }
  });

  it('rm with --yes deletes, and is audited', async () => {
    const r = await credctl(['store', 'rm', 'STRIPE_SECRET_KEY', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect((await credctl(['store', 'get', 'STRIPE_SECRET_KEY'])).code).toBe(3);
    expect((await credctl(['audit', 'show', '--json'])).stdout).toContain('"store.rm"');
    expect((await credctl(['audit', 'verify'])).code).toBe(0);
  });

  it('canary values appear in no output except `store get` to a pipe, and in no state file', async () => {
    const getOutputs = new Set([CANARY + '\n', CANARY2]);
    for (const o of outputs) {
      if (getOutputs.has(o)) continue;
      expect(o).not.toContain('FAKEcliCANARY');
      expect(o).not.toContain(CANARY2);
    }
    for (const f of [...allFiles(join(project, '.credctl')), ...allFiles(home)]) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toContain('FAKEcliCANARY');
      expect(text, f).not.toContain(CANARY2);
    }
  });
});
