import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { PlanCredential } from '../../../src/plan/types.js';
import { contextFor } from '../context.js';
import { startCloudflare, type CloudflareStandIn, type FakeToken } from './standin.js';

// Fixture tokens: 40 characters like a legacy Cloudflare token (and the detection rule), obviously fake.
const LEAKED = 'FAKECpF_V7vfb6_USGZcxrgAdgbUuvehcgUYkiiA';
const READER = 'FAKEi72xKreHHIQgQQ3ncPPiioj7kR49ax2XMTyf';
const ADMIN = 'FAKEipoqYnsi96g86ZfZSP-LtvtmK5gLd2aGK62Y';
const ACCOUNT_TOKEN = 'cfat_FAKE000000000000000000000000000000000000deadbeef';
const ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353';
const ID = 'ed17574386854bf78a67040be0a770b0';

const cloudflare = integrationNamed('cloudflare')!;
let api: CloudflareStandIn;

const fixtures = (): FakeToken[] => [
  {
    id: ID,
    value: LEAKED,
    name: 'deploy dns',
    status: 'active',
    owner: 'user',
    permissions: ['DNS Write', 'Zone Read', 'API Tokens Write'],
    resources: { 'com.cloudflare.api.account.zone.eb78d65290b24279ba6f44721b3ea3c4': '*' },
    expires_on: '2027-06-01T00:00:00Z',
    deny: ['Zone Settings Write'],
    ips: ['192.0.2.0/24'],
  },
  { id: 'aa17574386854bf78a67040be0a770b1', value: READER, name: 'read only', status: 'active', owner: 'user', permissions: ['Zone Read'] },
  { id: 'bb17574386854bf78a67040be0a770b2', value: ADMIN, name: 'credctl admin', status: 'active', owner: 'user', permissions: ['API Tokens Write'] },
  {
    id: 'cc17574386854bf78a67040be0a770b3',
    value: ACCOUNT_TOKEN,
    name: 'workers ci',
    status: 'active',
    owner: ACCOUNT,
    permissions: ['Workers Scripts Write', 'Account API Tokens Write'],
  },
];

beforeEach(async () => {
  api = await startCloudflare(fixtures());
});
afterEach(() => api.close());

const ctx = (opts: { admin?: string; settings?: Record<string, string> } = {}) => contextFor('cloudflare', `${api.url}/client/v4`, opts);
const credential = {
  id: 'fp',
  names: ['CLOUDFLARE_API_TOKEN'],
  provider: 'cloudflare',
  kind: 'token',
  redacted: 'FAKE…',
  storeName: 'cf',
  strategy: 'api',
  guards: [],
  steps: [],
} as PlanCredential;

describe('cloudflare verify against the client v4 stand-in', () => {
  it('a live user token names its id and expiry, sent as a bearer token', async () => {
    const v = await cloudflare.verify!({ value: LEAKED }, ctx());
    expect(v).toMatchObject({
      status: 'live',
      identity: { credentialId: ID, kind: 'user API token' },
      expiresAt: '2027-06-01T00:00:00Z',
      lastUsedAt: '2026-12-01T00:00:00Z',
    });
    expect(api.requests[0]).toMatchObject({ method: 'GET', path: '/client/v4/user/tokens/verify' });
    expect(api.requests[0]!.headers.authorization).toBe(`Bearer ${LEAKED}`);
  });

  it('a token that may not read its own details is still live, without a last-used time', async () => {
    const v = await cloudflare.verify!({ value: READER }, ctx());
    expect(v.status).toBe('live');
    expect(v.lastUsedAt).toBeUndefined();
  });

  it('an unknown token is dead (401 code 1000), and so is a disabled one', async () => {
    expect((await cloudflare.verify!({ value: 'FAKE000000000000000000000000000000000000' }, ctx())).status).toBe('dead');
    api.tokens[1]!.status = 'disabled';
    const v = await cloudflare.verify!({ value: READER }, ctx());
    expect(v.status).toBe('dead');
    expect(v.reason).toContain('disabled');
  });

  it('an account-owned token is checked on the account path when the account is configured', async () => {
    const v = await cloudflare.verify!({ value: ACCOUNT_TOKEN }, ctx({ settings: { account: ACCOUNT } }));
    expect(v).toMatchObject({ status: 'live', identity: { kind: 'account API token', account: ACCOUNT } });
    expect(api.requests.map((r) => r.path)).toEqual([
      `/client/v4/accounts/${ACCOUNT}/tokens/verify`,
      `/client/v4/accounts/${ACCOUNT}/tokens/cc17574386854bf78a67040be0a770b3`,
    ]);
  });

  it('without the account id, an account token refused on the user path is live but the reason says how to check it', async () => {
    const v = await cloudflare.verify!({ value: ACCOUNT_TOKEN }, ctx());
    expect(v.status).toBe('live');
    expect(v.reason).toContain('providers.<provider>.account');
  });

  it('429, 5xx and a malformed body are unknown; the token never appears in any answer', async () => {
    api.misbehave({ kind: 'status', status: 429, headers: { 'retry-after': '0' } }, { count: 2 });
    const limited = await cloudflare.verify!({ value: LEAKED }, ctx());
    api.misbehave({ kind: 'status', status: 503, message: `upstream saw ${LEAKED}` }, { count: 2 });
    const broken = await cloudflare.verify!({ value: LEAKED }, ctx());
    api.misbehave({ kind: 'malformed' });
    const malformed = await cloudflare.verify!({ value: LEAKED }, ctx());
    expect([limited.status, broken.status, malformed.status]).toEqual(['unknown', 'unknown', 'unknown']);
    expect(limited.reason).toContain('429');
    expect(JSON.stringify([limited, broken, malformed])).not.toContain(LEAKED);
  });
});

describe('cloudflare analyze', () => {
  it('lists permission groups with resources and risks, and says what narrows them', async () => {
    const a = await cloudflare.analyze!({ value: LEAKED }, ctx());
    expect(a.complete).toBe(true);
    expect(a.grants).toEqual([
      { scope: 'DNS Write', risk: 'write', resource: 'account.zone.eb78d65290b24279ba6f44721b3ea3c4' },
      { scope: 'Zone Read', risk: 'read', resource: 'account.zone.eb78d65290b24279ba6f44721b3ea3c4' },
      { scope: 'API Tokens Write', risk: 'admin', resource: 'account.zone.eb78d65290b24279ba6f44721b3ea3c4' },
    ]);
    expect(a.note).toContain('1 deny policy');
    expect(a.note).toContain('192.0.2.0/24');
  });

  it('a token without "API Tokens Read" is analysed as incomplete (403 code 9109), honestly', async () => {
    const a = await cloudflare.analyze!({ value: READER }, ctx());
    expect(a).toMatchObject({ grants: [], complete: false });
    expect(a.note).toContain('API Tokens Read');
  });

  it('with an admin token, the policies of a token that cannot read itself are shown', async () => {
    const a = await cloudflare.analyze!({ value: READER }, ctx({ admin: ADMIN }));
    expect(a).toMatchObject({ complete: true, grants: [{ scope: 'Zone Read', risk: 'read' }] });
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${ADMIN}`);
  });
});

describe('cloudflare rotate (roll) and revoke', () => {
  it('rolls the token with the admin token: the old value dies at once, the new one works, same id', async () => {
    const p = cloudflare.rotate!.provider(credential, ctx({ admin: ADMIN }));
    expect(cloudflare.rotate!.strategy).toBe('roll');
    const oldId = await p.identify({ oldValue: READER, binding: '' });
    expect(oldId).toBe('user:aa17574386854bf78a67040be0a770b1');
    const made = await p.create({ credential, oldId, oldValue: READER, idempotencyKey: 'k1' });
    expect(made.value).toMatch(/^cfut_[A-Za-z0-9]{40}[0-9a-f]{8}$/);
    expect(made.id).toBe(oldId);
    expect(await p.isActive({ value: READER })).toBe(false);
    expect(await p.isActive({ value: made.value })).toBe(true);
    // Revoking the old value only confirms it is dead: the token (now carrying the new value) survives.
    expect(await p.revoke({ value: READER, id: oldId, mode: 'revoke' })).toBe('already');
    expect((await cloudflare.verify!({ value: made.value }, ctx())).status).toBe('live');
    expect(api.requests.some((r) => r.method === 'DELETE')).toBe(false);
  });

  it('without an admin token a token holding "API Tokens Write" rolls itself; one without it is refused with the permission named', async () => {
    const self = cloudflare.rotate!.provider(credential, ctx());
    const made = await self.create({ credential, oldId: `user:${ID}`, oldValue: LEAKED, idempotencyKey: 'k' });
    expect(await self.isActive({ value: LEAKED })).toBe(false);
    expect(await self.isActive({ value: made.value })).toBe(true);
    const err = await self.create({ credential, oldId: 'user:aa17574386854bf78a67040be0a770b1', oldValue: READER, idempotencyKey: 'k' }).catch((e: Error) => e);
    expect((err as Error).message).toContain('API Tokens Write');
    expect((err as Error).message).not.toContain(READER);
  });

  it('rolls an account-owned token on the account path', async () => {
    const p = cloudflare.rotate!.provider(credential, ctx({ settings: { account: ACCOUNT } }));
    const oldId = await p.identify({ oldValue: ACCOUNT_TOKEN, binding: '' });
    expect(oldId).toBe(`account:${ACCOUNT}:cc17574386854bf78a67040be0a770b3`);
    const made = await p.create({ credential, oldId, oldValue: ACCOUNT_TOKEN, idempotencyKey: 'k' });
    expect(made.value.startsWith('cfat_')).toBe(true);
    expect(api.requests.at(-1)!.path).toBe(`/client/v4/accounts/${ACCOUNT}/tokens/cc17574386854bf78a67040be0a770b3/value`);
  });

  it('a roll that fails with 5xx is an error naming no secret', async () => {
    const p = cloudflare.rotate!.provider(credential, ctx({ admin: ADMIN }));
    api.misbehave({ kind: 'status', status: 500 }, { path: '/value' });
    const err = await p.create({ credential, oldId: `user:${ID}`, oldValue: LEAKED, idempotencyKey: 'k' }).catch((e: Error) => e);
    expect((err as Error).message).toContain('HTTP 500');
    expect(JSON.stringify(err) + (err as Error).message).not.toMatch(/FAKE[A-Za-z0-9_-]{20}/);
    expect(await p.isActive({ value: LEAKED })).toBe(true);
  });

  it('revoke deletes the token for good with the admin token, and a second revoke is "already"', async () => {
    expect(cloudflare.revoke!.warning).toContain('cannot be undone');
    expect(await cloudflare.revoke!.run({ value: LEAKED }, ctx({ admin: ADMIN }))).toBe('revoked');
    expect(api.requests.at(-1)).toMatchObject({ method: 'DELETE', path: `/client/v4/user/tokens/${ID}` });
    expect((await cloudflare.verify!({ value: LEAKED }, ctx())).status).toBe('dead');
    expect(await cloudflare.revoke!.run({ value: LEAKED }, ctx({ admin: ADMIN }))).toBe('already');
  });

  it('revoke without permission fails with a 403 hint and no secret', async () => {
    const err = await cloudflare.revoke!.run({ value: READER }, ctx()).catch((e: Error) => e);
    expect((err as Error).message).toContain('HTTP 403');
    expect((err as Error).message).not.toContain(READER);
    expect((await cloudflare.verify!({ value: READER }, ctx())).status).toBe('live');
  });
});
