import { closeSync, existsSync, fsyncSync, mkdirSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDir, openForAppend } from '../core/atomic-write.js';
import { inputError } from '../core/errors.js';

/**
 * A run's journal (design promise 4: crash-safe). Every step writes a `start` record before it
 * acts and a `done` / `failed` / `skipped` record after, each line fsynced before the step goes
 * on, so after a SIGKILL the journal says exactly which steps finished and which may have been
 * half-done. `apply --resume` replays it: finished steps are skipped, a started-but-unfinished
 * step is run again (every step is idempotent, so running it twice is safe).
 *
 * Records never hold a secret value: only ids, fingerprints, targets and outcomes.
 */
export type JournalEvent = 'run-start' | 'start' | 'done' | 'failed' | 'skipped' | 'rollback' | 'run-end';

export interface JournalRecord {
  seq: number;
  time: string;
  event: JournalEvent;
  /** Step id (e.g. `fp_ab12…/inject/0`); absent for run-level records. */
  step?: string;
  data?: Record<string, unknown>;
}

export class Journal {
  readonly dir: string;
  readonly file: string;
  private fd: number;
  private seq: number;
  readonly records: JournalRecord[];

  private constructor(dir: string, records: JournalRecord[]) {
    this.dir = dir;
    this.file = join(dir, 'journal.jsonl');
    this.records = records;
    this.seq = records.length ? (records[records.length - 1]!.seq ?? records.length) : 0;
    this.fd = openForAppend(this.file, 0o600);
  }

  /** Create the journal of a new run in `dir` (which must not hold one yet). */
  static create(dir: string): Journal {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (existsSync(join(dir, 'journal.jsonl'))) throw inputError(`run ${dir} already has a journal`);
    const j = new Journal(dir, []);
    fsyncDir(dir);
    return j;
  }

  /** Reopen an existing run's journal to resume it. A torn last line (killed mid-write) is dropped. */
  static open(dir: string): Journal {
    const file = join(dir, 'journal.jsonl');
    const records = readJournal(file);
    // Cut a torn last line off so the next record starts on a line of its own.
    const text = readFileSync(file);
    const end = text.lastIndexOf(0x0a) + 1;
    if (end !== text.length) truncateSync(file, end);
    return new Journal(dir, records);
  }

  append(event: JournalEvent, step?: string, data?: Record<string, unknown>): JournalRecord {
    const rec: JournalRecord = { seq: ++this.seq, time: new Date().toISOString(), event };
    if (step) rec.step = step;
    if (data) rec.data = data;
    const line = Buffer.from(JSON.stringify(rec) + '\n', 'utf8');
    let off = 0;
    while (off < line.length) off += writeSync(this.fd, line, off, line.length - off);
    fsyncSync(this.fd);
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
    closeSync(this.fd);
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
function crashIfFailpoint(): void {
  const at = process.env.CREDCTL_FAILPOINT_JOURNAL;
  if (!at) return;
  appendsInProcess++;
  if (appendsInProcess === Number(at)) process.kill(process.pid, 'SIGKILL');
}
