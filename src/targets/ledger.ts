import { existsSync, readFileSync } from 'node:fs';
import { ensureStateDir } from '../core/paths.js';
import { dirname } from 'node:path';
import { atomicWriteFileSync } from '../core/atomic-write.js';
import type { TargetLedger, TargetLedgerEntry } from './target.js';

/** A ledger kept in memory: for tests and one-shot runs. */
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

/**
 * A ledger in a JSON file (e.g. `.credctl/target-ledger.json`). It holds fingerprints and server
 * times only, never values; written atomically with mode 0600 like every state file.
 * Writes are serialised within the process so parallel credentials do not lose each other's entries.
 */
export function fileLedger(path: string): TargetLedger {
  let chain: Promise<unknown> = Promise.resolve();
  const load = (): Record<string, TargetLedgerEntry> => {
    if (!existsSync(path)) return {};
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, TargetLedgerEntry>) : {};
    } catch {
      // A damaged ledger only costs "unknown" answers (a rewrite), never correctness: start over.
      return {};
    }
  };
  return {
    async get(key) {
      await chain;
      return load()[key];
    },
    set(key, entry) {
      const next = chain.then(() => {
        const all = load();
        all[key] = { fingerprint: entry.fingerprint, remoteUpdatedAt: entry.remoteUpdatedAt };
        ensureStateDir(dirname(path));
        atomicWriteFileSync(path, JSON.stringify(all, null, 2) + '\n', { mode: 0o600 });
      });
      chain = next.catch(() => undefined);
      return next;
    },
  };
}
