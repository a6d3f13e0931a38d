import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, commit, runCredctl, fake, git, gitRepo, tempDir, testRulesDir, write } from './helpers.js';

// End-to-end through the real CLI (node bin/credctl → dist/, built by `npm test`'s pretest).
let rulesDir: string;
let env: Record<string, string>;
beforeAll(async () => {
  rulesDir = testRulesDir();
  env = { CREDCTL_PROVIDERS_DIR: rulesDir };
});
afterAll(cleanup);

describe('credctl scan (CLI)', () => {
  it('exits 0 on a clean project, 1 with findings, N with --exit-code N', async () => {
    const d = tempDir();
    write(d, 'clean.txt', 'nothing\n');
    const clean = await runCredctl(['scan', d], { env });
    expect(clean.code).toBe(0);
    expect(clean.stdout).toBe('');
    expect(clean.stderr).toMatch(/no credentials found/);

    write(d, 'app/.env', `STRIPE_SECRET_KEY=${fake.stripe(1)}\n`);
    const found = await runCredctl(['scan', '.'], { env, cwd: d });
    expect(found.code).toBe(1);
    expect(found.stdout).toContain('app/.env:1:19');
    expect(found.stdout).toContain('stripe-secret-key');
    expect(found.stderr).toMatch(/1 finding in 1 file/);
    expect((await runCredctl(['scan', d, '--exit-code', '7'], { env })).code).toBe(7);
    expect((await runCredctl(['scan', d, '--exit-code', '0'], { env })).code).toBe(0);
  });

  it('prints one JSON document with --json, with paths relative to the current directory', async () => {
    const d = tempDir();
    write(d, 'proj/src/a.ts', `\nconst k = "${fake.github(2)}";\n`);
    const r = await runCredctl(['scan', 'proj', '--json'], { env, cwd: d });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.findings).toEqual([expect.objectContaining({ ruleId: 'github-classic-pat', file: 'proj/src/a.ts', line: 2, column: 12 })]);
    expect(doc.stats.filesScanned).toBe(1);
  });

  it('reads stdin with -', async () => {
    const r = await runCredctl(['scan', '-', '--format', 'jsonl'], { env, input: `2024-01-01 step 3\nexport TOKEN=${fake.github(3)}\n` });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ file: '-', line: 2, column: 14 });
  });

  it('exits 2 on bad usage and 3 on bad input, with one line and no stack trace', async () => {
    const d = tempDir();
    for (const args of [
      ['scan', '--format', 'xml'],
      ['scan', '--history', '--staged'],
      ['scan', '--exit-code', 'abc'],
      ['scan', '--json', '--format', 'sarif'],
      ['scan', '--max-file-size', 'huge'],
      ['scan', '--bogus'],
    ]) {
      const r = await runCredctl(args, { env, cwd: d });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const missing = await runCredctl(['scan', 'does-not-exist'], { env, cwd: d });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^credctl: cannot scan does-not-exist: no such file or directory\n$/);
    expect((await runCredctl(['scan', '--history'], { env, cwd: d })).code).toBe(3);
    expect((await runCredctl(['scan', d, '--baseline', join(d, 'none.json')], { env })).code).toBe(3);
  });

  it('--help documents the flags, examples and exit codes', async () => {
    const r = await runCredctl(['scan', '--help']);
    expect(r.code).toBe(0);
    for (const s of [
      '--history',
      '--staged',
      '--no-ignore',
      '--format',
      '--json',
      '--baseline',
      '--update-baseline',
      '--exit-code',
      '--max-file-size',
      'Examples:',
      'Exit codes:',
      'credctl:allow',
      '.credctlignore',
    ]) {
      expect(r.stdout).toContain(s);
    }
  });

  it('--update-baseline writes .credctl-baseline.json at the project root, which later scans use by default', async () => {
    const d = gitRepo();
    write(d, 'a.env', `K=${fake.stripe(4)}\n`);
    commit(d, 'a');
    const up = await runCredctl(['scan', '--update-baseline'], { env, cwd: d });
    expect(up.code).toBe(0);
    expect(up.stderr).toMatch(/1 new entry/);
    expect(readFileSync(join(d, '.credctl-baseline.json'), 'utf8')).not.toContain(fake.stripe(4));
    write(d, 'a.env', `# moved down\n\nK=${fake.stripe(4)}\n`);
    const again = await runCredctl(['scan'], { env, cwd: d });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/suppressed 1 by baseline/);
  });

  it('--history and --staged through the CLI', async () => {
    const d = gitRepo();
    write(d, 'old.env', `K=${fake.stripe(5)}\n`);
    commit(d, 'leak');
    write(d, 'old.env', 'K=\n');
    commit(d, 'unleak');
    const h = await runCredctl(['scan', '--history', '--json'], { env, cwd: d });
    expect(h.code).toBe(1);
    expect(JSON.parse(h.stdout).findings).toEqual([expect.objectContaining({ file: 'old.env', status: 'deleted', commits: 1, author: 'Alice Example' })]);
    write(d, 'new.env', `T=${fake.github(6)}\n`);
    commit(d, 'x');
    write(d, 'new.env', `T=${fake.github(6)}\nU=${fake.github(7)}\n`);
    await runCredctl(['scan'], { env, cwd: d }); // a working-tree scan must not touch the index
    git(d, 'add', 'new.env');
    const s = await runCredctl(['scan', '--staged', '--format', 'jsonl'], { env, cwd: d });
    expect(s.code).toBe(1);
    expect(
      s.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).line),
    ).toEqual([2]);
  });
});
