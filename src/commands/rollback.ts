import { confirm } from '@inquirer/prompts';
import { fingerprint } from '../core/fingerprint.js';
import { maskValues, redact, shownSafely } from '../core/redact.js';
import { refusedError, usageError } from '../core/errors.js';
import { withAudit, type AuditLog } from '../audit/log.js';
import { openProject, trusted } from '../project/context.js';
import { parsePlan } from '../plan/plan-file.js';
import type { RunStore } from '../state/types.js';
import type { Plan, PlanCredential } from '../plan/types.js';
import { openStore } from '../store/open.js';
import { doneData, Journal, recordedParts, type JournalRecord } from '../apply/journal.js';
import type { EngineDeps, RotationProvider } from '../apply/ports.js';
import { engineDeps } from '../apply/context.js';
import { cancelDeletionsOf, DELETE_STEP } from '../apply/deletions.js';
import * as io from '../core/io.js';

/**
 * `credctl rollback <credential>`: after a rotation, put the previous value back into every
 * target it was injected into, while the previous credential is still valid (before revoke, or
 * within the grace period of a plan made with --grace, where it is reactivated first). The store's labels swap back: previous becomes
 * current. Refused when the provider says the previous credential no longer works: rolling back
 * to a dead value would break everything.
 */
export interface RollbackResult {
  name: string;
  redacted: string;
  targets: string[];
  runId: string;
  /** The replacement, now unused: revoked, or why it could not be (then it is still live). */
  replacement: { redacted: string; revoked: boolean; reason?: string };
}

function findLastRun(runs: RunStore, query: string): { plan: Plan; cred: PlanCredential; runId: string } | undefined {
  for (const runId of runs.ids().reverse()) {
    if (!runs.hasPlan(runId)) continue;
    const planText = runs.planText(runId);
    const plan = parsePlan(planText.text, planText.where);
    const journal = runs.records(runId);
    for (const cred of plan.credentials) {
      const created = doneData(journal, `${cred.id}/create`)?.newFingerprint;
      if (cred.names.includes(query) || cred.id.startsWith(query) || (typeof created === 'string' && created.startsWith(query))) {
        // Promoted, and not rolled back already (a second rollback would roll forward again).
        if (doneData(journal, `${cred.id}/promote`) && !journal.some((r) => r.step === `${cred.id}/rollback`)) return { plan, cred, runId };
      }
    }
  }
  return undefined;
}

export async function rollbackCredential(root: string, query: string, opts: { yes: boolean; noInput: boolean }): Promise<RollbackResult> {
  // One project, opened once: its paths, state, settings and trust are passed down from here.
  const project = openProject(root);
  const { paths, settings } = project;
  const runs = project.state.runs;
  const found = findLastRun(runs, query);
  if (!found) throw usageError(`no finished rotation of ${shownSafely(query)} to roll back`, 'See `credctl apply --list-runs`.');
  const { cred, runId } = found;
  await trusted(project, opts, 'rolling back a credential');
  const store = await openStore({ paths });
  const versions = await store.versions(cred.storeName);
  const previous = versions.find((v) => v.labels.includes('previous'));
  const current = versions.find((v) => v.labels.includes('current'));
  if (!previous || !current) throw refusedError(`the store has no previous version of ${cred.storeName} to go back to`);
  const oldValue = (await store.get(cred.storeName, { version: previous.version }))!;
  const newValue = (await store.get(cred.storeName, { version: current.version }))!;
  await confirmRollback(cred, oldValue, opts);
  return withAudit(
    async (audit) => {
      const wired = engineDeps({ project, paths, settings, store, audit, noInput: opts.noInput, concurrency: 1 });
      try {
        const x: Rollback = {
          cred,
          runId,
          runs,
          audit,
          provider: wired.deps.provider(cred),
          openTarget: wired.deps.openTarget,
          oldValue,
          newValue,
          ...journalFacts(runs.records(runId), cred),
        };
        await ensureOldAccepted(x);
        await audit.append({
          action: 'rollback.start',
          subject: { fingerprint: fingerprint(newValue), provider: cred.provider },
          outcome: 'started',
          details: { run: runId, to: fingerprint(oldValue) },
        });
        const targets = await restoreTargets(x);
        await store.setLabel(cred.storeName, current.version, 'previous');
        await store.setLabel(cred.storeName, previous.version, 'current');
        markRolledBack(x);
        await audit.append({
          action: 'rollback.done',
          subject: { fingerprint: fingerprint(oldValue), provider: cred.provider },
          outcome: 'ok',
          details: { run: runId, targets: targets.length },
        });
        const replacement = await revokeReplacement(x);
        return { name: cred.names[0] ?? cred.id, redacted: redact(oldValue), targets, runId, replacement };
      } finally {
        await wired.close();
      }
    },
    { paths, store },
  );
}

/** Everything a rollback's steps share: the run, the provider, both values and what the run recorded. */
interface Rollback {
  cred: PlanCredential;
  runId: string;
  runs: RunStore;
  audit: AuditLog;
  provider: RotationProvider;
  openTarget: EngineDeps['openTarget'];
  oldValue: string;
  newValue: string;
  oldId?: string;
  newId?: string;
  oldParts?: Record<string, string>;
  newParts?: Record<string, string>;
  journal: JournalRecord[];
}

/** Putting the old value back everywhere is a big step: a person says yes (or --yes). */
async function confirmRollback(cred: PlanCredential, oldValue: string, opts: { yes: boolean; noInput: boolean }): Promise<void> {
  if (opts.yes) return;
  if (opts.noInput || !io.inputIsTTY()) throw refusedError('rollback needs confirmation', 'Re-run with --yes.');
  const ok = await confirm(
    { message: `Put the previous ${cred.names[0]} (${redact(oldValue)}) back into every target?`, default: false },
    { output: process.stderr },
  );
  if (!ok) throw refusedError('not confirmed; nothing was changed');
}

/** The ids and parts the run recorded: a multi-part credential (an AWS key id beside its secret) is put back whole. */
function journalFacts(journal: JournalRecord[], cred: PlanCredential): Pick<Rollback, 'oldId' | 'newId' | 'oldParts' | 'newParts' | 'journal'> {
  const snapshot = doneData(journal, `${cred.id}/snapshot`);
  const created = doneData(journal, `${cred.id}/create`);
  const oldParts = recordedParts(snapshot, 'oldParts');
  const newParts = recordedParts(created, 'newParts');
  return {
    journal,
    ...(typeof snapshot?.oldId === 'string' ? { oldId: snapshot.oldId } : {}),
    ...(typeof created?.newId === 'string' ? { newId: created.newId } : {}),
    ...(oldParts ? { oldParts } : {}),
    ...(newParts ? { newParts } : {}),
  };
}

/**
 * The old value must work before it goes back anywhere. Within a grace period it is only
 * deactivated: bring it back first (the plan says so even if the run was killed before it
 * journaled the deactivation, and no deletion is recorded yet). Dead: refused.
 */
async function ensureOldAccepted(x: Rollback): Promise<void> {
  const { cred, provider, oldValue, runId, audit } = x;
  const old = { value: oldValue, id: x.oldId, ...(x.oldParts ? { parts: x.oldParts } : {}) };
  let active = await provider.isActive(old);
  const deactivatedNotDeleted = cred.steps.some((s) => s.action === 'revoke' && s.mode === 'deactivate') && !doneData(x.journal, `${cred.id}/${DELETE_STEP}`);
  if (active === false && deactivatedNotDeleted && provider.reactivate) {
    const subject = { fingerprint: fingerprint(oldValue), provider: cred.provider };
    await audit.append({ action: 'credential.reactivate', subject, outcome: 'started', details: { run: runId, reason: 'rollback within the grace period' } });
    await provider.reactivate(old);
    await audit.append({ action: 'credential.reactivate', subject, outcome: 'ok', details: { run: runId } });
    active = await provider.isActive(old);
  }
  if (active === false)
    throw refusedError(
      `the previous ${cred.names[0]} is no longer accepted by ${cred.provider} (revoked); rolling back would break every consumer`,
      'Rotate again instead: credctl rotate ' + (cred.names[0] ?? cred.id),
    );
}

/** Write the old value (and its parts) back into every target the run wrote, binding by binding. */
async function restoreTargets(x: Rollback): Promise<string[]> {
  const { cred, provider, oldValue, newValue } = x;
  const guard = async () => null;
  const targets: string[] = [];
  for (const step of cred.steps) {
    if (step.action !== 'inject' || !step.target || !step.envName) continue;
    const target = x.openTarget(step.target, guard);
    const binding = await target.read(step.envName);
    const restore =
      typeof binding === 'string' && binding.includes(newValue)
        ? provider.render
          ? provider.render({ binding, oldValue: newValue, newValue: oldValue, newId: x.oldId, oldId: x.newId })
          : binding.split(newValue).join(oldValue)
        : oldValue;
    await target.write(step.envName, restore);
    for (const part of step.parts ?? []) if (x.oldParts?.[part.role] !== undefined) await target.write(part.envName, x.oldParts[part.role]!);
    targets.push(target.describe());
  }
  return targets;
}

/**
 * The old credential is in use again: journaled first (so a kill here still reads as rolled
 * back, never as "old revoked"), then never deleted by any run that deactivated it, and a resume
 * of this run must not go on to revoke it.
 */
function markRolledBack(x: Rollback): void {
  const runJournal = new Journal(x.runs.open(x.runId));
  try {
    runJournal.append('rollback', `${x.cred.id}/rollback`, { result: 'rolled back by credctl rollback: the previous value is current again' });
  } finally {
    runJournal.close();
  }
  cancelDeletionsOf(x.runs, x.cred.id, 'cancelled: rolled back, the old credential is in use again');
}

/**
 * The replacement is in no target any more: revoke it, as a failed run's rollback does, rather
 * than leave a live key nobody tracks. A failure here does not undo the rollback.
 */
async function revokeReplacement(x: Rollback): Promise<RollbackResult['replacement']> {
  const { cred, provider, newValue, oldValue, runId } = x;
  const replacement: RollbackResult['replacement'] = { redacted: redact(newValue), revoked: false };
  try {
    await provider.revoke({ value: newValue, id: x.newId, ...(x.newParts ? { parts: x.newParts } : {}), mode: 'revoke' });
    replacement.revoked = true;
    await x.audit.append({
      action: 'credential.revoke',
      subject: { fingerprint: fingerprint(newValue), provider: cred.provider },
      outcome: 'ok',
      details: { run: runId, reason: 'rolled back: the replacement is unused' },
    });
  } catch (err) {
    replacement.reason = maskValues((err as Error).message, [newValue, oldValue]);
  }
  return replacement;
}
