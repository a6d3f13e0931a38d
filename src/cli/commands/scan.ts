import type { Command } from 'commander';
// Type only: the scan module itself is loaded when the command runs.
import type { ScanCommandFlags } from '../../commands/scan.js';

/**
 * `credctl scan`: flags in, results out. The scanning itself lives in src/scan/ and is imported
 * only when the command runs, so `credctl scan --staged` in a pre-commit hook loads nothing else.
 */
export const order = 10;

export function register(program: Command): void {
  program
    .command('scan')
    .summary('find credentials in files, stdin, git history or the staged commit')
    .description(
      'Find credentials in a project (git-tracked and untracked-not-ignored files), in files, in stdin (`-`), ' +
        'in every commit on every branch (--history) or in the lines a commit is about to add (--staged). ' +
        'Values are never printed: findings show a redacted form (known prefix + last 4) and a fingerprint.',
    )
    .argument('[paths...]', 'directories, files, or - for stdin (default: .)')
    .option('--history', 'scan every line ever added on any branch; one finding per secret, with its first commit')
    .option('--staged', 'scan only the lines added in the staged diff (for pre-commit hooks)')
    .option('--range <base..head>', 'like --history, but only the commits in this git revision range (what a push or pull request adds)')
    .option('--no-ignore', 'scan every file: ignore .gitignore and .credctlignore')
    .option('--no-graph', 'do not update the usage graph (.credctl/graph.json) after a project scan')
    .option('--format <format>', 'table | json | jsonl | sarif | junit (default: table)')
    .option('--json', 'same as --format json: {"findings": [...], "stats": {...}}')
    .option(
      '--baseline <file>',
      'do not report findings accepted in this baseline (matched by fingerprint + rule; default: .credctl-baseline.json at the project root, if present)',
    )
    .option('--update-baseline', 'add every current finding to the baseline (created if missing) and exit 0')
    .option('--exit-code <n>', 'exit code when credentials are found (default: 1)')
    .option('--max-file-size <size>', 'skip files larger than this, e.g. 5MB, 512KB (default: 5MB)')
    .addHelpText(
      'after',
      `
Examples:
  credctl scan                          scan the current project
  credctl scan src config/.env.prod     scan some directories and files
  kubectl logs job/deploy | credctl scan -      scan a pasted CI log from stdin
  credctl scan --history                every commit on every branch, with first commit and status
  credctl scan --range origin/main..HEAD    only what this branch's commits add (CI: a pull request)
  credctl scan --staged                 what a pre-commit hook runs (see: credctl hook install)
  credctl scan --format sarif > credctl.sarif   for GitHub code scanning
  credctl scan --format junit > credctl.xml     a test report for GitLab, Jenkins, Azure DevOps
  credctl scan --update-baseline        accept today's findings into .credctl-baseline.json

Suppressing a finding (a deliberate fake, a test fixture):
  - a comment containing credctl:allow on the line or the line above
  - a path pattern in .credctlignore at the project root (gitignore syntax)
  - a baseline entry (--update-baseline; .credctl-baseline.json is read automatically);
    it is keyed by fingerprint, so moving the line or squash-merging does not bring it back

Exit codes:
  0   no credentials found (or --update-baseline wrote them to the baseline)
  1   credentials found (change with --exit-code N)
  2   bad usage (unknown flag, conflicting options)
  3   bad input (a path that does not exist, not a git repository, a malformed baseline)
`,
    )
    .action(async (paths: string[], flags: ScanCommandFlags) => {
      const { runScanCommand } = await import('../../commands/scan.js');
      await runScanCommand(paths, flags);
    });
}
