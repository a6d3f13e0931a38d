import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlanAsGiven, makePlan } from '../../src/commands/rotate.js';
import { loadProject } from '../../src/graph/project-context.js';
import { readJournal } from '../../src/apply/journal.js';
import { fingerprint } from '../../src/core/fingerprint.js';
import { rotationOrder } from '../../src/plan/order.js';
import type { Plan } from '../../src/plan/types.js';
import { targetKey } from '../../src/integrations/targets.js';
import type { TargetRef } from '../../src/targets/target.js';
import { makeRotationProject, startTestIssuer, valueIn, type Issuer } from '../helpers/rotation-project.js';
import { trustProject } from '../helpers/trust.js';

// Promise 3 (never re-expose): a credential that guards a target is rotated, and its old value
// revoked, before any other credential's new value is written there; if the guard cannot be
// rotated, the credentials written through it are skipped and left exactly as they were.
let issuer: Issuer;
beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(async () => issuer?.close());

/** DEPLOY_TOKEN guards deploy/app.env (as a GitHub token guards that repo's Actions secrets). */
function guardPlan(plan: Plan, guardName: string): Plan {
  const guard = plan.credentials.find((c) => c.names.includes(guardName))!;
  guard.guards = [targetKey({ type: 'dotenv', file: 'deploy/app.env' } as TargetRef)];
  const dependents = new Set(plan.credentials.filter((c) => c !== guard).map((c) => c.id));
  const order = rotationOrder({ ids: plan.credentials.map((c) => c.id), guards: new Map([[guard.id, dependents]]) });
  plan.order = { ...plan.order, batches: order.batches, cycles: order.cycles };
  return plan;
}

describe('guard-first rotation', () => {
  it("revokes the guard's old value before anything else is written into the target it guards", async () => {
    const p = await makeRotationProject(issuer, { names: ['DEPLOY_TOKEN', 'EVENTS_API_KEY'] });
    const plan = guardPlan(makePlan(loadProject(p.root), { all: true }), 'DEPLOY_TOKEN');
    const guardId = fingerprint(p.values.DEPLOY_TOKEN!);
    expect(plan.order.batches[0]).toEqual([guardId]);
    const summary = await applyPlanAsGiven(plan, { yes: true, noInput: true, concurrency: 4, store: p.store, onEvent: () => undefined });
    expect(summary.rotated.sort()).toEqual(Object.values(p.values).map(fingerprint).sort());
    const journal = readJournal(join(summary.runDir, 'journal.jsonl'));
    const guardRevoked = journal.findIndex((r) => r.step === `${guardId}/revoke` && r.event === 'done');
    const firstDependentWrite = journal.findIndex(
      (r) => r.step?.startsWith(fingerprint(p.values.EVENTS_API_KEY!)) && r.step.includes('/inject/') && r.event === 'start',
    );
    expect(guardRevoked).toBeGreaterThan(-1);
    expect(guardRevoked).toBeLessThan(firstDependentWrite);
  });

  it('skips the credentials a failed guard protects, leaving their targets and keys untouched', async () => {
    const p = await makeRotationProject(issuer, { names: ['DEPLOY_TOKEN', 'EVENTS_API_KEY'], health: 'none' });
    // Only the guard has a failing health check.
    writeFileSync(
      join(p.root, 'credctl.yaml'),
      p
        .read('credctl.yaml')
        .replace('  DEPLOY_TOKEN:\n    owner: platform\n', '  DEPLOY_TOKEN:\n    owner: platform\n    health:\n      - command: node -e "process.exit(2)"\n'),
    );
    trustProject(p.root);
    const plan = guardPlan(makePlan(loadProject(p.root), { all: true }), 'DEPLOY_TOKEN');
    const before = p.read('deploy/app.env');
    const summary = await applyPlanAsGiven(plan, { yes: true, noInput: true, concurrency: 4, store: p.store, onEvent: () => undefined });
    expect(summary.failed.map((f) => f.id)).toEqual([fingerprint(p.values.DEPLOY_TOKEN!)]);
    expect(summary.skipped.map((s) => s.id)).toEqual([fingerprint(p.values.EVENTS_API_KEY!)]);
    expect(summary.skipped[0]!.reason).toMatch(/guard DEPLOY_TOKEN was not rotated/);
    expect(p.read('deploy/app.env')).toBe(before);
    expect(valueIn(p.read('.env'), 'EVENTS_API_KEY')).toBe(p.values.EVENTS_API_KEY);
    for (const v of Object.values(p.values)) expect(await p.whoami(v)).toBe(200);
  });
});
