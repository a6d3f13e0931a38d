import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtClaims } from '../../../src/integrations/supabase/index.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { RotationSubject } from '../../../src/integrations/types.js';
import { contextFor } from '../context.js';
import { startSupabase, type SupabaseStandIn } from './standin.js';

const REF = 'fakeprojectrefaaaaaa';
const PAT = 'sbp_0000000000000000000000000000000000fa4e01';
const SECRET = 'sb_secret_FAKE0000000000000000000000000001';
const PUBLISHABLE = 'sb_publishable_FAKE00000000000000000000000001';
const CRED: RotationSubject = { id: 'fp', names: ['FAKE_TOKEN'], provider: 'supabase' };
const supabase = integrationNamed('supabase')!;
let api: SupabaseStandIn;
let SERVICE: string;
let ANON: string;
const seen: unknown[] = [];
const ctx = (opts: { project?: string | null; admin?: string | null } = {}) =>
  contextFor('supabase', api.url, {
    settings: opts.project === null ? {} : { project: opts.project ?? REF },
    ...(opts.admin === null ? {} : { admin: opts.admin ?? PAT }),
  });
const failure = async (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: Error & { exitCode?: number; hint?: string }) => (seen.push(String(e), e.hint), e),
  );

beforeAll(async () => {
  api = await startSupabase({
    ref: REF,
    jwtSecret: 'FAKE-jwt-secret-0000000000000000',
    pats: [PAT],
    keys: [
      { id: '00000000-0000-4000-8000-00000000aaaa', name: 'default', type: 'secret', api_key: SECRET },
      { id: '00000000-0000-4000-8000-00000000bbbb', name: 'default', type: 'publishable', api_key: PUBLISHABLE },
    ],
  });
  SERVICE = api.legacyKey('service_role');
  ANON = api.legacyKey('anon');
});
afterAll(async () => {
  await api.close();
  const all = JSON.stringify(seen);
  for (const v of [SECRET, SERVICE, ANON, PAT, ...api.keys.map((k) => k.api_key)]) expect(all).not.toContain(v);
});

describe('supabase verify against the Data API stand-in', () => {
  it('a legacy service_role JWT is live; its project, role and expiry come from its claims, with no project configured', async () => {
    const v = await supabase.verify!({ value: SERVICE }, ctx({ project: null }));
    seen.push(v);
    expect(v).toMatchObject({
      status: 'live',
      identity: { account: REF, principal: 'service_role', kind: 'legacy service_role JWT key' },
      expiresAt: new Date(2000000000 * 1000).toISOString(),
    });
    const req = api.requests.at(-1)!;
    expect([req.path, req.headers.apikey, req.headers.authorization]).toEqual(['/auth/v1/settings', SERVICE, `Bearer ${SERVICE}`]);
  });

  it('anon and publishable keys are live too (the call is one every valid key may make)', async () => {
    const anon = await supabase.verify!({ value: ANON }, ctx());
    const publishable = await supabase.verify!({ value: PUBLISHABLE }, ctx());
    seen.push(anon, publishable);
    expect([anon.status, publishable.status]).toEqual(['live', 'live']);
    expect(anon.identity?.principal).toBe('anon');
  });

  it('an sb_secret_ key is live and sent only as apikey', async () => {
    const v = await supabase.verify!({ value: SECRET }, ctx());
    seen.push(v);
    expect(v).toMatchObject({ status: 'live', identity: { account: REF, kind: 'secret API key' } });
    expect(api.requests.at(-1)!.headers.authorization).toBeUndefined();
  });

  it('a forged JWT, an unknown key and an expired JWT are dead', async () => {
    const forged = `${SERVICE.slice(0, SERVICE.lastIndexOf('.'))}.FAKEsignature000000000000000000000000000000`;
    const results = [await supabase.verify!({ value: forged }, ctx()), await supabase.verify!({ value: 'sb_secret_FAKE0000000000000000000000000999' }, ctx())];
    const before = api.requests.length;
    results.push(await supabase.verify!({ value: api.legacyKey('anon', { exp: 1600000000 }) }, ctx()));
    seen.push(results);
    expect(results.map((r) => r.status)).toEqual(['dead', 'dead', 'dead']);
    expect(results[1]!.reason).toContain('Invalid API key');
    expect(api.requests.length).toBe(before);
  });

  it('an sb_ key without providers.supabase.project is a clear input error', async () => {
    const err = await failure(supabase.verify!({ value: SECRET }, ctx({ project: null })));
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain('providers.supabase.project');
    expect((await failure(supabase.verify!({ value: SECRET }, ctx({ project: 'https://evil.example' })))).exitCode).toBe(3);
  });

  it('429, 5xx and malformed are unknown; 403 is live', async () => {
    const out = [];
    // 429 and 5xx are retried once (READ_RETRY); the others are not.
    for (const [m, count] of [
      [{ kind: 'status', status: 429 }, 2],
      [{ kind: 'status', status: 500 }, 2],
      [{ kind: 'malformed' }, 1],
      [{ kind: 'status', status: 403 }, 1],
    ] as const) {
      api.misbehave(m, { count });
      out.push(await supabase.verify!({ value: SECRET }, ctx()));
    }
    seen.push(out);
    expect(out.map((v) => v.status)).toEqual(['unknown', 'unknown', 'unknown', 'live']);
  });
});

describe('supabase analyze', () => {
  it('service_role is admin and complete; anon is read and partial; a secret key is admin with the custom-role caveat', async () => {
    const service = await supabase.analyze!({ value: SERVICE }, ctx());
    const anon = await supabase.analyze!({ value: ANON }, ctx());
    const secret = await supabase.analyze!({ value: SECRET }, ctx());
    const publishable = await supabase.analyze!({ value: PUBLISHABLE }, ctx());
    seen.push(service, anon, secret, publishable);
    expect(service).toMatchObject({ complete: true, grants: [{ scope: 'service_role', risk: 'admin' }] });
    expect(anon).toMatchObject({ complete: false, grants: [{ scope: 'anon', risk: 'read' }] });
    expect(secret).toMatchObject({ complete: false, grants: [{ scope: 'service_role', risk: 'admin' }] });
    expect(publishable.grants[0]).toMatchObject({ scope: 'anon', risk: 'read' });
    expect(jwtClaims('eyJnot.a.jwt')).toBeUndefined();
  });
});

describe('supabase rotate (overlap) and revoke through the Management API', () => {
  it('creates a second key, idempotently; both work until the old one is deleted', async () => {
    const p = supabase.rotate!.provider(CRED, ctx());
    const oldId = await p.identify({ oldValue: SECRET, binding: '' });
    expect(oldId).toBe('00000000-0000-4000-8000-00000000aaaa');
    const made = await p.create({ credential: CRED, oldId, oldValue: SECRET, idempotencyKey: 'run-1' });
    const again = await p.create({ credential: CRED, oldId, oldValue: SECRET, idempotencyKey: 'run-1' });
    expect(again).toEqual(made);
    expect(made.value).toMatch(/^sb_secret_/);
    expect(api.keys.filter((k) => k.type === 'secret')).toHaveLength(2);
    expect([await p.isActive({ value: SECRET }), await p.isActive({ value: made.value })]).toEqual([true, true]);
    expect(await p.revoke({ value: SECRET, id: oldId, mode: 'revoke' })).toBe('revoked');
    expect([await p.isActive({ value: SECRET }), await p.isActive({ value: made.value })]).toEqual([false, true]);
    expect(await p.revoke({ value: SECRET, id: oldId, mode: 'revoke' })).toBe('already');
    expect(api.requests.filter((r) => r.path.startsWith('/v1/')).every((r) => r.headers.authorization === `Bearer ${PAT}`)).toBe(true);
    seen.push(oldId, made.id);
  });

  it('revoke deletes the key at the stand-in, and a second revoke is "already"', async () => {
    expect(supabase.revoke!.needsAdmin).toBe(true);
    expect(await supabase.revoke!.run({ value: PUBLISHABLE }, ctx())).toBe('revoked');
    expect((await supabase.verify!({ value: PUBLISHABLE }, ctx())).status).toBe('dead');
    expect(await supabase.revoke!.run({ value: PUBLISHABLE }, ctx())).toBe('already');
  });

  it('legacy JWTs are refused with the dashboard steps; no admin token is a refusal too', async () => {
    const legacy = await failure(supabase.revoke!.run({ value: SERVICE }, ctx()));
    expect(legacy.exitCode).toBe(6);
    expect(legacy.hint).toContain(`/project/${REF}/settings/jwt`);
    expect((await failure(supabase.rotate!.provider(CRED, ctx()).create({ credential: CRED, oldValue: ANON, idempotencyKey: 'x' }))).exitCode).toBe(6);
    const key = api.keys.find((k) => k.type === 'secret')!.api_key;
    expect((await failure(supabase.revoke!.run({ value: key }, ctx({ admin: null })))).exitCode).toBe(6);
  });

  it('a refused token (401), a missing permission (403) and a failing API (5xx) are exit-5 errors', async () => {
    const key = api.keys.find((k) => k.type === 'secret')!.api_key;
    const bad = await failure(supabase.revoke!.run({ value: key }, ctx({ admin: 'sbp_0000000000000000000000000000000000000bad' })));
    expect([bad.exitCode, bad.message.includes('401')]).toEqual([5, true]);
    api.misbehave({ kind: 'status', status: 403, message: 'Your account does not have the necessary privileges' }, { path: '/api-keys' });
    const denied = await failure(supabase.revoke!.run({ value: key }, ctx()));
    expect(denied.message).toContain('necessary privileges');
    api.misbehave({ kind: 'status', status: 503 }, { path: '/api-keys', count: 2 });
    expect((await failure(supabase.revoke!.run({ value: key }, ctx()))).exitCode).toBe(5);
    expect((await supabase.verify!({ value: key }, ctx())).status).toBe('live');
  });
});
