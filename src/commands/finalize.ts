import { confirm } from '@inquirer/prompts';
import { withAudit } from '../audit/log.js';
import { openProject } from '../project/context.js';
import { trusted } from '../project/context.js';
import { refusedError } from '../core/errors.js';
import { fingerprint } from '../core/fingerprint.js';
import { maskValues } from '../core/redact.js';
import { openStore } from '../store/open.js';
import type { SecretStore } from '../store/types.js';
import { engineDeps } from '../apply/context.js';
import { cancelDeletion, DELETE_STEP, locate, publicPart, type PendingDeletion } from '../apply/deletions.js';
import { Journal } from '../apply/journal.js';
import * as io from '../core/io.js';

/**
 * `credctl finalize`: delete (revoke for good) the old credentials whose grace period has passed,
 * recorded in their run's journal and in the audit log; `--forget` records a deletion a person
 * did by hand. What is pending is read by ../apply/deletions.ts.
 */
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

export async function finalizeDeletions(root: string, opts: FinalizeOptions): Promise<FinalizeResult> {
  // One project, opened once: its state, settings and trust are passed down from here.
  const project = openProject(root);
  const { paths, settings } = project;
  const runs = project.state.runs;
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
  await trusted(project, opts, 'deleting deactivated credentials');
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
            cancelDeletion(runs, item.runId, item.credentialId, 'cancelled: the old credential is current again');
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

/**
 * `credctl finalize --forget NAME`: a person deleted the credential at the provider by hand (say
 * the store lost its value): stop listing it. Audited like a deletion, marked as done by hand.
 */
export async function forgetDeletion(root: string, query: string, opts: { store?: SecretStore } = {}): Promise<PendingDeletion[]> {
  const project = openProject(root);
  const { paths } = project;
  const runs = project.state.runs;
  const hits = locate(runs, new Date()).filter((p) => p.name === query || p.credentialId.startsWith(query) || p.cred.names.includes(query));
  if (hits.length === 0) return [];
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
        cancelDeletion(runs, p.runId, p.credentialId, 'deleted by hand (credctl finalize --forget)', 'deleted-by-hand');
      }
    },
    { paths, store },
  );
  return hits.map(publicPart);
}
