import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { doneData, Journal, readJournal, recordedParts, runFinished, type JournalRecord } from '../../src/apply/journal.js';
import { CredctlError } from '../../src/core/errors.js';
import { ExitCode } from '../../src/core/exit-codes.js';

describe('Journal', () => {
  it('records steps durably and tells resume which finished', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'credctl-journal-')), 'run1');
    const j = Journal.create(dir);
    j.append('run-start');
    j.append('start', 'a/create');
    j.append('done', 'a/create', { newId: 'cred_1' });
    j.append('start', 'a/inject/0');
    j.close();

    const again = Journal.open(dir);
    const states = again.stepStates();
    expect(states.get('a/create')?.event).toBe('done');
    expect(again.doneData('a/create')).toEqual({ newId: 'cred_1' });
    expect(states.get('a/inject/0')?.event).toBe('start');
    expect(again.isFinished()).toBe(false);
    again.close();
  });

  it('drops a line torn by a kill mid-write and keeps appending cleanly', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'credctl-journal-')), 'run2');
    const j = Journal.create(dir);
    j.append('start', 'a/create');
    j.close();
    appendFileSync(join(dir, 'journal.jsonl'), '{"seq":2,"time":"x","ev');
    const again = Journal.open(dir);
    expect(again.records).toHaveLength(1);
    again.append('done', 'a/create');
    again.close();
    const lines = readFileSync(join(dir, 'journal.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).event)).toEqual(['start', 'done']);
  });

  it('refuses to start a second journal in the same run directory', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'credctl-journal-')), 'run3');
    Journal.create(dir).close();
    expect(() => Journal.create(dir)).toThrow(/already has a journal/);
  });
});

const runDir = (name: string) => join(mkdtempSync(join(tmpdir(), 'credctl-journal-')), name);
const journalFile = (dir: string) => join(dir, 'journal.jsonl');
const record = (seq: number, event: JournalRecord['event'], step?: string, data?: Record<string, unknown>): JournalRecord => ({
  seq,
  time: '2025-01-01T00:00:00.000Z',
  event,
  ...(step ? { step } : {}),
  ...(data ? { data } : {}),
});

describe('Journal: what a resumed run relies on', () => {
  it('keeps the run directory and the journal owner-only, and numbers records on across a resume', () => {
    // The runs folder itself may not exist yet (a project's first run).
    const dir = join(runDir('runs'), 'not-yet', 'run-modes');
    const j = Journal.create(dir);
    j.append('run-start');
    j.append('start', 'a/create');
    j.close();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(journalFile(dir)).mode & 0o777).toBe(0o600);

    const again = Journal.open(dir);
    const rec = again.append('done', 'a/create', { newId: 'cred_2' });
    again.close();
    expect(rec).toMatchObject({ seq: 3, event: 'done', step: 'a/create', data: { newId: 'cred_2' } });
    expect(new Date(rec.time).toISOString()).toBe(rec.time);
    const onDisk = readJournal(journalFile(dir));
    expect(onDisk.map((r) => r.seq)).toEqual([1, 2, 3]);
    // A run-level record carries neither a step nor data.
    expect(Object.keys(onDisk[0]!).sort()).toEqual(['event', 'seq', 'time']);
  });

  it('the last outcome of each step is what resume sees; run-level records are not steps', () => {
    const dir = runDir('run-states');
    const j = Journal.create(dir);
    j.append('run-start');
    j.append('start', 'a/inject/0');
    j.append('failed', 'a/inject/0', { error: 'unreachable' });
    j.append('start', 'a/inject/0');
    j.append('done', 'a/inject/0');
    j.append('skipped', 'b/create');
    const states = j.stepStates();
    j.close();
    expect([...states.keys()]).toEqual(['a/inject/0', 'b/create']);
    expect(states.get('a/inject/0')).toEqual({ event: 'done', data: undefined });
    expect(states.get('b/create')?.event).toBe('skipped');
  });

  it('a finished step reports the data of its latest done record, {} when it had none, and nothing when it never finished', () => {
    const records = [
      record(1, 'done', 'a/create', { newId: 'first' }),
      record(2, 'start', 'b/create'),
      record(3, 'done', 'a/snapshot'),
      record(4, 'failed', 'b/create', { error: 'x' }),
      record(5, 'done', 'c/create', { newId: 'older' }),
      record(6, 'done', 'c/create', { newId: 'newer' }),
    ];
    expect(doneData(records, 'a/create')).toEqual({ newId: 'first' });
    expect(doneData(records, 'a/snapshot')).toEqual({});
    expect(doneData(records, 'b/create')).toBeUndefined();
    expect(doneData(records, 'c/create')).toEqual({ newId: 'newer' });
    expect(doneData(records, 'zzz')).toBeUndefined();
  });

  it('a run is finished only when its last run-level record is run-end', () => {
    expect(runFinished([])).toBe(false);
    expect(runFinished([record(1, 'run-start'), record(2, 'done', 'a/create')])).toBe(false);
    expect(runFinished([record(1, 'run-start'), record(2, 'run-end'), record(3, 'done', 'a/create')])).toBe(true);
    // Resumed after it ended (a rollback, say): open again until the next run-end.
    expect(runFinished([record(1, 'run-start'), record(2, 'run-end'), record(3, 'run-start'), record(4, 'start', 'a/rollback')])).toBe(false);
    expect(runFinished([record(1, 'run-end')])).toBe(true);
    // Stopped by Ctrl-C (or an unexpected error): interrupted, not finished, first run or resumed.
    expect(runFinished([record(1, 'run-start'), record(2, 'done', 'a/create'), record(3, 'run-interrupted')])).toBe(false);
    expect(runFinished([record(1, 'run-start'), record(2, 'run-end'), record(3, 'run-start'), record(4, 'run-interrupted')])).toBe(false);
  });

  it('a record that is not a journal record before the last line is corruption, located by line (exit 3)', () => {
    const good = JSON.stringify(record(1, 'run-start'));
    for (const bad of ['not json', '[]', 'null', '"run-start"', '{"seq":2}', '{"seq":2,"event":7}']) {
      const dir = runDir('run-corrupt');
      Journal.create(dir).close();
      writeFileSync(journalFile(dir), `${good}\n${bad}\n${good}\n`);
      let err: unknown;
      try {
        readJournal(journalFile(dir));
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(CredctlError);
      expect((err as CredctlError).exitCode).toBe(ExitCode.BadInput);
      expect((err as CredctlError).message).toContain('journal.jsonl:2:');
    }
  });

  it('only the last line may be torn; blank lines are ignored', () => {
    const dir = runDir('run-torn');
    Journal.create(dir).close();
    const a = JSON.stringify(record(1, 'run-start'));
    const b = JSON.stringify(record(2, 'start', 'a/create'));
    writeFileSync(journalFile(dir), `${a}\n\n${b}\n{"seq":3,"ev`);
    expect(readJournal(journalFile(dir)).map((r) => r.seq)).toEqual([1, 2]);
    // A complete but unreadable last line is what a kill between write and newline leaves too.
    writeFileSync(journalFile(dir), `${a}\n${b}\nnull\n`);
    expect(readJournal(journalFile(dir)).map((r) => r.seq)).toEqual([1, 2]);
    expect(() => readJournal(join(dir, 'missing.jsonl'))).toThrow(CredctlError);
  });

  it('reopening a journal that ends cleanly leaves it byte for byte as it was', () => {
    const dir = runDir('run-clean');
    const j = Journal.create(dir);
    j.append('run-start');
    j.close();
    const before = readFileSync(journalFile(dir), 'utf8');
    Journal.open(dir).close();
    expect(readFileSync(journalFile(dir), 'utf8')).toBe(before);
  });

  it('CREDCTL_FAILPOINT_JOURNAL=N kills the process with SIGKILL right after the Nth record is on disk (the crash tests rely on it)', () => {
    const dir = runDir('run-failpoint');
    const j = Journal.create(dir);
    const linesOnDiskAtKill: number[] = [];
    const kill = vi.spyOn(process, 'kill').mockImplementation((() => {
      linesOnDiskAtKill.push(readFileSync(journalFile(dir), 'utf8').split('\n').filter(Boolean).length);
      return true;
    }) as typeof process.kill);
    const saved = process.env.CREDCTL_FAILPOINT_JOURNAL;
    try {
      process.env.CREDCTL_FAILPOINT_JOURNAL = '2';
      j.append('run-start');
      expect(kill).not.toHaveBeenCalled();
      j.append('start', 'a/create');
      expect(kill).toHaveBeenCalledTimes(1);
      expect(kill).toHaveBeenCalledWith(process.pid, 'SIGKILL');
      expect(linesOnDiskAtKill).toEqual([2]);
      j.append('done', 'a/create');
      expect(kill).toHaveBeenCalledTimes(1);
    } finally {
      if (saved === undefined) delete process.env.CREDCTL_FAILPOINT_JOURNAL;
      else process.env.CREDCTL_FAILPOINT_JOURNAL = saved;
      kill.mockRestore();
      j.close();
    }
  });
});

describe('what a record holds', () => {
  it('a record without a step or data has neither field, as written', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'credctl-journal-')), 'run-fields');
    const j = Journal.create(dir);
    const bare = j.append('run-start');
    const empty = j.append('start', '', undefined);
    j.append('done', 'a/create', { newId: 'cred_1' });
    j.close();
    expect(Object.keys(bare).sort()).toEqual(['event', 'seq', 'time']);
    expect(Object.keys(empty).sort()).toEqual(['event', 'seq', 'time']);
    const lines = readFileSync(join(dir, 'journal.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(Object.keys(lines[0]).sort()).toEqual(['event', 'seq', 'time']);
    expect(lines[2]).toMatchObject({ seq: 3, step: 'a/create', data: { newId: 'cred_1' } });
  });

  it('numbers on from the last record seq, or from the count of records that carry none', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'credctl-journal-')), 'run-seq');
    const j = Journal.create(dir);
    j.append('run-start');
    j.close();
    // An older journal whose records carried no seq: numbering goes on from how many there are.
    writeFileSync(
      join(dir, 'journal.jsonl'),
      `${JSON.stringify({ time: 't', event: 'run-start' })}\n${JSON.stringify({ time: 't', event: 'start', step: 'a' })}\n`,
    );
    const again = Journal.open(dir);
    expect(again.append('done', 'a').seq).toBe(3);
    again.close();
  });
});

describe('recordedParts', () => {
  it('the parts a step recorded, by role, only when every part is text', () => {
    expect(recordedParts({ oldParts: { id: 'AKIAFAKE', secret: 'x' } }, 'oldParts')).toEqual({ id: 'AKIAFAKE', secret: 'x' });
    expect(recordedParts({ newParts: { id: 'AKIAFAKE' } }, 'newParts')).toEqual({ id: 'AKIAFAKE' });
    expect(recordedParts({ oldParts: { id: 'AKIAFAKE' } }, 'newParts')).toBeUndefined();
    for (const v of [undefined, null, 'text', 5, ['a'], { id: 5 }, { id: 'a', n: null }]) {
      expect(recordedParts({ oldParts: v }, 'oldParts')).toBeUndefined();
    }
    expect(recordedParts(undefined, 'oldParts')).toBeUndefined();
    expect(recordedParts({ oldParts: {} }, 'oldParts')).toEqual({});
  });
});
