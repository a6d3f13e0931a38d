import { timestampId } from '../core/text.js';
import * as io from '../core/io.js';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { sweepTempFiles } from '../core/atomic-write.js';
import { fingerprint } from '../core/fingerprint.js';
import { CredctlError, isPromptCancel, refusedError, runInterruptedError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import { maskValues, redact } from '../core/redact.js';
import type { Plan, PlanCredential, PlanStep, RunFailure, RunSummary } from '../plan/types.js';
import { parsePlan, planToYaml } from '../plan/plan-file.js';
import type { RunStore } from '../state/types.js';
import { Journal, recordedParts } from './journal.js';
import { manualPlaceFor, targetKey, tokenNeededFor } from '../integrations/targets.js';
import { generateSecret } from '../plan/generate.js';
import type { TargetRef } from '../targets/target.js';
import type { BindingTarget, EngineDeps, RotationProvider } from './ports.js';
import { secretCandidates } from '../scan/secret-candidates.js';
import { knownSecretValues } from '../store/known-values.js';

/**
 * The apply engine: runs a plan credential by credential, in the plan's order, journaling every
 * step before and after it runs. The promises it keeps, each with a test:
 *   1. the new value is sealed in the store in the same step that creates it, before any use;
 *   2. the old credential is revoked only after every target holds the new one, verified, and
 *      every health check passed; a failure rolls the targets back and revokes the new one;
 *   3. credentials run in guard-first order, and a credential whose guard failed is skipped;
 *   4. after a kill, `resume` skips finished steps and re-runs the unfinished one (idempotent);
 *   5. values only ever travel between the store, the provider and the targets.
 */
interface CredState {
  oldValue?: string;
  oldId?: string;
  oldVersion?: number;
  newValue?: string;
  newId?: string;
  newVersion?: number;
  /**
   * The identifier parts of a multi-part credential (role → value, e.g. the AWS key id): read
   * from the targets for the old one, returned by create for the new one. Not secrets, so they
   * are journaled and restored on resume.
   */
  oldParts?: Record<string, string>;
  newParts?: Record<string, string>;
  /** env name → binding text seen in a readable target (holds a secret: memory only). */
  bindings: Map<string, string>;
}

export function newRunId(): string {
  return timestampId();
}

export async function startRun(plan: Plan, runs: RunStore, deps: EngineDeps): Promise<RunSummary> {
  const runId = newRunId();
  const journal = new Journal(runs.create(runId, planToYaml(plan)));
  journal.append('run-start', undefined, { planId: plan.id, credentials: plan.credentials.length });
  return runJournaled(plan, runId, journal.dir, journal, deps);
}

export async function resumeRun(runs: RunStore, runId: string, deps: EngineDeps): Promise<RunSummary> {
  if (!runs.hasJournal(runId)) {
    throw new CredctlError(`no run ${runId} in ${runs.location}`, ExitCode.BadInput, 'List runs with `credctl apply --list-runs`.');
  }
  const { text, where } = runs.planText(runId);
  const plan = parsePlan(text, where);
  const journal = new Journal(runs.open(runId));
  if (journal.isFinished() && !journal.records.some((r) => r.event === 'failed' && r.data?.incomplete === true && !completedAfter(journal, r.step!))) {
    journal.close();
    throw refusedError(`run ${runId} already finished; nothing to resume`);
  }
  journal.append('run-start', undefined, { resumed: true });
  return runJournaled(plan, runId, journal.dir, journal, deps);
}

async function runJournaled(plan: Plan, runId: string, runDir: string, journal: Journal, deps: EngineDeps): Promise<RunSummary> {
  const summary: RunSummary = {
    runId,
    runDir,
    rotated: [],
    failed: [],
    skipped: [],
    revoked: [],
    deactivated: [],
    refusedAfterRevoke: [],
    healthChecksPassed: 0,
    healthChecksFailed: 0,
  };
  const byId = new Map(plan.credentials.map((c) => [c.id, c]));
  // target key → id of the credential that guards it, to skip dependents of a failed guard.
  const guardOf = new Map<string, string>();
  for (const c of plan.credentials) for (const g of c.guards) guardOf.set(g, c.id);
  const done = new Set<string>();
  const failed = new Set<string>();
  // Ctrl-C at a prompt of a manual step: that credential is undone as any failure is, nothing
  // else is started, and the cancel reaches the CLI (exit 130). Ctrl-C between steps (the
  // signal): the step under way finishes, no other starts, nothing is undone. Either way the run
  // is journaled as interrupted, not ended, and stays resumable.
  let cancelled: unknown;
  // A run killed between writing a temp file and renaming it leaves the new secret next to its
  // target: remove such leftovers (0600, named .<file>.credctl-<pid>-<hex>.tmp) and say so.
  // The run's own directories only when runs are kept on disk (another state backend has none).
  const dirs = new Set(isAbsolute(runDir) ? [runDir, dirname(runDir), dirname(dirname(runDir))] : []);
  for (const c of plan.credentials) for (const s of c.steps) if (typeof s.target?.file === 'string') dirs.add(dirname(join(deps.root, s.target.file)));
  let completed = false;
  const swept = [...dirs].flatMap((d) => sweepTempFiles(d));
  if (swept.length)
    deps.onEvent?.({
      type: 'note',
      message: `removed ${swept.length} temp file(s) an interrupted write left behind: ${swept.map((f) => relative(deps.root, f)).join(', ')}`,
    });
  try {
    for (const batch of plan.order.batches) {
      await pool(batch, deps.concurrency, async (id) => {
        if (cancelled === undefined && deps.signal?.aborted) cancelled = runInterruptedError();
        if (cancelled !== undefined) return;
        const cred = byId.get(id)!;
        const blockedBy = cred.steps
          .filter((s) => s.action === 'inject' && s.target)
          .map((s) => guardOf.get(targetKey(s.target! as TargetRef)))
          .find((g) => g !== undefined && g !== id && failed.has(g));
        if (blockedBy) {
          const reason = `its guard ${byId.get(blockedBy)?.names[0] ?? blockedBy} was not rotated; writing a new value where the old guard still works would re-expose it`;
          summary.skipped.push({ id, reason });
          failed.add(id);
          journal.append('skipped', `${id}`, { reason });
          deps.onEvent?.({ type: 'credential-end', credential: cred, outcome: 'skipped', reason });
          return;
        }
        let outcome: 'rotated' | 'failed';
        try {
          outcome = await rotateCredential(plan, runId, cred, journal, deps, summary);
        } catch (err) {
          if (!isPromptCancel(err)) throw err;
          cancelled ??= err;
          return;
        }
        if (outcome === 'rotated') {
          done.add(id);
          summary.rotated.push(id);
        } else {
          failed.add(id);
        }
      });
    }
    if (cancelled === undefined && deps.signal?.aborted) cancelled = runInterruptedError();
    if (cancelled !== undefined) throw cancelled;
    completed = true;
  } finally {
    const counts = { rotated: summary.rotated.length, failed: summary.failed.length, skipped: summary.skipped.length };
    // Only a run that went through its whole plan ends; one stopped part-way (Ctrl-C, an
    // unexpected error) is interrupted: listed so, resumable, and its missing steps not done.
    if (completed) journal.append('run-end', undefined, counts);
    else {
      journal.append('run-interrupted', undefined, { ...counts, reason: cancelled !== undefined ? 'cancelled' : 'error' });
      deps.onEvent?.({ type: 'note', message: `run ${runId} was interrupted and is not finished: resume it with credctl apply --resume ${runId}` });
    }
    journal.close();
  }
  return summary;
}

/** Whether the credential `credId` finished its last step after an incomplete failure. */
function completedAfter(journal: Journal, credId: string): boolean {
  const lastStep = journal.records.filter((r) => r.step?.startsWith(`${credId}/`) && r.event === 'done').pop();
  const failedAt = journal.records.findLastIndex((r) => r.step === credId && r.event === 'failed');
  return Boolean(lastStep && journal.records.indexOf(lastStep) > failedAt && /\/(verify-revoked|revoke)$/.test(lastStep.step!));
}

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}

class StepFailure extends Error {
  /** What a failed health check printed (already masked and trimmed): shown, never journaled. */
  constructor(
    message: string,
    readonly output?: string,
  ) {
    super(message);
  }
}

const SHOWN_OUTPUT_LINES = 8;
const SHOWN_LINE_CHARS = 200;

/** A failed check's output as shown: every secret value this run knows masked, the last few lines, each cut short. */
function shownOutput(output: string, secrets: string[]): string | undefined {
  const masked = maskValues(output, [...secrets, ...knownSecretValues()]);
  const lines = masked.split(/\r?\n/).filter((l) => l.trim() !== '');
  const kept = lines.slice(-SHOWN_OUTPUT_LINES).map((l) => (l.length > SHOWN_LINE_CHARS ? `${l.slice(0, SHOWN_LINE_CHARS)}…` : l));
  return kept.length ? kept.join('\n') : undefined;
}

/**
 * A place only a person can set is not confirmed yet (no terminal, no --confirm-manual for it, or
 * the person said not yet). Not a failure: nothing is rolled back, the old credential is not
 * revoked, and the run waits to be resumed (`apply --resume RUN --confirm-manual KEY`).
 */
class ManualPending extends Error {
  constructor(
    message: string,
    readonly key: string,
  ) {
    super(message);
  }
}

async function rotateCredential(
  plan: Plan,
  runId: string,
  cred: PlanCredential,
  journal: Journal,
  deps: EngineDeps,
  summary: RunSummary,
): Promise<'rotated' | 'failed'> {
  const provider = deps.provider(cred);
  const state: CredState = { bindings: new Map() };
  const injected: PlanStep[] = [];
  let promoted = false;
  // A credential this run already rolled back stays rolled back when the run is resumed.
  const rolledBack = journal.records.some((r) => r.event === 'rollback' && r.step?.startsWith(`${cred.id}/`));
  if (rolledBack) {
    const reason = 'rolled back earlier in this run';
    summary.failed.push({ id: cred.id, ...named(cred), reason, state: 'rolled-back' });
    deps.onEvent?.({ type: 'credential-end', credential: cred, outcome: 'failed', reason });
    return 'failed';
  }
  // A grace period promises that rollback can bring the old credential back: refuse up front,
  // before anything changes, when this provider cannot (a hand-edited plan, say).
  if (cred.steps.some((s) => s.mode === 'deactivate') && !provider.reactivate) {
    const reason = `${cred.provider} cannot reactivate a credential, so its old one cannot be kept for a grace period; make the plan without --grace`;
    summary.skipped.push({ id: cred.id, reason });
    journal.append('skipped', `${cred.id}`, { reason });
    deps.onEvent?.({ type: 'credential-end', credential: cred, outcome: 'skipped', reason });
    return 'failed';
  }
  deps.onEvent?.({ type: 'credential-start', credential: cred });
  const subject = { credential: cred.id, provider: cred.provider, names: cred.names };

  for (const step of cred.steps) {
    const prior = journal.doneData(step.id);
    if (prior) {
      restore(state, step, prior);
      if (step.action === 'inject') injected.push(step);
      if (step.action === 'promote') promoted = true;
      deps.onEvent?.({ type: 'step', credential: cred, step: step.id, action: step.action, state: 'skipped', detail: 'done in an earlier attempt' });
      continue;
    }
    // Stopped (Ctrl-C) before this step: it is not started, and nothing done so far is undone.
    if (deps.signal?.aborted) throw runInterruptedError();
    deps.onEvent?.({ type: 'step', credential: cred, step: step.id, action: step.action, state: 'start' });
    journal.append('start', step.id);
    // Counted before it runs: an inject that fails half-way (a part written, the value not) is
    // still put back by a rollback.
    if (step.action === 'inject') injected.push(step);
    try {
      const data = await runStep(plan, runId, cred, step, state, provider, deps, summary, journal);
      if (step.action === 'promote') promoted = true;
      await deps.audit.append({
        action: `rotate.${step.action}`,
        subject: { ...subject, ...(step.target ? { target: targetKey(step.target as TargetRef) } : {}) },
        outcome: 'ok',
        details: { run: runId, step: step.id, ...publicData(data) },
      });
      journal.append('done', step.id, data);
      deps.onEvent?.({ type: 'step', credential: cred, step: step.id, action: step.action, state: 'done', detail: describeData(data) });
    } catch (err) {
      const secrets = [state.oldValue, state.newValue].filter((v): v is string => !!v);
      const reason = maskValues(err instanceof Error ? err.message : String(err), secrets);
      if (err instanceof ManualPending) {
        // Paused, not failed: the new value stays where it was written, the old one stays valid.
        const explained = `${reason}. Nothing was rolled back and the old ${cred.names[0] ?? 'credential'} is not revoked: set it, then resume with credctl apply --resume ${runId} --confirm-manual ${err.key}`;
        journal.append('failed', step.id, { reason, awaiting: 'manual', key: err.key });
        journal.append('failed', `${cred.id}`, { reason: explained, incomplete: true, awaitingManual: [err.key] });
        summary.awaitingManual = [...(summary.awaitingManual ?? []), { id: cred.id, keys: [err.key] }];
        deps.onEvent?.({ type: 'step', credential: cred, step: step.id, action: step.action, state: 'failed', detail: 'waiting for a manual confirmation' });
        deps.onEvent?.({ type: 'credential-end', credential: cred, outcome: 'failed', reason: explained });
        return 'failed';
      }
      journal.append('failed', step.id, { reason });
      const output = err instanceof StepFailure && err.output ? maskValues(err.output, secrets) : undefined;
      deps.onEvent?.({ type: 'step', credential: cred, step: step.id, action: step.action, state: 'failed', detail: reason, ...(output ? { output } : {}) });
      await deps.audit
        .append({ action: `rotate.${step.action}`, subject, outcome: 'failed', details: { run: runId, step: step.id, reason } })
        .catch(() => undefined);
      if (promoted) {
        // The new value is in every target, checked and current: undoing that would be worse than
        // the failure. The old credential is still valid, and the run says so and stays resumable.
        const explained = `${reason}. The new value is in every target and current; the old one is NOT revoked yet: resume the run (credctl apply --resume ${runId}) or revoke it by hand`;
        journal.append('failed', `${cred.id}`, { reason: explained, incomplete: true });
        summary.failed.push({ id: cred.id, ...named(cred), reason: explained, state: 'new-value-live' });
        deps.onEvent?.({ type: 'credential-end', credential: cred, outcome: 'failed', reason: explained });
        if (isPromptCancel(err)) throw err;
        return 'failed';
      }
      const undone = await rollback(cred, state, injected, provider, deps, journal, runId, reason);
      summary.failed.push({ id: cred.id, ...named(cred), reason, state: 'rolled-back', ...undone });
      deps.onEvent?.({ type: 'credential-end', credential: cred, outcome: 'failed', reason });
      if (isPromptCancel(err)) throw err;
      return 'failed';
    }
  }
  deps.onEvent?.({ type: 'credential-end', credential: cred, outcome: 'rotated' });
  return 'rotated';
}

const named = (cred: PlanCredential) => (cred.names[0] ? { name: cred.names[0] } : {});

/** Non-secret facts a finished step recorded, put back into memory on resume. */
function restore(state: CredState, step: PlanStep, data: Record<string, unknown>): void {
  if (typeof data.oldVersion === 'number') state.oldVersion = data.oldVersion;
  if (typeof data.oldId === 'string') state.oldId = data.oldId;
  if (typeof data.newVersion === 'number') state.newVersion = data.newVersion;
  if (typeof data.newId === 'string') state.newId = data.newId;
  const oldParts = recordedParts(data, 'oldParts');
  const newParts = recordedParts(data, 'newParts');
  if (oldParts) state.oldParts = oldParts;
  if (newParts) state.newParts = newParts;
  void step;
}

/** The old parts, read from the targets that hold them next to the value (first readable wins). */
/**
 * Where a part (an AWS key id) sits in a step's target: the same place, under its own entry. A
 * target that names one entry (a Kubernetes Secret's `key`) would otherwise read and write the
 * secret's entry for the part: the old secret taken for the key id and journaled as one, and the
 * key id never replaced.
 */
function partTarget(step: PlanStep, envName: string, deps: EngineDeps, guardValue: (key: string) => Promise<string | null>): BindingTarget {
  const ref = step.target!;
  if (typeof ref.key !== 'string') return deps.openTarget(ref, guardValue);
  return deps.openTarget({ ...ref, key: envName }, () => guardValue(targetKey(ref as TargetRef)));
}

async function readOldParts(
  cred: PlanCredential,
  deps: EngineDeps,
  guardValue: (key: string) => Promise<string | null>,
): Promise<Record<string, string> | undefined> {
  const out: Record<string, string> = {};
  for (const step of cred.steps) {
    if (step.action !== 'inject' || !step.target || !step.parts?.length) continue;
    for (const part of step.parts) {
      if (out[part.role] !== undefined) continue;
      const text = await partTarget(step, part.envName, deps, guardValue)
        .read(part.envName)
        .catch(() => undefined);
      if (typeof text === 'string' && text) out[part.role] = text;
    }
  }
  return Object.keys(out).length ? out : undefined;
}

const publicData = (d: Record<string, unknown>) => Object.fromEntries(Object.entries(d).filter(([k]) => k !== 'output'));
const describeData = (d: Record<string, unknown>) => (typeof d.result === 'string' ? d.result : undefined);

async function loadValues(cred: PlanCredential, state: CredState, deps: EngineDeps): Promise<void> {
  if (state.oldValue === undefined && state.oldVersion !== undefined) {
    state.oldValue = (await deps.store.get(cred.storeName, { version: state.oldVersion })) ?? undefined;
  }
  if (state.newValue === undefined && state.newVersion !== undefined) {
    state.newValue = (await deps.store.get(cred.storeName, { version: state.newVersion })) ?? undefined;
  }
}

async function runStep(
  plan: Plan,
  runId: string,
  cred: PlanCredential,
  step: PlanStep,
  state: CredState,
  provider: RotationProvider,
  deps: EngineDeps,
  summary: RunSummary,
  journal: Journal,
): Promise<Record<string, unknown>> {
  await loadValues(cred, state, deps);
  const guardValue = async (key: string) => {
    // The credential that guards this target: its `current` store version (the new one once it
    // has been rotated, which the order guarantees before anything is written here).
    const guard = plan.credentials.find((c) => c.guards.includes(key));
    return guard ? deps.store.get(guard.storeName, { label: 'current' }) : null;
  };
  const x: StepRun = { plan, runId, cred, step, state, provider, deps, summary, guardValue, journal };
  return STEPS[step.action](x);
}

/** What every step gets: the plan and run, the credential and its state, the provider, the world. */
interface StepRun {
  plan: Plan;
  runId: string;
  cred: PlanCredential;
  step: PlanStep;
  state: CredState;
  provider: RotationProvider;
  deps: EngineDeps;
  summary: RunSummary;
  /** The current value of the credential that guards a target, by target key. */
  guardValue: (key: string) => Promise<string | null>;
  /** The run's journal: revoke reads which targets are done (written or confirmed by hand). */
  journal: Journal;
}

/** One function per plan step action, in the order a rotation runs them. */
const STEPS: Record<PlanStep['action'], (x: StepRun) => Promise<Record<string, unknown>>> = {
  snapshot: snapshotStep,
  create: createStep,
  'manual-create': manualCreateStep,
  generate: generateStep,
  store: storeStep,
  inject: injectStep,
  'manual-inject': manualInjectStep,
  health: healthStep,
  introspect: introspectStep,
  promote: promoteStep,
  revoke: revokeStep,
  'verify-revoked': verifyRevokedStep,
};

async function snapshotStep(x: StepRun): Promise<Record<string, unknown>> {
  const { cred, state, provider, deps, guardValue } = x;
  const found = await findCurrentValue(cred, deps, guardValue);
  state.oldValue = found.value;
  for (const [k, v] of found.bindings) state.bindings.set(k, v);
  const versions = await deps.store.versions(cred.storeName);
  const existing = versions.find((v) => v.fingerprint === cred.id);
  const oldVersion = existing ? existing.version : (await deps.store.put(cred.storeName, found.value, ['current'])).version;
  if (existing && !existing.labels.includes('current')) await deps.store.setLabel(cred.storeName, existing.version, 'current');
  state.oldVersion = oldVersion;
  const binding = found.bindings.values().next().value ?? found.value;
  state.oldParts = await readOldParts(cred, deps, guardValue);
  state.oldId = await provider.identify({ oldValue: found.value, binding, ...(state.oldParts ? { parts: state.oldParts } : {}) });
  return {
    oldVersion,
    ...(state.oldId ? { oldId: state.oldId } : {}),
    ...(state.oldParts ? { oldParts: state.oldParts } : {}),
    result: existing ? 'already in store' : 'sealed in store',
  };
}

async function createStep(x: StepRun): Promise<Record<string, unknown>> {
  const { runId, cred, state, provider, deps } = x;
  const created = await provider.create({
    credential: cred,
    oldId: state.oldId,
    oldValue: state.oldValue,
    ...(state.oldParts ? { oldParts: state.oldParts } : {}),
    idempotencyKey: `${runId}:${cred.id}`,
  });
  // Promise 1: sealed in the store before this step is done and before any use.
  const existing = (await deps.store.versions(cred.storeName)).find((v) => v.fingerprint === fingerprint(created.value));
  const newVersion = existing ? existing.version : (await deps.store.put(cred.storeName, created.value, ['pending'])).version;
  state.newValue = created.value;
  state.newId = created.id;
  state.newVersion = newVersion;
  if (created.parts) state.newParts = created.parts;
  return {
    newVersion,
    newFingerprint: fingerprint(created.value),
    ...(created.id ? { newId: created.id } : {}),
    ...(created.rotatedFrom ? { rotatedFrom: created.rotatedFrom } : {}),
    ...(created.parts ? { newParts: created.parts } : {}),
    result: 'created and sealed',
  };
}

async function manualCreateStep(x: StepRun): Promise<Record<string, unknown>> {
  const { cred, step, state, deps } = x;
  if (!deps.prompter) {
    throw refusedError(
      `${cred.names[0] ?? cred.id} must be created by hand (${step.manual?.url ?? 'see the plan'}) and pasted, which needs input`,
      'Run apply without --no-input, or rotate it by hand and put it with `credctl store put`.',
    );
  }
  io.err().write(`\n${step.manual?.instructions ?? step.description}\n${step.manual?.url ? `  ${step.manual.url}\n` : ''}`);
  const value = (await deps.prompter.secret(`Paste the new value for ${cred.names[0] ?? cred.id}:`)).trim();
  if (!value) throw refusedError('no value pasted');
  if (fingerprint(value) === cred.id) throw refusedError('that is the old value; create a new one');
  const problem = deps.checkPastedValue?.(cred, value);
  if (problem && !deps.acceptUnrecognised)
    throw refusedError(`${problem}; nothing was stored`, 'Paste the new key itself, or re-run with --force to accept the value as it is.');
  // A multi-part credential made by hand: its other parts (an AWS key id) are pasted too.
  const parts = new Map<string, string>();
  for (const s of cred.steps) for (const part of s.parts ?? []) if (!parts.has(part.role)) parts.set(part.role, part.envName);
  const newParts: Record<string, string> = {};
  for (const [role, envName] of parts) {
    const part = (await deps.prompter.secret(`Paste the new ${envName} that goes with it:`)).trim();
    if (!part) throw refusedError(`no ${envName} pasted`);
    const partProblem = deps.checkPastedValue?.(cred, part, role);
    if (partProblem && !deps.acceptUnrecognised)
      throw refusedError(`${envName}: ${partProblem}; nothing was stored`, 'Paste the part itself, or re-run with --force to accept it as it is.');
    newParts[role] = part;
  }
  const { version } = await deps.store.put(cred.storeName, value, ['pending']);
  state.newValue = value;
  state.newVersion = version;
  if (parts.size) state.newParts = newParts;
  return { newVersion: version, newFingerprint: fingerprint(value), ...(parts.size ? { newParts } : {}), result: 'pasted and sealed' };
}

/**
 * A self-issued secret's replacement: a random value in the shape the plan asks for (the old
 * value's alphabet, at least its length and 32), sealed in the store as pending in this same
 * step, before anything uses it (promise 1). Only its fingerprint and shape are journaled.
 */
async function generateStep(x: StepRun): Promise<Record<string, unknown>> {
  const { cred, step, state, deps } = x;
  const made = generateSecret(step.generate ?? { alphabet: 'same', minLength: 32 }, state.oldValue);
  if (fingerprint(made.value) === cred.id) throw new StepFailure('the generated value equals the old one');
  const { version } = await deps.store.put(cred.storeName, made.value, ['pending']);
  state.newValue = made.value;
  state.newVersion = version;
  return {
    newVersion: version,
    newFingerprint: fingerprint(made.value),
    generated: { alphabet: made.alphabet, length: made.length },
    result: `generated (${made.alphabet}, ${made.length} characters) and sealed`,
  };
}

/**
 * A place credctl cannot write: a person sets the new value there and says so, on the terminal
 * or ahead of time with --confirm-manual KEY. The journal keeps who confirmed and when
 * (`{ target, manual: true, confirmedAt }`), which `credctl incident status` reads.
 */
async function manualInjectStep(x: StepRun): Promise<Record<string, unknown>> {
  const { cred, step } = x;
  const key = step.manual?.confirmKey ?? step.id;
  return confirmByHand(x, {
    key,
    place: step.manual?.place ?? step.description,
    envName: step.envName ?? cred.names[0] ?? '',
    url: step.manual?.url,
    instructions: step.manual?.instructions ?? step.description,
    why: 'credctl cannot write it',
  });
}

async function confirmByHand(
  x: StepRun,
  m: { key: string; place: string; envName: string; url?: string; instructions: string; why: string },
): Promise<Record<string, unknown>> {
  const { cred, step, deps } = x;
  const record = (by: 'prompt' | 'flag') => ({
    target: m.key,
    ...(step.target ? { targetRef: step.target } : {}),
    place: m.place,
    envName: m.envName,
    manual: true,
    confirmedAt: new Date().toISOString(),
    confirmedBy: by,
    result: `set by hand in ${m.place} (confirmed${by === 'flag' ? ' with --confirm-manual' : ''})`,
  });
  // --confirm-manual counts only for a place this run already paused at: before that the new
  // value did not exist, so nobody can have set it, and the old one would be revoked under it.
  const pausedHere = x.journal.records.some((r) => r.step === step.id && r.event === 'failed' && r.data?.awaiting === 'manual');
  if (pausedHere && (deps.confirmedManual?.has(m.key) || deps.confirmedManual?.has(step.id))) return record('flag');
  const what = `${m.envName} in ${m.place}`;
  if (!deps.prompter) throw new ManualPending(`${what} must be set by hand (${m.why}) and confirmed with --confirm-manual ${m.key}`, m.key);
  io.err().write(
    `\n${cred.names[0] ?? cred.id}: set ${what} by hand (${m.why}).\n  ${m.instructions}\n${m.url ? `  ${m.url}\n` : ''}` +
      `  The new value: credctl store get ${cred.storeName} --label pending (in another terminal; it is not shown here).\n`,
  );
  if (!(await deps.prompter.confirm(`Have you set ${what} to the new value?`))) throw new ManualPending(`${what} was not confirmed`, m.key);
  return record('prompt');
}

async function storeStep(x: StepRun): Promise<Record<string, unknown>> {
  const { cred, state, deps } = x;
  if (!state.newValue) throw new StepFailure('the new value is not in the store');
  const info = (await deps.store.versions(cred.storeName)).find((v) => v.version === state.newVersion);
  if (!info || info.fingerprint !== fingerprint(state.newValue)) throw new StepFailure('the store does not hold the new value');
  return { result: `version ${info.version} (pending)` };
}

async function injectStep(x: StepRun): Promise<Record<string, unknown>> {
  try {
    return await writeTarget(x);
  } catch (err) {
    // A remote target that cannot be reached now (no token, network, the vendor down) offers the
    // manual path instead of failing the whole credential; anything else (a changed value, a bad
    // ref) still fails and rolls back.
    const { step } = x;
    const remote = step.target && tokenNeededFor(step.target as TargetRef);
    const unreachable = err instanceof CredctlError && (err.exitCode === ExitCode.Remote || err.exitCode === ExitCode.Store);
    if (!remote || !unreachable || err instanceof StepFailure) throw err;
    const place = manualPlaceFor(step.target as TargetRef, step.envName!);
    const why = maskValues(err instanceof Error ? err.message : String(err), [x.state.oldValue ?? '', x.state.newValue ?? ''].filter(Boolean));
    return confirmByHand(x, { key: place.confirmKey, place: place.label, envName: step.envName!, url: place.url, instructions: place.instructions, why });
  }
}

async function writeTarget(x: StepRun): Promise<Record<string, unknown>> {
  const { cred, step, state, provider, deps, guardValue } = x;
  const target = deps.openTarget(step.target!, guardValue);
  const name = step.envName!;
  const binding = await bindingFor(name, target, cred, state, provider, deps, guardValue);
  // The parts first (an AWS key id), then the secret: a reader between the two writes sees the
  // new id with the old secret, which fails like a missing value and lasts one write.
  for (const part of step.parts ?? []) {
    // A part the provider does not replace (a Twilio account SID) keeps its value.
    const value = state.newParts?.[part.role] ?? state.oldParts?.[part.role];
    if (value === undefined) throw new StepFailure(`the provider returned no ${part.role} for the new credential, so ${part.envName} cannot be written`);
    const at = partTarget(step, part.envName, deps, guardValue);
    await at.write(part.envName, value);
    if ((await at.verify(part.envName, value)) === false) throw new StepFailure(`${target.describe()} does not hold the new ${part.envName} after writing`);
  }
  const result = await target.write(name, binding);
  const ok = await target.verify(name, binding);
  if (ok === false) throw new StepFailure(`${target.describe()} does not hold the new value after writing`);
  return { result: `${result}${ok === 'unverifiable' ? ' (write-only target: existence verified)' : ', verified'}` };
}

async function healthStep(x: StepRun): Promise<Record<string, unknown>> {
  const { cred, step, state, provider, deps, summary } = x;
  const env: Record<string, string> = {};
  for (const n of cred.names) env[n] = (await renderedFor(n, cred, state, provider, deps)) ?? state.newValue!;
  // A multi-part credential is checked as the app will use it: the new parts beside the value.
  for (const s of cred.steps) {
    for (const part of s.parts ?? []) {
      const value = state.newParts?.[part.role] ?? state.oldParts?.[part.role];
      if (value !== undefined) env[part.envName] = value;
    }
  }
  const secrets = [state.newValue!, state.oldValue ?? '', ...Object.values(env)].filter(Boolean);
  const outcome = await deps.runHealthCheck(step.check!, env, secrets);
  if (!outcome.passed) {
    summary.healthChecksFailed++;
    throw new StepFailure(`health check failed: ${outcome.reason ?? 'no reason given'}`, outcome.output ? shownOutput(outcome.output, secrets) : undefined);
  }
  summary.healthChecksPassed++;
  return { result: 'passed' };
}

async function introspectStep(x: StepRun): Promise<Record<string, unknown>> {
  const { cred, state, provider, deps } = x;
  const active = await provider.isActive({
    value: state.newValue!,
    id: state.newId,
    binding: await renderedFor(cred.names[0] ?? '', cred, state, provider, deps),
    ...(state.newParts ? { parts: state.newParts } : {}),
  });
  if (active === false) throw new StepFailure('the provider does not accept the new credential');
  return { result: active === 'unknown' ? 'provider cannot tell (unverified)' : 'active' };
}

async function promoteStep(x: StepRun): Promise<Record<string, unknown>> {
  const { cred, state, deps } = x;
  if (state.oldVersion !== undefined) await deps.store.setLabel(cred.storeName, state.oldVersion, 'previous');
  await deps.store.setLabel(cred.storeName, state.newVersion!, 'current');
  return { result: `version ${state.newVersion} is current` };
}

async function revokeStep(x: StepRun): Promise<Record<string, unknown>> {
  const { cred, step, state, provider, deps, summary, guardValue } = x;
  // Every target done first: written by credctl, or set by hand and confirmed (promise 2).
  const open = cred.steps.filter((s) => (s.action === 'inject' || s.action === 'manual-inject') && !x.journal.doneData(s.id));
  if (open.length)
    throw new StepFailure(
      `not revoking the old ${cred.names[0] ?? 'credential'}: ${open.map((s) => `${s.envName ?? ''} in ${s.manual?.place ?? s.description}`).join(', ')} not done yet`,
    );
  await checkNothingHoldsOld(cred, state, deps, guardValue);
  if (step.mode === 'retire') {
    // A self-issued secret: nothing else issues or accepts it, so once no target holds it, it is dead.
    summary.revoked.push(cred.id);
    return { result: 'retired: no target holds the old value', retired: true };
  }
  if (step.manual) {
    if (!deps.prompter) throw refusedError(`revoking ${cred.names[0] ?? cred.id} is a manual step and needs input`, step.manual.url);
    io.err().write(`\n${step.manual.instructions}\n${step.manual.url ? `  ${step.manual.url}\n` : ''}`);
    if (!(await deps.prompter.confirm(`Have you revoked the old ${cred.names[0] ?? 'credential'} (${cred.redacted})?`)))
      throw refusedError('old credential not revoked');
    summary.revoked.push(cred.id);
    return { result: 'revoked by hand' };
  }
  const r = await provider.revoke({
    value: state.oldValue!,
    id: state.oldId,
    ...(state.oldParts ? { parts: state.oldParts } : {}),
    mode: step.mode ?? 'revoke',
  });
  summary.revoked.push(cred.id);
  if (step.mode === 'deactivate') {
    // Revoked for good already (by hand, by another run): nothing left to delete later.
    if (r === 'already') return { result: 'was already revoked' };
    // The deletion date is fixed here, when the old credential stops working, and kept in the
    // journal: `credctl finalize` reads it (and `credctl status` reports it when it is due).
    const deleteAfter = new Date(Date.now() + (step.graceDays ?? 1) * 86_400_000).toISOString();
    summary.deactivated.push({ id: cred.id, deleteAfter });
    return { result: 'deactivated', deleteAfter };
  }
  return { result: r === 'already' ? 'was already revoked' : 'revoked' };
}

async function verifyRevokedStep(x: StepRun): Promise<Record<string, unknown>> {
  const { cred, state, provider, summary } = x;
  for (let attempt = 0; attempt < 6; attempt++) {
    const active = await provider.isActive({
      value: state.oldValue!,
      id: state.oldId,
      binding: state.bindings.values().next().value,
      ...(state.oldParts ? { parts: state.oldParts } : {}),
    });
    if (active === false) {
      summary.refusedAfterRevoke.push(cred.id);
      return { result: 'old credential refused by the provider' };
    }
    if (active === 'unknown') return { result: 'provider cannot tell (unverified)' };
    await new Promise((r) => setTimeout(r, 250 * (attempt + 1)));
  }
  throw new StepFailure('the provider still accepts the old credential after revocation');
}

/**
 * Before the old credential is revoked: every target known to hold it holds the new one. Targets
 * credctl wrote are read back (write-only ones were verified when written); places it cannot
 * write need a person's confirmation in this run. Otherwise nothing is revoked, and the run stays
 * resumable with the new value live everywhere credctl could reach.
 */
async function checkNothingHoldsOld(
  cred: PlanCredential,
  state: CredState,
  deps: EngineDeps,
  guardValue: (key: string) => Promise<string | null>,
): Promise<void> {
  if (state.oldValue) {
    for (const s of cred.steps) {
      if (s.action !== 'inject' || !s.target || !s.envName) continue;
      const target = deps.openTarget(s.target, guardValue);
      const text = await target.read(s.envName).catch(() => undefined);
      if (typeof text === 'string' && secretCandidates(s.envName, text).some((c) => c === state.oldValue)) {
        throw new StepFailure(`not revoking the old ${cred.names[0] ?? 'credential'}: ${target.describe()} still holds it under ${s.envName}`);
      }
    }
  }
  // Plans made before manual-inject steps existed list the places without a key: ask here.
  for (const m of (cred.manualTargets ?? []).filter((t) => !t.key)) {
    if (!deps.prompter) {
      throw refusedError(
        `not revoking the old ${cred.names[0] ?? 'credential'}: ${m.place} holds it under ${m.envName} and only a person can replace it there`,
        'Replace it by hand (credctl store get prints the new value), then resume the run on a terminal to confirm.',
      );
    }
    if (!(await deps.prompter.confirm(`Have you replaced ${m.envName} in ${m.place} with the new value?`))) {
      throw refusedError(`not revoking the old ${cred.names[0] ?? 'credential'}: ${m.place} was not confirmed`);
    }
  }
}

/** The current value: from the first readable target whose binding holds it, else the store. */
async function findCurrentValue(
  cred: PlanCredential,
  deps: EngineDeps,
  guardValue: (p: string) => Promise<string | null>,
): Promise<{ value: string; bindings: Map<string, string> }> {
  const bindings = new Map<string, string>();
  let value: string | undefined;
  for (const step of cred.steps) {
    if (step.action !== 'inject' || !step.target || !step.envName) continue;
    let text: string | null | undefined;
    try {
      text = await deps.openTarget(step.target, guardValue).read(step.envName);
    } catch {
      continue;
    }
    if (typeof text !== 'string') continue;
    const hit = secretCandidates(step.envName, text).find((c) => fingerprint(c) === cred.id);
    if (hit) {
      value ??= hit;
      if (!bindings.has(step.envName)) bindings.set(step.envName, text);
    }
  }
  if (value === undefined) {
    const fromStore = (await deps.store.versions(cred.storeName)).find((v) => v.fingerprint === cred.id);
    if (fromStore) value = (await deps.store.get(cred.storeName, { version: fromStore.version })) ?? undefined;
  }
  if (value === undefined) {
    throw new StepFailure(
      `cannot find the value in use for ${cred.names[0] ?? cred.id} in any readable target or the store; it may have been rotated already (re-scan and re-plan)`,
    );
  }
  return { value, bindings };
}

/** What to write under `name`: the binding seen for that name, with the old credential swapped for the new. */
async function renderedFor(name: string, cred: PlanCredential, state: CredState, provider: RotationProvider, deps: EngineDeps): Promise<string | undefined> {
  await loadValues(cred, state, deps);
  const base = state.bindings.get(name);
  if (!state.newValue) return undefined;
  if (base === undefined) return undefined;
  return render(provider, base, state.oldValue ?? '', state.newValue, state);
}

export function render(provider: RotationProvider, binding: string, oldValue: string, newValue: string, state: CredState): string {
  if (provider.render) return provider.render({ binding, oldValue, newValue, newId: state.newId, oldId: state.oldId });
  if (binding === oldValue || oldValue === '') return newValue;
  return binding.split(oldValue).join(newValue);
}

async function bindingFor(
  name: string,
  target: BindingTarget,
  cred: PlanCredential,
  state: CredState,
  provider: RotationProvider,
  deps: EngineDeps,
  guardValue: (p: string) => Promise<string | null>,
): Promise<string> {
  if (!state.bindings.has(name)) {
    // Resumed run, or a name first seen here: learn the binding's shape from a readable target.
    const current = await target.read(name).catch(() => undefined);
    if (typeof current === 'string' && state.oldValue && current.includes(state.oldValue)) state.bindings.set(name, current);
    else if (typeof current === 'string' && state.newValue && current.includes(state.newValue)) return current;
    else {
      for (const s of cred.steps) {
        if (s.action !== 'inject' || s.envName !== name || !s.target) continue;
        const text = await deps
          .openTarget(s.target, guardValue)
          .read(name)
          .catch(() => undefined);
        if (typeof text !== 'string') continue;
        if (state.oldValue && text.includes(state.oldValue)) {
          state.bindings.set(name, text);
          break;
        }
        if (state.newValue && text.includes(state.newValue)) return text;
      }
    }
  }
  return (await renderedFor(name, cred, state, provider, deps)) ?? state.newValue!;
}

/**
 * Undo a failed rotation before the old credential was revoked: every target written gets the
 * old binding back, the new credential is revoked, and the store keeps `current` on the old one.
 */
async function rollback(
  cred: PlanCredential,
  state: CredState,
  injected: PlanStep[],
  provider: RotationProvider,
  deps: EngineDeps,
  journal: Journal,
  runId: string,
  reason: string,
): Promise<Pick<RunFailure, 'unrestored' | 'leftover'>> {
  await loadValues(cred, state, deps);
  const guardValue = async () => null;
  const undone: Pick<RunFailure, 'unrestored' | 'leftover'> = {};
  const masked = (err: unknown) => maskValues(String((err as Error)?.message ?? err), [state.oldValue ?? '', state.newValue ?? ''].filter(Boolean));
  // Places a person set by hand hold the new value, which is about to be revoked: say so, place by place.
  for (const s of cred.steps) {
    const done = journal.doneData(s.id);
    if (done?.manual !== true) continue;
    journal.append('rollback', s.id, { result: 'put the old value back by hand', target: done.target, manual: true });
    deps.onEvent?.({
      type: 'note',
      message: `${cred.names[0] ?? cred.id}: put the old ${s.envName ?? 'value'} back in ${String(done.place ?? done.target)} by hand (credctl store get ${cred.storeName} --label current)`,
    });
  }
  for (const step of injected.reverse()) {
    // Confirmed by hand above: credctl did not write it, so it does not restore it.
    if (journal.doneData(step.id)?.manual === true) continue;
    const target = deps.openTarget(step.target!, guardValue);
    const name = step.envName!;
    try {
      const current = await target.read(name);
      let restoreTo: string | undefined;
      if (typeof current === 'string' && state.newValue && current.includes(state.newValue)) {
        restoreTo = provider.render
          ? provider.render({ binding: current, oldValue: state.newValue, newValue: state.oldValue!, newId: state.oldId, oldId: state.newId })
          : current.split(state.newValue).join(state.oldValue!);
      } else if (current === undefined) {
        restoreTo = state.bindings.get(name) ?? state.oldValue;
      }
      if (restoreTo !== undefined) await target.write(name, restoreTo);
      for (const part of step.parts ?? []) {
        const old = state.oldParts?.[part.role];
        if (old !== undefined) await partTarget(step, part.envName, deps, guardValue).write(part.envName, old);
      }
      journal.append('rollback', step.id, { result: 'old value restored' });
    } catch (err) {
      journal.append('rollback', step.id, { result: 'could not restore', reason: masked(err) });
      (undone.unrestored ??= []).push(`${name} in ${target.describe()}`);
    }
  }
  // A generated value was issued by nobody: there is nothing to revoke, only targets to restore.
  if (state.newValue && cred.strategy !== 'generate') {
    try {
      await provider.revoke({ value: state.newValue, id: state.newId, ...(state.newParts ? { parts: state.newParts } : {}), mode: 'revoke' });
      journal.append('rollback', `${cred.id}/revoke-new`, { result: 'new credential revoked' });
    } catch (err) {
      journal.append('rollback', `${cred.id}/revoke-new`, { result: 'could not revoke the new credential', reason: masked(err) });
      // Still live, in no target: only a person can delete it now, so the summary says which and where.
      const dashboard = (err as { dashboard?: unknown })?.dashboard;
      const where = typeof dashboard === 'string' ? dashboard : deps.revokePlace?.(cred);
      undone.leftover = { redacted: redact(state.newValue), ...(state.newId ? { id: state.newId } : {}), reason: masked(err), ...(where ? { where } : {}) };
    }
  }
  // The replacement is not pending any more: it was tried and undone, and the store says so.
  if (state.newVersion !== undefined) await deps.store.setLabel(cred.storeName, state.newVersion, 'rolled-back').catch(() => undefined);
  await deps.audit
    .append({ action: 'rotate.rollback', subject: { credential: cred.id, provider: cred.provider }, outcome: 'ok', details: { run: runId, reason } })
    .catch(() => undefined);
  return undone;
}
