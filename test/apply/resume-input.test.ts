import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../src/graph/project-context.js';
import { makePlan } from '../../src/commands/rotate.js';
import { planToYaml } from '../../src/plan/plan-file.js';
import { runCli } from '../helpers/cli.js';
import { liveFixture, type LiveFixture } from '../helpers/fixture-project.js';
import { startTestIssuer, type Issuer } from '../helpers/rotation-project.js';

// A resumed run that still has a replacement to paste by hand cannot go on without input: it is
// refused before anything runs (exit 6, as a fresh run is), not started and counted as failed (7).
let issuer: Issuer;
let fx: LiveFixture;
beforeAll(async () => {
  issuer = await startTestIssuer();
  fx = await liveFixture('webapp-node', issuer, { scopes: ['events:read'] });
});
afterAll(async () => {
  await fx?.admin.close();
  await issuer?.close();
});

describe('apply --resume --no-input', () => {
  it('refuses a run whose manual replacement is still to be pasted, naming it, and changes nothing', async () => {
    const ctx = loadProject(fx.root);
    const plan = makePlan(ctx, { names: ['STRIPE_SECRET_KEY'] });
    expect(plan.credentials[0]!.steps.some((s) => s.action === 'manual-create')).toBe(true);
    const runId = '20260101-000000-abcdef';
    const journal = ctx.project.state.runs.create(runId, planToYaml(plan));
    journal.append({ seq: 1, time: new Date().toISOString(), event: 'run-start', data: { planId: plan.id } });
    journal.close();
    const r = await runCli(['apply', '--resume', runId, '--yes', '--no-input'], { cwd: fx.root, env: { ...process.env, NO_COLOR: '1' } });
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toMatch(/input needed under --no-input: the new STRIPE_SECRET_KEY \(stripe\) must be created by hand/);
    expect(ctx.project.state.runs.records(runId)).toHaveLength(1);
  });
});
