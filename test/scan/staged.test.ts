import { afterAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/core/fingerprint.js';
import { scanStaged } from '../../src/scan/staged.js';
import { cleanup, commit, fake, git, gitRepo, tempDir, testRulesDir, write } from './helpers.js';

const rulesDir = testRulesDir();
afterAll(cleanup);

describe('scanStaged', () => {
  it('reports only lines added in the staged diff, at their line in the new file', async () => {
    const d = gitRepo();
    const old = fake.stripe(1);
    write(d, 'app.env', `A=1\nOLD=${old}\nB=2\nC=3\n`);
    commit(d, 'base');
    const added = fake.github(2);
    write(d, 'app.env', `A=1\nOLD=${old}\nB=2\nNEW=${added}\nC=3\n`);
    write(d, 'unstaged.txt', `${fake.stripe(3)}\n`); // not added: not in the commit
    git(d, 'add', 'app.env');
    const r = await scanStaged({ cwd: d, base: d, rulesDir });
    expect(r.findings.map((f) => `${f.file}:${f.line}:${f.column}`)).toEqual(['app.env:4:5']);
    expect(r.findings[0]!.fingerprint).toBe(fingerprint(added));
    expect(r.findings[0]!.commit).toBeUndefined();
  });

  it('works before the first commit and ignores a pure rename', async () => {
    const d = gitRepo();
    write(d, 'first.txt', `x\n${fake.stripe(4)}\n`);
    git(d, 'add', '-A');
    const r = await scanStaged({ cwd: d, base: d, rulesDir });
    expect(r.findings.map((f) => `${f.file}:${f.line}`)).toEqual(['first.txt:2']);
    commit(d, 'first');
    git(d, 'mv', 'first.txt', 'moved.txt');
    const moved = await scanStaged({ cwd: d, base: d, rulesDir });
    expect(moved.findings).toEqual([]);
  });

  it('honours credctl:allow on the line, or on an unchanged comment line above, and .credctlignore', async () => {
    const d = gitRepo();
    write(d, 'a.py', '# credctl:allow  (test fixture)\n\n');
    commit(d, 'base');
    write(d, 'a.py', `# credctl:allow  (test fixture)\nKEY = "${fake.stripe(5)}"\nOTHER = "${fake.stripe(6)}"  # credctl:allow\nLAST = "${fake.stripe(7)}"\n`);
    write(d, '.credctlignore', 'testdata/**\n');
    write(d, 'testdata/keys.txt', `${fake.github(8)}\n`);
    git(d, 'add', '-A');
    const r = await scanStaged({ cwd: d, base: d, rulesDir });
    // The trailing allow on line 3 covers line 3 only, not line 4.
    expect(r.findings.map((f) => `${f.file}:${f.line}`)).toEqual(['a.py:4']);
    expect(r.stats.suppressed.allowComment).toBe(2);
    expect(r.stats.skipped.ignored).toBe(1);
  });

  it('rejects a directory outside git', async () => {
    await expect(scanStaged({ cwd: tempDir(), rulesDir })).rejects.toMatchObject({ exitCode: 3 });
  });
});
