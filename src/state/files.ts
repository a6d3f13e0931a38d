import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, truncateSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { atomicWriteFileSync, fsyncDir, openForAppend } from '../core/atomic-write.js';
import { inputError, readInputText } from '../core/errors.js';
import { shownSafely } from '../core/redact.js';
import { ensureDir, ensureStateDir, type ProjectPaths } from '../core/paths.js';
import type { TargetLedgerEntry } from '../targets/target.js';
import { acquireLockAsync } from '../store/lockfile.js';
import type {
  AuditLogStore,
  GraphState,
  IncidentStore,
  JournalRecord,
  LedgerStore,
  ProjectState,
  RunJournal,
  RunStore,
  StoredGraph,
  StoredIncident,
} from './types.js';

/**
 * The state seam's one implementation today: files under `.credctl/`, in the layout credctl has
 * always written (graph.json, runs/<id>/journal.jsonl and plan.yaml, target-ledger.json), each
 * owner-only (0600 files in a 0700 directory that must be a real one this user owns) and
 * written atomically or, for journals, appended and fsynced record by record.
 */
export type StatePaths = Pick<ProjectPaths, 'stateDir' | 'graph' | 'runs' | 'audit' | 'auditCheckpoints'>;

export function projectState(paths: StatePaths): ProjectState {
  return {
    graph: fileGraphState(paths),
    runs: fileRunStore(paths.runs),
    ledger: fileLedger(join(paths.stateDir, 'target-ledger.json')),
    incidents: fileIncidentStore(join(paths.stateDir, 'incidents')),
    audit: fileAuditStore(paths),
  };
}

/** Append bytes and fsync before returning. */
function appendDurably(path: string, data: string, mode: number): void {
  const fd = openForAppend(path, mode);
  try {
    const buf = Buffer.from(data, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * `.credctl/audit.jsonl` (0600, appended and fsynced) and `.credctl/checkpoints` (0644: public
 * by design, to be published), with `audit.jsonl.lock` for writers.
 */
export function fileAuditStore(paths: Pick<ProjectPaths, 'stateDir' | 'audit' | 'auditCheckpoints'>): AuditLogStore {
  const { audit: log, auditCheckpoints: checkpoints } = paths;
  return {
    location: log,
    checkpointsLocation: checkpoints,
    async lock() {
      ensureStateDir(paths.stateDir);
      return acquireLockAsync(log + '.lock', { what: 'audit log' });
    },
    readLog: () => (existsSync(log) ? readFileSync(log, 'utf8') : ''),
    lastLine() {
      if (!existsSync(log)) return null;
      const fd = openSync(log, 'r');
      try {
        const size = fstatSync(fd).size;
        if (size === 0) return null;
        // Read back from the end in growing chunks until a whole last line is in hand.
        for (let chunk = 64 * 1024; ; chunk *= 4) {
          const start = Math.max(0, size - chunk);
          const buf = Buffer.alloc(size - start);
          readSync(fd, buf, 0, buf.length, start);
          const complete = buf[buf.length - 1] === 0x0a;
          const end = complete ? buf.length - 1 : buf.length;
          const nl = buf.lastIndexOf(0x0a, end - 1);
          if (nl < 0 && start > 0) continue;
          return { line: buf.subarray(nl + 1, end).toString('utf8'), complete };
        }
      } finally {
        closeSync(fd);
      }
    },
    appendLog: (text) => appendDurably(log, text, 0o600),
    readCheckpoints: () => (existsSync(checkpoints) ? readFileSync(checkpoints, 'utf8') : ''),
    appendCheckpoint(note) {
      const sep = existsSync(checkpoints) && readFileSync(checkpoints, 'utf8').length > 0 ? '\n' : '';
      appendDurably(checkpoints, sep + note, 0o644);
    },
  };
}

const INCIDENT = 'incident.json';
/** Incident ids are made by credctl (`inc-<time>-<hex>`); anything else is never a path. */
const INCIDENT_ID = /^inc-[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$/;

/** `.credctl/incidents/<id>/incident.json`: one JSON document per incident, replaced atomically. */
export function fileIncidentStore(dir: string): IncidentStore {
  const fileOf = (id: string) => {
    if (!INCIDENT_ID.test(id)) throw inputError(`not an incident id: ${shownSafely(id)}`, 'List incidents with `credctl incident status`.');
    return join(dir, id, INCIDENT);
  };
  return {
    location: dir,
    ids() {
      if (!existsSync(dir)) return [];
      return readdirSync(dir)
        .filter((id) => INCIDENT_ID.test(id) && existsSync(join(dir, id, INCIDENT)))
        .sort();
    },
    read(id) {
      const path = fileOf(id);
      if (!existsSync(path)) return undefined;
      try {
        const doc = JSON.parse(readFileSync(path, 'utf8')) as StoredIncident;
        if (doc?.id !== id) throw new Error('id mismatch');
        return doc;
      } catch {
        throw inputError(`${path}: not a credctl incident record`, 'Restore it from version control or a backup; the audit log still holds its history.');
      }
    },
    write(doc) {
      const path = fileOf(doc.id);
      ensureStateDir(dirname(dir));
      ensureDir(dir);
      ensureDir(dirname(path));
      // Evidence names files and lines, never values; owner-only like every state file all the same.
      atomicWriteFileSync(path, JSON.stringify(doc, null, 1) + '\n', { mode: 0o600 });
    },
  };
}

/** `.credctl/graph.json`: one JSON document, replaced atomically. */
export function fileGraphState(paths: Pick<ProjectPaths, 'stateDir' | 'graph'>): GraphState {
  const path = paths.graph;
  return {
    location: path,
    read() {
      if (!existsSync(path)) return undefined;
      try {
        return JSON.parse(readFileSync(path, 'utf8')) as StoredGraph;
      } catch {
        throw inputError(`${path}: not valid JSON`, 'Delete it; the next `credctl graph` rebuilds it.');
      }
    },
    write(doc) {
      ensureStateDir(paths.stateDir);
      // Fingerprints of weak values can be brute-forced: keep the file owner-only like all state.
      atomicWriteFileSync(path, JSON.stringify(doc) + '\n', { mode: 0o600 });
    },
  };
}

const JOURNAL = 'journal.jsonl';
const PLAN = 'plan.yaml';

/** `.credctl/runs/<id>/`: a directory per run with its plan.yaml and journal.jsonl. */
export function fileRunStore(runsDir: string): RunStore {
  const dirOf = (runId: string) => join(runsDir, runId);
  return {
    location: runsDir,
    ids() {
      return existsSync(runsDir) ? readdirSync(runsDir).sort() : [];
    },
    hasJournal: (runId) => existsSync(join(dirOf(runId), JOURNAL)),
    hasPlan: (runId) => existsSync(join(dirOf(runId), PLAN)),
    runLocation: dirOf,
    create(runId, planText) {
      ensureStateDir(dirname(runsDir));
      ensureDir(runsDir);
      const journal = createFileJournal(dirOf(runId));
      atomicWriteFileSync(join(dirOf(runId), PLAN), planText, { mode: 0o600 });
      return journal;
    },
    open: (runId) => openFileJournal(dirOf(runId)),
    records: (runId) => readJournal(join(dirOf(runId), JOURNAL)),
    planText(runId) {
      const path = join(dirOf(runId), PLAN);
      return { text: readInputText(path, `plan ${path}`), where: path };
    },
  };
}

/** A journal file open for appending; each record is one line, fsynced before append returns. */
class FileJournal implements RunJournal {
  readonly runId: string;
  readonly location: string;
  readonly existing: JournalRecord[];
  private fd: number;

  constructor(dir: string, existing: JournalRecord[]) {
    this.runId = dir.split(/[\\/]/).pop()!;
    this.location = dir;
    this.existing = existing;
    this.fd = openForAppend(join(dir, JOURNAL), 0o600);
  }

  append(record: JournalRecord): void {
    const line = Buffer.from(JSON.stringify(record) + '\n', 'utf8');
    let off = 0;
    while (off < line.length) off += writeSync(this.fd, line, off, line.length - off);
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Create the journal of a new run in `dir` (which must not hold one yet). */
export function createFileJournal(dir: string): RunJournal {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (existsSync(join(dir, JOURNAL))) throw inputError(`run ${dir} already has a journal`);
  const j = new FileJournal(dir, []);
  fsyncDir(dir);
  return j;
}

/** Reopen an existing run's journal to resume it. A torn last line (killed mid-write) is dropped. */
export function openFileJournal(dir: string): RunJournal {
  const file = join(dir, JOURNAL);
  const records = readJournal(file);
  // Cut a torn last line off so the next record starts on a line of its own.
  const text = readFileSync(file);
  const end = text.lastIndexOf(0x0a) + 1;
  if (end !== text.length) truncateSync(file, end);
  return new FileJournal(dir, records);
}

export function readJournal(file: string): JournalRecord[] {
  if (!existsSync(file)) throw inputError(`no journal at ${file}`, 'List runs with `credctl apply --list-runs`.');
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: JournalRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      rec = undefined;
    }
    const valid = typeof rec === 'object' && rec !== null && !Array.isArray(rec) && typeof (rec as JournalRecord).event === 'string';
    if (valid) {
      out.push(rec as JournalRecord);
    } else {
      // Only the very last line may be torn by a kill mid-write; anything earlier is corruption.
      if (i >= lines.length - 2) break;
      throw inputError(`${file}:${i + 1}: corrupt journal line`);
    }
  }
  return out;
}

/**
 * A ledger in a JSON file (e.g. `.credctl/target-ledger.json`). It holds fingerprints and server
 * times only, never values; written atomically with mode 0600 like every state file.
 * Writes are serialised within the process so parallel credentials do not lose each other's entries.
 */
export function fileLedger(path: string): LedgerStore {
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
