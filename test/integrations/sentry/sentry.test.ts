import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgOfToken, riskOfScope } from '../../../src/integrations/sentry/index.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { contextFor } from '../context.js';
import { startSentry, type SentryStandIn } from './standin.js';

// Fixture tokens in Sentry's formats, obviously fake: an org token whose payload names its org, a user token of hex.
const payload = Buffer.from(JSON.stringify({ iat: 1700000000, url: 'https://sentry.io', region_url: 'https://us.sentry.io', org: 'fake-org' })).toString(
  'base64',
);
const ORG_TOKEN = `sntrys_${payload}_FAKE0000000000000000000000000000000000000000`;
const USER_TOKEN = `sntryu_${'0123456789abcdef'.repeat(4)}`;
const EXPIRED = `sntryu_${'0'.repeat(60)}dead`;

const sentry = integrationNamed('sentry')!;
let api: SentryStandIn;

beforeAll(async () => {
  api = await startSentry({
    [ORG_TOKEN]: { scopes: ['org:ci'] },
    [USER_TOKEN]: {
      scopes: ['org:read', 'project:write', 'project:releases', 'member:admin', 'event:read'],
      user: { id: '1', username: 'fake.dev', name: 'Fake Dev', email: 'dev@example.com' },
    },
    [EXPIRED]: { scopes: ['org:read'], expired: true },
  });
});
afterAll(() => api.close());

const ctx = () => contextFor('sentry', api.url);

describe('sentry verify against the /api/0/ stand-in', () => {
  it('an organisation token is live and names its org from its own payload', async () => {
    const v = await sentry.verify!({ value: ORG_TOKEN }, ctx());
    expect(v).toMatchObject({ status: 'live', identity: { kind: 'organization auth token', account: 'fake-org' } });
    const req = api.requests.at(-1)!;
    expect(req).toMatchObject({ method: 'GET', path: '/api/0/' });
    expect(req.headers.authorization).toBe(`Bearer ${ORG_TOKEN}`);
  });

  it('a user token names its user', async () => {
    expect(await sentry.verify!({ value: USER_TOKEN }, ctx())).toMatchObject({ status: 'live', identity: { kind: 'user auth token', principal: 'fake.dev' } });
  });

  it("an unknown, expired or revoked token is dead (401 with Sentry's detail)", async () => {
    const unknown = await sentry.verify!({ value: `sntryu_${'f'.repeat(64)}` }, ctx());
    expect(unknown.status).toBe('dead');
    expect(unknown.reason).toContain('Invalid token');
    expect((await sentry.verify!({ value: EXPIRED }, ctx())).reason).toContain('Token expired');
  });

  it('a server that answers without scopes (not Sentry, or auth ignored) is unknown, never live', async () => {
    api.ignoreAuth = true;
    const v = await sentry.verify!({ value: USER_TOKEN }, ctx()).finally(() => (api.ignoreAuth = false));
    expect(v.status).toBe('unknown');
    expect(v.reason).toContain('scopes');
  });

  it('429 (rate limit headers), 5xx, 403 and a malformed body: unknown or live-but-not-allowed, and no token in the answers', async () => {
    api.misbehave({ kind: 'status', status: 429, headers: { 'retry-after': '0' } }, { count: 2 });
    const limited = await sentry.verify!({ value: USER_TOKEN }, ctx());
    api.misbehave({ kind: 'status', status: 502, message: `bad gateway ${USER_TOKEN}` }, { count: 2 });
    const broken = await sentry.verify!({ value: USER_TOKEN }, ctx());
    api.misbehave({ kind: 'malformed' });
    const malformed = await sentry.verify!({ value: USER_TOKEN }, ctx());
    api.misbehave({ kind: 'status', status: 403, message: 'You do not have permission to perform this action.' });
    const forbidden = await sentry.verify!({ value: USER_TOKEN }, ctx());
    expect([limited.status, broken.status, malformed.status, forbidden.status]).toEqual(['unknown', 'unknown', 'unknown', 'live']);
    expect(JSON.stringify([limited, broken, malformed, forbidden])).not.toContain('0123456789abcdef0123');
  });
});

describe('sentry analyze', () => {
  it("lists the token's scopes with risks", async () => {
    const a = await sentry.analyze!({ value: USER_TOKEN }, ctx());
    expect(a.complete).toBe(true);
    expect(a.grants).toEqual([
      { scope: 'org:read', risk: 'read' },
      { scope: 'project:write', risk: 'write' },
      { scope: 'project:releases', risk: 'write' },
      { scope: 'member:admin', risk: 'admin' },
      { scope: 'event:read', risk: 'read' },
    ]);
    expect(a.note).toContain('role');
  });

  it('an organisation token holds org:ci', async () => {
    expect(await sentry.analyze!({ value: ORG_TOKEN }, ctx())).toEqual({ grants: [{ scope: 'org:ci', risk: 'write' }], complete: true });
  });

  it('a dead token cannot be analysed, and the error names no token', async () => {
    const err = await sentry.analyze!({ value: EXPIRED }, ctx()).catch((e: Error) => e);
    expect((err as Error).message).toContain('401');
    expect((err as Error).message).not.toContain(EXPIRED);
  });

  it('reads the org only from a well-formed payload, and risks from the scope level', () => {
    expect(orgOfToken(ORG_TOKEN)).toBe('fake-org');
    expect(orgOfToken(`sntrys_${Buffer.from('{"org":"../../evil"}').toString('base64')}_FAKE`)).toBeUndefined();
    expect(orgOfToken('sntrys_eyJpYXQiOjE3MDAwMDAwMDB9FAKE')).toBeUndefined();
    expect([riskOfScope('team:admin'), riskOfScope('member:write'), riskOfScope('alerts:write'), riskOfScope('project:read')]).toEqual([
      'admin',
      'admin',
      'write',
      'read',
    ]);
  });
});

describe('sentry revoke and rotate', () => {
  it('are manual: the token endpoints refuse tokens, so the steps point at the settings pages', async () => {
    expect(sentry.revoke).toBeUndefined();
    expect(sentry.rotate).toBeUndefined();
    expect(sentry.manual?.revoke?.url).toBe('https://sentry.io/settings/account/api/auth-tokens/');
    expect(sentry.manual?.revoke?.instructions).toContain('auth-tokens');
  });

  it('a token revoked by hand reads as dead afterwards', async () => {
    api.revokeByHash(ORG_TOKEN);
    expect((await sentry.verify!({ value: ORG_TOKEN }, ctx())).status).toBe('dead');
  });
});
