import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/core/fingerprint.js';
import { addedLines, splitLines, unquoteGitPath } from '../../src/scan/diff.js';
import { scanHistory } from '../../src/scan/history.js';
import { cleanup, commit, runCredctl, fake, git, gitRepo, tempDir, testRulesDir, write } from './helpers.js';

const rulesDir = testRulesDir();
afterAll(cleanup);

const BOB = {
  GIT_AUTHOR_NAME: 'Bob Builder',
  GIT_AUTHOR_EMAIL: 'bob@example.test',
  GIT_AUTHOR_DATE: '2024-03-01T10:00:00Z',
  GIT_COMMITTER_DATE: '2024-03-01T10:00:00Z',
};
const at = (iso: string) => ({ GIT_AUTHOR_DATE: iso, GIT_COMMITTER_DATE: iso });

describe('scanHistory', () => {
  it('reports a secret once, with its first commit, author, commit count and deleted status', async () => {
    const d = gitRepo();
    const leaked = fake.stripe(1);
    const kept = fake.github(2);
    write(d, 'README.md', '# demo\n');
    commit(d, 'init', at('2024-01-01T10:00:00Z'));
    write(d, 'config/.env', `# config\nDEBUG=1\nSTRIPE_SECRET_KEY=${leaked}\n`);
    const first = commit(d, 'add config', at('2024-01-02T10:00:00Z'));
    rmSync(join(d, 'config/.env'));
    commit(d, 'oops, remove secret', at('2024-01-03T10:00:00Z'));
    // The same value comes back on a branch, by someone else, later.
    git(d, 'checkout', '-q', '-b', 'feature');
    write(d, 'src/pay.js', `const key = "${leaked}";\n`);
    commit(d, 'pay', BOB);
    write(d, 'src/pay.js', `const key = process.env.KEY;\n`);
    commit(d, 'fix', { ...BOB, ...at('2024-03-02T10:00:00Z') });
    git(d, 'checkout', '-q', 'main');
    write(d, 'src/gh.js', `\n\nconst token = "${kept}";\n`);
    const ghCommit = commit(d, 'gh', at('2024-02-01T10:00:00Z'));

    const r = await scanHistory({ cwd: d, base: d, rulesDir });
    expect(r.findings).toHaveLength(2);
    const byFp = Object.fromEntries(r.findings.map((f) => [f.fingerprint, f]));
    expect(byFp[fingerprint(leaked)]).toMatchObject({
      ruleId: 'stripe-secret-key',
      file: 'config/.env',
      line: 3,
      column: 19,
      commit: first,
      author: 'Alice Example',
      commits: 2,
      status: 'deleted',
    });
    expect(byFp[fingerprint(leaked)]!.date).toMatch(/^2024-01-02T10:00:00/);
    expect(byFp[fingerprint(kept)]).toMatchObject({ file: 'src/gh.js', line: 3, commit: ghCommit, commits: 1, status: 'present' });
    expect(r.stats.commitsScanned).toBe(6);
  });

  it('reports a value that is still in the tree as present even behind credctl:allow, and honours .credctlignore', async () => {
    const d = gitRepo();
    write(d, 'a.txt', `${fake.stripe(3)}\n`);
    commit(d, 'a');
    write(d, 'a.txt', `# credctl:allow\n${fake.stripe(3)}\n`);
    commit(d, 'allow it');
    write(d, 'fixtures/x.txt', `${fake.stripe(4)}\n`);
    write(d, '.credctlignore', 'fixtures/\n');
    commit(d, 'fixtures');
    const r = await scanHistory({ cwd: d, base: d, rulesDir });
    expect(r.findings.map((f) => [f.file, f.status])).toEqual([['a.txt', 'present']]);
    expect(r.stats.skipped.ignored).toBe(1);
  });

  it('--range: only what the commits of a push or pull request add', async () => {
    const d = gitRepo();
    write(d, 'old.env', `OLD=${fake.stripe(5)}\n`);
    commit(d, 'old secret on main');
    git(d, 'checkout', '-q', '-b', 'pr');
    write(d, 'new.env', `NEW=${fake.github(6)}\n`);
    const added = commit(d, 'the pull request adds one');
    const r = await scanHistory({ cwd: d, base: d, rulesDir, range: 'main..pr' });
    expect(r.findings.map((f) => [f.file, f.commit, f.status])).toEqual([['new.env', added, 'present']]);
    expect(r.stats.commitsScanned).toBe(1);
    expect((await scanHistory({ cwd: d, base: d, rulesDir, range: 'pr..main' })).findings).toEqual([]);
    // From the CLI: implies history; a range git does not know, or one that looks like an
    // option, is a clear error (never passed to git as a flag).
    const cli = await runCredctl(['scan', '--range', 'main..pr', '--json'], { cwd: d, env: { CREDCTL_PROVIDERS_DIR: rulesDir } });
    expect(cli.code).toBe(1);
    expect(JSON.parse(cli.stdout).findings).toHaveLength(1);
    expect(await runCredctl(['scan', '--range', 'nope..pr'], { cwd: d, env: { CREDCTL_PROVIDERS_DIR: rulesDir } })).toMatchObject({
      code: 3,
      stderr: expect.stringMatching(/^credctl: git log failed: fatal: .*unknown revision/),
    });
    for (const bad of ['--output=/tmp/x', '-p', 'a b', '']) {
      expect((await runCredctl(['scan', '--range', bad], { cwd: d })).stderr).toMatch(/--range must be a git revision range/);
    }
    expect((await runCredctl(['scan', '--range', 'main..pr', '--staged'], { cwd: d })).code).toBe(2);
  });

  it('handles an empty repository and rejects a directory that is not a repository', async () => {
    const d = gitRepo();
    const r = await scanHistory({ cwd: d, base: d, rulesDir });
    expect(r.findings).toEqual([]);
    const notRepo = tempDir();
    await expect(scanHistory({ cwd: notRepo, rulesDir })).rejects.toMatchObject({ exitCode: 3 });
  });
});

describe('diff parsing', () => {
  async function* from(text: string) {
    yield Buffer.from(text);
  }
  const collect = async (text: string) => {
    const out = [];
    for await (const c of addedLines(splitLines(from(text)))) out.push({ path: c.path, lines: c.lines, at: c.lineNumbers });
    return out;
  };

  it('tracks hunk counts, so added lines that look like headers stay content', async () => {
    const diff = [
      'diff --git a/x.txt b/x.txt',
      '--- a/x.txt',
      '+++ b/x.txt',
      '@@ -3,0 +4,2 @@',
      '+++ not a header',
      '+diff --git not either',
      '@@ -10 +12 @@',
      '-old',
      '+new',
      '\\ No newline at end of file',
      'diff --git "a/sp ace\\303\\251" "b/sp ace\\303\\251"',
      '--- /dev/null',
      '+++ "b/sp ace\\303\\251"',
      '@@ -0,0 +1 @@',
      '+hi\r',
      '',
    ].join('\n');
    expect(await collect(diff)).toEqual([
      { path: 'x.txt', lines: ['++ not a header', 'diff --git not either', 'new'], at: [4, 5, 12] },
      { path: 'sp aceé', lines: ['hi'], at: [1] },
    ]);
    expect(unquoteGitPath('"a\\tb"')).toBe('a\tb');
  });
});
