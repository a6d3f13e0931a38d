import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compileRule } from '../../src/providers/rules.js';
import { classifyValue, compileRuleSet, detect } from '../../src/scan/detect.js';
import { checkIssuerPattern, issuerRuleGroup, issuerRules, literalPrefix, setIssuerRules } from '../../src/scan/issuer-rules.js';
import { loadRulesCached } from '../../src/scan/rules-cache.js';

/**
 * A manifest's credential_patterns become scan rules only after the checks of decision 8
 * (anchored, <= 512 characters, no backreferences or lookaround, not super-linear), and they
 * find a key inside text at identifier boundaries, keyed on the pattern's literal prefix.
 */
// Made at run time (a literal with FAKE or EXAMPLE in it is dropped as a placeholder, rightly).
const randomTail = () => [...randomBytes(32)].map((b) => '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'[b % 62]).join('');
const LIVE = `acme_live_${randomTail()}`;
const TEST = `acme_test_${randomTail()}`;

function rulesFor(patterns: { name: string; regex: string; environment?: string; kind?: string }[]) {
  const { group, unscanned } = issuerRuleGroup('acme', 'credctl.yaml: providers.acme', patterns);
  return { rules: group.rules.map((r) => compileRule('acme', r, 'test')), unscanned };
}

describe('issuer credential patterns', () => {
  it('find keys in text, at identifier boundaries, with the environment the pattern names', () => {
    const { rules } = rulesFor([
      { name: 'live', regex: '^acme_live_[0-9A-Za-z]{32}$', environment: 'live' },
      { name: 'test', regex: '^acme_test_[0-9A-Za-z]{32}$', environment: 'test', kind: 'token' },
    ]);
    expect(rules.map((r) => [r.id, r.kind, r.keywords])).toEqual([
      ['acme-issuer-pattern-0', 'api_key', ['acme_live_']],
      ['acme-issuer-pattern-1', 'token', ['acme_test_']],
    ]);
    const set = compileRuleSet(rules);
    const hits = detect(set, `ACME_KEY=${LIVE}\nexport ACME_TEST="${TEST}"\nlonger=${LIVE}xyz\nx${LIVE}\n`);
    expect(hits.map((h) => [h.value, h.environment])).toEqual([
      [LIVE, 'live'],
      [TEST, 'test'],
    ]);
  });

  it('a pattern without a literal prefix of 3+ characters is checked but not scanned for', () => {
    const { rules, unscanned } = rulesFor([
      { name: 'hex', regex: '^[0-9a-f]{40}$' },
      { name: 'alt', regex: '^(?:ak|sk)_[0-9a-z]{20}$' },
      { name: 'top-level or', regex: '^acme_a$|^acme_b$' },
      // Found in review: a manifest claimed every JWT the generic rules find, and got them sent to its whoami.
      { name: 'a JWT', regex: '^eyJ[A-Za-z0-9_.-]{10,400}$' },
      { name: 'a URL', regex: '^https://[a-z.]{4,64}$' },
    ]);
    expect(rules).toEqual([]);
    expect(unscanned).toEqual([0, 1, 2, 3, 4]);
  });

  it('literal prefixes stop at the first class, group or quantified character', () => {
    expect(literalPrefix('acme_live_[0-9]{4}')).toBe('acme_live_');
    expect(literalPrefix('ACME\\-KEY\\-[0-9]{4}')).toBe('acme-key-');
    expect(literalPrefix('acmes?_[0-9]{4}')).toBe('acme');
    expect(literalPrefix('(acme)_[0-9]{4}')).toBe('');
  });

  it.each([
    ['acme_[a-z]{8}', /must be anchored/],
    ['^acme_[a-z]{8}', /must be anchored/],
    ['^acme_[a-z]{8}\\$', /must be anchored/],
    ['^acme_[a-z]{8}|[a-z]{8}$', /anchored \(\^\.\.\.\$\) as a whole/],
    ['^acme_(?=x)[a-z]{8}$', /lookaround/],
    // Found in review: both passed scslre and the probe, and hung or slowed the scan.
    ['^abc(?:(?:(?:x{0,200}){0,200}){0,200})$', /nested repetition/],
    ['^abc[a-z.]{1,100000}Q$', /repeats up to 100000 times/],
    ['^acme_(a)\\1$', /backreference/],
    ['^(a+)+$', /nested repetition|backtrack catastrophically/],
    // scslre does not model this one; the time-boxed probe (in a vm with a timeout) catches it.
    ['^(a|a)*$', /too slow on adversarial input/],
    ['^([a-z]+)-\\1$', /backreference/],
    ['^acme_(?<n>[a-z]+)_\\k<n>$', /backreference/],
    ['^(?!test)acme_[a-z]{8}$', /lookaround/],
    ['^acme_(?<=e_)[a-z]{8}$', /lookaround/],
    ['^acme_[a-z{8}$', /does not compile/],
    [`^${'a'.repeat(511)}$`, /513 characters; at most 512/],
  ])('refuses %s', (regex, message) => {
    expect(() => checkIssuerPattern(regex, 'credctl.yaml: providers.acme: credential_patterns[0]')).toThrow(message);
    try {
      checkIssuerPattern(regex, 'credctl.yaml: providers.acme: credential_patterns[0]');
    } catch (err) {
      expect((err as { exitCode: number }).exitCode).toBe(3);
      expect((err as Error).message).toMatch(/^credctl\.yaml: providers\.acme: credential_patterns\[0\]: /);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it("cannot claim another vendor's keys: a shipped vendor rule wins the value, so it is never sent to the issuer", () => {
    const stripeLike = `sk_live_${randomTail().slice(0, 28)}`;
    const { group } = issuerRuleGroup('acme', 'credctl.yaml: providers.acme', [
      { name: 'greedy', regex: '^sk_live_[0-9A-Za-z]{24,99}$' },
      { name: 'own', regex: '^acme_live_[0-9A-Za-z]{32}$' },
    ]);
    setIssuerRules([group]);
    try {
      expect(issuerRules().every((r) => r.fromIssuer)).toBe(true);
      const set = compileRuleSet(loadRulesCached());
      expect(classifyValue(set, stripeLike, 'PAYMENTS_KEY')?.rule.provider).toBe('stripe');
      expect(detect(set, `PAYMENTS_KEY=${stripeLike}\n`).map((m) => m.rule.provider)).toEqual(['stripe']);
      // Where the shipped rule is less sure than the issuer's (medium or low confidence), it still wins.
      const shipped = compileRuleSet(loadRulesCached());
      const unsure = loadRulesCached()
        .filter((r) => !r.fromIssuer && r.provider !== 'generic' && r.kind !== 'generic_secret' && r.confidence !== 'high')
        .flatMap((r) => r.examples.positive.map((ex) => ({ r, m: detect(shipped, ex, r.examplePath).find((m) => m.rule.id === r.id) })))
        .find((x) => x.m && /^[0-9A-Za-z_-]{8,200}$/.test(x.m.value) && !x.r.paths);
      expect(unsure, 'a shipped vendor rule of medium or low confidence with a plain example').toBeDefined();
      const claim = issuerRuleGroup('acme', 'credctl.yaml: providers.acme', [{ name: 'claim', regex: `^${unsure!.m!.value.replace(/[-]/g, '\\-')}$` }]);
      setIssuerRules([claim.group]);
      const withClaim = compileRuleSet(loadRulesCached());
      expect(detect(withClaim, unsure!.r.examples.positive[0]!, unsure!.r.examplePath).find((m) => m.value === unsure!.m!.value)?.rule.provider).toBe(
        unsure!.r.provider,
      );
      setIssuerRules([group]);
      // Its own keys, even under a name a generic rule watches, stay the issuer's.
      expect(classifyValue(set, LIVE, 'API_SECRET')?.rule.provider).toBe('acme');
      expect(detect(set, `API_SECRET=${LIVE}\n`).map((m) => m.rule.provider)).toEqual(['acme']);
    } finally {
      setIssuerRules([]);
    }
  });

  it('accepts an optional part with a repeat inside, and a repeat of a class', () => {
    expect(checkIssuerPattern('^acme_(?:[a-z]{4}_)?[0-9A-Za-z]{32}$', 'p')).toBe('acme_(?:[a-z]{4}_)?[0-9A-Za-z]{32}');
    expect(checkIssuerPattern('^acme_[0-9A-Za-z]{20,}$', 'p')).toBe('acme_[0-9A-Za-z]{20,}');
  });

  it('accepts a 512-character anchored pattern', () => {
    expect(checkIssuerPattern(`^acme_${'[a-z]'.repeat(100)}$`, 'x')).toBe(`acme_${'[a-z]'.repeat(100)}`);
  });
});
