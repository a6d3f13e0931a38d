import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotatedExpiry } from '../../../src/integrations/gitlab/index.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { RotationSubject } from '../../../src/integrations/types.js';
import { contextFor } from '../context.js';
import { startGitLab, type GitLabStandIn } from './standin.js';

const gitlab = integrationNamed('gitlab')!;
const CRED: RotationSubject = { id: 'fp', names: ['FAKE_TOKEN'], provider: 'gitlab' };
let api: GitLabStandIn;
const seen: unknown[] = [];
const ctx = (settings?: Record<string, string>) => contextFor('gitlab', api.url, { settings });
const caught = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    seen.push(String(err), (err as { hint?: string }).hint);
    return err as Error & { hint?: string; exitCode?: number };
  }
  throw new Error('expected a rejection');
};

const USER = 'glpat-FAKEuser0123456789abcd';
const PROJECT = 'glpat-FAKEproj0123456789abcd';
const NARROW = 'glpat-FAKEnarrow0123456789ab';
const READER = 'glpat-FAKEreader0123456789ab';

beforeAll(async () => {
  api = await startGitLab({ 7: { username: 'fake-dev', name: 'Fake Dev' }, 9: { username: 'project_42_bot_0a1b2c3d', name: 'deploy', bot: true } });
  api.add(USER, {
    userId: 7,
    scopes: ['api', 'read_user'],
    createdAt: '2026-11-01T10:00:00.000Z',
    expiresAt: '2027-01-30',
    lastUsedAt: '2026-12-01T08:00:00.000Z',
  });
  api.add(PROJECT, { userId: 9, scopes: ['read_api', 'write_repository'] });
  api.add(NARROW, { userId: 7, scopes: ['read_repository'] });
  api.add(READER, { userId: 7, scopes: ['read_api'] });
});
afterAll(async () => {
  await api.close();
  const all = JSON.stringify(seen);
  for (const t of [USER, PROJECT, NARROW, READER, ...api.tokens.keys()]) expect(all).not.toContain(t);
});

describe('gitlab verify against the REST API v4 stand-in', () => {
  it('a live personal token names its user, token id, expiry and last use', async () => {
    const v = await gitlab.verify!({ value: USER }, ctx());
    seen.push(v);
    expect(v).toMatchObject({
      status: 'live',
      identity: { principal: 'fake-dev', kind: 'personal access token', credentialId: String(api.tokens.get(USER)!.id) },
      expiresAt: '2027-01-30',
    });
    expect(v.lastUsedAt).toBeDefined();
    expect(api.requests.at(-1)!.headers['private-token']).toBe(USER);
  });

  it('a project access token is named as one (its user is the project bot)', async () => {
    const v = await gitlab.verify!({ value: PROJECT }, ctx());
    expect(v.identity).toMatchObject({ principal: 'project_42_bot_0a1b2c3d', kind: 'project access token' });
  });

  it('an unknown token is dead; a token without read_api is live but cannot say more', async () => {
    const dead = await gitlab.verify!({ value: 'glpat-FAKEunknown0123456789a' }, ctx());
    expect(dead.status).toBe('dead');
    const narrow = await gitlab.verify!({ value: NARROW }, ctx());
    seen.push(dead, narrow);
    expect(narrow.status).toBe('live');
    expect(narrow.reason).toContain('insufficient_scope');
  });

  it('works against a self-managed issuer given with /api/v4', async () => {
    const v = await gitlab.verify!({ value: READER }, contextFor('gitlab', `${api.url}/api/v4`));
    expect(v.status).toBe('live');
  });

  it('429, 5xx and a malformed body say nothing about liveness', async () => {
    api.misbehave({ kind: 'status', status: 429 }, { count: 2 });
    const limited = await gitlab.verify!({ value: USER }, ctx());
    api.misbehave({ kind: 'status', status: 503 }, { count: 2 });
    const broken = await gitlab.verify!({ value: USER }, ctx());
    api.misbehave({ kind: 'malformed' });
    const garbled = await gitlab.verify!({ value: USER }, ctx());
    seen.push(limited, broken, garbled);
    expect([limited.status, broken.status, garbled.status]).toEqual(['unknown', 'unknown', 'unknown']);
    expect(limited.reason).toContain('429');
  });
});

describe('gitlab analyze', () => {
  it('maps each scope to a risk', async () => {
    const a = await gitlab.analyze!({ value: USER }, ctx());
    seen.push(a);
    expect(a.complete).toBe(true);
    expect(a.grants).toEqual([expect.objectContaining({ scope: 'api', risk: 'admin' }), expect.objectContaining({ scope: 'read_user', risk: 'read' })]);
    const p = await gitlab.analyze!({ value: PROJECT }, ctx());
    expect(p.grants.map((g) => `${g.scope}:${g.risk}`)).toEqual(['read_api:read', 'write_repository:write']);
  });

  it('a token that may not read itself gives an incomplete answer, not a guess', async () => {
    const a = await gitlab.analyze!({ value: NARROW }, ctx());
    expect(a).toMatchObject({ grants: [], complete: false });
    expect(a.note).toContain('read_api');
  });

  it('a refused or broken answer is an error with exit 5', async () => {
    const err = await caught(gitlab.analyze!({ value: 'glpat-FAKEunknown0123456789a' }, ctx()));
    expect(err.exitCode).toBe(5);
    api.misbehave({ kind: 'malformed' });
    expect((await caught(gitlab.analyze!({ value: USER }, ctx()))).message).toContain('malformed');
  });
});

describe('gitlab rotate (roll) and revoke', () => {
  it('rotation replaces the value: the old token stops working, the new one works with the old lifetime', async () => {
    const old = api.add('glpat-FAKErotate0123456789ab', { userId: 7, scopes: ['api'], createdAt: '2026-11-01T00:00:00.000Z', expiresAt: '2026-12-31' });
    const p = gitlab.rotate!.provider(CRED, ctx());
    expect(gitlab.rotate!.strategy).toBe('roll');
    const oldId = await p.identify({ oldValue: old, binding: '' });
    expect(oldId).toBe(String(api.tokens.get(old)!.id));
    const created = await p.create({ credential: CRED, oldId, oldValue: old, idempotencyKey: 'run-1' });
    expect(created.value).toMatch(/^glpat-/);
    expect(await p.isActive({ value: old })).toBe(false);
    expect(await p.isActive({ value: created.value })).toBe(true);
    const fresh = api.tokens.get(created.value)!;
    expect(fresh.scopes).toEqual(['api']);
    expect(fresh.expiresAt).toBe(rotatedExpiry({ created_at: '2026-11-01T00:00:00.000Z', expires_at: '2026-12-31' }, undefined));
    expect(await p.revoke({ value: old, mode: 'revoke' })).toBe('already');
    seen.push(oldId);
  });

  it('a resumed create with a revoked old token refuses instead of tripping reuse detection', async () => {
    const old = api.add('glpat-FAKEresume0123456789ab', { userId: 7, scopes: ['api'] });
    const p = gitlab.rotate!.provider(CRED, ctx());
    const first = await p.create({ credential: CRED, oldValue: old, idempotencyKey: 'run-2' });
    const before = api.requests.length;
    const err = await caught(p.create({ credential: CRED, oldValue: old, idempotencyKey: 'run-2' }));
    expect(err.exitCode).toBe(6);
    expect(api.requests.slice(before).some((r) => r.path.endsWith('/rotate'))).toBe(false);
    expect(await p.isActive({ value: first.value })).toBe(true);
  });

  it('expires_in_days sets the new lifetime, and a bad value is a clear input error', async () => {
    const old = api.add('glpat-FAKEdays00123456789abc', { userId: 7, scopes: ['self_rotate', 'read_api'] });
    const p = gitlab.rotate!.provider(CRED, ctx({ expires_in_days: '30' }));
    const created = await p.create({ credential: CRED, oldValue: old, idempotencyKey: 'run-3' });
    expect(api.tokens.get(created.value)!.expiresAt).toBe(new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10));
    expect(() => rotatedExpiry({}, 'soon')).toThrow(/whole number/);
  });

  it('a token without api or self_rotate gets a 403 with the missing scope named in the hint', async () => {
    const p = gitlab.rotate!.provider(CRED, ctx());
    const err = await caught(p.create({ credential: CRED, oldValue: READER, idempotencyKey: 'run-4' }));
    expect(err.message).toContain('403');
    expect(err.hint).toContain('self_rotate');
    expect(await p.isActive({ value: READER })).toBe(true);
  });

  it('revoke kills the token at the stand-in and is idempotent', async () => {
    const t = api.add('glpat-FAKErevoke0123456789ab', { userId: 7, scopes: ['read_api'] });
    expect(gitlab.revoke!.needsAdmin).toBe(false);
    expect(await gitlab.revoke!.run({ value: t }, ctx())).toBe('revoked');
    expect((await gitlab.verify!({ value: t }, ctx())).status).toBe('dead');
    expect(await gitlab.revoke!.run({ value: t }, ctx())).toBe('already');
  });

  it('a revoke that GitLab fails is an error, not a silent success', async () => {
    api.misbehave({ kind: 'status', status: 500 }, { count: 2 });
    const err = await caught(gitlab.revoke!.run({ value: USER }, ctx()));
    expect(err.exitCode).toBe(5);
    expect((await gitlab.verify!({ value: USER }, ctx())).status).toBe('live');
  });
});
