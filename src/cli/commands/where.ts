import type { Command } from 'commander';

export const order = 31;

export function register(program: Command): void {
  program
    .command('where')
    .description('every place, consumer and target of an env name, a credential (fingerprint) or a file')
    .argument('<query>', 'NAME (STRIPE_SECRET_KEY), fingerprint (fp_..., a prefix is enough) or file path')
    .option('-C, --dir <dir>', 'project directory (default: the git root of the current directory)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Examples:
  credctl where STRIPE_SECRET_KEY
  credctl where fp_3b1f0c9a2d4e
  credctl where .env.production --json

Exit codes: 0 found, 2 bad usage, 3 nothing matches the query`,
    )
    .action(async (query: string, opts: { dir?: string; json?: boolean }) => {
      const { resolveRoot, printWhereTree } = await import('../../commands/graph.js');
      const { buildGraph, where } = await import('../../graph/index.js');
      const { printJson } = await import('../../core/output.js');
      const root = resolveRoot(opts.dir, '--dir DIR');
      const result = where(buildGraph(root), query);
      if (opts.json) printJson(result);
      else printWhereTree(result);
    });
}
