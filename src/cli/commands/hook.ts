import type { Command } from 'commander';

/** `credctl hook install|uninstall`: the git pre-commit hook that runs `credctl scan --staged`. */
export const order = 11;

export function register(program: Command): void {
  const hook = program
    .command('hook')
    .summary('install the git pre-commit hook that blocks commits adding credentials')
    .description('install the git pre-commit hook that blocks commits adding credentials');

  hook
    .command('install')
    .description('write the pre-commit hook (honours core.hooksPath); a hook credctl did not write is kept unless --force')
    .option('--force', 'replace a pre-commit hook credctl did not write (it is kept as pre-commit.credctl-backup)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Examples:
  credctl hook install            write .git/hooks/pre-commit (or into core.hooksPath)
  credctl hook install --force    replace an existing hook, keeping a backup

With husky (core.hooksPath in .husky/), the check is added to .husky/pre-commit instead.
With lefthook, the command prints the lines to add to lefthook.yml.
With the pre-commit framework, use the hook in credctl's .pre-commit-hooks.yaml (id: credctl).

Exit codes:
  0   installed
  3   not inside a git repository
  6   refused: a pre-commit hook credctl did not write exists (use --force)
`,
    )
    .action(async (flags: { force?: boolean; json?: boolean }) => {
      const { installHook } = await import('../../scan/hook-install.js');
      const { note, printJson } = await import('../../core/output.js');
      const result = installHook(process.cwd(), { force: flags.force });
      if (flags.json) printJson(result);
      else {
        const verb = { installed: 'installed', updated: 'updated', replaced: 'installed (the previous hook is kept as ' + result.backup + ')' }[result.action];
        note(`pre-commit hook ${verb}: ${result.path}`);
        note('Every commit is now checked with `credctl scan --staged`.');
      }
      for (const i of result.integrations) note(`${i.tool} detected: ${i.instructions}`);
    });

  hook
    .command('uninstall')
    .description('remove the pre-commit hook if credctl wrote it (restoring a backed-up hook)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: { json?: boolean }) => {
      const { uninstallHook } = await import('../../scan/hook-install.js');
      const { note, printJson } = await import('../../core/output.js');
      const result = uninstallHook(process.cwd());
      if (flags.json) printJson(result);
      else if (!result.removed) note(`no credctl pre-commit hook at ${result.path}; nothing removed`);
      else note(`removed ${result.path}${result.restored ? ' and restored the previous hook' : ''}`);
    });
}
