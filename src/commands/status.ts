import { pendingDeletions } from '../apply/deletions.js';
import type { ProjectSettings } from '../config/sections.js';
import * as io from '../core/io.js';
import { incidentProgress, openItems, recoveredCredentials, revokedByAudit } from '../incident/progress.js';
import { allIncidents } from '../incident/record.js';
import { dueItems, type DueItem } from '../report/status.js';
import type { ProjectContext } from '../graph/project-context.js';
import { runInventory } from './inventory.js';

/** `credctl status` below the CLI: what is due by the project's policy, over its inventory. */
export async function runStatus(root: string, probe: boolean): Promise<{ due: DueItem[]; credentials: number; policy: ProjectSettings['policy'] }> {
  const { ctx, items } = await runInventory(root, probe);
  const due = dueItems({
    root,
    items,
    pendingDeletions: pendingDeletions(ctx.project.state.runs),
    maxAgeDays: ctx.settings.policy.maxAgeDays,
    expiryWarningDays: ctx.settings.policy.expiryWarningDays,
  });
  due.push(...recoveryDue(ctx));
  return { due, credentials: items.length, policy: ctx.settings.policy };
}

const warn = (m: string) => io.err().write(`credctl: ${m}\n`);

/**
 * What an unfinished recovery leaves due: every open item of an open incident, and every revoked
 * (or deactivated) value the project still holds somewhere, which would break whatever reads it.
 */
function recoveryDue(ctx: ProjectContext): DueItem[] {
  const { state } = ctx.project;
  const due: DueItem[] = [];
  let incidents: ReturnType<typeof allIncidents> = [];
  try {
    incidents = allIncidents(state.incidents);
  } catch (err) {
    // A damaged record is its own finding; the CI gate must not stop on it.
    due.push({ what: 'incidents', kind: 'credential', reason: 'incident-open', detail: (err as Error).message, days: 0 });
  }
  const revokedElsewhere = revokedByAudit(state.audit.readLog());
  for (const incident of incidents.filter((i) => !i.closed)) {
    for (const p of openItems(incidentProgress(incident, state.runs, warn, revokedElsewhere))) {
      const c = p.credential;
      due.push({
        what: `${c.names[0] ?? c.id} ${c.redacted}`,
        kind: 'credential',
        reason: 'incident-open',
        detail: `incident ${incident.id}: ${p.state}${p.next ? `; next: ${p.next}` : ''}`,
        days: Math.max(0, Math.floor((Date.now() - Date.parse(incident.openedAt)) / 86_400_000)),
      });
    }
  }
  const recovered = recoveredCredentials(state, warn);
  for (const node of ctx.graph.nodes) {
    if (node.type !== 'credential') continue;
    const r = recovered.get(node.id);
    if (!r || r.state === 'accepted') continue;
    due.push({
      what: `${node.names[0] ?? node.id} ${node.redacted}`,
      kind: 'credential',
      reason: 'revoked-value-in-use',
      detail: `the project still holds a value credctl ${r.state === 'old-revoked' ? 'revoked' : 'deactivated'}${r.runId ? ` (run ${r.runId})` : ''}: whatever reads it is broken; \`credctl where ${node.id}\` shows where`,
      days: 0,
    });
  }
  return due;
}
