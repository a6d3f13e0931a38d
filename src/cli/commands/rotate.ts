import { resolve } from 'node:path';
import type { Command } from 'commander';
import { usageError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';

/**
 * `credctl plan`, `credctl apply`, `credctl rotate`, `credctl rollback`: the rotation workflow.
 * Flags are parsed here; the use cases live in src/apply/orchestrate.ts.
 */
export const order = 40;

const collect = (v: string, prev: string[] = []) => [...prev, v];
const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw usageError(`--concurrency must be a whole number from 1 to 64, not ${v}`);
  return n;
};

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
  program
    .command('plan')
    .description('make a reviewable rotation plan (ordered steps, no values) for credentials in the usage graph')
    .option('--project', 'every credential in the project')
    .option('--credential <id>', 'a credential fingerprint or prefix (repeatable)', collect)
    .option('--name <NAME>', 'every credential bound to this env name (repeatable)', collect)
    .option('-o, --out <file>', 'write the plan to this file (YAML)')
    .option('--root <dir>', 'project root (default: the git root of the current directory)')
    .option('--json', 'print the plan as JSON')
    .addHelpText('after', `
Examples:
  $ credctl plan --project --out plan.yaml      # everything, reviewable
  $ credctl plan --name STRIPE_SECRET_KEY        # just one name
  $ credctl apply plan.yaml                      # then run it`)
    .action(async (flags: SelectFlags & { out?: string; json?: boolean }) => {
      const { loadProject, makePlan } = await import('../../apply/orchestrate.js');
      const { writePlan, planToYaml } = await import('../../plan/plan-file.js');
      const { renderPlanSummary } = await import('../../plan/render.js');
      const { findProjectRoot } = await import('../../core/paths.js');
      const root = flags.root ? resolve(flags.root) : findProjectRoot();
      const plan = makePlan(loadProject(root), selection(flags));
      if (flags.out) {
        writePlan(plan, flags.out);
        process.stderr.write(renderPlanSummary(plan) + `\nPlan written to ${flags.out}. Review it, then: credctl apply ${flags.out}\n`);
        if (flags.json) process.stdout.write(JSON.stringify(plan, null, 2) + '\n');
      } else if (flags.json) {
        process.stdout.write(JSON.stringify(plan, null, 2) + '\n');
      } else {
        process.stdout.write(planToYaml(plan));
        process.stderr.write(renderPlanSummary(plan) + '\n');
      }
    });

  program
    .command('apply')
    .description('run a rotation plan, journaled so a crash can be resumed')
    .argument('[plan]', 'the plan file made by `credctl plan`')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--no-input', 'never prompt; fail clearly where a person is needed')
    .option('--concurrency <n>', 'independent credentials rotated at once', positiveInt, 4)
    .option('--resume <run>', 'continue a run that was interrupted')
    .option('--list-runs', 'list runs and whether they finished')
    .option('--root <dir>', 'project root (for --resume and --list-runs)')
    .option('--json', 'print the run summary as JSON')
    .addHelpText('after', `
Exit codes: 0 all rotated, 7 a credential failed and was rolled back, 6 refused (stale plan, needs input), 3 bad plan file.

Examples:
  $ credctl apply plan.yaml
  $ credctl apply plan.yaml --yes --no-input     # CI: never prompts
  $ credctl apply --list-runs
  $ credctl apply --resume 20261122-101500-a1b2c3`)
    .action(async (file: string | undefined, flags: { yes?: boolean; input: boolean; concurrency: number; resume?: string; listRuns?: boolean; root?: string; json?: boolean }) => {
      const orch = await import('../../apply/orchestrate.js');
      const { findProjectRoot } = await import('../../core/paths.js');
      const { printRunSummary } = await import('../../plan/render.js');
      const root = flags.root ? resolve(flags.root) : findProjectRoot();
      if (flags.listRuns) {
        const runs = orch.listRuns(root);
        if (flags.json) process.stdout.write(JSON.stringify(runs, null, 2) + '\n');
        else for (const r of runs) process.stdout.write(`${r.runId}  ${r.corrupt ? 'DAMAGED journal (cannot resume)' : r.finished ? 'finished' : 'INTERRUPTED (resume with --resume)'}  ${r.steps} steps done\n`);
        return;
      }
      const opts = { yes: Boolean(flags.yes), noInput: !flags.input, concurrency: flags.concurrency };
      let summary;
      if (flags.resume) {
        summary = await orch.resumeApply(root, flags.resume, opts);
      } else {
        if (!file) throw usageError('give a plan file, or --resume RUN', 'Make one with `credctl plan --project --out plan.yaml`.');
        const { readPlan } = await import('../../plan/plan-file.js');
        const { renderPlanSummary } = await import('../../plan/render.js');
        summary = await orch.applyPlan(readPlan(file), { ...opts, describe: (p) => process.stderr.write(renderPlanSummary(p) + '\n') });
      }
      printRunSummary(summary, Boolean(flags.json));
      if (summary.failed.length || summary.skipped.length) process.exitCode = ExitCode.RunFailed;
    });

  program
    .command('rotate')
    .description('plan, confirm and apply in one go')
    .argument('[names...]', 'env names to rotate (or use --project)')
    .option('--project', 'every credential in the project')
    .option('--credential <id>', 'a credential fingerprint or prefix (repeatable)', collect)
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--no-input', 'never prompt; fail clearly where a person is needed')
    .option('--dry-run', 'print the plan and stop')
    .option('--concurrency <n>', 'independent credentials rotated at once', positiveInt, 4)
    .option('--root <dir>', 'project root (default: the git root of the current directory)')
    .option('--json', 'print the run summary as JSON')
    .addHelpText('after', `
Examples:
  $ credctl rotate --project            # everything, after confirmation
  $ credctl rotate STRIPE_SECRET_KEY    # one credential
  $ credctl rotate --project --dry-run  # just show the plan`)
    .action(async (names: string[], flags: SelectFlags & { yes?: boolean; input: boolean; dryRun?: boolean; concurrency: number; json?: boolean }) => {
      const orch = await import('../../apply/orchestrate.js');
      const { findProjectRoot } = await import('../../core/paths.js');
      const { renderPlanSummary, printRunSummary } = await import('../../plan/render.js');
      const root = flags.root ? resolve(flags.root) : findProjectRoot();
      const plan = orch.makePlan(orch.loadProject(root), selection(flags, names));
      if (flags.dryRun) {
        process.stdout.write(renderPlanSummary(plan) + '\n');
        return;
      }
      const summary = await orch.applyPlan(plan, { yes: Boolean(flags.yes), noInput: !flags.input, concurrency: flags.concurrency, describe: (p) => process.stderr.write(renderPlanSummary(p) + '\n') });
      printRunSummary(summary, Boolean(flags.json));
      if (summary.failed.length || summary.skipped.length) process.exitCode = ExitCode.RunFailed;
    });

  program
    .command('rollback')
    .description('put the previous value of a rotated credential back into every target, while it is still valid')
    .argument('<credential>', 'env name or fingerprint (old or new) of a rotated credential')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--no-input', 'never prompt')
    .option('--root <dir>', 'project root')
    .option('--json', 'print the result as JSON')
    .action(async (credential: string, flags: { yes?: boolean; input: boolean; root?: string; json?: boolean }) => {
      const { rollbackCredential } = await import('../../apply/rollback.js');
      const { findProjectRoot } = await import('../../core/paths.js');
      const root = flags.root ? resolve(flags.root) : findProjectRoot();
      const result = await rollbackCredential(root, credential, { yes: Boolean(flags.yes), noInput: !flags.input });
      if (flags.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      else process.stdout.write(`Rolled back ${result.name}: ${result.targets.length} target(s) hold the previous value again (${result.redacted}).\n`);
    });
}
