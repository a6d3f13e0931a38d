import type { Rule } from '../providers/rules.js';
import { compileRuleSet, detect, type CompiledRuleSet } from './detect.js';

/**
 * Every rule carries examples that must (positive) and must not (negative) produce a finding of
 * that rule. One runner for both the test suite and `credctl rules test`, so a user's rules are
 * held to exactly what the shipped ones are.
 */
export interface ExampleResult {
  ruleId: string;
  expect: 'finding' | 'none';
  example: string;
  passed: boolean;
}

/** Run each rule's examples against `set` (default: the rules themselves), under the rule's examplePath. */
export function runExamples(rules: Rule[], set: CompiledRuleSet = compileRuleSet(rules)): ExampleResult[] {
  const out: ExampleResult[] = [];
  for (const rule of rules) {
    const found = (ex: string) => detect(set, ex, rule.examplePath).some((m) => m.rule.id === rule.id);
    for (const ex of rule.examples.positive) out.push({ ruleId: rule.id, expect: 'finding', example: ex, passed: found(ex) });
    for (const ex of rule.examples.negative) out.push({ ruleId: rule.id, expect: 'none', example: ex, passed: !found(ex) });
  }
  return out;
}
