import type { Command } from 'commander';

export const order = 30;

export function register(program: Command): void {
  program
    .command('graph')
    .description('map where every credential is used: files, CI jobs, services, workloads, code and the stores it is kept in')
    .argument('[dir]', 'project directory (default: the git root of the current directory)')
    .option('--format <format>', 'summary | json | dot | mermaid', 'summary')
    .option('--json', 'same as --format json')
    .option('--full', "re-read every file instead of reusing .credctl/graph.json (the last scan's findings in unchanged files are kept)")
    .option('--no-ignore', 'read files that .gitignore excludes too')
    .addHelpText(
      'after',
      `
The graph is saved to .credctl/graph.json (no values, only fingerprints) and rebuilt
incrementally: unchanged files are not read again.

Examples:
  credctl graph                      counts, every credential, warnings
  credctl graph --format json        nodes and edges
  credctl graph --format dot | dot -Tsvg > graph.svg
  credctl graph --format mermaid     paste into a Markdown file
  credctl graph path/to/project

Exit codes: 0 built, 2 bad usage, 3 unreadable credctl.yaml or rules`,
    )
    .action(async (dir: string | undefined, opts: { format: string; json?: boolean; full?: boolean; ignore?: boolean }) => {
      const { usageError } = await import('../../core/errors.js');
      const format = opts.json ? 'json' : opts.format;
      if (!['summary', 'json', 'dot', 'mermaid'].includes(format)) throw usageError(`unknown format ${format}`, 'Use summary, json, dot or mermaid.');
      const { resolveRoot } = await import('../../commands/graph.js');
      const { buildGraph, summary, toDot, toMermaid } = await import('../../graph/index.js');
      const { printJson, printLine, warn } = await import('../../core/output.js');
      const root = resolveRoot(dir, 'credctl graph DIR');
      const graph = buildGraph(root, { full: opts.full, noIgnore: opts.ignore === false });
      if (format === 'json') printJson(graph);
      else if (format === 'dot') printLine(toDot(graph));
      else if (format === 'mermaid') printLine(toMermaid(graph));
      else {
        printLine(summary({ ...graph, warnings: [] }));
        for (const w of graph.warnings) warn(`${w.file}:${w.line}: ${w.message}`);
      }
    });
}
