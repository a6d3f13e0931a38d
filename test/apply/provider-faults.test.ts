import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan, makePlan, resumeApply } from '../../src/commands/rotate.js';
import { loadProject } from '../../src/graph/project-context.js';
import { fingerprint } from '../../src/core/fingerprint.js';
import { startFaultProxy, type FaultProxy } from '../servers/fault-proxy.js';
import { makeRotationProject, startTestIssuer, valueIn, type Issuer, type RotationProject } from '../helpers/rotation-project.js';
import { trustProject } from '../helpers/trust.js';

// Provider faults at each operation, through a fault-injecting proxy in front of a real issuer:
// transient faults are retried (creates are idempotent, so a lost answer never mints a second
// key); a refusal before the new value is live rolls back; a failure after it is live is
// explained, leaves the new value in place, and the run can be resumed.
let issuer: Issuer;
beforeAll(async () => {
  issuer = await startTestIssuer();
  process.env.CREDCTL_HTTP_TIMEOUT_MS = '1500';
});
afterAll(async () => {
  delete process.env.CREDCTL_HTTP_TIMEOUT_MS;
  await issuer?.close();
});

async function projectBehindProxy(): Promise<{ p: RotationProject; proxy: FaultProxy }> {
  const p = await makeRotationProject(issuer);
  const proxy = await startFaultProxy(issuer.url);
  writeFileSync(join(p.root, 'credctl.yaml'), p.read('credctl.yaml').split(issuer.url).join(proxy.url));
  trustProject(p.root);
  return { p, proxy };
}

const run = async (p: RotationProject) =>
  applyPlan(makePlan(loadProject(p.root), { all: true }), { yes: true, noInput: true, concurrency: 1, store: p.store, onEvent: () => undefined });
const activeCount = async (p: RotationProject) => (await p.admin.list()).filter((c) => c.status === 'active').length;

describe('provider faults during rotation', () => {
  it.each([
    ['a 503 on create', { kind: 'status', status: 503, count: 2, match: { method: 'POST', path: '/v1/credentials' } }],
    ['a connection reset on create', { kind: 'reset', match: { method: 'POST', path: '/v1/credentials' } }],
    ['a lost answer after the create was applied', { kind: 'reset', phase: 'after', match: { method: 'POST', path: '/v1/credentials' } }],
    ['a malformed body after the create was applied', { kind: 'malformed', phase: 'after', match: { method: 'POST', path: '/v1/credentials' } }],
    ['a hung introspection', { kind: 'hang', match: { path: '/v1/introspect' } }],
    ['a 502 on revoke', { kind: 'status', status: 502, match: { path: '/v1/revoke' } }],
  ] as const)(
    'retries %s and completes with exactly one new key',
    async (_label, fault) => {
      const { p, proxy } = await projectBehindProxy();
      const activeBefore = await activeCount(p);
      proxy.injectFault(fault as never);
      const summary = await run(p);
      expect(summary.failed).toEqual([]);
      expect(proxy.log.some((l) => l.outcome.startsWith('fault') || l.outcome.startsWith('applied, then'))).toBe(true);
      const fresh = valueIn(p.read('.env'), 'EVENTS_API_KEY')!;
      expect(await p.whoami(fresh)).toBe(200);
      expect(await p.whoami(p.values.EVENTS_API_KEY!)).toBe(401);
      // Idempotency: the old key was revoked and exactly one replacement exists.
      expect(await activeCount(p)).toBe(activeBefore);
      await proxy.close();
    },
    60_000,
  );

  it('rolls back when the provider refuses the create (4xx is not retried)', async () => {
    const { p, proxy } = await projectBehindProxy();
    const before = p.read('.env');
    proxy.injectFault({ kind: 'status', status: 400, match: { method: 'POST', path: '/v1/credentials' } });
    const summary = await run(p);
    expect(summary.failed.map((f) => f.id)).toEqual([fingerprint(p.values.EVENTS_API_KEY!)]);
    expect(summary.failed[0]!.reason).toMatch(/HTTP 400/);
    // The reference issuer offers /rotate, so the "create" is POST /v1/credentials/{id}/rotate: one attempt.
    expect(proxy.log.filter((l) => l.method === 'POST' && /^\/v1\/credentials(\/[^/]+\/rotate)?$/.test(l.path))).toHaveLength(1);
    expect(p.read('.env')).toBe(before);
    expect(await p.whoami(p.values.EVENTS_API_KEY!)).toBe(200);
    await proxy.close();
  }, 60_000);

  it('keeps a finished rotation when revoke keeps failing, says so, and completes on resume', async () => {
    const { p, proxy } = await projectBehindProxy();
    proxy.injectFault({ kind: 'status', status: 500, count: 4, match: { path: '/v1/revoke' } });
    const summary = await run(p);
    expect(summary.failed).toHaveLength(1);
    expect(summary.failed[0]!.reason).toMatch(/NOT revoked yet: resume the run/);
    const fresh = valueIn(p.read('.env'), 'EVENTS_API_KEY')!;
    expect(fresh).not.toBe(p.values.EVENTS_API_KEY);
    expect(await p.whoami(fresh)).toBe(200);
    // Not rolled back, and the old key still works until the revoke succeeds.
    expect(await p.whoami(p.values.EVENTS_API_KEY!)).toBe(200);

    const resumed = await resumeApply(p.root, summary.runId, { yes: true, noInput: true, concurrency: 1, store: p.store, onEvent: () => undefined });
    expect(resumed.failed).toEqual([]);
    expect(resumed.revoked).toEqual([fingerprint(p.values.EVENTS_API_KEY!)]);
    expect(await p.whoami(p.values.EVENTS_API_KEY!)).toBe(401);
    expect(valueIn(p.read('.env'), 'EVENTS_API_KEY')).toBe(fresh);
    expect(p.audit().ok).toBe(true);
    await proxy.close();
  }, 60_000);
});
