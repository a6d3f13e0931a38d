import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan, applyPlanAsGiven, makePlan } from '../../src/commands/rotate.js';
import { loadProject } from '../../src/graph/project-context.js';
import { rollbackCredential } from '../../src/commands/rollback.js';
import { makeRotationProject, startTestIssuer, valueIn, type Issuer } from '../helpers/rotation-project.js';

// `credctl rollback NAME`: put the previous value back into every target while it is still valid.
let issuer: Issuer;
beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(async () => issuer?.close());

describe('rollback', () => {
  it('restores the previous value everywhere and swaps the store labels back, when the old key is still valid', async () => {
    const p = await makeRotationProject(issuer, { health: 'none' });
    process.env.CREDCTL_STORE = 'file';
    process.env.CREDCTL_KEY_FILE = p.env.CREDCTL_KEY_FILE;
    try {
      const old = p.values.EVENTS_API_KEY!;
      // Rotate now, revoke later: a plan whose revoke steps were removed in review (a grace period).
      const plan = makePlan(loadProject(p.root), { all: true });
      for (const c of plan.credentials) c.steps = c.steps.filter((s) => s.action !== 'revoke' && s.action !== 'verify-revoked');
      const summary = await applyPlanAsGiven(plan, { yes: true, noInput: true, concurrency: 1, store: p.store, onEvent: () => undefined });
      expect(summary.rotated).toHaveLength(1);
      const fresh = valueIn(p.read('.env'), 'EVENTS_API_KEY')!;
      expect(fresh).not.toBe(old);

      const result = await rollbackCredential(p.root, 'EVENTS_API_KEY', { yes: true, noInput: true });
      expect(result.targets).toHaveLength(2);
      expect(JSON.stringify(result)).not.toContain(old);
      expect(p.read('.env')).toBe(`# local development\nEVENTS_API_KEY=${old}\nPORT=3000\n`);
      expect(p.read('deploy/app.env')).toBe(`export EVENTS_API_KEY="${old}"  # prod\n`);
      expect(await p.store.get('EVENTS_API_KEY', { label: 'current' })).toBe(old);
      expect(await p.store.get('EVENTS_API_KEY', { label: 'previous' })).toBe(fresh);
      expect(await p.whoami(old)).toBe(200);
      // The replacement is in no target any more: revoked, not left live.
      expect(result.replacement).toMatchObject({ revoked: true });
      expect(await p.whoami(fresh)).toBe(401);
      expect(p.audit().ok).toBe(true);
    } finally {
      delete process.env.CREDCTL_STORE;
      delete process.env.CREDCTL_KEY_FILE;
    }
  });

  it('refuses when the previous key was already revoked, changing nothing', async () => {
    const p = await makeRotationProject(issuer, { health: 'none' });
    process.env.CREDCTL_STORE = 'file';
    process.env.CREDCTL_KEY_FILE = p.env.CREDCTL_KEY_FILE;
    try {
      await applyPlan(makePlan(loadProject(p.root), { all: true }), { yes: true, noInput: true, concurrency: 1, store: p.store, onEvent: () => undefined });
      const before = p.read('.env');
      await expect(rollbackCredential(p.root, 'EVENTS_API_KEY', { yes: true, noInput: true })).rejects.toThrow(
        /no longer accepted .* rolling back would break every consumer/,
      );
      expect(p.read('.env')).toBe(before);
      await expect(rollbackCredential(p.root, 'NOPE', { yes: true, noInput: true })).rejects.toThrow(/no finished rotation of NOPE/);
    } finally {
      delete process.env.CREDCTL_STORE;
      delete process.env.CREDCTL_KEY_FILE;
    }
  });
});
