import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, commit, credctl, fake, git, gitRepo, REPO, testRulesDir, write } from './helpers.js';

// Real repositories, the real hook script, real `git commit`s.
let env: Record<string, string>;
beforeAll(() => {
  env = { CREDCTL_PROVIDERS_DIR: testRulesDir() };
});
afterAll(cleanup);

function tryCommit(cwd: string, message: string) {
  spawnSync('git', ['add', '-A'], { cwd });
  const r = spawnSync('git', ['commit', '-m', message], { cwd, encoding: 'utf8', env: { ...process.env, ...env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('credctl hook install', () => {
  it('blocks a commit that adds a secret, says where and how to allow it; allows after credctl:allow and for clean changes', () => {
    const d = gitRepo();
    write(d, 'README.md', '# app\n');
    commit(d, 'init');
    const inst = credctl(['hook', 'install'], { cwd: d, env });
    expect(inst.code).toBe(0);
    const hook = join(d, '.git/hooks/pre-commit');
    expect(statSync(hook).mode & 0o111).not.toBe(0);

    const secret = fake.stripe(1);
    write(d, 'src/pay.js', `// payments\nconst key = "${secret}";\n`);
    const blocked = tryCommit(d, 'add payments');
    expect(blocked.code).not.toBe(0);
    expect(blocked.out).toContain('src/pay.js:2:14');
    expect(blocked.out).toContain(`sk_live_…${secret.slice(-4)}`);
    expect(blocked.out).toContain('credctl:allow');
    expect(blocked.out).toContain('.credctlignore');
    expect(blocked.out).not.toContain(secret);
    expect(git(d, 'log', '--oneline').trim().split('\n')).toHaveLength(1);

    write(d, 'src/pay.js', `// payments\nconst key = "${secret}"; // credctl:allow (test key)\n`);
    expect(tryCommit(d, 'add payments, allowed').code).toBe(0);

    write(d, 'README.md', '# app\n\nMore docs.\n');
    expect(tryCommit(d, 'docs').code).toBe(0);
    expect(git(d, 'log', '--oneline').trim().split('\n')).toHaveLength(3);
  });

  it('refuses to overwrite a foreign hook without --force, keeps a backup with it, and re-installs its own hook freely', () => {
    const d = gitRepo();
    const hook = join(d, '.git/hooks/pre-commit');
    mkdirSync(join(d, '.git/hooks'), { recursive: true });
    writeFileSync(hook, '#!/bin/sh\necho mine\n', { mode: 0o755 });
    const refused = credctl(['hook', 'install'], { cwd: d });
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(/not written by credctl/);
    expect(readFileSync(hook, 'utf8')).toContain('echo mine');
    const forced = credctl(['hook', 'install', '--force', '--json'], { cwd: d });
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ action: 'replaced', backup: `${hook}.credctl-backup` });
    expect(readFileSync(`${hook}.credctl-backup`, 'utf8')).toContain('echo mine');
    expect(JSON.parse(credctl(['hook', 'install', '--json'], { cwd: d }).stdout).action).toBe('updated');
    expect(credctl(['hook', 'uninstall'], { cwd: d }).code).toBe(0);
    expect(readFileSync(hook, 'utf8')).toContain('echo mine');
  });

  it('honours core.hooksPath and tells husky and lefthook users what to add', () => {
    const d = gitRepo();
    git(d, 'config', 'core.hooksPath', 'githooks');
    mkdirSync(join(d, '.husky'));
    write(d, 'lefthook.yml', 'pre-push:\n');
    const r = credctl(['hook', 'install'], { cwd: d });
    expect(r.code).toBe(0);
    expect(existsSync(join(d, 'githooks/pre-commit'))).toBe(true);
    expect(existsSync(join(d, '.git/hooks/pre-commit'))).toBe(false);
    expect(r.stderr).toMatch(/husky detected: .*\.husky\/pre-commit.*credctl scan --staged/);
    expect(r.stderr).toMatch(/lefthook detected: add to lefthook\.yml/);
  });

  it('exits 3 outside a git repository', () => {
    const r = credctl(['hook', 'install'], { cwd: '/' });
    expect(r.code).toBe(3);
  });
});

describe('.pre-commit-hooks.yaml', () => {
  it('declares the credctl hook for the pre-commit framework', () => {
    const text = readFileSync(join(REPO, '.pre-commit-hooks.yaml'), 'utf8');
    expect(text).toMatch(/^- id: credctl$/m);
    expect(text).toMatch(/^ {2}language: node$/m);
    expect(text).toMatch(/^ {2}entry: credctl scan --staged$/m);
    expect(text).toMatch(/^ {2}pass_filenames: false$/m);
  });
});
