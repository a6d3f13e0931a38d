import { describe, expect, it } from 'vitest';
import { loadRules, parseRulesFile } from '../../src/providers/rules.js';
import { compileRuleSet, detect } from '../../src/scan/detect.js';

// Every rule carries its own true-positive and true-negative examples; this suite runs them all,
// so a rule that stops matching its example, or starts matching its counter-example, fails here.
const rules = loadRules();
const set = compileRuleSet(rules);

describe('rule examples', () => {
  it('every rule has at least one positive and one negative example', () => {
    const missing = rules.filter((r) => r.examples.positive.length === 0 || r.examples.negative.length === 0).map((r) => r.id);
    expect(missing).toEqual([]);
  });

  for (const rule of rules) {
    describe(rule.id, () => {
      for (const ex of rule.examples.positive) {
        it(`finds ${JSON.stringify(ex).slice(0, 60)}`, () => {
          expect(detect(set, ex, rule.examplePath).map((m) => m.rule.id)).toContain(rule.id);
        });
      }
      for (const ex of rule.examples.negative) {
        it(`ignores ${JSON.stringify(ex).slice(0, 60)}`, () => {
          expect(detect(set, ex, rule.examplePath).map((m) => m.rule.id)).not.toContain(rule.id);
        });
      }
    });
  }
});

describe('rule files', () => {
  it('reject a rule with an invalid regex, naming the file and rule', () => {
    expect(() => parseRulesFile('x', 'provider: x\nrules:\n  - { id: bad-one, kind: api_key, regex: "(" }\n', 'providers/x/rules.yaml')).toThrow(
      /providers\/x\/rules.yaml: rule bad-one: invalid regex/,
    );
  });
  it('reject a provider name that does not match its folder', () => {
    expect(() => parseRulesFile('x', 'provider: y\nrules: []\n', 'providers/x/rules.yaml')).toThrow(/provider must be "x"/);
  });
});
