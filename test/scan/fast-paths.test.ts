import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ANCHOR_ASSIGNMENT, ANCHOR_PREFIX, compileRule, countCaptureGroups, loadRules, type Rule } from '../../src/providers/rules.js';
import { compileRuleSet, detect, type RawMatch } from '../../src/scan/detect.js';

// The scanner's speed-ups must never change what it finds. Each one is checked here against
// the plain way of doing the same thing, on the rules' own examples, the fixtures and the
// labelled corpus, and on generated lines built to sit at the edges of the anchored rules.

const rules = loadRules();
const fast = compileRuleSet(rules);
// The same rules without `anchor: identifier`: every rule scans its whole lines.
const plain = compileRuleSet(rules.map((r) => ({ ...r, anchoredRegex: undefined })));
const shape = (ms: RawMatch[]) => ms.map((m) => `${m.rule.id}@${m.index}:${m.value}:${m.name ?? ''}`);

const root = fileURLToPath(new URL('../../', import.meta.url));
function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else yield p;
  }
}
const fixtureTexts = [...files(join(root, 'fixtures'))].map((p) => readFileSync(p, 'utf8'));

// A deterministic generator of lines around the generic NAME=value rules: names with keywords at
// the start, middle and end, several names per line, quotes, brackets, operators, and values
// that do and do not pass the rules' filters.
function generatedLines(count: number): string[] {
  let seed = 0x5eed;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)]!;
  const names = [
    'API_KEY',
    'apiKey',
    'my.secret',
    'db-password',
    'KEY',
    'tokenizer',
    'SECRET_KEY_BASE',
    'pass',
    'user_pwd',
    'cacheKey',
    'x.y.token',
    'credentials',
    'PUBLIC_KEY',
    'monkey',
    'passport',
    'auth_token_2',
  ];
  const values = [
    'FAKEuqN3vnjUgruQobDrWnO6vPmt',
    'FAKE-ZJN43fCLB4!',
    'changeme',
    '${API_KEY}',
    'process.env.API_KEY',
    'abc',
    'FAKEg5yZNjDshBHdBqEgKeN10OGT1234567890',
    // Around valueNeeds: specials but no digit (the password rule's value may be that), letters only.
    'FAKE-pass!word#xQ',
    'FAKEqwertzuiopasdfghjkl',
  ];
  const ops = ['=', ': ', ' = ', ' => ', ':=', '?=', '"] = ', '", '];
  const quotes = ['', '"', "'", '`'];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const parts: string[] = [];
    const n = 1 + Math.floor(rnd() * 3);
    for (let j = 0; j < n; j++) {
      const q = pick(quotes);
      parts.push(
        `${pick(['', 'export ', '  ', 'const ', '("', '- '])}${pick(names)}${pick(ops)}${q}${pick(values)}${q}${pick(['', ';', ',', ' # note', ')'])}`,
      );
    }
    out.push(parts.join(pick([' ', '; ', ', '])));
  }
  return out;
}

describe('anchored rules (anchor: identifier)', () => {
  const anchored = rules.filter((r) => r.anchoredRegex);

  it('are the generic NAME=value rules, compiled sticky from the same source', () => {
    expect(anchored.map((r) => r.id).sort()).toEqual(['generic-password-assignment', 'generic-secret-assignment']);
    for (const r of anchored) {
      expect(r.anchoredRegex!.source).toBe(r.regex.source);
      expect(r.anchoredRegex!.sticky).toBe(true);
      expect(r.anchoredRegex!.global).toBe(false);
    }
  });

  it('find exactly what a whole-line scan finds: examples, fixtures, corpus', () => {
    const texts = [...rules.flatMap((r) => [...r.examples.positive, ...r.examples.negative]), ...fixtureTexts];
    let matches = 0;
    for (const t of texts) {
      const a = shape(detect(fast, t));
      expect(a, t.slice(0, 200)).toEqual(shape(detect(plain, t)));
      matches += a.length;
    }
    expect(matches).toBeGreaterThan(200); // the comparison covered real findings, not just empty lists
  });

  it('find exactly what a whole-line scan finds on generated edge cases, line by line and as one text', () => {
    const lines = generatedLines(3000);
    let found = 0;
    for (const line of lines) {
      const a = shape(detect(fast, line));
      expect(a, line).toEqual(shape(detect(plain, line)));
      found += a.filter((s) => s.startsWith('generic-')).length;
    }
    const big = lines.join('\n'); // above the automaton threshold: the other keyword search
    expect(shape(detect(fast, big))).toEqual(shape(detect(plain, big)));
    expect(found).toBeGreaterThan(300);
  });

  it('stay linear on one long run of identifier characters full of keywords', () => {
    // 200,000 keyword hits inside a single 1 MB identifier: walking back to its start for every
    // hit would be ~10^11 steps (minutes). The walk stops at the previous hit's known start.
    // Not a timing assertion: a quadratic walk would blow the test timeout by orders of magnitude.
    const text = `${'x_key'.repeat(200_000)}="FAKEuqN3vnjUgruQobDrWnO6vPmt"\n`;
    expect(shape(detect(fast, text))).toEqual(shape(detect(plain, text)));
    expect(detect(fast, text).map((m) => m.rule.id)).toEqual(['generic-secret-assignment']);
  });

  it('are refused when the regex or keywords cannot honour the anchor', () => {
    const base = { id: 'x-rule', kind: 'generic_secret', keywords: ['key'], anchor: 'identifier' };
    expect(() => compileRule('x', { ...base, regex: '([A-Z_]*KEY)=(\\w+)' }, 'providers/x/rules.yaml')).toThrow(
      /anchor: identifier needs a regex starting with/,
    );
    expect(() => compileRule('x', { ...base, regex: `${ANCHOR_PREFIX}(?<=key)=(\\w+)`, keywords: ['key='] }, 'providers/x/rules.yaml')).toThrow(
      /identifier characters only/,
    );
    expect(() => compileRule('x', { ...base, regex: `${ANCHOR_PREFIX}(?<=key)=(\\w+)`, anchor: 'line' }, 'providers/x/rules.yaml')).toThrow(
      /anchor must be "identifier"/,
    );
    expect(() => compileRule('x', { ...base, regex: `${ANCHOR_PREFIX}(?<=key)=(\\w+)`, flags: 'iu' }, 'providers/x/rules.yaml')).toThrow(/u or v flag/);
    expect(() => compileRule('x', { ...base, regex: `${ANCHOR_PREFIX}(?<=key)=(\\w+)` }, 'providers/x/rules.yaml')).toThrow(/assignment lookahead/);
    const ok: Rule = compileRule('x', { ...base, regex: `${ANCHOR_PREFIX}(?<=key)${ANCHOR_ASSIGNMENT}=(\\w+)` }, 'providers/x/rules.yaml');
    expect(ok.anchoredRegex?.sticky).toBe(true);
  });
});

describe('valueNeeds (an anchored rule is tried only where its value can be)', () => {
  it('is set on the anchored rules, and every positive example’s value holds one of its characters', () => {
    for (const r of rules.filter((x) => x.anchoredRegex)) {
      expect(r.valueNeeds, r.id).toBeDefined();
      for (const m of r.examples.positive.flatMap((ex) => detect(compileRuleSet([r]), ex))) {
        expect(
          [...m.value].some((c) => c.charCodeAt(0) >= 128 || r.valueNeeds![c.charCodeAt(0)] === 1),
          `${r.id}: ${m.value}`,
        ).toBe(true);
      }
    }
  });

  it('is checked when a rule is loaded', () => {
    const base = { id: 'x-rule', kind: 'generic_secret', keywords: ['key'], regex: `${ANCHOR_PREFIX}(?<=key)${ANCHOR_ASSIGNMENT}=(\\w+)` };
    expect(compileRule('x', { ...base, anchor: 'identifier', valueNeeds: '[0-9]' }, 'p').valueNeeds?.[48]).toBe(1);
    expect(compileRule('x', { ...base, anchor: 'identifier', valueNeeds: '[0-9]' }, 'p').valueNeeds?.[97]).toBe(0);
    expect(() => compileRule('x', { ...base, valueNeeds: '[0-9]' }, 'p')).toThrow(/valueNeeds needs anchor: identifier/);
    expect(() => compileRule('x', { ...base, anchor: 'identifier', valueNeeds: '\\d' }, 'p')).toThrow(/one character class/);
    expect(() => compileRule('x', { ...base, anchor: 'identifier', valueNeeds: '[z-a]' }, 'p')).toThrow(/valueNeeds/);
  });

  it('lets the regex decide on a line too long to look through', () => {
    const r = rules.find((x) => x.id === 'generic-secret-assignment')!;
    // The value's digits are 1,100 characters past the keyword (spaces before the value).
    const line = `API_SECRET =${' '.repeat(1100)}"FAKEq2WzUo7pLx4VnR8sTb3Ye6Dk";`;
    const found = shape(detect(compileRuleSet([r]), line));
    expect(found).toHaveLength(1);
    expect(found).toEqual(shape(detect(compileRuleSet([{ ...r, anchoredRegex: undefined }]), line)));
  });
});

describe('capture groups counted from the regex source (no regex compilation at start-up)', () => {
  const v8Count = (src: string) => new RegExp(`${src}|`).exec('')!.length - 1;

  it('agree with V8 for every shipped rule', () => {
    for (const r of rules) expect(countCaptureGroups(r.regex.source), r.id).toBe(v8Count(r.regex.source));
  });

  it('agree with V8 on escapes, classes, lookarounds and named groups', () => {
    for (const src of ['a(b)c', '\\(x\\)', '[(]', '[\\]()]', '(?:a)(b)', '(?=a)(?!b)(?<=c)(?<!d)', '(?<name>x)(y)', '((a)(?:b(c)))', '[^)(]+(z)', '\\\\(q)']) {
      expect(countCaptureGroups(src), src).toBe(v8Count(src));
    }
  });
});

describe('the path-bound rules tested at once (their union), before one by one', () => {
  const bound = rules.filter((r) => r.paths);
  const oneByOne = (p: string) => bound.some((r) => r.paths!.some((re) => re.test(p)));

  it('agrees with testing every rule’s paths, on the rules’ own example paths and the fixture tree', () => {
    expect(fast.pathBoundAny).toBeDefined();
    const paths = [
      ...bound.flatMap((r) => (r.examplePath ? [r.examplePath, `deep/dir/${r.examplePath}`] : [])),
      ...[...files(join(root, 'fixtures'))].map((p) => p.slice(root.length)),
    ];
    paths.push('x.sql', 'db/dump-2024.gz', '.dbeaver/x', 'a.dbeaver-b/c', 'app/config/master.key', 'recentservers.xml.bak', 'notes.txt');
    expect(paths.filter((p) => oneByOne(p)).length).toBeGreaterThan(5);
    for (const p of paths) expect(fast.pathBoundAny!.test(p), p).toBe(oneByOne(p));
  });

  it('is not built when joining would change a rule’s meaning', () => {
    const withBackref = compileRuleSet([
      { ...bound[0]!, paths: [/(a)\1$/] },
      { ...bound[1]!, paths: [/b$/] },
    ]);
    expect(withBackref.pathBoundAny).toBeUndefined();
    const mixedFlags = compileRuleSet([
      { ...bound[0]!, paths: [/a$/i] },
      { ...bound[1]!, paths: [/b$/] },
    ]);
    expect(mixedFlags.pathBoundAny).toBeUndefined();
  });
});
