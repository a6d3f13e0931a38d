import * as io from '../core/io.js';
import { paint, paintErr, printJson } from '../core/output.js';
import type { Plan, RunFailure, RunSummary } from './types.js';
import { escapeControl } from '../core/text.js';

/** A plan in a few lines per credential, for review on stderr before confirming. */
export function renderPlanSummary(plan: Plan): string {
  const c = paintErr();
  const byId = new Map(plan.credentials.map((x) => [x.id, x]));
  const lines = [c.bold(`Rotation plan ${plan.id}: ${plan.credentials.length} credential(s) in ${plan.order.batches.length} batch(es)`)];
  let n = 0;
  for (const batch of plan.order.batches) {
    for (const id of batch) {
      const cred = byId.get(id)!;
      const injects = cred.steps.filter((s) => s.action === 'inject').length;
      const checks = cred.steps.filter((s) => s.action === 'health').length;
      lines.push(
        `  ${++n}. ${c.bold(cred.names[0] ?? cred.redacted)} ${c.dim(cred.redacted)} ${cred.provider} · ${cred.strategy === 'api' ? 'automatic' : c.yellow('manual create/revoke')} · ${injects} target(s) · ${checks} health check(s)${cred.orderReason ? c.dim(` · ${cred.orderReason}`) : ''}`,
      );
      // What will run and where the value goes, spelled out: a reviewer approves these, not a count.
      for (const step of cred.steps) {
        if (step.action === 'inject' && step.target) lines.push(c.dim(`     → ${step.envName} into ${describeRef(step.target)}`));
        if (step.action === 'health' && step.check)
          lines.push(
            c.dim(`     ✓ ${'command' in step.check ? `runs: ${escapeControl(step.check.command)}` : `checks: ${escapeControl(step.check.http.url)}`}`),
          );
      }
      for (const note of cred.notes ?? []) lines.push(c.yellow(`     ! ${note}`));
    }
  }
  for (const cycle of plan.order.cycles) lines.push(c.yellow(`  cycle: ${cycle.join(' ↔ ')} (run one at a time)`));
  return lines.join('\n');
}

/** A target as a person reads it: its type and place (`dotenv deploy/app.env`, `github-actions acme/api`). */
export function describeRef(ref: Record<string, unknown>): string {
  const where = ref.file ?? ref.repo ?? ref.projectId ?? ref.name;
  return `${String(ref.type)}${where ? ` ${escapeControl(String(where))}` : ''}`;
}

/** What a failed credential was left as, in the words the summary uses. */
const FAILED_STATE: Record<RunFailure['state'], string> = {
  'rolled-back': 'rolled back',
  'new-value-live': 'new value live, not rolled back',
};

/** `failed: 2 (rolled back: 1, new value live, not rolled back: 1)`: what happened, not one label for all. */
function failedCounts(summary: RunSummary): string {
  const parts = (Object.keys(FAILED_STATE) as RunFailure['state'][])
    .map((state) => [FAILED_STATE[state], summary.failed.filter((f) => f.state === state).length] as const)
    .filter(([, n]) => n > 0)
    .map(([label, n]) => `${label}: ${n}`);
  return `failed: ${summary.failed.length}${parts.length ? ` (${parts.join('; ')})` : ''}`;
}

export function printRunSummary(summary: RunSummary, json: boolean): void {
  if (json) {
    printJson(summary);
    return;
  }
  const c = paint();
  const lines = [
    c.bold(`Run ${summary.runId}`),
    `  rotated: ${summary.rotated.length}   ${failedCounts(summary)}   skipped: ${summary.skipped.length}`,
    `  old credentials revoked: ${summary.revoked.length}${summary.deactivated.length ? ` (${summary.deactivated.length} deactivated for a grace period)` : ''} (refused by the provider afterwards: ${summary.refusedAfterRevoke.length})`,
    `  health checks passed: ${summary.healthChecksPassed}, failed: ${summary.healthChecksFailed}`,
  ];
  for (const d of summary.deactivated) {
    lines.push(
      `  ${d.id}: old credential deactivated, not deleted: \`credctl rollback\` can still bring it back; \`credctl finalize\` deletes it after ${d.deleteAfter.slice(0, 16).replace('T', ' ')} UTC`,
    );
  }
  for (const f of summary.failed) {
    lines.push(c.red(`  ✗ ${f.name ? `${f.name} ` : ''}${f.id}: failed (${FAILED_STATE[f.state]}): ${f.reason}`));
    if (f.unrestored?.length) lines.push(c.red(`    ! not restored, put the old value back by hand: ${f.unrestored.join(', ')}`));
    if (f.leftover) {
      const which = `${f.leftover.redacted}${f.leftover.id ? `, id ${f.leftover.id}` : ''}`;
      lines.push(
        c.red(
          `    ! the replacement credctl created (${which}) could not be revoked (${f.leftover.reason}) and is STILL LIVE, in no target: delete it by hand${f.leftover.where ? ` at ${f.leftover.where}` : ''}`,
        ),
      );
    }
  }
  for (const s of summary.skipped) lines.push(c.yellow(`  ↷ ${s.id}: ${s.reason}`));
  lines.push(c.dim(`  journal: ${summary.runDir}/journal.jsonl`));
  io.out().write(lines.join('\n') + '\n');
}
