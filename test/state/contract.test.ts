import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectPaths } from '../../src/core/paths.js';
import { projectState } from '../../src/state/files.js';
import { stateContract } from './contract.js';
import { memoryBacking, memoryState } from './memory-state.js';

/**
 * The state contract run against the file implementation, plus what only files promise: the
 * layout under .credctl/ that earlier versions wrote (so upgrading keeps every run and graph),
 * owner-only modes, and a torn last journal line (a kill mid-write) dropped on reopen.
 */
function tempRoot(): string {
  return mkdtempSync(join(tmpdir(), 'credctl-state-'));
}

stateContract('files', () => {
  const root = tempRoot();
  return {
    state: projectState(projectPaths(root)),
    reopen: () => projectState(projectPaths(root)),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
});

stateContract('memory (a stand-in for a second backend)', () => {
  const backing = memoryBacking();
  return { state: memoryState(backing), reopen: () => memoryState(backing), cleanup: () => undefined };
});

describe('file state: the layout on disk', () => {
  it('keeps the graph, runs and ledger where credctl always kept them, owner-only', async () => {
    const root = tempRoot();
    try {
      const state = projectState(projectPaths(root));
      const doc = { schemaVersion: 1, nodes: [], edges: [] };
      state.graph.write(doc);
      expect(readFileSync(join(root, '.credctl', 'graph.json'), 'utf8')).toBe(JSON.stringify(doc) + '\n');
      expect(statSync(join(root, '.credctl', 'graph.json')).mode & 0o777).toBe(0o600);
      expect(statSync(join(root, '.credctl')).mode & 0o777).toBe(0o700);
      expect(readFileSync(join(root, '.credctl', '.gitignore'), 'utf8')).toContain('*');

      const j = state.runs.create('20260101-000000-aaaaaa', 'id: p1\n');
      const rec = { seq: 1, time: '2026-01-01T00:00:00.000Z', event: 'run-start' as const, data: { planId: 'p1' } };
      j.append(rec);
      j.close();
      const run = join(root, '.credctl', 'runs', '20260101-000000-aaaaaa');
      expect(state.runs.runLocation('20260101-000000-aaaaaa')).toBe(run);
      expect(readFileSync(join(run, 'journal.jsonl'), 'utf8')).toBe(JSON.stringify(rec) + '\n');
      expect(readFileSync(join(run, 'plan.yaml'), 'utf8')).toBe('id: p1\n');
      expect(statSync(join(run, 'journal.jsonl')).mode & 0o777).toBe(0o600);
      expect(statSync(join(run, 'plan.yaml')).mode & 0o777).toBe(0o600);

      await state.ledger.set('k', { fingerprint: 'fp_a', remoteUpdatedAt: '2026-01-01T00:00:00Z' });
      const ledger = join(root, '.credctl', 'target-ledger.json');
      expect(JSON.parse(readFileSync(ledger, 'utf8'))).toEqual({ k: { fingerprint: 'fp_a', remoteUpdatedAt: '2026-01-01T00:00:00Z' } });
      expect(statSync(ledger).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('drops a torn last journal line on reopen, and refuses a damaged graph with a clear error (exit 3)', () => {
    const root = tempRoot();
    try {
      const state = projectState(projectPaths(root));
      const j = state.runs.create('20260101-000000-aaaaaa', 'id: p1\n');
      j.append({ seq: 1, time: '2026-01-01T00:00:00.000Z', event: 'run-start' });
      j.close();
      const file = join(root, '.credctl', 'runs', '20260101-000000-aaaaaa', 'journal.jsonl');
      writeFileSync(file, readFileSync(file, 'utf8') + '{"seq":2,"ev');
      const again = state.runs.open('20260101-000000-aaaaaa');
      expect(again.existing.map((r) => r.seq)).toEqual([1]);
      again.append({ seq: 2, time: '2026-01-01T00:00:01.000Z', event: 'run-end' });
      again.close();
      expect(state.runs.records('20260101-000000-aaaaaa').map((r) => r.event)).toEqual(['run-start', 'run-end']);

      writeFileSync(join(root, '.credctl', 'graph.json'), '{not json');
      expect(() => state.graph.read()).toThrow(expect.objectContaining({ exitCode: 3, message: expect.stringMatching(/graph\.json: not valid JSON/) }));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('file state: incidents', () => {
  it('keeps each incident owner-only under .credctl/incidents/<id>/, and never takes a path for an id', () => {
    const root = tempRoot();
    try {
      const state = projectState(projectPaths(root));
      state.incidents.write({ schemaVersion: 1, id: 'inc-20260301-101500-abcdef' });
      const file = join(root, '.credctl', 'incidents', 'inc-20260301-101500-abcdef', 'incident.json');
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ schemaVersion: 1, id: 'inc-20260301-101500-abcdef' });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      for (const hostile of ['../../etc', 'inc-20260301-101500-abcdef/../../x', '', 'inc-1']) {
        expect(() => state.incidents.read(hostile)).toThrow(expect.objectContaining({ exitCode: 3 }));
        expect(() => state.incidents.write({ schemaVersion: 1, id: hostile })).toThrow(expect.objectContaining({ exitCode: 3 }));
      }
      // A damaged record is a clear error, not a crash.
      writeFileSync(file, '{ not json');
      expect(() => state.incidents.read('inc-20260301-101500-abcdef')).toThrow(/not a credctl incident record/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
