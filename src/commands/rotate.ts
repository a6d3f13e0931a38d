import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { planDifferences, undeclaredHealthChecks } from '../plan/verify.js';
import { parsePlan } from '../plan/plan-file.js';
import { projectState } from '../state/files.js';
import type { RunStore } from '../state/types.js';
import { confirm } from '@inquirer/prompts';
import { inputError, refusedError } from '../core/errors.js';
import { projectPaths } from '../core/paths.js';
import { withAudit } from '../audit/log.js';
import { guardsFor, healthFor, selfIssuedIn } from '../config/sections.js';
import { loadProject, type ProjectContext } from '../graph/project-context.js';
import { actionableSettings, openProject, projectProviders, projectTrustedOrigins, trusted } from '../project/context.js';
import { verifyMany, type VerifyJob } from '../integrations/verify-many.js';
import { SafeHttp } from '../net/http.js';
import { valueFromProject } from '../report/probe.js';
import { openStore } from '../store/open.js';
import type { SecretStore } from '../store/types.js';
import { buildPlan, secretsOfParts, staleness, type PlanSelection } from '../plan/build.js';
import type { Plan, RunSummary } from '../plan/types.js';
import { doneData, runFinished } from '../apply/journal.js';
import { engineDeps, progressPrinter } from '../apply/context.js';
import { resumeRun, startRun } from '../apply/engine.js';
import { stopOnSigint } from '../apply/interrupt.js';
import type { EngineEvent, Prompter } from '../apply/ports.js';
import * as io from '../core/io.js';

/**
 * The use cases behind `credctl plan`, `apply` and `rotate` (and `apply --resume`, `--list-runs`):
 * everything between the parsed flags and the engine. The CLI only parses and prints; rollback
 * and finalize have their own modules beside this one.
 */
/** The grace period a plan was made with (0: revoke at once). */
function planGraceDays(plan: Plan): number {
  return plan.credentials.flatMap((c) => c.steps).find((s) => s.mode === 'deactivate')?.graceDays ?? 0;
}

function realRoot(path: string): string {
  try {
    return realpathSync(resolve(path));
  } catch {
    return resolve(path);
  }
}

export interface MakePlanOptions {
  /** Deactivate old credentials and delete them after this many days (0: revoke at once). Default: credctl.yaml policy.revoke_grace. */
  graceDays?: number;
  /**
   * Credentials' scopes from their integration's analyze (complete lists only), by fingerprint:
   * guards are then judged by what each token can write rather than by its name.
   */
  grants?: ReadonlyMap<string, string[]>;
}

/**
 * What each guard token can really do, asked of its provider: a token guards a target only if
 * its scopes can write there (a packages-read PAT does not guard Actions secrets). Only for a
 * trusted project (the token is sent to its provider, through a client that knows the trusted
 * origins), and only complete scope lists count; for the rest the plan keeps its assumption and
 * says so. The CLI's plan, rotate, apply and blast-radius all ask, so a plan made by one and
 * checked by another agree.
 */
export async function liveGrants(ctx: ProjectContext): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (!ctx.project.trust.trusted) return out;
  const guards = new Set(ctx.graph.edges.filter((e) => e.type === 'guards').map((e) => e.from));
  if (guards.size === 0) return out;
  const providers = new Map(projectProviders(ctx.project).map((p) => [p.id, p]));
  const actionable = actionableSettings(ctx.project);
  const jobs: VerifyJob[] = [];
  for (const node of ctx.graph.nodes) {
    if (node.type !== 'credential' || !guards.has(node.id)) continue;
    const provider = providers.get(node.provider);
    const value = valueFromProject(ctx.paths.root, ctx.graph, node.id);
    if (!provider?.integration?.analyze || value === undefined) continue;
    const settings = actionable.providers[node.provider]?.settings;
    jobs.push({ key: node.id, provider, credential: { value }, ...(settings ? { settings } : {}) });
  }
  if (jobs.length === 0) return out;
  const http = new SafeHttp({ trustedOrigins: projectTrustedOrigins(ctx.project), timeoutMs: 10_000 });
  try {
    for (const [id, answer] of await verifyMany(jobs, { http })) {
      if (answer.analysis?.complete)
        out.set(
          id,
          answer.analysis.grants.map((g) => g.scope),
        );
    }
  } finally {
    await http.close();
  }
  return out;
}

/** `credctl plan` / `rotate`: the plan for this project and selection, from a fresh graph and the guards' live scopes. */
export async function planFor(root: string, select: PlanSelection, opts: MakePlanOptions = {}): Promise<{ plan: Plan; grants: ReadonlyMap<string, string[]> }> {
  const ctx = loadProject(root);
  const grants = opts.grants ?? (await liveGrants(ctx));
  return { plan: makePlan(ctx, select, { ...opts, grants }), grants };
}

/** `credctl apply FILE`: checked against what credctl would plan now, guards judged by the same live scopes. */
export async function applyPlanFile(plan: Plan, opts: ApplyOptions & { root: string }): Promise<RunSummary> {
  const grants = opts.grants ?? (await liveGrants(loadProject(opts.root)));
  return applyPlan(plan, { ...opts, grants });
}

/** The secret each part of a multi-part credential is rotated with (an AWS key id → its secret key), by id. */
export function partOwners(ctx: ProjectContext): ReadonlyMap<string, string> {
  return secretsOfParts(ctx.graph, projectProviders({ ...ctx.project, trust: { ...ctx.project.trust, trusted: true } }));
}

export function makePlan(ctx: ProjectContext, select: PlanSelection, opts: MakePlanOptions = {}): Plan {
  // A plan is data for a person to review, so it is made from credctl.yaml as written (its
  // commands and URLs shown); applying it needs trust, and re-checks it against this same build.
  const providers = projectProviders({ ...ctx.project, trust: { ...ctx.project.trust, trusted: true } });
  // Some integrations rotate with the leaked credential itself (GitLab's self-rotate, a Vercel
  // token making its successor): only those that declare an admin credential wait for one.
  const needsAdmin = (id: string) => {
    const integration = providers.find((p) => p.id === id)?.integration;
    return integration ? Boolean(integration.config?.some((k) => k.key === 'admin')) : true;
  };
  const plan = buildPlan({
    root: ctx.paths.root,
    graph: ctx.graph,
    providers,
    select,
    healthFor: (names) => healthFor(ctx.settings, names),
    issuerFor: (id) => ctx.settings.providers[id]?.issuer,
    hasAdmin: (id) => Boolean(ctx.settings.providers[id]?.admin) || !needsAdmin(id),
    graceDays: opts.graceDays ?? ctx.settings.policy.graceDays,
    hasTargetToken: (id) => Boolean(ctx.settings.providers[id]?.admin),
    guardsFor: (names) => guardsFor(ctx.settings, names),
    selfIssued: (names) => selfIssuedIn(ctx.settings, names),
    grantsFor: (id) => opts.grants?.get(id),
  });
  // Narrowed scopes declared in credctl.yaml travel in the plan, so the reviewer sees them.
  for (const c of plan.credentials) {
    const scopes = c.names.map((n) => ctx.settings.credentials[n]?.scopes).find((s) => s !== undefined);
    if (scopes) c.scopes = scopes;
  }
  return plan;
}

export interface ApplyOptions {
  yes: boolean;
  noInput: boolean;
  concurrency: number;
  store?: SecretStore;
  apiUrl?: Partial<Record<string, string>>;
  onEvent?: (e: EngineEvent) => void;
  /** Answers manual steps (a library caller's own UI; the CLI uses hidden terminal prompts). */
  prompter?: Prompter;
  /** Print the plan summary before asking (the CLI passes its renderer). */
  describe?: (plan: Plan) => void;
  /** --force: accept a pasted replacement that does not look like the provider's credential. */
  acceptUnrecognised?: boolean;
  /** --confirm-manual KEY (repeated): manual places set by hand, confirmed without a prompt. */
  confirmedManual?: string[];
  /**
   * Scopes from a live analyze in this process (never read from a plan file), by fingerprint: the
   * same ones the plan was made with (makePlan `grants`), so that the check against a fresh build
   * judges guards the same way.
   */
  grants?: ReadonlyMap<string, string[]>;
  /** Answers the trust question for an untrusted credctl.yaml (default: a terminal prompt). */
  askTrust?: (lines: string[]) => Promise<boolean>;
  /** A library caller's way to stop the run between steps (it is then journaled as interrupted). */
  signal?: AbortSignal;
  /** The CLI's: Ctrl-C while the run is under way stops it between steps instead of killing it (apply/interrupt.ts). */
  stopOnSigint?: boolean;
}

/**
 * A replacement only a person can make (a dashboard, then a hidden paste) cannot be made without
 * input: refused before anything changes (exit 6, as --no-input promises), naming each paste
 * needed and where, rather than started and then counted as a failed run (exit 7).
 */
function checkInputAvailable(plan: Plan, opts: ApplyOptions): void {
  if (opts.prompter || (!opts.noInput && io.inputIsTTY())) return;
  const needs = plan.credentials.flatMap((c) =>
    c.steps
      .filter((s) => s.action === 'manual-create')
      .map((s) => `the new ${c.names[0] ?? c.id} (${c.provider}) must be created by hand${s.manual?.url ? ` at ${s.manual.url}` : ''} and pasted at a prompt`),
  );
  if (!needs.length) return;
  const automatic = plan.credentials.filter((c) => !c.steps.some((s) => s.action === 'manual-create')).map((c) => c.names[0] ?? c.id);
  throw refusedError(
    `input needed${opts.noInput ? ' under --no-input' : ' (no terminal)'}: ${needs.join('; ')}; nothing was changed`,
    `Run it on a terminal without --no-input${automatic.length ? `, or rotate only what needs no input: credctl rotate ${automatic.join(' ')}` : ''}.`,
  );
}

async function confirmApply(plan: Plan, opts: ApplyOptions): Promise<void> {
  if (opts.yes) return;
  // The plan a person is asked to review is shown first, whether they can answer here or not
  // (the CLI's describe writes it to stderr: stdout carries the run summary, or JSON).
  opts.describe?.(plan);
  if (opts.noInput || !io.inputIsTTY()) {
    throw refusedError('applying a plan needs confirmation', `Review the plan${opts.describe ? ' above' : ''}, then re-run with --yes.`);
  }
  const ok = await confirm({ message: `Rotate ${plan.credentials.length} credential(s) now?`, default: false }, { output: process.stderr });
  if (!ok) throw refusedError('not confirmed; nothing was changed');
}

export async function applyPlan(plan: Plan, opts: ApplyOptions & { root?: string }): Promise<RunSummary> {
  const ctx = loadProject(opts.root ?? plan.root);
  // A plan is applied to the project it is run in, never to a directory the file names.
  if (realRoot(plan.root) !== ctx.project.root) {
    throw refusedError(
      `the plan was made for ${plan.root}, not for this project (${ctx.project.root})`,
      'Run credctl apply inside the project the plan is for, or make a fresh plan here.',
    );
  }
  const inGraph = new Set(ctx.graph.nodes.filter((n) => n.type === 'credential').map((n) => n.id));
  const unknown = plan.credentials.filter((c) => !inGraph.has(c.id));
  const changes = [
    ...unknown.map((c) => `credential ${c.names[0] ?? ''} ${c.id} is not in the project (rotated already, removed, or the plan was edited)`),
    ...staleness(plan, ctx.graph),
  ];
  if (changes.length) {
    throw refusedError(`the plan is stale: ${changes.join('; ')}`, 'Make a fresh plan with `credctl plan` and review it again.');
  }
  // Checked, not trusted: what would run must be exactly what credctl would plan now.
  const expected = makePlan(
    ctx,
    { ids: plan.credentials.map((c) => c.id) },
    { graceDays: planGraceDays(plan), ...(opts.grants ? { grants: opts.grants } : {}) },
  );
  const edits = planDifferences(plan, expected);
  if (edits.length) {
    throw refusedError(
      `the plan differs from what credctl would do now: ${edits.slice(0, 5).join('; ')}${edits.length > 5 ? `; and ${edits.length - 5} more` : ''}`,
      'Make a fresh plan with `credctl plan`; narrow scopes or add health checks in credctl.yaml, not in the plan.',
    );
  }
  // Bad input is reported first; only a plan that would be run as it is needs trust.
  await trusted(ctx.project, opts, 'rotating credentials');
  checkInputAvailable(plan, opts);
  await confirmApply(plan, opts);
  return runWith(ctx, opts, (deps) => startRun(plan, ctx.project.state.runs, deps));
}

/**
 * Run a plan built in this process as it is, without checking it against a fresh build: for
 * library callers (and tests) that construct or deliberately alter a plan in memory. It still
 * needs a trusted credctl.yaml. The CLI never calls it: a plan read from a file goes through
 * applyPlan, which refuses any difference.
 */
export async function applyPlanAsGiven(plan: Plan, opts: ApplyOptions): Promise<RunSummary> {
  const ctx = loadProject(plan.root);
  await trusted(ctx.project, opts, 'rotating credentials');
  checkInputAvailable(plan, opts);
  await confirmApply(plan, opts);
  return runWith(ctx, opts, (deps) => startRun(plan, ctx.project.state.runs, deps));
}

export async function resumeApply(root: string, runId: string, opts: ApplyOptions): Promise<RunSummary> {
  const project = openProject(root);
  const runs = project.state.runs;
  // The run must exist and read cleanly (exit 3) before anything else is asked.
  if (!/^[A-Za-z0-9_.-]+$/.test(runId) || runId.startsWith('.') || !runs.hasJournal(runId)) {
    throw inputError(`no run ${runId.slice(0, 60)} in ${runs.location}`, 'List runs with `credctl apply --list-runs`.');
  }
  const records = runs.records(runId);
  const planText = runs.planText(runId);
  const plan = parsePlan(planText.text, planText.where);
  const undeclared = undeclaredHealthChecks(plan, (names) => healthFor(project.settings, names));
  if (undeclared.length)
    throw refusedError(
      `run ${runId} cannot be resumed: ${undeclared.slice(0, 3).join('; ')}`,
      'A stored run runs only the checks credctl.yaml declares; make a fresh plan.',
    );
  await trusted(project, opts, 'resuming a rotation');
  // A paste still to come cannot happen without input: refused now (exit 6), as a fresh run is,
  // not started and counted as a failed run (exit 7).
  // Credentials an earlier attempt already ended (rolled back, failed, skipped) are not run again.
  const ended = new Set(
    records
      .filter((r) => r.event === 'rollback' || r.event === 'skipped' || (r.event === 'failed' && !r.data?.incomplete && !r.step?.includes('/')))
      .map((r) => r.step?.split('/')[0]),
  );
  const stillToPaste = plan.credentials
    .filter((c) => !ended.has(c.id))
    .map((c) => ({ ...c, steps: c.steps.filter((s) => s.action === 'manual-create' && !doneData(records, s.id)) }))
    .filter((c) => c.steps.length);
  checkInputAvailable({ ...plan, credentials: stillToPaste }, opts);
  const graph = { schemaVersion: 0, nodes: [], edges: [], warnings: [] };
  return runWith({ project, paths: project.paths, settings: project.settings, graph }, opts, (deps) => resumeRun(runs, runId, deps));
}

async function runWith(
  ctx: ProjectContext,
  opts: ApplyOptions,
  run: (deps: ReturnType<typeof engineDeps>['deps']) => Promise<RunSummary>,
): Promise<RunSummary> {
  const store = opts.store ?? (await openStore({ paths: ctx.paths }));
  // A locked or unreadable store stops here (exit 8), before a run is journaled, not as a failed step.
  await store.list();
  return withAudit(
    async (audit) => {
      // Only while the run is under way: Ctrl-C while planning or at the confirmation stops as before.
      const sigint = opts.stopOnSigint ? stopOnSigint(opts.signal) : undefined;
      const signal = sigint?.signal ?? opts.signal;
      try {
        const wired = engineDeps({
          project: ctx.project,
          paths: ctx.paths,
          settings: ctx.settings,
          store,
          audit,
          noInput: opts.noInput,
          concurrency: opts.concurrency,
          apiUrl: opts.apiUrl,
          onEvent: opts.onEvent ?? progressPrinter(),
          prompter: opts.prompter,
          acceptUnrecognised: opts.acceptUnrecognised,
          confirmedManual: opts.confirmedManual,
          ...(signal ? { signal } : {}),
        });
        try {
          return await run(wired.deps);
        } finally {
          await wired.close();
        }
      } finally {
        sigint?.dispose();
      }
    },
    { paths: ctx.paths, store },
  );
}

export interface RunListing {
  runId: string;
  finished: boolean;
  steps: number;
  started?: string;
  /** The journal cannot be read (damaged): it cannot be resumed. */
  corrupt?: boolean;
}

/** The project's runs (a project root, or its run store), oldest first. */
export function listRuns(from: string | RunStore): RunListing[] {
  const runs = typeof from === 'string' ? projectState(projectPaths(from)).runs : from;
  return runs
    .ids()
    .filter((runId) => runs.hasJournal(runId))
    .map((runId) => {
      let records;
      try {
        records = runs.records(runId);
      } catch {
        // One damaged journal must not hide the other runs.
        return { runId, finished: false, steps: 0, corrupt: true };
      }
      return { runId, finished: runFinished(records), steps: records.filter((r) => r.event === 'done').length, started: records[0]?.time };
    });
}
