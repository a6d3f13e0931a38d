import { inputError } from '../../src/core/errors.js';
import type { TargetLedgerEntry } from '../../src/targets/target.js';
import type { JournalRecord, ProjectState, StoredGraph, StoredIncident } from '../../src/state/types.js';

/**
 * A second implementation of the state seam, in memory, for tests only. It exists to show the
 * contract does not lean on files: it passes test/state/contract.ts as the file state does, and
 * the apply engine runs on it unchanged. `open()` on the same backing is a "reopen".
 */
export interface MemoryBacking {
  graph?: string;
  runs: Map<string, { plan: string; journal: string[] }>;
  ledger: Map<string, TargetLedgerEntry>;
  incidents: Map<string, string>;
  audit: { log: string; checkpoints: string };
}

export function memoryBacking(): MemoryBacking {
  return { runs: new Map(), ledger: new Map(), incidents: new Map(), audit: { log: '', checkpoints: '' } };
}

export function memoryState(b: MemoryBacking): ProjectState {
  const run = (runId: string) => {
    const r = b.runs.get(runId);
    if (!r) throw inputError(`no journal for run ${runId}`);
    return r;
  };
  const journal = (runId: string, lines: string[]) => ({
    runId,
    location: `memory:runs/${runId}`,
    existing: lines.map((l) => JSON.parse(l) as JournalRecord),
    append: (rec: JournalRecord) => void lines.push(JSON.stringify(rec)),
    close: () => undefined,
  });
  return {
    graph: {
      location: 'memory:graph',
      read: () => (b.graph === undefined ? undefined : (JSON.parse(b.graph) as StoredGraph)),
      write: (doc) => void (b.graph = JSON.stringify(doc)),
    },
    runs: {
      location: 'memory:runs',
      ids: () => [...b.runs.keys()].sort(),
      hasJournal: (runId) => b.runs.has(runId),
      hasPlan: (runId) => b.runs.has(runId),
      runLocation: (runId) => `memory:runs/${runId}`,
      create(runId, plan) {
        if (b.runs.has(runId)) throw inputError(`run ${runId} already has a journal`);
        const r = { plan, journal: [] as string[] };
        b.runs.set(runId, r);
        return journal(runId, r.journal);
      },
      open: (runId) => journal(runId, run(runId).journal),
      records: (runId) => run(runId).journal.map((l) => JSON.parse(l) as JournalRecord),
      planText: (runId) => ({ text: run(runId).plan, where: `memory:runs/${runId}/plan` }),
    },
    ledger: {
      get: async (key) => b.ledger.get(key),
      set: async (key, entry) => void b.ledger.set(key, { fingerprint: entry.fingerprint, remoteUpdatedAt: entry.remoteUpdatedAt }),
    },
    incidents: {
      location: 'memory:incidents',
      ids: () => [...b.incidents.keys()].sort(),
      read: (id) => {
        const text = b.incidents.get(id);
        return text === undefined ? undefined : (JSON.parse(text) as StoredIncident);
      },
      write: (doc) => void b.incidents.set(doc.id, JSON.stringify(doc)),
    },
    audit: {
      location: 'memory:audit',
      checkpointsLocation: 'memory:checkpoints',
      lock: async () => ({ release: () => undefined }),
      readLog: () => b.audit.log,
      lastLine() {
        if (!b.audit.log) return null;
        const complete = b.audit.log.endsWith('\n');
        const body = complete ? b.audit.log.slice(0, -1) : b.audit.log;
        return { line: body.slice(body.lastIndexOf('\n') + 1), complete };
      },
      appendLog: (text) => void (b.audit.log += text),
      readCheckpoints: () => b.audit.checkpoints,
      appendCheckpoint: (note) => void (b.audit.checkpoints += (b.audit.checkpoints ? '\n' : '') + note),
    },
  };
}
