import type { Command } from 'commander';

/**
 * `credctl rules test [FILE]`: run the examples of a project's own detection rules (credctl.yaml's
 * detection section, or a rules file in the providers/<id>/rules.yaml schema), after the same
 * validation and safety checks a scan applies. Example texts are never printed: they may hold
 * real values by mistake; failures are named by rule and example number.
 */
export const order = 77;

const EXAMPLES = `
Examples:
  $ credctl rules test                       # the rules credctl.yaml's detection section adds
  $ credctl rules test security/rules.yaml   # a rules file (provider, rules, allowlist)
  $ credctl rules test --json

Each rule's examples.positive must produce a finding of that rule, and examples.negative must
not, with credctl's own rules loaded beside them (so an overlap shows). Rules are checked first:
keywords of 3+ characters, a bounded regex without backreferences, no catastrophic backtracking.
Exit codes: 0 all examples pass, 1 an example fails, 3 the file or a rule is invalid or unsafe.`;

export function register(program: Command): void {
  const rules = program
    .command('rules')
    .summary("test a project's own detection rules")
    .description("a project's own detection rules: credctl.yaml detection, or a rules file it names")
    .addHelpText('after', EXAMPLES);

  rules
    .command('test')
    .description('check the rules and run their examples')
    .argument('[file]', "credctl.yaml or a rules file (default: the project's credctl.yaml)")
    .option('--json', 'machine-readable output')
    .action(async (file: string | undefined, opts: { json?: boolean }) => {
      const { runRulesTest } = await import('../../scan/rules-test.js');
      await runRulesTest(file, opts);
    });
}
