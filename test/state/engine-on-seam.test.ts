import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAudit } from '../../src/audit/log.js';
import { engineDeps } from '../../src/apply/context.js';
import { resumeRun, startRun } from '../../src/apply/engine.js';
import { listRuns, makePlan } from '../../src/commands/rotate.js';
import { loadProject } from '../../src/graph/project-context.js';
import { fingerprint } from '../../src/core/fingerprint.js';
import { makeRotationProject, startTestIssuer, type Issuer } from '../helpers/rotation-project.js';
import { memoryBacking, memoryState } from './memory-state.js';

// The apply engine keeps its runs only through the RunStore it is given: a rotation on another
// implementation of the seam journals there, and nothing lands in .credctl/runs. This is what
// lets a shared backend be plugged in without touching the engine.
let issuer: Issuer;
beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(async () => issuer?.close());

describe('the apply engine on another state implementation', () => {
  it('journals a whole rotation through the RunStore it is given, and resumes from it', async () => {
    const p = await makeRotationProject(issuer, { names: ['EVENTS_API_KEY'], health: 'none' });
    const ctx = loadProject(p.root);
    const plan = makePlan(ctx, { all: true });
    const backing = memoryBacking();
    const runs = memoryState(backing).runs;
    const summary = await withAudit(
      async (audit) => {
        const wired = engineDeps({ project: ctx.project, paths: ctx.paths, settings: ctx.settings, store: p.store, audit, noInput: true, concurrency: 1 });
        try {
          return await startRun(plan, runs, { ...wired.deps, onEvent: () => undefined });
        } finally {
          await wired.close();
        }
      },
      { paths: ctx.paths, store: p.store },
    );
    expect(summary.rotated).toEqual([fingerprint(p.values.EVENTS_API_KEY!)]);
    expect(summary.runDir).toBe(`memory:runs/${summary.runId}`);
    expect(existsSync(join(p.root, '.credctl', 'runs'))).toBe(false);
    expect([...backing.runs.keys()]).toEqual([summary.runId]);
    expect(backing.runs.get(summary.runId)!.plan).toContain(`# credctl rotation plan ${plan.id}`);
    const [listed] = listRuns(runs);
    expect(listed).toMatchObject({ runId: summary.runId, finished: true });
    expect(listed!.steps).toBeGreaterThan(0);
    // A finished run is refused on resume, read back from the same store.
    await expect(resumeRun(runs, summary.runId, {} as never)).rejects.toThrow(/already finished/);
    await expect(resumeRun(runs, '20990101-000000-ffffff', {} as never)).rejects.toThrow(/no run 20990101-000000-ffffff in memory:runs/);
  });
});
