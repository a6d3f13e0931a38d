import type { Command } from 'commander';
import { usageError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import * as io from '../../core/io.js';
import { addExposureOptions, exposureInputs, type ExposureFlags } from '../exposure-options.js';

/** `credctl blast-radius`, `credctl inventory`, `credctl status`: the reports. */
export const order = 35;

const _collect = (v: string, prev: string[] = []) => [...prev, v];
const FORMATS = ['terminal', 'json', 'md', 'html'];

function exitCodeArg(v: string): number {
  if (!/^\d{1,3}$/.test(v) || Number(v) > 255) throw usageError(`--exit-code must be a whole number from 0 to 255, not ${JSON.stringify(v.slice(0, 20))}`);
  return Number(v);
}

function pickFormat(flags: { format?: string; json?: boolean }): string {
  const f = flags.json ? 'json' : (flags.format ?? 'terminal');
  if (!FORMATS.includes(f)) throw usageError(`--format must be one of ${FORMATS.join(', ')}`);
  return f;
}

async function emit(text: string, out: string | undefined): Promise<void> {
  if (out) {
    const { atomicWriteFileSync } = await import('../../core/atomic-write.js');
    atomicWriteFileSync(out, text.endsWith('\n') ? text : text + '\n', { mode: 0o644 });
    io.err().write(`Report written to ${out}\n`);
  } else io.out().write(text.endsWith('\n') ? text : text + '\n');
}

export function register(program: Command): void {
  addExposureOptions(
    program
      .command('blast-radius')
      .description('after a leak: what each exposed credential can reach, where it is used, what breaks, and the safe rotation order'),
  )
    .option('--plan <file>', 'also write the recovery plan for `credctl apply`')
    .option('--format <format>', `output: ${FORMATS.join(' | ')}`, 'terminal')
    .option('--json', 'same as --format json')
    .option('-o, --out <file>', 'write the report to a file instead of stdout')
    .option('--no-probe', 'do not ask providers whether credentials are live')
    .option('--revoke-dead-ends', 'also revoke, without replacement, exposed keys nothing here uses (lists them and asks first)')
    .option('--dry-run', 'with --revoke-dead-ends: list what would be revoked, revoke nothing')
    .option('-y, --yes', 'with --revoke-dead-ends: do not ask for confirmation')
    .option('--no-input', 'never prompt; fail clearly where a person is needed')
    .option('--exit-code <n>', 'exit code when exposure is found', exitCodeArg, ExitCode.Findings)
    .option('--root <dir>', 'project root (default: the git root of the current directory)')
    .addHelpText(
      'after',
      `
Exit codes: 0 nothing exposed, 1 exposure found (--exit-code), 2 usage, 3 bad input,
5 a revocation failed (--revoke-dead-ends), 6 revocation not confirmed under --no-input.

Examples:
  $ credctl blast-radius --leaked .env                      # a .env was posted publicly
  $ credctl blast-radius --from-env --plan recovery.yaml    # a package stole the environment
  $ credctl blast-radius --repo-public --format md > incident.md
  $ gitleaks detect -r gl.json; credctl blast-radius --from-report gl.json
  $ credctl blast-radius --person contractor-jane --format html -o jane.html
  $ credctl blast-radius --leaked ci.log --revoke-dead-ends --dry-run   # what could be revoked at once`,
    )
    .action(
      async (
        flags: ExposureFlags & {
          plan?: string;
          format?: string;
          json?: boolean;
          out?: string;
          probe: boolean;
          exitCode: number;
          root?: string;
          revokeDeadEnds?: boolean;
          dryRun?: boolean;
          yes?: boolean;
          input: boolean;
        },
      ) => {
        const format = pickFormat(flags);
        const { requireProjectRoot } = await import('../../core/project-root.js');
        const { runBlastRadius } = await import('../../commands/blast-radius.js');
        const root = requireProjectRoot(flags.root);
        if ((flags.dryRun || flags.yes) && !flags.revokeDeadEnds) throw usageError('--dry-run and --yes go with --revoke-dead-ends');
        if (flags.revokeDeadEnds && !flags.probe) throw usageError('--revoke-dead-ends needs the providers asked (drop --no-probe)');
        const { report, revoked } = await runBlastRadius(root, {
          ...exposureInputs(flags),
          probe: flags.probe,
          planOut: flags.plan,
          ...(flags.revokeDeadEnds ? { revokeDeadEnds: { yes: Boolean(flags.yes), noInput: !flags.input, dryRun: Boolean(flags.dryRun) } } : {}),
        });
        if (format === 'json')
          await emit((await import('../../core/output.js')).jsonDocument(revoked ? { ...report, revocation: revoked } : report), flags.out);
        else if (format === 'md') await emit((await import('../../report/render-markdown.js')).renderBlastMarkdown(report), flags.out);
        else if (format === 'html') await emit(await (await import('../../report/render-html.js')).renderBlastHtml(report), flags.out);
        else await emit((await import('../../report/render-terminal.js')).renderBlastTerminal(report), flags.out);
        if (flags.plan) io.err().write(`Recovery plan written to ${flags.plan}: review it, then credctl apply ${flags.plan}\n`);
        if (report.items.length) process.exitCode = flags.exitCode;
        if (revoked?.failed.length) process.exitCode = ExitCode.Remote;
      },
    );
  registerReports(program);
}

async function inventoryItems(rootFlag: string | undefined, probe: boolean) {
  const { requireProjectRoot } = await import('../../core/project-root.js');
  const { runInventory } = await import('../../commands/inventory.js');
  return runInventory(requireProjectRoot(rootFlag), probe);
}

export function registerReports(program: Command): void {
  program
    .command('inventory')
    .description('every credential: owner, scopes, where used, last rotated, expiry, how to replace it (for handoffs and audits)')
    .option('--format <format>', 'md | json | html (default: md)', 'md')
    .option('--json', 'same as --format json')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .option('--no-probe', 'do not ask providers for scopes and expiry')
    .option('--root <dir>', 'project root (default: the git root of the current directory)')
    .addHelpText(
      'after',
      `
Examples:
  $ credctl inventory > CREDENTIALS.md
  $ credctl inventory --format html -o inventory.html`,
    )
    .action(async (flags: { format: string; json?: boolean; out?: string; probe: boolean; root?: string }) => {
      const format = flags.json ? 'json' : flags.format;
      if (!['md', 'json', 'html'].includes(format)) throw usageError('--format must be md, json or html');
      const { items } = await inventoryItems(flags.root, flags.probe);
      const { renderInventoryMarkdown, renderInventoryHtml } = await import('../../report/inventory.js');
      await emit(
        format === 'json'
          ? (await import('../../core/output.js')).jsonDocument({ credentials: items })
          : format === 'html'
            ? renderInventoryHtml(items)
            : renderInventoryMarkdown(items),
        flags.out,
      );
    });

  program
    .command('status')
    .description(
      "what is due: rotation older than the policy's max_age, certificates, JWTs and keys near expiry, deactivated keys past their grace period, open incidents, revoked values still in use",
    )
    .option('--json', 'print JSON')
    .option('--no-probe', 'do not ask providers for expiry')
    .option('--exit-code <n>', 'exit code when something is due', exitCodeArg, ExitCode.Findings)
    .option('--root <dir>', 'project root (default: the git root of the current directory)')
    .addHelpText(
      'after',
      `
Policy comes from credctl.yaml:  policy: { max_age: 90d, expiry_warning: 14d, revoke_grace: 7d }
Exit codes: 0 nothing due, 1 something due (--exit-code), 3 bad credctl.yaml.

Example (a CI gate):
  $ credctl status || echo "rotate or renew what is listed above"`,
    )
    .action(async (flags: { json?: boolean; probe: boolean; exitCode: number; root?: string }) => {
      const { requireProjectRoot } = await import('../../core/project-root.js');
      const { runStatus } = await import('../../commands/status.js');
      const { due, credentials, policy } = await runStatus(requireProjectRoot(flags.root), flags.probe);
      if (flags.json) (await import('../../core/output.js')).printJson({ due, credentials, policy });
      else if (!due.length)
        io.out().write(
          `Nothing due: ${credentials} credential(s) within policy${policy.maxAgeDays ? ` (max age ${policy.maxAgeDays} days)` : ' (no max_age policy set)'}.\n`,
        );
      else {
        const { paint } = await import('../../core/output.js');
        const c = paint();
        for (const d of due) {
          const tag =
            d.reason === 'expired'
              ? c.red('EXPIRED ')
              : d.reason === 'expires-soon'
                ? c.yellow('EXPIRES ')
                : d.reason === 'deletion-due'
                  ? c.yellow('DELETE  ')
                  : d.reason === 'incident-open'
                    ? c.red('INCIDENT')
                    : d.reason === 'revoked-value-in-use'
                      ? c.red('REVOKED ')
                      : c.yellow('OVERDUE ');
          io.out().write(`${tag} ${d.what}: ${d.detail}${d.file ? ` (${d.file})` : ''}\n`);
        }
      }
      if (due.length) process.exitCode = flags.exitCode;
    });
}
