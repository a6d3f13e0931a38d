import type { Command } from 'commander';
import { DAY, parseDuration } from '../../core/duration.js';
import { usageError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import { printJson } from '../../core/output.js';
import * as io from '../../core/io.js';

/**
 * `credctl plan`, `credctl apply`, `credctl rotate`, `credctl rollback`: the rotation workflow.
 * Flags are parsed here; the use cases live in src/commands/rotate.ts, rollback.ts and finalize.ts.
 */
export const order = 40;

const collect = (v: string, prev: string[] = []) => [...prev, v];
const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw usageError(`--concurrency must be a whole number from 1 to 64, not ${v}`);
  return n;
};

/** `--grace 7d`: whole days in the duration grammar (src/core/duration.ts); 0 turns a configured grace off. */
const graceDays = (v: string) => parseDuration(v, { what: '--grace', allowZero: true, step: DAY, max: 3650 * DAY, error: usageError }) / DAY;
const GRACE_HELP =
  'deactivate old credentials instead of revoking them, and delete them with `credctl finalize` after this long (e.g. 7d; 0 = revoke at once; default: policy.revoke_grace in credctl.yaml). Providers that cannot deactivate reversibly still revoke at once';

interface SelectFlags {
  project?: boolean;
  credential?: string[];
  name?: string[];
  root?: string;
}

function selection(flags: SelectFlags, positional: string[] = []) {
  const names = [...(flags.name ?? []), ...positional];
  if (!flags.project && !flags.credential?.length && !names.length) {
    throw usageError('say what to rotate: --project, --credential ID or --name NAME');
  }
  return { all: Boolean(flags.project), ids: flags.credential, names };
}

export function register(program: Command): void {
  registerPlan(program);
  registerApply(program);
  registerRotate(program);
  registerRollback(program);
  registerFinalize(program);
}

function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('make a reviewable rotation plan (ordered steps, no values) for credentials in the usage graph')
    .option('--project', 'every credential in the project')
    .option('--credential <id>', 'a credential fingerprint or prefix (repeatable)', collect)
    .option('--name <NAME>', 'every credential bound to this env name (repeatable)', collect)
    .option('--grace <duration>', GRACE_HELP, graceDays)
    .option('-o, --out <file>', 'write the plan to this file (YAML)')
    .option('--root <dir>', 'project root (default: the git root of the current directory)')
    .option('--json', 'print the plan as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ credctl plan --project --out plan.yaml      # everything, reviewable
  $ credctl plan --name STRIPE_SECRET_KEY        # just one name
  $ credctl plan --project --grace 7d            # old keys deactivated, deleted a week later
  $ credctl apply plan.yaml                      # then run it`,
    )
    .action(async (flags: SelectFlags & { out?: string; json?: boolean; grace?: number }) => {
      const { planFor } = await import('../../commands/rotate.js');
      const { writePlan, planToYaml } = await import('../../plan/plan-file.js');
      const { renderPlanSummary } = await import('../../plan/render.js');
      const { requireProjectRoot } = await import('../../core/project-root.js');
      const root = requireProjectRoot(flags.root);
      const { plan } = await planFor(root, selection(flags), { graceDays: flags.grace });
      if (flags.out) {
        writePlan(plan, flags.out);
        io.err().write(renderPlanSummary(plan) + `\nPlan written to ${flags.out}. Review it, then: credctl apply ${flags.out}\n`);
        if (flags.json) printJson(plan);
      } else if (flags.json) {
        printJson(plan);
      } else {
        io.out().write(planToYaml(plan));
        io.err().write(renderPlanSummary(plan) + '\n');
      }
    });
}

function registerApply(program: Command): void {
  program
    .command('apply')
    .description('run a rotation plan, journaled so a crash can be resumed')
    .argument('[plan]', 'the plan file made by `credctl plan`')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--no-input', 'never prompt; fail clearly where a person is needed')
    .option('--concurrency <n>', 'independent credentials rotated at once', positiveInt, 4)
    .option('--resume <run>', 'continue a run that was interrupted')
    .option('--force', "accept a pasted replacement that does not look like the provider's key format")
    .option('--confirm-manual <key>', 'with --resume: a place you set by hand since the run paused there (repeatable)', collect)
    .option('--list-runs', 'list runs and whether they finished')
    .option('--root <dir>', 'project root (for --resume and --list-runs)')
    .option('--json', 'print the run summary as JSON')
    .addHelpText(
      'after',
      `
Exit codes: 0 all rotated, 7 a credential failed and was rolled back, 6 refused (stale plan, needs input) or
waiting for a place set by hand (resume with --confirm-manual KEY), 3 bad plan file, 130 stopped with
Ctrl-C (the step under way finishes; the run is listed INTERRUPTED: resume it with --resume RUN).

Examples:
  $ credctl apply plan.yaml
  $ credctl apply plan.yaml --yes --no-input     # CI: never prompts
  $ credctl apply --list-runs
  $ credctl apply --resume 20261122-101500-a1b2c3`,
    )
    .action(
      async (
        file: string | undefined,
        flags: {
          yes?: boolean;
          input: boolean;
          concurrency: number;
          resume?: string;
          listRuns?: boolean;
          root?: string;
          json?: boolean;
          force?: boolean;
          confirmManual?: string[];
        },
      ) => {
        const orch = await import('../../commands/rotate.js');
        const { requireProjectRoot } = await import('../../core/project-root.js');
        const { printRunSummary } = await import('../../plan/render.js');
        const root = requireProjectRoot(flags.root);
        if (flags.listRuns) {
          const runs = orch.listRuns(root);
          if (flags.json) printJson(runs, 'runs');
          else
            for (const r of runs)
              io.out().write(
                `${r.runId}  ${r.corrupt ? 'DAMAGED journal (cannot resume)' : r.finished ? 'finished' : 'INTERRUPTED (resume with --resume)'}  ${r.steps} steps done\n`,
              );
          return;
        }
        const opts = {
          yes: Boolean(flags.yes),
          noInput: !flags.input,
          concurrency: flags.concurrency,
          acceptUnrecognised: Boolean(flags.force),
          confirmedManual: flags.confirmManual ?? [],
          stopOnSigint: true,
        };
        let summary;
        if (flags.resume) {
          summary = await orch.resumeApply(root, flags.resume, opts);
        } else {
          if (!file) throw usageError('give a plan file, or --resume RUN', 'Make one with `credctl plan --project --out plan.yaml`.');
          const { readPlan } = await import('../../plan/plan-file.js');
          const { renderPlanSummary } = await import('../../plan/render.js');
          summary = await orch.applyPlanFile(readPlan(file), { ...opts, root, describe: (p) => io.err().write(renderPlanSummary(p) + '\n') });
        }
        printRunSummary(summary, Boolean(flags.json));
        if (runExitCode(summary)) process.exitCode = runExitCode(summary);
      },
    );
}

/** 7 when a credential failed; 6 when the run only waits for places set by hand (--confirm-manual); 0 otherwise. */
function runExitCode(summary: { failed: unknown[]; skipped: unknown[]; awaitingManual?: unknown[] }): number {
  if (summary.failed.length) return ExitCode.RunFailed;
  if (summary.awaitingManual?.length) return ExitCode.Refused;
  return summary.skipped.length ? ExitCode.RunFailed : ExitCode.Ok;
}

function registerRotate(program: Command): void {
  program
    .command('rotate')
    .description('plan, confirm and apply in one go')
    .argument('[names...]', 'env names to rotate (or use --project)')
    .option('--project', 'every credential in the project')
    .option('--credential <id>', 'a credential fingerprint or prefix (repeatable)', collect)
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--no-input', 'never prompt; fail clearly where a person is needed')
    .option('--dry-run', 'print the plan and stop')
    .option('--grace <duration>', GRACE_HELP, graceDays)
    .option('--concurrency <n>', 'independent credentials rotated at once', positiveInt, 4)
    .option('--force', "accept a pasted replacement that does not look like the provider's key format")
    .option('--root <dir>', 'project root (default: the git root of the current directory)')
    .option('--json', 'print the run summary (with --dry-run: the plan) as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ credctl rotate --project            # everything, after confirmation
  $ credctl rotate STRIPE_SECRET_KEY    # one credential
  $ credctl rotate --project --dry-run  # just show the plan
  $ credctl rotate --project --grace 7d # keep the old keys deactivated (rollback-able) for a week`,
    )
    .action(
      async (
        names: string[],
        flags: SelectFlags & {
          yes?: boolean;
          input: boolean;
          dryRun?: boolean;
          concurrency: number;
          json?: boolean;
          grace?: number;
          force?: boolean;
        },
      ) => {
        const orch = await import('../../commands/rotate.js');
        const { requireProjectRoot } = await import('../../core/project-root.js');
        const { renderPlanSummary, printRunSummary } = await import('../../plan/render.js');
        const root = requireProjectRoot(flags.root);
        // The same live scopes judge the guards when apply checks the plan it is given.
        const { plan, grants } = await orch.planFor(root, selection(flags, names), { graceDays: flags.grace });
        if (flags.dryRun) {
          if (flags.json) printJson(plan);
          else io.out().write(renderPlanSummary(plan) + '\n');
          return;
        }
        const summary = await orch.applyPlanFile(plan, {
          root,
          grants,
          yes: Boolean(flags.yes),
          noInput: !flags.input,
          concurrency: flags.concurrency,
          acceptUnrecognised: Boolean(flags.force),
          stopOnSigint: true,
          describe: (p) => io.err().write(renderPlanSummary(p) + '\n'),
        });
        printRunSummary(summary, Boolean(flags.json));
        if (runExitCode(summary)) process.exitCode = runExitCode(summary);
      },
    );
}

function registerRollback(program: Command): void {
  program
    .command('rollback')
    .description(
      'put the previous value of a rotated credential back into every target, while it is still valid (or within its grace period), and revoke the unused replacement',
    )
    .argument('<credential>', 'env name or fingerprint (old or new) of a rotated credential')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--no-input', 'never prompt')
    .option('--root <dir>', 'project root')
    .option('--json', 'print the result as JSON')
    .action(async (credential: string, flags: { yes?: boolean; input: boolean; root?: string; json?: boolean }) => {
      const { rollbackCredential } = await import('../../commands/rollback.js');
      const { requireProjectRoot } = await import('../../core/project-root.js');
      const root = requireProjectRoot(flags.root);
      const result = await rollbackCredential(root, credential, { yes: Boolean(flags.yes), noInput: !flags.input });
      if (flags.json) printJson(result);
      else {
        io.out().write(`Rolled back ${result.name}: ${result.targets.length} target(s) hold the previous value again (${result.redacted}).\n`);
        io.out().write(
          result.replacement.revoked
            ? `The unused replacement (${result.replacement.redacted}) was revoked.\n`
            : `The replacement (${result.replacement.redacted}) is STILL ACTIVE: ${result.replacement.reason}. Revoke it by hand.\n`,
        );
      }
    });
}

function registerFinalize(program: Command): void {
  program
    .command('finalize')
    .description('delete the old credentials that rotations with --grace deactivated, once their grace period is over')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--no-input', 'never prompt')
    .option('--dry-run', 'list what is waiting and what is due, delete nothing')
    .option('--force', 'delete before the grace period ends too')
    .option('--forget <name>', 'stop listing a credential you deleted at the provider by hand (env name or fingerprint)')
    .option('--root <dir>', 'project root')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
A rotation planned with --grace (or policy.revoke_grace) only deactivates the old credential:
\`credctl rollback\` can still bring it back. This deletes it for good at the issuer when the date
recorded in the run has passed, and says so in the run's journal and the audit log.
\`credctl status\` lists deletions that are due (and exits 1 while any are).

A credential that is in use again (current in the store after a rollback, or accepted by the
issuer again) is never deleted: it is listed as kept, with the reason.

Exit codes: 0 done (or nothing due), 5 the issuer failed for some, 6 refused (needs --yes),
8 the store no longer holds an old value (delete it by hand, then --forget it).

Examples:
  $ credctl finalize --dry-run
  $ credctl finalize --yes`,
    )
    .action(async (flags: { yes?: boolean; input: boolean; dryRun?: boolean; force?: boolean; forget?: string; root?: string; json?: boolean }) => {
      const { finalizeDeletions, forgetDeletion } = await import('../../commands/finalize.js');
      const { requireProjectRoot } = await import('../../core/project-root.js');
      const root = requireProjectRoot(flags.root);
      if (flags.forget) {
        const forgotten = await forgetDeletion(root, flags.forget);
        if (!forgotten.length) throw usageError(`nothing deactivated is waiting for deletion under ${flags.forget}`, 'See `credctl finalize --dry-run`.');
        if (flags.json) printJson({ forgotten });
        else for (const d of forgotten) io.out().write(`forgotten ${d.name} (${d.redacted}) at ${d.provider}: recorded as deleted by hand\n`);
        return;
      }
      const r = await finalizeDeletions(root, { yes: Boolean(flags.yes), noInput: !flags.input, dryRun: Boolean(flags.dryRun), force: Boolean(flags.force) });
      if (flags.json) printJson(r);
      else {
        const when = (iso: string) => iso.slice(0, 16).replace('T', ' ') + ' UTC';
        const lines: string[] = [];
        if (r.dryRun)
          for (const d of r.due)
            lines.push(
              `due      ${d.name} (${d.redacted}) at ${d.provider}: deactivated by run ${d.runId}, deletable ${d.due ? 'since' : 'after'} ${when(d.deleteAfter)}`,
            );
        for (const d of r.deleted) lines.push(`deleted  ${d.name} (${d.redacted}) at ${d.provider} (run ${d.runId})`);
        for (const k of r.kept) lines.push(`kept     ${k.name} (${k.redacted}) at ${k.provider}: ${k.reason}`);
        for (const f of r.failed) lines.push(`FAILED   ${f.name} (${f.redacted}) at ${f.provider}: ${f.reason}`);
        for (const d of r.waiting) lines.push(`waiting  ${d.name} (${d.redacted}) at ${d.provider}: deletable after ${when(d.deleteAfter)}`);
        io.out().write(lines.length ? lines.join('\n') + '\n' : 'nothing deactivated is waiting for deletion\n');
      }
      if (r.failed.some((f) => f.cause === 'issuer')) process.exitCode = ExitCode.Remote;
      else if (r.failed.length) process.exitCode = ExitCode.Store;
    });
}
