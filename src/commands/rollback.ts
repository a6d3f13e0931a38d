import { confirm } from '@inquirer/prompts';
import { fingerprint } from '../core/fingerprint.js';
import { maskValues, redact, shownSafely } from '../core/redact.js';
import { refusedError, usageError } from '../core/errors.js';
import { withAudit } from '../audit/log.js';
import { openProject } from '../project/context.js';
import { trusted } from '../project/context.js';
import { parsePlan } from '../plan/plan-file.js';
import type { RunStore } from '../state/types.js';
import type { Plan, PlanCredential } from '../plan/types.js';
import { openStore } from '../store/open.js';
import { doneData, Journal } from '../apply/journal.js';
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
  const { paths } = project;
  const runs = project.state.runs;
  const found = findLastRun(runs, query);
  if (!found) throw usageError(`no finished rotation of ${shownSafely(query)} to roll back`, 'See `credctl apply --list-runs`.');
  const { cred, runId } = found;
  await trusted(project, opts, 'rolling back a credential');
  const settings = project.settings;
  const store = await openStore({ paths });
  const versions = await store.versions(cred.storeName);
  const previous = versions.find((v) => v.labels.includes('previous'));
  const current = versions.find((v) => v.labels.includes('current'));
  if (!previous || !current) throw refusedError(`the store has no previous version of ${cred.storeName} to go back to`);
  const oldValue = (await store.get(cred.storeName, { version: previous.version }))!;
  const newValue = (await store.get(cred.storeName, { version: current.version }))!;
  if (!opts.yes) {
    if (opts.noInput || !io.inputIsTTY()) throw refusedError('rollback needs confirmation', 'Re-run with --yes.');
    if (
      !(await confirm(
        { message: `Put the previous ${cred.names[0]} (${redact(oldValue)}) back into every target?`, default: false },
        { output: process.stderr },
      ))
    ) {
      throw refusedError('not confirmed; nothing was changed');
    }
  }
  return withAudit(
    async (audit) => {
      const wired = engineDeps({ project, paths, settings, store, audit, noInput: opts.noInput, concurrency: 1 });
      try {
        const provider = wired.deps.provider(cred);
        const journal = runs.records(runId);
        const oldId = doneData(journal, `${cred.id}/snapshot`)?.oldId as string | undefined;
        const newId = doneData(journal, `${cred.id}/create`)?.newId as string | undefined;
        // A multi-part credential (an AWS key id beside its secret) is checked and put back whole.
        const partsOf = (data: Record<string, unknown> | undefined, key: string) => {
          const v = data?.[key];
          return v && typeof v === 'object' ? (v as Record<string, string>) : undefined;
        };
        const oldParts = partsOf(doneData(journal, `${cred.id}/snapshot`), 'oldParts');
        const newParts = partsOf(doneData(journal, `${cred.id}/create`), 'newParts');
        const old = { value: oldValue, id: oldId, ...(oldParts ? { parts: oldParts } : {}) };
        let active = await provider.isActive(old);
        // Within a grace period the old credential is only deactivated: bring it back first. The
        // plan says so (even if the run was killed before it journaled the deactivation), and no
        // deletion is recorded yet. An interrupted rollback leaves it active, which finalize checks.
        const deactivatedNotDeleted =
          cred.steps.some((s) => s.action === 'revoke' && s.mode === 'deactivate') && !doneData(journal, `${cred.id}/${DELETE_STEP}`);
        if (active === false && deactivatedNotDeleted && provider.reactivate) {
          await audit.append({
            action: 'credential.reactivate',
            subject: { fingerprint: fingerprint(oldValue), provider: cred.provider },
            outcome: 'started',
            details: { run: runId, reason: 'rollback within the grace period' },
          });
          await provider.reactivate(old);
          await audit.append({
            action: 'credential.reactivate',
            subject: { fingerprint: fingerprint(oldValue), provider: cred.provider },
            outcome: 'ok',
            details: { run: runId },
          });
          active = await provider.isActive(old);
        }
        if (active === false)
          throw refusedError(
            `the previous ${cred.names[0]} is no longer accepted by ${cred.provider} (revoked); rolling back would break every consumer`,
            'Rotate again instead: credctl rotate ' + (cred.names[0] ?? cred.id),
          );
        await audit.append({
          action: 'rollback.start',
          subject: { fingerprint: fingerprint(newValue), provider: cred.provider },
          outcome: 'started',
          details: { run: runId, to: fingerprint(oldValue) },
        });
        const guard = async () => null;
        const targets: string[] = [];
        for (const step of cred.steps) {
          if (step.action !== 'inject' || !step.target || !step.envName) continue;
          const target = wired.deps.openTarget(step.target, guard);
          const binding = await target.read(step.envName);
          const restore =
            typeof binding === 'string' && binding.includes(newValue)
              ? provider.render
                ? provider.render({ binding, oldValue: newValue, newValue: oldValue, newId: oldId, oldId: newId })
                : binding.split(newValue).join(oldValue)
              : oldValue;
          await target.write(step.envName, restore);
          for (const part of step.parts ?? []) if (oldParts?.[part.role] !== undefined) await target.write(part.envName, oldParts[part.role]!);
          targets.push(target.describe());
        }
        await store.setLabel(cred.storeName, current.version, 'previous');
        await store.setLabel(cred.storeName, previous.version, 'current');
        // The old credential is in use again: journaled first (so a kill here still reads as rolled
        // back, never as "old revoked"), then never deleted by any run that deactivated it, and a
        // resume of this run must not go on to revoke it.
        const runJournal = new Journal(runs.open(runId));
        try {
          runJournal.append('rollback', `${cred.id}/rollback`, { result: 'rolled back by credctl rollback: the previous value is current again' });
        } finally {
          runJournal.close();
        }
        cancelDeletionsOf(runs, cred.id, 'cancelled: rolled back, the old credential is in use again');
        await audit.append({
          action: 'rollback.done',
          subject: { fingerprint: fingerprint(oldValue), provider: cred.provider },
          outcome: 'ok',
          details: { run: runId, targets: targets.length },
        });
        // The replacement is in no target any more: revoke it, as a failed run's rollback does,
        // rather than leave a live key nobody tracks. A failure here does not undo the rollback.
        const replacement: RollbackResult['replacement'] = { redacted: redact(newValue), revoked: false };
        try {
          await provider.revoke({ value: newValue, id: newId, ...(newParts ? { parts: newParts } : {}), mode: 'revoke' });
          replacement.revoked = true;
          await audit.append({
            action: 'credential.revoke',
            subject: { fingerprint: fingerprint(newValue), provider: cred.provider },
            outcome: 'ok',
            details: { run: runId, reason: 'rolled back: the replacement is unused' },
          });
        } catch (err) {
          replacement.reason = maskValues((err as Error).message, [newValue, oldValue]);
        }
        return { name: cred.names[0] ?? cred.id, redacted: redact(oldValue), targets, runId, replacement };
      } finally {
        await wired.close();
      }
    },
    { paths, store },
  );
}
