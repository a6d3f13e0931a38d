import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBaseline, updateBaseline } from '../../src/scan/baseline.js';
import { scanPaths } from '../../src/scan/engine.js';
import { cleanup, commit, fake, gitRepo, tempDir, testRulesDir, write } from './helpers.js';

const rulesDir = testRulesDir();
afterAll(cleanup);

describe('credctl:allow', () => {
  it('suppresses on the same line, or on a comment-only line just above, and counts it', async () => {
    const d = tempDir();
    write(
      d,
      'test.js',
      [
        `const a = "${fake.stripe(1)}"; // credctl:allow`,
        '// credctl:allow: documented example',
        `const b = "${fake.stripe(2)}";`,
        `const c = "${fake.stripe(3)}";`,
        `const d = "${fake.stripe(4)}"; /* credctl:allow */`,
        `const e = "${fake.stripe(5)}";`,
      ].join('\n'),
    );
    const r = await scanPaths({ paths: [d], base: d, rulesDir, workers: 0 });
    expect(r.findings.map((f) => f.line)).toEqual([4, 6]);
    expect(r.stats.suppressed.allowComment).toBe(3);
  });
});

describe('.credctlignore', () => {
  it('skips matching paths (gitignore syntax, negation included) at the project root, and --no-ignore overrides it', async () => {
    const d = gitRepo();
    write(d, '.credctlignore', '# accepted fakes\ntest/fixtures/\n*.snap\n!keep.snap\n');
    write(d, 'test/fixtures/keys.env', `K=${fake.stripe(10)}\n`);
    write(d, 'a.snap', `${fake.stripe(11)}\n`);
    write(d, 'keep.snap', `${fake.stripe(12)}\n`);
    write(d, 'src/main.ts', `${fake.stripe(13)}\n`);
    commit(d, 'all');
    const r = await scanPaths({ paths: [d], base: d, rulesDir, workers: 0 });
    expect(r.findings.map((f) => f.file)).toEqual(['keep.snap', 'src/main.ts']);
    expect(r.stats.skipped.ignored).toBe(2);
    // Scanning a subdirectory still applies the root's .credctlignore (paths relative to the root).
    const sub = await scanPaths({ paths: [join(d, 'test')], base: d, rulesDir, workers: 0 });
    expect(sub.findings).toEqual([]);
    const all = await scanPaths({ paths: [d], base: d, rulesDir, workers: 0, noIgnore: true });
    expect(all.findings).toHaveLength(4);
  });
});

describe('baseline', () => {
  it('keeps accepted findings suppressed after the line moves and the file is renamed, but not a new value', async () => {
    const d = tempDir();
    const accepted = fake.stripe(20);
    write(d, 'a.env', `X=1\nKEY=${accepted}\n`);
    const first = await scanPaths({ paths: [d], base: d, rulesDir, workers: 0 });
    const file = join(d, '.credctl-baseline.json');
    expect(updateBaseline(file, first.findings)).toEqual({ added: 1, total: 1 });

    // Lines move, the file is renamed (a squash-merge would do the same), a new secret appears.
    write(d, 'a.env', '');
    write(d, 'moved/b.env', `# moved\n\n\n\nKEY=${accepted}\nNEW=${fake.stripe(21)}\n`);
    const baseline = readBaseline(file);
    const r = await scanPaths({ paths: [d], base: d, rulesDir, workers: 0, baseline });
    expect(r.findings.map((f) => `${f.file}:${f.line}`)).toEqual(['moved/b.env:6']);
    expect(r.stats.suppressed.baseline).toBe(1);

    // The file holds fingerprints and rule ids only.
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(accepted);
    expect(text).not.toContain(accepted.slice(-4));
    expect(JSON.parse(text).entries[0]).toEqual({ ruleId: 'stripe-secret-key', fingerprint: first.findings[0]!.fingerprint, file: 'a.env' });

    // Updating again adds only what is new and keeps what was there.
    expect(updateBaseline(file, r.findings)).toEqual({ added: 1, total: 2 });
  });

  it('rejects a missing or malformed baseline with exit code 3', () => {
    const d = tempDir();
    expect(() => readBaseline(join(d, 'nope.json'))).toThrow(expect.objectContaining({ exitCode: 3 }));
    write(d, 'bad.json', '{"version":1,"entries":[{"ruleId":"x","fingerprint":"sk_live_oops"}]}');
    expect(() => readBaseline(join(d, 'bad.json'))).toThrow(/fingerprint/);
    write(d, 'notjson.json', '{');
    expect(() => readBaseline(join(d, 'notjson.json'))).toThrow(expect.objectContaining({ exitCode: 3 }));
  });
});
