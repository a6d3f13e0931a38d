import { createFileJournal, openFileJournal } from '../state/files.js';
import type { JournalEvent, JournalRecord, RunJournal } from '../state/types.js';

/**
 * A run's journal (design promise 4: crash-safe). Every step writes a `start` record before it
 * acts and a `done` / `failed` / `skipped` record after, each line fsynced before the step goes
 * on, so after a SIGKILL the journal says exactly which steps finished and which may have been
 * half-done. `apply --resume` replays it: finished steps are skipped, a started-but-unfinished
 * step is run again (every step is idempotent, so running it twice is safe).
 *
 * Records never hold a secret value: only ids, fingerprints, targets and outcomes. Where they are
 * kept is the project state's business (src/state/): this class gives them order and meaning.
 */
export type { JournalEvent, JournalRecord } from '../state/types.js';
export { readJournal } from '../state/files.js';

export class Journal {
  /** Where the run is kept (its directory for file state). */
  readonly dir: string;
  readonly runId: string;
  private readonly sink: RunJournal;
  private seq: number;
  readonly records: JournalRecord[];

  /** Journal a run through the project's state (`runs.create` / `runs.open`). */
  constructor(sink: RunJournal) {
    this.sink = sink;
    this.dir = sink.location;
    this.runId = sink.runId;
    this.records = [...sink.existing];
    const records = this.records;
    this.seq = records.length ? (records[records.length - 1]!.seq ?? records.length) : 0;
  }

  /** Create the journal of a new run in directory `dir` (which must not hold one yet). */
  static create(dir: string): Journal {
    return new Journal(createFileJournal(dir));
  }

  /** Reopen an existing run's journal in directory `dir` to resume it. A torn last line is dropped. */
  static open(dir: string): Journal {
    return new Journal(openFileJournal(dir));
  }

  append(event: JournalEvent, step?: string, data?: Record<string, unknown>): JournalRecord {
    const rec: JournalRecord = { seq: ++this.seq, time: new Date().toISOString(), event };
    if (step) rec.step = step;
    if (data) rec.data = data;
    this.sink.append(rec);
    this.records.push(rec);
    crashIfFailpoint();
    return rec;
  }

  /** The last outcome of each step: what resume needs to know. */
  stepStates(): Map<string, { event: JournalEvent; data?: Record<string, unknown> }> {
    const states = new Map<string, { event: JournalEvent; data?: Record<string, unknown> }>();
    for (const r of this.records) if (r.step) states.set(r.step, { event: r.event, data: r.data });
    return states;
  }

  /** The data recorded when `step` finished, if it did. */
  doneData(step: string): Record<string, unknown> | undefined {
    return doneData(this.records, step);
  }

  isFinished(): boolean {
    return runFinished(this.records);
  }

  close(): void {
    this.sink.close();
  }
}

/** The data recorded when `step` last finished in `records` ({} without data), or undefined if it never did. */
export function doneData(records: JournalRecord[], step: string): Record<string, unknown> | undefined {
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i]!;
    if (r.step === step && r.event === 'done') return r.data ?? {};
  }
  return undefined;
}

/** A run is finished when its last run-level record is a run-end (a resume adds a run-start). */
export function runFinished(records: JournalRecord[]): boolean {
  for (let i = records.length - 1; i >= 0; i--) {
    const e = records[i]!.event;
    if (e === 'run-end') return true;
    if (e === 'run-start') return false;
  }
  return false;
}

/**
 * Fault injection for the crash-safety tests: with CREDCTL_FAILPOINT_JOURNAL=N the process kills
 * itself with SIGKILL right after its Nth journal record is on disk, i.e. exactly at a step
 * boundary. Inert unless the variable is set; real code paths are otherwise untouched.
 */
let appendsInProcess = 0;
// Stryker disable next-line BlockStatement: a test hook (CREDCTL_FAILPOINT_JOURNAL) for the crash-resume tests, which kill real processes and are not among this module's own tests
function crashIfFailpoint(): void {
  const at = process.env.CREDCTL_FAILPOINT_JOURNAL;
  if (!at) return;
  appendsInProcess++;
  if (appendsInProcess === Number(at)) process.kill(process.pid, 'SIGKILL');
}

/**
 * The parts a step recorded (`oldParts` of a snapshot, `newParts` of a create: an AWS key id by
 * role), or undefined when there are none or the record is not that shape.
 */
export function recordedParts(data: Record<string, unknown> | undefined, key: 'oldParts' | 'newParts'): Record<string, string> | undefined {
  const v = data?.[key];
  return v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string') ? (v as Record<string, string>) : undefined;
}
