import { warn } from '../core/output.js';
import { parsePlan } from '../plan/plan-file.js';
import type { PlanCredential } from '../plan/types.js';
import type { RunStore } from '../state/types.js';
import { doneData, Journal, recordedParts, type JournalRecord } from './journal.js';

/**
 * The grace period's end, as the runs' journals record it: a rotation planned with `--grace` only
 * deactivates the old credential (reversible: `credctl rollback` reactivates it) and records when
 * it may be deleted. This module reads and closes those records; `credctl finalize`
 * (commands/finalize.ts) deletes what is due, `credctl status` reports it, and an incident reads
 * whether an old credential is deleted, waiting, or back in use.
 *
 * A rollback within the grace period records a cancellation in the journal, so finalize never
 * deletes a credential that has been put back into use.
 */
export const DELETE_STEP = 'delete-old';

export interface PendingDeletion {
  runId: string;
  credentialId: string;
  name: string;
  provider: string;
  redacted: string;
  deleteAfter: string;
  due: boolean;
}

export interface Located extends PendingDeletion {
  cred: PlanCredential;
  oldVersion?: number;
  oldId?: string;
  /** The identifier parts of the old credential (an AWS key id), from the run's snapshot. */
  oldParts?: Record<string, string>;
}

/** Is a deactivated credential of this run waiting for deletion (not deleted, not rolled back)? */
export function awaitingDeletion(journal: JournalRecord[], credentialId: string): string | undefined {
  const deleteAfter = doneData(journal, `${credentialId}/revoke`)?.deleteAfter;
  if (typeof deleteAfter !== 'string') return undefined;
  return doneData(journal, `${credentialId}/${DELETE_STEP}`) ? undefined : deleteAfter;
}

export function locate(runs: RunStore, now: Date): Located[] {
  const out: Located[] = [];
  for (const runId of runs.ids()) {
    if (!runs.hasPlan(runId) || !runs.hasJournal(runId)) continue;
    let journal: JournalRecord[];
    let credentials: PlanCredential[];
    try {
      journal = runs.records(runId);
      if (!journal.some((r) => typeof r.data?.deleteAfter === 'string')) continue; // most runs: nothing to read further
      const plan = runs.planText(runId);
      credentials = parsePlan(plan.text, plan.where).credentials;
    } catch (err) {
      // One damaged run must not hide the others (status is a CI gate): say so and go on.
      warn(`run ${runId} skipped: ${(err as Error).message}`);
      continue;
    }
    for (const cred of credentials) {
      const deleteAfter = awaitingDeletion(journal, cred.id);
      if (!deleteAfter) continue;
      const snapshot = doneData(journal, `${cred.id}/snapshot`) ?? {};
      out.push({
        runId,
        credentialId: cred.id,
        name: cred.names[0] ?? cred.id,
        provider: cred.provider,
        redacted: cred.redacted,
        deleteAfter,
        due: Date.parse(deleteAfter) <= now.getTime(),
        cred,
        ...(typeof snapshot.oldVersion === 'number' ? { oldVersion: snapshot.oldVersion } : {}),
        ...(typeof snapshot.oldId === 'string' ? { oldId: snapshot.oldId } : {}),
        ...(recordedParts(snapshot, 'oldParts') ? { oldParts: recordedParts(snapshot, 'oldParts')! } : {}),
      });
    }
  }
  return out;
}

/** Every old credential deactivated by a run and not yet deleted or brought back, due or not. */
export function pendingDeletions(runs: RunStore, now = new Date()): PendingDeletion[] {
  return locate(runs, now).map(publicPart);
}

export const publicPart = ({ cred: _c, oldVersion: _v, oldId: _i, oldParts: _p, ...p }: Located): PendingDeletion => p;

/** Close a pending deletion in its run's journal without deleting anything (`result` says why). */
export function cancelDeletion(runs: RunStore, runId: string, credentialId: string, result: string, how: 'cancelled' | 'deleted-by-hand' = 'cancelled'): void {
  const journal = new Journal(runs.open(runId));
  try {
    // `cancelled`: the old credential is in use again (not deleted); incident status reads it so.
    journal.append('done', `${credentialId}/${DELETE_STEP}`, { result, ...(how === 'cancelled' ? { cancelled: true } : {}) });
  } finally {
    journal.close();
  }
}

/** Every pending deletion of this credential, in any run, closed (a rollback put it back into use). */
export function cancelDeletionsOf(runs: RunStore, credentialId: string, result: string): number {
  const pending = locate(runs, new Date()).filter((p) => p.credentialId === credentialId);
  for (const p of pending) cancelDeletion(runs, p.runId, p.credentialId, result);
  return pending.length;
}
