import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal } from '../../src/apply/journal.js';

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
