import type { TargetLedger } from '../targets/target.js';

/**
 * The seam between credctl's logic and where a project's state is kept (issue 16): the usage
 * graph (with the last scan's findings in it), run journals with their plans, the target
 * ledger and incidents. Today one implementation keeps them as files under `.credctl/` (./files.ts); a shared
 * backend for teams (PostgreSQL) is meant to be a second implementation of these interfaces, run
 * against the same contract test (test/state/contract.test.ts), not a rewrite of the callers.
 *
 * The interfaces hold documents and records, not domain logic: the graph's schema, the plan's
 * YAML and what journal records mean stay with graph/, plan/ and apply/, which sit above this
 * layer. Nothing here ever holds a secret value: only fingerprints, ids and outcomes.
 */

/** The persisted graph document (JSON); its shape beyond the schema version belongs to graph/. */
export interface StoredGraph {
  schemaVersion: number;
}

export interface GraphState {
  /** Where the graph is kept, for messages (a file path today). */
  readonly location: string;
  /** The stored graph, or undefined when none was written yet; a damaged one is a clear error (exit 3). */
  read(): StoredGraph | undefined;
  /** Replace the stored graph (all or nothing). */
  write(doc: StoredGraph): void;
}

/**
 * `run-end`: the run went through its plan (each credential rotated, failed or skipped).
 * `run-interrupted`: it stopped before that (Ctrl-C, an unexpected error); it reads as unfinished
 * and `apply --resume` continues it, as after a kill.
 */
export type JournalEvent = 'run-start' | 'start' | 'done' | 'failed' | 'skipped' | 'rollback' | 'run-end' | 'run-interrupted';

export interface JournalRecord {
  seq: number;
  time: string;
  event: JournalEvent;
  /** Step id (e.g. `fp_ab12…/inject/0`); absent for run-level records. */
  step?: string;
  data?: Record<string, unknown>;
}

/** One run's journal, open for appending. */
export interface RunJournal {
  readonly runId: string;
  /** Where the journal is kept, for messages (the run's directory today). */
  readonly location: string;
  /** The records already there when it was opened (a torn last record dropped). */
  readonly existing: JournalRecord[];
  /** Durably add one record: when this returns, the record survives a crash. */
  append(record: JournalRecord): void;
  close(): void;
}

/** Every run of the project: its plan (as the text plan/ wrote) and its journal. */
export interface RunStore {
  /** Where runs are kept, for messages. */
  readonly location: string;
  /** Every run id there is, oldest first (ids sort by start time); a run may lack a journal or plan. */
  ids(): string[];
  hasJournal(runId: string): boolean;
  hasPlan(runId: string): boolean;
  /** Where one run is kept, for messages and the run summary. */
  runLocation(runId: string): string;
  /** Start a new run: its journal (which must not exist yet) and then its plan. */
  create(runId: string, planText: string): RunJournal;
  /** Reopen a run's journal to append to it (resume, rollback, finalize). */
  open(runId: string): RunJournal;
  /** A run's journal records; a missing or corrupt journal is a clear error (exit 3). */
  records(runId: string): JournalRecord[];
  /** A run's plan text, with the name to use in messages about it. */
  planText(runId: string): { text: string; where: string };
}

/** What a write-only target was last given (fingerprints and server times only). */
export type LedgerStore = TargetLedger;

/** A persisted incident record (JSON); its shape beyond id and schema version belongs to incident/. */
export interface StoredIncident {
  schemaVersion: number;
  id: string;
}

/** The project's incidents (`credctl incident`), one document each, replaced whole on every change. */
export interface IncidentStore {
  /** Where incidents are kept, for messages. */
  readonly location: string;
  /** Every incident id, oldest first (ids sort by opening time). */
  ids(): string[];
  /** One incident, or undefined when there is none by that id; a damaged one is a clear error (exit 3). */
  read(id: string): StoredIncident | undefined;
  /** Create or replace an incident (all or nothing). */
  write(doc: StoredIncident): void;
}

/**
 * Where the signed audit log's bytes are kept: an append-only log of lines and a file of signed
 * checkpoints. What a line means (the hash chain, signatures, checkpoints' Merkle roots) belongs
 * to audit/, above this layer; the store only keeps bytes exactly, appends durably, and serialises
 * writers. Entries never hold a value (audit/ masks them before they get here).
 */
export interface AuditLogStore {
  /** Where the log is kept, for messages. */
  readonly location: string;
  /** Where the checkpoints are kept, for messages. */
  readonly checkpointsLocation: string;
  /** Take the one writers' lock (other processes too); appends and checkpoints run under it. */
  lock(): Promise<{ release(): void }>;
  /** The whole log, exactly as stored; '' when there is none. */
  readLog(): string;
  /** The log's last line without its newline, and whether it ended with one; null for an empty log. */
  lastLine(): { line: string; complete: boolean } | null;
  /** Append text (whole lines) durably: when this returns, it survives a crash. */
  appendLog(text: string): void;
  /** The checkpoints, exactly as stored; '' when there are none. */
  readCheckpoints(): string;
  /** Append one checkpoint note durably (notes are separated by a blank line). */
  appendCheckpoint(note: string): void;
}

/** A project's state, as one object built once per command and passed down. */
export interface ProjectState {
  graph: GraphState;
  runs: RunStore;
  ledger: LedgerStore;
  incidents: IncidentStore;
  audit: AuditLogStore;
}
