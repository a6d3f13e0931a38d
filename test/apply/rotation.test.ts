import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan, makePlan } from '../../src/commands/rotate.js';
import { loadProject } from '../../src/graph/project-context.js';
import type { EngineEvent } from '../../src/apply/ports.js';
import { fingerprint } from '../../src/core/fingerprint.js';
import { makeRotationProject, startTestIssuer, valueIn, type Issuer } from '../helpers/rotation-project.js';

// Promises 1, 2 and 5 of shared/design.md, end to end with real parts: a reference issuer, real
// .env files, the real usage graph, the encrypted store, health checks and the signed audit log.
let issuer: Issuer;
beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(async () => issuer?.close());

function allFilesText(dir: string): string {
  let out = '';
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out += readFileSync(join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name), 'latin1');
  }
  return out;
}

describe('rotation against the reference issuer', () => {
  it('rotates every target, passes the health check, revokes the old key and proves it in the audit log', async () => {
    const p = await makeRotationProject(issuer);
    const old = p.values.EVENTS_API_KEY!;
    const events: EngineEvent[] = [];
    const plan = makePlan(loadProject(p.root), { all: true });
    expect(plan.credentials.map((c) => c.id)).toEqual([fingerprint(old)]);
    expect(JSON.stringify(plan)).not.toContain(old);

    const summary = await applyPlan(plan, { yes: true, noInput: true, concurrency: 2, store: p.store, onEvent: (e) => events.push(e) });
    expect(summary.failed).toEqual([]);
    expect(summary.rotated).toEqual([fingerprint(old)]);
    expect(summary.revoked).toEqual([fingerprint(old)]);
    expect(summary.refusedAfterRevoke).toEqual([fingerprint(old)]);
    expect(summary.healthChecksPassed).toBe(1);

    const fresh = valueIn(p.read('.env'), 'EVENTS_API_KEY')!;
    expect(fresh).toMatch(/^ccx_live_[0-9A-Za-z]{32}$/);
    expect(fresh).not.toBe(old);
    expect(valueIn(p.read('deploy/app.env'), 'EVENTS_API_KEY')).toBe(fresh);
    // Only the value's span changed: comments, other entries, export and quotes are intact.
    expect(p.read('.env')).toBe(`# local development\nEVENTS_API_KEY=${fresh}\nPORT=3000\n`);
    expect(p.read('deploy/app.env')).toBe(`export EVENTS_API_KEY="${fresh}"  # prod\n`);

    expect(await p.whoami(fresh)).toBe(200);
    expect(await p.whoami(old)).toBe(401);
    // Promise 1: the store holds the new value as current and the old as previous.
    expect(await p.store.get('EVENTS_API_KEY', { label: 'current' })).toBe(fresh);
    expect(await p.store.get('EVENTS_API_KEY', { label: 'previous' })).toBe(old);
    // The replacement kept the old key's scopes (read from introspection).
    expect((await p.admin.introspect(fresh)).scopes?.sort()).toEqual(['events:read', 'events:write']);

    const audit = p.audit();
    expect(audit.ok).toBe(true);
    expect(audit.entries).toBeGreaterThan(8);
    // Promise 5: neither value appears in any state file credctl wrote, nor in progress events.
    const state = allFilesText(join(p.root, '.credctl'));
    for (const v of [old, fresh]) {
      expect(state).not.toContain(v);
      expect(JSON.stringify(events)).not.toContain(v);
      expect(JSON.stringify(summary)).not.toContain(v);
    }
  });

  it('rolls back when the health check fails: old value restored everywhere, new key revoked, old key still works', async () => {
    const p = await makeRotationProject(issuer, { health: 'fail' });
    const old = p.values.EVENTS_API_KEY!;
    const before = { env: p.read('.env'), app: p.read('deploy/app.env') };
    const plan = makePlan(loadProject(p.root), { all: true });
    const summary = await applyPlan(plan, { yes: true, noInput: true, concurrency: 1, store: p.store, onEvent: () => undefined });
    expect(summary.rotated).toEqual([]);
    expect(summary.failed.map((f) => f.id)).toEqual([fingerprint(old)]);
    expect(summary.failed[0]!.reason).toMatch(/health check failed/);
    expect(summary.revoked).toEqual([]);
    // Byte-for-byte the files they were.
    expect(p.read('.env')).toBe(before.env);
    expect(p.read('deploy/app.env')).toBe(before.app);
    expect(await p.whoami(old)).toBe(200);
    // The replacement that was created is sealed in the store (promise 1), labelled as undone, and revoked at the issuer.
    const undone = (await p.store.versions('EVENTS_API_KEY')).find((v) => v.labels.includes('rolled-back'));
    expect(undone).toBeDefined();
    const created = await p.store.get('EVENTS_API_KEY', { version: undone!.version });
    expect(created).not.toBe(old);
    expect(await p.whoami(created!)).toBe(401);
    expect(await p.store.get('EVENTS_API_KEY', { label: 'current' })).toBe(old);
    expect(p.audit().ok).toBe(true);
  });

  it('refuses a stale plan and says what changed', async () => {
    const p = await makeRotationProject(issuer);
    const plan = makePlan(loadProject(p.root), { all: true });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(p.root, 'deploy', 'app.env'), p.read('deploy/app.env') + 'EXTRA=1\n');
    await expect(applyPlan(plan, { yes: true, noInput: true, concurrency: 1, store: p.store })).rejects.toThrow(/the plan is stale: .*deploy\/app.env changed/);
  });

  it('refuses to apply without --yes when it cannot ask', async () => {
    const p = await makeRotationProject(issuer);
    const plan = makePlan(loadProject(p.root), { all: true });
    await expect(applyPlan(plan, { yes: false, noInput: true, concurrency: 1, store: p.store })).rejects.toThrow(/needs confirmation/);
    expect(await p.whoami(p.values.EVENTS_API_KEY!)).toBe(200);
  });
});
