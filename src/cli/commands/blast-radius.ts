import { resolve } from 'node:path';
import type { Command } from 'commander';
import { usageError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';

/** `credctl blast-radius`, `credctl inventory`, `credctl status`: the reports. */
export const order = 35;

const collect = (v: string, prev: string[] = []) => [...prev, v];
const FORMATS = ['terminal', 'json', 'md', 'html'];

function pickFormat(flags: { format?: string; json?: boolean }): string {
  const f = flags.json ? 'json' : flags.format ?? 'terminal';
  if (!FORMATS.includes(f)) throw usageError(`--format must be one of ${FORMATS.join(', ')}`);
  return f;
}

async function emit(text: string, out: string | undefined): Promise<void> {
  if (out) {
    const { atomicWriteFileSync } = await import('../../core/atomic-write.js');
    atomicWriteFileSync(out, text.endsWith('\n') ? text : text + '\n', { mode: 0o644 });
    process.stderr.write(`Report written to ${out}\n`);
  } else process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

export function register(program: Command): void {
  program
    .command('blast-radius')
    .description('after a leak: what each exposed credential can reach, where it is used, what breaks, and the safe rotation order')
    .option('--leaked <file>', 'text that leaked: a .env, a CI log, a paste (- for stdin; repeatable)', collect)
    .option('--from-env', 'everything in this process environment (a package stole the environment)')
    .option('--repo-public', 'everything ever committed (the repository was made public)')
    .option('--since <commit>', 'with history: only credentials first added at or after this commit')
    .option('--name <NAME>', 'an env name that was exposed (repeatable)', collect)
    .option('--credential <id>', 'a fingerprint that was exposed (repeatable)', collect)
    .option('--from-report <file>', "another scanner's report: gitleaks JSON, trufflehog JSON, SARIF (repeatable)", collect)
    .option('--person <name>', 'what a person could see, from access: in credctl.yaml (a contractor leaving)')
    .option('--plan <file>', 'also write the recovery plan for `credctl apply`')
    .option('--format <format>', `output: ${FORMATS.join(', ')}`, 'terminal')
    .option('--json', 'same as --format json')
    .option('-o, --out <file>', 'write the report to a file instead of stdout')
    .option('--no-probe', 'do not ask providers whether credentials are live')
    .option('--exit-code <n>', 'exit code when exposure is found', (v) => Number(v), ExitCode.Findings)
    .option('--root <dir>', 'project root (default: the git root of the current directory)')
    .addHelpText('after', `
Exit codes: 0 nothing exposed, 1 exposure found (--exit-code), 2 usage, 3 bad input.

Examples:
  $ credctl blast-radius --leaked .env                      # a .env was posted publicly
  $ credctl blast-radius --from-env --plan recovery.yaml    # a package stole the environment
  $ credctl blast-radius --repo-public --format md > incident.md
  $ gitleaks detect -r gl.json; credctl blast-radius --from-report gl.json
  $ credctl blast-radius --person contractor-jane --format html -o jane.html`)
    .action(async (flags: { leaked?: string[]; fromEnv?: boolean; repoPublic?: boolean; since?: string; name?: string[]; credential?: string[]; fromReport?: string[]; person?: string; plan?: string; format?: string; json?: boolean; out?: string; probe: boolean; exitCode: number; root?: string }) => {
      const format = pickFormat(flags);
      const { findProjectRoot } = await import('../../core/paths.js');
      const { runBlastRadius } = await import('../../report/run-blast.js');
      const root = flags.root ? resolve(flags.root) : findProjectRoot();
      const { report } = await runBlastRadius(root, {
        leaked: flags.leaked, fromEnv: flags.fromEnv, repoPublic: flags.repoPublic, since: flags.since, names: flags.name,
        credentials: flags.credential, fromReport: flags.fromReport, person: flags.person, probe: flags.probe, planOut: flags.plan,
      });
      if (format === 'json') await emit(JSON.stringify(report, null, 2), flags.out);
      else if (format === 'md') await emit((await import('../../report/render-markdown.js')).renderBlastMarkdown(report), flags.out);
      else if (format === 'html') await emit((await import('../../report/render-html.js')).renderBlastHtml(report), flags.out);
      else await emit((await import('../../report/render-terminal.js')).renderBlastTerminal(report), flags.out);
      if (flags.plan) process.stderr.write(`Recovery plan written to ${flags.plan}: review it, then credctl apply ${flags.plan}\n`);
      if (report.items.length) process.exitCode = flags.exitCode;
    });
}
