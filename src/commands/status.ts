import { pendingDeletions } from '../apply/finalize.js';
import type { ProjectSettings } from '../config/sections.js';
import { dueItems, type DueItem } from '../report/status.js';
import { runInventory } from './inventory.js';

/** `credctl status` below the CLI: what is due by the project's policy, over its inventory. */
export async function runStatus(root: string, probe: boolean): Promise<{ due: DueItem[]; credentials: number; policy: ProjectSettings['policy'] }> {
  const { ctx, items } = await runInventory(root, probe);
  const due = dueItems({
    root,
    items,
    pendingDeletions: pendingDeletions(root),
    maxAgeDays: ctx.settings.policy.maxAgeDays,
    expiryWarningDays: ctx.settings.policy.expiryWarningDays,
  });
  return { due, credentials: items.length, policy: ctx.settings.policy };
}
