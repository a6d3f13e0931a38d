/**
 * `npm run mutation` holds every survivor to a reason (test/mutation/reasons/) and fails while one
 * has none. These check the part that runs without Stryker: how a reason is matched to a survivor,
 * that a broken or misnamed reasons file is refused rather than silently ignored, and that the
 * committed SURVIVORS.md is what the committed results and reasons say.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

interface Survivor {
  mutator: string;
  original: string;
  replaced: string;
  line: string;
}
interface Reason {
  kind: string;
  why: string;
  used: number;
}
interface Lib {
  readReasons(path: string): Reason[];
  reasonFor(reasons: Reason[], s: Survivor): Reason | undefined;
  reasonsFileFor(file: string): string;
  reasonsDir: string;
  survivorsReport(): string;
}
interface Config {
  MUTATED_MODULES: { file: string }[];
}

const ROOT = join(import.meta.dirname, '..', '..');
// Plain JavaScript run by node: imported by a computed path so that the type check leaves it be.
const lib = (await import(join(ROOT, 'scripts', 'mutation-survivors.mjs') as string)) as Lib;
const config = (await import(join(ROOT, 'stryker.config.mjs') as string)) as Config;

const dir = mkdtempSync(join(tmpdir(), 'credctl-reasons-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const reasonsFile = (name: string, yaml: string) => {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
};
const survivor = (s: Partial<Survivor>): Survivor => ({ mutator: 'ArrayDeclaration', original: '[value]', replaced: '[]', line: '', ...s });

describe('a reason explains the survivors it matches', () => {
  const reasons = lib.readReasons(
    reasonsFile(
      'matching.yaml',
      `- mutator: ArrayDeclaration
  original: '[value]'
  replaced: '[]'
  near: keyString
  kind: redundant
  why: the long-token cut masks it as well
- mutator: ConditionalExpression
  original: /\\.status >= 200$/
  replaced: 'true'
  kind: equivalent
  why: no 1xx status reaches the module
`,
    ),
  );

  it('by mutator, original text, replacement and a piece of its line', () => {
    const hit = survivor({ line: '  const value = reply.json?.keyString; fail([value])' });
    expect(lib.reasonFor(reasons, hit)?.kind).toBe('redundant');
    // The same mutant on another line, with another mutator or replacement, is not explained.
    expect(lib.reasonFor(reasons, survivor({ line: 'fail([value])' }))).toBeUndefined();
    expect(lib.reasonFor(reasons, survivor({ mutator: 'StringLiteral', line: hit.line }))).toBeUndefined();
    expect(lib.reasonFor(reasons, survivor({ replaced: '["Stryker was here"]', line: hit.line }))).toBeUndefined();
    expect(lib.reasonFor(reasons, survivor({ original: '[value, admin]', line: hit.line }))).toBeUndefined();
  });

  it('a /regex/ matches the text it describes, and only that', () => {
    const status = (original: string) => survivor({ mutator: 'ConditionalExpression', original, replaced: 'true' });
    expect(lib.reasonFor(reasons, status('reply.status >= 200'))?.kind).toBe('equivalent');
    expect(lib.reasonFor(reasons, status('reply.status >= 2000'))).toBeUndefined();
    expect(lib.reasonFor(reasons, status('reply.status >= 200 && ok'))).toBeUndefined();
  });

  it('counts what each reason explained, so a reason that explains nothing can be found', () => {
    expect(reasons.map((r) => r.used)).toEqual([1, 1]);
  });
});

describe('a reasons file that cannot be trusted is refused', () => {
  it.each([
    ['no kind', `- { mutator: StringLiteral, original: "'x'", why: because }`, /kind must be one of equivalent, redundant, wording/],
    ['a kind that excuses nothing', `- { mutator: StringLiteral, original: "'x'", kind: later, why: because }`, /kind must be one of/],
    ['no why', `- { mutator: StringLiteral, original: "'x'", kind: wording }`, /needs a why/],
    ['an empty why', `- { mutator: StringLiteral, original: "'x'", kind: wording, why: '  ' }`, /needs a why/],
    ['no original', `- { mutator: StringLiteral, kind: wording, why: because }`, /needs mutator and original/],
    ['not a list', 'mutator: StringLiteral\n', /expected a list of reasons/],
  ])('%s', (_, yaml, error) => {
    expect(() => lib.readReasons(reasonsFile('bad.yaml', yaml))).toThrow(error);
  });

  it('names the file and the entry', () => {
    const path = reasonsFile('second.yaml', `- { mutator: A, original: a, kind: wording, why: w }\n- { mutator: B, original: b, kind: wording }\n`);
    expect(() => lib.readReasons(path)).toThrow(`${path} entry 2: needs a why`);
  });
});

describe('the committed reasons', () => {
  const files = readdirSync(join(ROOT, lib.reasonsDir)).filter((f) => f.endsWith('.yaml'));

  it('every file is well-formed', () => {
    for (const f of files) expect(() => lib.readReasons(join(ROOT, lib.reasonsDir, f)), f).not.toThrow();
  });

  it("every module's file is named after a listed module (a misnamed file would be silently ignored)", () => {
    const named = new Set(config.MUTATED_MODULES.map((m) => lib.reasonsFileFor(m.file).split('/').pop()));
    expect(files.filter((f) => f !== 'all.yaml' && !named.has(f))).toEqual([]);
  });

  it('SURVIVORS.md is what the committed results and reasons say (regenerate with node scripts/mutation-survivors.mjs)', () => {
    expect(readFileSync(join(ROOT, 'test', 'mutation', 'SURVIVORS.md'), 'utf8')).toBe(lib.survivorsReport());
  });
});
