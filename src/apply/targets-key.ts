import type { PlanTargetRef } from '../plan/types.js';

/** A stable text key for a target, so plans can say "G guards T" and the engine can match it. */
export function targetKey(ref: PlanTargetRef): string {
  const entries = Object.entries(ref)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return entries.map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`).join(';');
}
