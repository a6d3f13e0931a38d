import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { PlanCredential } from '../../../src/plan/types.js';
import { contextFor, keptAnswers } from '../context.js';
import { startVercel, type VercelStandIn } from './standin.js';

// Obviously fake, 24 alphanumerics like a Vercel token (providers/vercel/rules.yaml).
const ACCOUNT = 'FAKE0123456789abcdefFAKE';
const TEAM = 'FAKEteam456789abcdefFAKE';
const UNKNOWN = 'FAKE00000000000000000000';
const ALL = [ACCOUNT, TEAM, UNKNOWN];
const LAST_USED = Date.UTC(2026, 11, 6, 9, 30);

const vercel = integrationNamed('vercel')!;
let api: VercelStandIn;
const ctx = (settings?: Record<string, string>) => contextFor('vercel', api.url, { settings });
const { seen, keep, failure } = keptAnswers();
const credential = {
  id: 'fp_vercel',
  names: ['VERCEL_TOKEN'],
  provider: 'vercel',
  kind: 'token',
  redacted: 'FA…FAKE',
  storeName: 'vercel/VERCEL_TOKEN',
  strategy: 'api',
  guards: [],
  steps: [],
} as PlanCredential;

beforeAll(async () => {
  api = await startVercel(
    {
      [ACCOUNT]: { id: 'tok_fake_account', name: 'laptop', userId: 'usr_FAKE1', expiresAt: Date.UTC(2027, 5, 1), activeAt: LAST_USED },
      [TEAM]: { id: 'tok_fake_team', name: 'ci deploy', userId: 'usr_FAKE1', teamId: 'team_FAKEacme' },
    },
    { usr_FAKE1: { username: 'fake-dev', email: 'dev@example.test' } },
  );
});
afterAll(() => api.close());

describe('vercel verify against the REST API stand-in', () => {
  it('fixtures match the detection rule', () => {
    for (const t of ALL) expect(`VERCEL_TOKEN=${t}`).toMatch(/vercel[\w.-]{0,24}?token[ \t]*=([0-9A-Za-z]{24})\b/i);
  });

  it('a live token names its user, id, expiry and last use', async () => {
    const v = keep(await vercel.verify!({ value: ACCOUNT }, ctx()));
    expect(v).toEqual({
      status: 'live',
      reason: 'Vercel accepted it just now',
      identity: { principal: 'fake-dev', account: 'usr_FAKE1', kind: 'account token', credentialId: 'tok_fake_account' },
      expiresAt: '2027-06-01T00:00:00.000Z',
      lastUsedAt: new Date(LAST_USED).toISOString(),
    });
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${ACCOUNT}`);
  });

  it('a team token names its team', async () => {
    expect(keep(await vercel.verify!({ value: TEAM }, ctx()))).toMatchObject({ status: 'live', identity: { account: 'team_FAKEacme', kind: 'team token' } });
  });

  it('Vercel 403 invalidToken is dead; another 403 is live but not allowed', async () => {
    expect(keep(await vercel.verify!({ value: UNKNOWN }, ctx())).status).toBe('dead');
    api.misbehave({
      kind: 'status',
      status: 403,
      message: 'Not authorized: Trying to access resource under scope "personal". You must re-authenticate to this scope.',
    });
    expect(keep(await vercel.verify!({ value: ACCOUNT }, ctx())).status).toBe('live');
  });

  it('429, 5xx and a malformed body are unknown', async () => {
    api.misbehave({ kind: 'status', status: 429 }, { count: 2 });
    expect(keep(await vercel.verify!({ value: ACCOUNT }, ctx())).status).toBe('unknown');
    api.misbehave({ kind: 'status', status: 500 }, { count: 2 });
    expect(keep(await vercel.verify!({ value: ACCOUNT }, ctx())).status).toBe('unknown');
    api.misbehave({ kind: 'malformed' });
    expect(keep(await vercel.verify!({ value: ACCOUNT }, ctx())).status).toBe('unknown');
  });
});

describe('vercel analyze', () => {
  it('an account token reaches everything; a team token one team', async () => {
    const account = keep(await vercel.analyze!({ value: ACCOUNT }, ctx()));
    expect(account.grants).toEqual([expect.objectContaining({ scope: 'account', risk: 'admin' })]);
    expect(account.complete).toBe(false);
    const team = keep(await vercel.analyze!({ value: TEAM }, ctx()));
    expect(team.grants).toEqual([expect.objectContaining({ scope: 'team', resource: 'team_FAKEacme' })]);
  });

  it('a refused analyze is exit 5', async () => {
    expect(await failure(vercel.analyze!({ value: UNKNOWN }, ctx()))).toMatchObject({ exitCode: 5 });
  });
});

describe('vercel revoke', () => {
  it('deletes the token by its id, with itself, and it then stops working', async () => {
    const victim = 'FAKEvict456789abcdefFAKE';
    api.tokens.set(victim, { id: 'tok_fake_victim', name: 'leaked', userId: 'usr_FAKE1' });
    expect(vercel.revoke).toMatchObject({ needsAdmin: false });
    expect(keep(await vercel.revoke!.run({ value: victim }, ctx()))).toBe('revoked');
    const del = api.requests.filter((r) => r.method === 'DELETE').at(-1)!;
    expect(del.path).toBe('/v3/user/tokens/tok_fake_victim');
    expect(keep(await vercel.verify!({ value: victim }, ctx())).status).toBe('dead');
    expect(await vercel.revoke!.run({ value: victim }, ctx())).toBe('already');
    expect(api.tokens.has(ACCOUNT)).toBe(true);
  });

  it('a failing delete is exit 5 and the token is kept', async () => {
    const victim = 'FAKEkeep456789abcdefFAKE';
    api.tokens.set(victim, { id: 'tok_fake_keep', name: 'kept', userId: 'usr_FAKE1' });
    api.misbehave({ kind: 'status', status: 502 }, { path: '/v3/user/tokens/', count: 2 });
    expect(await failure(vercel.revoke!.run({ value: victim }, ctx()))).toMatchObject({ exitCode: 5 });
    expect(api.tokens.has(victim)).toBe(true);
  });
});

describe('vercel overlap rotation', () => {
  it('declares overlap, creates a replacement with the same team, and the old one dies only at revoke', async () => {
    const old = 'FAKErot0456789abcdefFAKE';
    api.tokens.set(old, { id: 'tok_fake_rot', name: 'ci', userId: 'usr_FAKE1', teamId: 'team_FAKEacme' });
    expect(vercel.rotate?.strategy).toBe('overlap');
    const p = vercel.rotate!.provider(credential, ctx());
    const oldId = await p.identify({ oldValue: old, binding: old });
    expect(oldId).toBe('tok_fake_rot|team_FAKEacme');
    const created = await p.create({ credential, oldId, oldValue: old, idempotencyKey: 'run1-step3' });
    expect(created.value).not.toBe(old);
    expect(created.id).toMatch(/\|team_FAKEacme$/);
    const post = api.requests.filter((r) => r.method === 'POST').at(-1)!;
    expect(post.query.get('teamId')).toBe('team_FAKEacme');
    expect(post.body).toEqual({ name: 'credctl run1-step3' });
    // Overlap: both work now.
    expect(await p.isActive({ value: old })).toBe(true);
    expect(await p.isActive({ value: created.value })).toBe(true);
    expect(await p.revoke({ value: old, id: oldId, mode: 'revoke' })).toBe('revoked');
    expect(await p.isActive({ value: old })).toBe(false);
    expect(await p.isActive({ value: created.value })).toBe(true);
    expect(await p.revoke({ value: old, id: oldId, mode: 'revoke' })).toBe('already');
    keep(created.id);
  });

  it('a resumed create deletes its own leftover instead of leaving two new tokens', async () => {
    const old = 'FAKErot1456789abcdefFAKE';
    api.tokens.set(old, { id: 'tok_fake_rot1', name: 'ci', userId: 'usr_FAKE1' });
    const p = vercel.rotate!.provider(credential, ctx());
    const oldId = await p.identify({ oldValue: old, binding: old });
    const first = await p.create({ credential, oldId, oldValue: old, idempotencyKey: 'run2-step1' });
    const second = await p.create({ credential, oldId, oldValue: old, idempotencyKey: 'run2-step1' });
    expect([...api.tokens.values()].filter((t) => t.name === 'credctl run2-step1')).toHaveLength(1);
    expect(await p.isActive({ value: first.value })).toBe(false);
    expect(await p.isActive({ value: second.value })).toBe(true);
  });

  it('providers.vercel.team scopes the replacement to another team', async () => {
    const p = vercel.rotate!.provider(credential, ctx({ team: 'team_FAKEother' }));
    const oldId = await p.identify({ oldValue: ACCOUNT, binding: ACCOUNT });
    expect(oldId).toBe('tok_fake_account|team_FAKEother');
    const created = await p.create({ credential, oldId, oldValue: ACCOUNT, idempotencyKey: 'run4' });
    expect([...api.tokens.entries()].find(([v]) => v === created.value)?.[1].teamId).toBe('team_FAKEother');
  });

  it('refuses deactivation (Vercel has none) and a create without the old value', async () => {
    const p = vercel.rotate!.provider(credential, ctx());
    expect(await failure(p.revoke({ value: ACCOUNT, mode: 'deactivate' }))).toMatchObject({ exitCode: 6 });
    expect(await failure(p.create({ credential, idempotencyKey: 'k' }))).toMatchObject({ exitCode: 6 });
    expect(api.tokens.has(ACCOUNT)).toBe(true);
  });

  it('a refused create is exit 5 with Vercel words, the old token masked', async () => {
    const p = vercel.rotate!.provider(credential, ctx());
    api.misbehave({ kind: 'status', status: 500 }, { path: '/v3/user/tokens' });
    const e = await failure(p.create({ credential, oldId: 'tok_fake_account|', oldValue: ACCOUNT, idempotencyKey: 'run3' }));
    expect(e).toMatchObject({ exitCode: 5 });
  });
});

describe('vercel canary', () => {
  it('no token value appears in any result or error', () => {
    const all = JSON.stringify(seen);
    expect(seen.length).toBeGreaterThan(12);
    for (const t of [...ALL, 'FAKEvict456789abcdefFAKE', 'FAKEkeep456789abcdefFAKE', 'FAKErot0456789abcdefFAKE']) expect(all).not.toContain(t);
  });
});
