import { confirm } from '@inquirer/prompts';
import { withAudit } from '../audit/log.js';
import { openProject } from '../project/context.js';
import { trusted } from './orchestrate.js';
import { refusedError } from '../core/errors.js';
import { fingerprint } from '../core/fingerprint.js';
import { warn } from '../core/output.js';
import { maskValues } from '../core/redact.js';
import { projectPaths } from '../core/paths.js';
import { parsePlan } from '../plan/plan-file.js';
import { projectState } from '../state/files.js';
import type { RunStore } from '../state/types.js';
import type { PlanCredential } from '../plan/types.js';
import { openStore } from '../store/open.js';
import type { SecretStore } from '../store/types.js';
import { engineDeps } from './context.js';
import { doneData, Journal, type JournalRecord } from './journal.js';
import * as io from '../core/io.js';

/**
 * The grace period's end: a rotation planned with `--grace` only deactivates the old credential
 * (reversible: `credctl rollback` reactivates it), and records in the run's journal when it may
 * be deleted. `credctl finalize` deletes (revokes for good) those whose date has passed and
 * records that in the same journal and in the audit log; `credctl status` reports them as due.
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

interface Located extends PendingDeletion {
  cred: PlanCredential;
  oldVersion?: number;
  oldId?: string;
  /** The identifier parts of the old credential (an AWS key id), from the run's snapshot. */
  oldParts?: Record<string, string>;
}

/** The project's runs, wherever its state is kept. */
function runsOf(root: string): RunStore {
  return projectState(projectPaths(root)).runs;
}

/** Is a deactivated credential of this run waiting for deletion (not deleted, not rolled back)? */
export function awaitingDeletion(journal: JournalRecord[], credentialId: string): string | undefined {
  const deleteAfter = doneData(journal, `${credentialId}/revoke`)?.deleteAfter;
  if (typeof deleteAfter !== 'string') return undefined;
  return doneData(journal, `${credentialId}/${DELETE_STEP}`) ? undefined : deleteAfter;
}

function locate(runs: RunStore, now: Date): Located[] {
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
        ...(snapshot.oldParts && typeof snapshot.oldParts === 'object' ? { oldParts: snapshot.oldParts as Record<string, string> } : {}),
      });
    }
  }
  return out;
}

/** Every old credential deactivated by a run and not yet deleted or brought back, due or not. */
export function pendingDeletions(root: string, now = new Date()): PendingDeletion[] {
  return locate(runsOf(root), now).map(({ cred: _c, oldVersion: _v, oldId: _i, oldParts: _p, ...p }) => p);
}

export interface FinalizeOptions {
  yes: boolean;
  noInput: boolean;
  dryRun?: boolean;
  /** Delete before the grace period ends too. */
  force?: boolean;
  now?: Date;
  store?: SecretStore;
}

export interface FinalizeResult {
  /** Past their grace period (or forced): deleted now, or, with dryRun, what would be. */
  due: PendingDeletion[];
  deleted: PendingDeletion[];
  /** Not deleted because it is in use again: current in the store (its deletion is cancelled), or active at the issuer. */
  kept: (PendingDeletion & { reason: string })[];
  /** `store`: the old value is gone from the store; `issuer`: the provider call failed. */
  failed: (PendingDeletion & { reason: string; cause: 'store' | 'issuer' })[];
  /** Still within their grace period (and not forced). */
  waiting: PendingDeletion[];
  dryRun: boolean;
}

const publicPart = ({ cred: _c, oldVersion: _v, oldId: _i, oldParts: _p, ...p }: Located): PendingDeletion => p;

export async function finalizeDeletions(root: string, opts: FinalizeOptions): Promise<FinalizeResult> {
  const runs = runsOf(root);
  const all = locate(runs, opts.now ?? new Date());
  const todo = all.filter((p) => p.due || opts.force);
  const waiting = all.filter((p) => !todo.includes(p)).map(publicPart);
  const due = todo.map(publicPart);
  if (opts.dryRun || todo.length === 0) return { due, deleted: [], kept: [], failed: [], waiting, dryRun: Boolean(opts.dryRun) };
  if (!opts.yes) {
    if (opts.noInput || !io.inputIsTTY())
      throw refusedError('deleting credentials needs confirmation', 'Check the list with --dry-run, then re-run with --yes.');
    const ok = await confirm(
      { message: `Delete ${todo.length} deactivated credential(s) for good? This cannot be undone.`, default: false },
      { output: process.stderr },
    );
    if (!ok) throw refusedError('not confirmed; nothing was deleted');
  }
  const paths = projectPaths(root);
  const project = openProject(root);
  await trusted(project, opts, 'deleting deactivated credentials');
  const settings = project.settings;
  const store = opts.store ?? (await openStore({ paths }));
  const deleted: PendingDeletion[] = [];
  const kept: FinalizeResult['kept'] = [];
  const failed: FinalizeResult['failed'] = [];
  await withAudit(
    async (audit) => {
      const wired = engineDeps({ project, paths, settings, store, audit, noInput: opts.noInput, concurrency: 1 });
      try {
        for (const item of todo) {
          const pub = publicPart(item);
          const value = item.oldVersion !== undefined ? await store.get(item.cred.storeName, { version: item.oldVersion }) : null;
          if (!value || fingerprint(value) !== item.credentialId) {
            failed.push({
              ...pub,
              cause: 'store',
              reason: `the store no longer holds the old value of ${item.cred.storeName}; delete it by hand at ${item.provider}, then: credctl finalize --forget ${item.name}`,
            });
            continue;
          }
          // Never delete a credential that is in use again: made current by a rollback (an
          // interrupted one included), or reactivated at the issuer by someone who needed it.
          const current = (await store.versions(item.cred.storeName)).find((v) => v.labels.includes('current'));
          if (current?.version === item.oldVersion) {
            cancelDeletion(root, item.runId, item.credentialId, 'cancelled: the old credential is current again');
            kept.push({ ...pub, reason: 'it is the current value again (rolled back); its deletion is cancelled' });
            continue;
          }
          const provider = wired.deps.provider(item.cred);
          try {
            const old = { value, id: item.oldId, ...(item.oldParts ? { parts: item.oldParts } : {}) };
            if ((await provider.isActive(old)) === true) {
              kept.push({ ...pub, reason: `${item.provider} accepts it again (reactivated outside credctl?): rotate it again, or delete it by hand` });
              continue;
            }
            await provider.revoke({ ...old, mode: 'revoke' });
          } catch (err) {
            failed.push({ ...pub, cause: 'issuer', reason: maskValues((err as Error).message, [value]) });
            continue;
          }
          // Audit first (fail closed), then the journal record that stops it being listed again.
          await audit.append({
            action: 'credential.delete',
            subject: { fingerprint: item.credentialId, provider: item.provider },
            outcome: 'ok',
            details: { run: item.runId, after: 'grace period' },
          });
          const journal = new Journal(runs.open(item.runId));
          try {
            journal.append('done', `${item.credentialId}/${DELETE_STEP}`, { result: 'deleted after the grace period' });
          } finally {
            journal.close();
          }
          deleted.push(pub);
        }
      } finally {
        await wired.close();
      }
    },
    { paths, store },
  );
  return { due, deleted, kept, failed, waiting, dryRun: false };
}

/** Close a pending deletion in its run's journal without deleting anything (`result` says why). */
export function cancelDeletion(root: string, runId: string, credentialId: string, result: string, how: 'cancelled' | 'deleted-by-hand' = 'cancelled'): void {
  const journal = new Journal(runsOf(root).open(runId));
  try {
    // `cancelled`: the old credential is in use again (not deleted); incident status reads it so.
    journal.append('done', `${credentialId}/${DELETE_STEP}`, { result, ...(how === 'cancelled' ? { cancelled: true } : {}) });
  } finally {
    journal.close();
  }
}

/** Every pending deletion of this credential, in any run, closed (a rollback put it back into use). */
export function cancelDeletionsOf(root: string, credentialId: string, result: string): number {
  const pending = locate(runsOf(root), new Date()).filter((p) => p.credentialId === credentialId);
  for (const p of pending) cancelDeletion(root, p.runId, p.credentialId, result);
  return pending.length;
}

/**
 * `credctl finalize --forget NAME`: a person deleted the credential at the provider by hand (say
 * the store lost its value): stop listing it. Audited like a deletion, marked as done by hand.
 */
export async function forgetDeletion(root: string, query: string, opts: { store?: SecretStore } = {}): Promise<PendingDeletion[]> {
  const hits = locate(runsOf(root), new Date()).filter((p) => p.name === query || p.credentialId.startsWith(query) || p.cred.names.includes(query));
  if (hits.length === 0) return [];
  const paths = projectPaths(root);
  const store = opts.store ?? (await openStore({ paths }));
  await withAudit(
    async (audit) => {
      for (const p of hits) {
        await audit.append({
          action: 'credential.delete',
          subject: { fingerprint: p.credentialId, provider: p.provider },
          outcome: 'ok',
          details: { run: p.runId, by: 'hand (credctl finalize --forget)' },
        });
        cancelDeletion(root, p.runId, p.credentialId, 'deleted by hand (credctl finalize --forget)', 'deleted-by-hand');
      }
    },
    { paths, store },
  );
  return hits.map(publicPart);
}
