import type { TargetLedger, TargetLedgerEntry } from './target.js';

/** A ledger kept in memory: for tests and one-shot runs. The file ledger is project state (src/state/files.ts). */
export function memoryLedger(): TargetLedger {
  const map = new Map<string, TargetLedgerEntry>();
  return {
    async get(key) {
      return map.get(key);
    },
    async set(key, entry) {
      map.set(key, { ...entry });
    },
  };
}
