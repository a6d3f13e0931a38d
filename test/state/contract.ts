import { describe, expect, it } from 'vitest';
import type { JournalRecord, ProjectState } from '../../src/state/types.js';

/**
 * The contract every implementation of the state seam (src/state/types.ts) keeps. It is written
 * against the interfaces only, so a second backend (PostgreSQL for teams) runs the very same
 * assertions: call `stateContract('postgres', () => ...)` from its own test file.
 *
 * `fresh()` gives an empty project's state and a way to open that same project's state again
 * (a new process, a new connection), which is what "survives" means here.
 */
export interface StateUnderTest {
  state: ProjectState;
  reopen(): ProjectState;
  cleanup(): void;
}

const record = (seq: number, event: JournalRecord['event'], step?: string, data?: Record<string, unknown>): JournalRecord => ({
  seq,
  time: `2026-01-01T00:00:0${seq}.000Z`,
  event,
  ...(step ? { step } : {}),
  ...(data ? { data } : {}),
});

export function stateContract(name: string, fresh: () => StateUnderTest): void {
  const withState = (body: (s: StateUnderTest) => Promise<void> | void) => async () => {
    const s = fresh();
    try {
      await body(s);
    } finally {
      s.cleanup();
    }
  };

  describe(`state contract: ${name}`, () => {
    it(
      'has no graph until one is written, then reads back exactly what was written, also after reopening',
      withState(({ state, reopen }) => {
        expect(state.graph.read()).toBeUndefined();
        const doc = { schemaVersion: 7, nodes: [{ id: 'fp_FAKE0123456789', names: ['API_KEY'] }], edges: [] };
        state.graph.write(doc);
        expect(state.graph.read()).toEqual(doc);
        const second = { schemaVersion: 7, nodes: [], edges: [] };
        state.graph.write(second);
        expect(reopen().graph.read()).toEqual(second);
      }),
    );

    it(
      'starts a run with its plan, appends journal records in order and reads them back',
      withState(({ state }) => {
        expect(state.runs.ids()).toEqual([]);
        expect(state.runs.hasJournal('20260101-000000-aaaaaa')).toBe(false);
        const j = state.runs.create('20260101-000000-aaaaaa', '# plan FAKE\nid: p1\n');
        expect(j.runId).toBe('20260101-000000-aaaaaa');
        expect(j.existing).toEqual([]);
        j.append(record(1, 'run-start', undefined, { planId: 'p1' }));
        j.append(record(2, 'start', 'fp_x/create'));
        j.append(record(3, 'done', 'fp_x/create', { newFingerprint: 'fp_y' }));
        j.close();
        expect(state.runs.hasJournal('20260101-000000-aaaaaa')).toBe(true);
        expect(state.runs.hasPlan('20260101-000000-aaaaaa')).toBe(true);
        expect(state.runs.planText('20260101-000000-aaaaaa').text).toBe('# plan FAKE\nid: p1\n');
        expect(state.runs.records('20260101-000000-aaaaaa').map((r) => [r.seq, r.event, r.step ?? null])).toEqual([
          [1, 'run-start', null],
          [2, 'start', 'fp_x/create'],
          [3, 'done', 'fp_x/create'],
        ]);
        expect(state.runs.records('20260101-000000-aaaaaa')[2]!.data).toEqual({ newFingerprint: 'fp_y' });
      }),
    );

    it(
      'refuses to create a run that already exists',
      withState(({ state }) => {
        state.runs.create('20260101-000000-bbbbbb', 'id: p\n').close();
        expect(() => state.runs.create('20260101-000000-bbbbbb', 'id: p\n')).toThrow(/already has a journal/);
      }),
    );

    it(
      'lists runs oldest first',
      withState(({ state }) => {
        for (const id of ['20260103-000000-cccccc', '20260101-000000-aaaaaa', '20260102-000000-bbbbbb']) {
          const j = state.runs.create(id, 'id: p\n');
          j.append(record(1, 'run-start'));
          j.close();
        }
        expect(state.runs.ids()).toEqual(['20260101-000000-aaaaaa', '20260102-000000-bbbbbb', '20260103-000000-cccccc']);
      }),
    );

    it(
      'keeps a journal across a reopen: the old records are there and new ones follow them',
      withState(({ state, reopen }) => {
        const j = state.runs.create('20260101-000000-dddddd', 'id: p\n');
        j.append(record(1, 'run-start'));
        j.append(record(2, 'start', 'fp_x/inject/0'));
        j.close();
        const again = reopen().runs;
        expect(again.ids()).toEqual(['20260101-000000-dddddd']);
        const resumed = again.open('20260101-000000-dddddd');
        expect(resumed.existing.map((r) => r.seq)).toEqual([1, 2]);
        resumed.append(record(3, 'done', 'fp_x/inject/0'));
        resumed.close();
        expect(
          reopen()
            .runs.records('20260101-000000-dddddd')
            .map((r) => r.seq),
        ).toEqual([1, 2, 3]);
      }),
    );

    it(
      'says clearly when a run has no journal (exit 3)',
      withState(({ state }) => {
        expect(() => state.runs.records('20260101-000000-eeeeee')).toThrow(expect.objectContaining({ exitCode: 3 }));
        expect(() => state.runs.open('20260101-000000-eeeeee')).toThrow(expect.objectContaining({ exitCode: 3 }));
      }),
    );

    it(
      'keeps ledger entries by key, the last set winning, across a reopen and parallel writes',
      withState(async ({ state, reopen }) => {
        expect(await state.ledger.get('github-actions:o/r:API_KEY')).toBeUndefined();
        await Promise.all([
          state.ledger.set('k1', { fingerprint: 'fp_one', remoteUpdatedAt: '2026-01-01T00:00:00Z' }),
          state.ledger.set('k2', { fingerprint: 'fp_two', remoteUpdatedAt: '2026-01-01T00:00:01Z' }),
        ]);
        await state.ledger.set('k1', { fingerprint: 'fp_three', remoteUpdatedAt: '2026-01-01T00:00:02Z' });
        const later = reopen().ledger;
        expect(await later.get('k1')).toEqual({ fingerprint: 'fp_three', remoteUpdatedAt: '2026-01-01T00:00:02Z' });
        expect(await later.get('k2')).toEqual({ fingerprint: 'fp_two', remoteUpdatedAt: '2026-01-01T00:00:01Z' });
        expect(await later.get('k3')).toBeUndefined();
      }),
    );

    it(
      'keeps incidents by id, oldest first, replaced whole, across a reopen',
      withState(({ state, reopen }) => {
        expect(state.incidents.ids()).toEqual([]);
        expect(state.incidents.read('inc-20260101-000000-aaaaaa')).toBeUndefined();
        state.incidents.write({ schemaVersion: 1, id: 'inc-20260102-000000-bbbbbb', title: 'second' } as never);
        state.incidents.write({ schemaVersion: 1, id: 'inc-20260101-000000-aaaaaa', title: 'first' } as never);
        state.incidents.write({ schemaVersion: 1, id: 'inc-20260101-000000-aaaaaa', title: 'first, renamed' } as never);
        const again = reopen().incidents;
        expect(again.ids()).toEqual(['inc-20260101-000000-aaaaaa', 'inc-20260102-000000-bbbbbb']);
        expect(again.read('inc-20260101-000000-aaaaaa')).toEqual({ schemaVersion: 1, id: 'inc-20260101-000000-aaaaaa', title: 'first, renamed' });
      }),
    );

    it(
      'keeps the audit log and its checkpoints byte for byte, appended in order, and reads the last line back',
      withState(async ({ state, reopen }) => {
        expect(state.audit.readLog()).toBe('');
        expect(state.audit.lastLine()).toBeNull();
        expect(state.audit.readCheckpoints()).toBe('');
        const lock = await state.audit.lock();
        state.audit.appendLog('{"seq":1}\n');
        state.audit.appendLog('{"seq":2,"ünï":"çødé"}\n');
        state.audit.appendCheckpoint('origin\n1\nroot\n\n— sig\n');
        state.audit.appendCheckpoint('origin\n2\nroot\n\n— sig\n');
        lock.release();
        const again = reopen().audit;
        expect(again.readLog()).toBe('{"seq":1}\n{"seq":2,"ünï":"çødé"}\n');
        expect(again.lastLine()).toEqual({ line: '{"seq":2,"ünï":"çødé"}', complete: true });
        expect(again.readCheckpoints()).toBe('origin\n1\nroot\n\n— sig\n\norigin\n2\nroot\n\n— sig\n');
        // A torn last write is reported as such, not hidden.
        again.appendLog('{"seq":3,"tor');
        expect(reopen().audit.lastLine()).toEqual({ line: '{"seq":3,"tor', complete: false });
      }),
    );
  });
}
