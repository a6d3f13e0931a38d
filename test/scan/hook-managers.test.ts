import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { BIN, cleanup, commit, credctl, fake, git, gitRepo, tempDir, testRulesDir, write } from './helpers.js';

// `credctl hook install` in projects whose hooks are run by husky or lefthook: the real tools
// run the configuration credctl writes or prints, and a commit that adds a fake key is blocked,
// with the value shown only redacted. husky is a dev dependency. lefthook is installed here
// from the npm registry, without its install script: as a dev dependency its postinstall would
// run `lefthook install` in credctl's own repository on every `npm ci`.
const require = createRequire(import.meta.url);
const huskyBin = join(dirname(require.resolve('husky')), 'bin.js');
let lefthookPackage: string;

let env: Record<string, string>;
beforeAll(() => {
  env = { CREDCTL_PROVIDERS_DIR: testRulesDir() };
  const prefix = tempDir('credctl-lefthook-');
  const r = spawnSync('npm', ['install', '--prefix', prefix, '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', 'lefthook@2.2.1'], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  expect(r.status, r.stderr).toBe(0);
  lefthookPackage = join(prefix, 'node_modules', 'lefthook');
}, 200_000);
afterAll(cleanup);

/** A JavaScript project whose node_modules/.bin holds this checkout's credctl. */
function jsProject(): string {
  const d = gitRepo();
  write(d, 'package.json', '{ "name": "app", "version": "1.0.0", "private": true }\n');
  write(d, '.gitignore', 'node_modules/\n');
  mkdirSync(join(d, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(BIN, join(d, 'node_modules', '.bin', 'credctl'));
  commit(d, 'init');
  return d;
}

function tryCommit(cwd: string, message: string) {
  spawnSync('git', ['add', '-A'], { cwd });
  const r = spawnSync('git', ['commit', '-m', message], { cwd, encoding: 'utf8', env: { ...process.env, ...env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout + r.stderr };
}

function expectBlocksThenAllows(d: string): void {
  const secret = fake.stripe(31);
  write(d, 'src/pay.js', `const key = "${secret}";\n`);
  const blocked = tryCommit(d, 'add payments');
  expect(blocked.code, blocked.out).not.toBe(0);
  expect(blocked.out).toContain('src/pay.js:1:14');
  expect(blocked.out).toContain(`sk_live_…${secret.slice(-4)}`);
  expect(blocked.out).toContain('commit blocked');
  expect(blocked.out).not.toContain(secret);
  write(d, 'src/pay.js', 'const key = process.env.STRIPE_SECRET_KEY;\n');
  const clean = tryCommit(d, 'read the key from the environment');
  expect(clean.code, clean.out).toBe(0);
  expect(git(d, 'log', '--format=%s', '-1').trim()).toBe('read the key from the environment');
}

describe('credctl hook install with hook managers', () => {
  it('husky: adds one line to .husky/pre-commit, which husky runs', () => {
    const d = jsProject();
    const init = spawnSync(process.execPath, [huskyBin, 'init'], { cwd: d, encoding: 'utf8' });
    expect(init.status, init.stderr).toBe(0);
    expect(git(d, 'config', 'core.hooksPath').trim()).toBe('.husky/_');
    writeFileSync(join(d, '.husky', 'pre-commit'), 'echo "project checks"\n'); // husky init's default runs npm test
    commit(d, 'husky');

    const r = credctl(['hook', 'install', '--json'], { cwd: d, env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ path: join(d, '.husky', 'pre-commit'), action: 'installed', integrations: [] });
    expect(readFileSync(join(d, '.husky', 'pre-commit'), 'utf8')).toBe(
      'echo "project checks"\n# credctl: block commits that add credentials (credctl hook install)\ncredctl scan --staged\n',
    );
    // husky's own files are left alone, and a second install changes nothing.
    expect(readFileSync(join(d, '.husky', '_', 'pre-commit'), 'utf8')).not.toContain('credctl');
    expect(JSON.parse(credctl(['hook', 'install', '--json'], { cwd: d, env }).stdout).action).toBe('updated');
    expect(readFileSync(join(d, '.husky', 'pre-commit'), 'utf8').match(/credctl scan --staged/g)).toHaveLength(1);
    commit(d, 'credctl hook');

    expectBlocksThenAllows(d);
  });

  it('lefthook (2.2.1): refuses to replace its hook, prints the configuration to add, which lefthook runs', () => {
    const d = jsProject();
    symlinkSync(lefthookPackage, join(d, 'node_modules', 'lefthook'));
    write(d, 'lefthook.yml', 'pre-commit:\n  commands:\n    lint:\n      run: "true"\n');
    const install = spawnSync(process.execPath, [join(lefthookPackage, 'bin', 'index.js'), 'install'], { cwd: d, encoding: 'utf8' });
    expect(install.status, install.stdout + install.stderr).toBe(0);
    expect(readFileSync(join(d, '.git', 'hooks', 'pre-commit'), 'utf8')).toContain('lefthook');

    const r = credctl(['hook', 'install'], { cwd: d, env });
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/not written by credctl; not overwriting it\n  This project uses lefthook: add to lefthook\.yml:/);
    // What the command prints for lefthook users, merged into the configuration as printed.
    const config = YAML.parse(readFileSync(join(d, 'lefthook.yml'), 'utf8'));
    config['pre-commit'].commands = { ...config['pre-commit'].commands, ...YAML.parse(lefthookInstructions(d).join('\n'))['pre-commit'].commands };
    write(d, 'lefthook.yml', YAML.stringify(config));
    commit(d, 'lefthook runs credctl');

    expectBlocksThenAllows(d);
  });
});

/** The YAML lines `credctl hook install` prints for lefthook (its JSON output's instructions). */
function lefthookInstructions(d: string): string[] {
  // Ask in a copy without lefthook's hook in place, so the command succeeds and prints JSON.
  const probe = gitRepo();
  write(probe, 'lefthook.yml', readFileSync(join(d, 'lefthook.yml'), 'utf8'));
  const r = credctl(['hook', 'install', '--json'], { cwd: probe, env });
  expect(r.code, r.stderr).toBe(0);
  const lefthook = (JSON.parse(r.stdout) as { integrations: { tool: string; instructions: string }[] }).integrations.find((i) => i.tool === 'lefthook')!;
  const [first, ...yaml] = lefthook.instructions.split('\n');
  expect(first).toBe('add to lefthook.yml:');
  return yaml.map((l) => l.replace(/^ {2}/, ''));
}
