import { memoryLedger } from './ledger.js';
import type { TargetDeps, TargetLedger } from './target.js';

/**
 * Without a ledger from the engine, write-only targets share one in-process ledger, so a second
 * write of the same value in the same run is still recognised as "already there".
 */
const processLedger = memoryLedger();

export function ledgerOf(deps: TargetDeps): TargetLedger {
  return deps.ledger ?? processLedger;
}
