import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hintFits } from '../../../src/integrations/anthropic/index.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { contextFor } from '../context.js';
import { hintOf, startAnthropic, type AnthropicStandIn } from './standin.js';

// Fixture keys in the documented shape (prefix, 80+ characters, ending in AA), obviously fake.
const LEAKED = `sk-ant-api03-FAKE${'0123456789'.repeat(8)}leakAA`;
const OTHER = `sk-ant-api03-FAKE${'9876543210'.repeat(8)}lIveAA`;
const ADMIN = `sk-ant-admin01-FAKE${'0123456789'.repeat(8)}admnAA`;

const anthropic = integrationNamed('anthropic')!;
let api: AnthropicStandIn;

beforeEach(async () => {
  api = await startAnthropic({
    keys: [
      {
        id: 'apikey_01FAKEleaked',
        value: LEAKED,
        name: 'backend prod',
        status: 'active',
        workspace_id: 'wrkspc_01FAKEprod',
        expires_at: '2027-03-01T00:00:00Z',
      },
      { id: 'apikey_01FAKEother', value: OTHER, name: 'notebook', status: 'active', workspace_id: null },
    ],
    admins: { [ADMIN]: { org: '12345678-0000-4000-8000-000000000000', name: 'Fake Org' } },
  });
});
afterEach(() => api.close());

const ctx = (opts: { admin?: string } = {}) => contextFor('anthropic', api.url, opts);

describe('anthropic verify against the Claude API stand-in', () => {
  it('a live key, sent as x-api-key with anthropic-version to /v1/models', async () => {
    const v = await anthropic.verify!({ value: LEAKED }, ctx());
    expect(v).toMatchObject({ status: 'live', identity: { kind: 'API key' } });
    expect(api.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models' });
    expect(api.requests[0]!.headers['x-api-key']).toBe(LEAKED);
    expect(api.requests[0]!.headers['anthropic-version']).toBe('2023-06-01');
  });

  it('with an admin key, the identity names the key id, workspace, creator and expiry', async () => {
    const v = await anthropic.verify!({ value: LEAKED }, ctx({ admin: ADMIN }));
    expect(v).toMatchObject({
      status: 'live',
      identity: { credentialId: 'apikey_01FAKEleaked', account: 'workspace wrkspc_01FAKEprod', principal: 'user user_01FAKE0000' },
      expiresAt: '2027-03-01T00:00:00Z',
    });
  });

  it("an unknown or disabled key is dead, with Anthropic's error type", async () => {
    const unknown = await anthropic.verify!({ value: `sk-ant-api03-FAKE${'0'.repeat(80)}deadAA` }, ctx());
    expect(unknown.status).toBe('dead');
    expect(unknown.reason).toContain('authentication_error');
    api.keys[1]!.status = 'inactive';
    expect((await anthropic.verify!({ value: OTHER }, ctx())).status).toBe('dead');
  });

  it('an admin key is verified on the Admin API and names its organisation', async () => {
    expect(await anthropic.verify!({ value: ADMIN }, ctx())).toMatchObject({ status: 'live', identity: { kind: 'Admin API key', account: 'Fake Org' } });
  });

  it('429, 529 (overloaded) and a malformed body are unknown; the key never appears', async () => {
    api.misbehave({ kind: 'status', status: 429, headers: { 'retry-after': '0' } }, { count: 2 });
    const limited = await anthropic.verify!({ value: LEAKED }, ctx());
    api.misbehave({ kind: 'status', status: 529, message: `overloaded for ${LEAKED}` }, { count: 2 });
    const overloaded = await anthropic.verify!({ value: LEAKED }, ctx());
    api.misbehave({ kind: 'malformed' });
    const malformed = await anthropic.verify!({ value: LEAKED }, ctx());
    expect([limited.status, overloaded.status, malformed.status]).toEqual(['unknown', 'unknown', 'unknown']);
    expect(JSON.stringify([limited, overloaded, malformed])).not.toContain(LEAKED.slice(13, 40));
  });

  it('a 403 permission_error means live but not allowed', async () => {
    api.misbehave({ kind: 'status', status: 403, message: 'not allowed' }, { count: 1 });
    expect((await anthropic.verify!({ value: LEAKED }, ctx())).status).toBe('live');
  });
});

describe('anthropic analyze and revoke', () => {
  it('keys carry no scopes: an API key uses the Claude API, an admin key is admin', async () => {
    expect(await anthropic.analyze!({ value: LEAKED }, ctx())).toMatchObject({ complete: true, grants: [{ scope: 'api', risk: 'write' }] });
    expect(await anthropic.analyze!({ value: ADMIN }, ctx())).toMatchObject({ complete: true, grants: [{ scope: 'admin', risk: 'admin' }] });
  });

  it('a partial hint fits only its own key', () => {
    expect(hintOf(LEAKED)).toBe('sk-ant-api03-FAK...akAA');
    expect(hintFits(hintOf(LEAKED), LEAKED)).toBe(true);
    expect(hintFits(hintOf(LEAKED), OTHER)).toBe(false);
    expect(hintFits('sk-ant-api03-...akAA', LEAKED)).toBe(false);
  });

  it('archives the leaked key with the admin key: it stops working at once, the other key still works', async () => {
    expect(anthropic.revoke!.needsAdmin).toBe(true);
    expect(await anthropic.revoke!.run({ value: LEAKED }, ctx({ admin: ADMIN }))).toBe('revoked');
    const post = api.requests.find((r) => r.method === 'POST')!;
    expect(post).toMatchObject({ path: '/v1/organizations/api_keys/apikey_01FAKEleaked', body: { status: 'archived' } });
    expect(post.headers['x-api-key']).toBe(ADMIN);
    expect((await anthropic.verify!({ value: LEAKED }, ctx())).status).toBe('dead');
    expect((await anthropic.verify!({ value: OTHER }, ctx())).status).toBe('live');
    expect(await anthropic.revoke!.run({ value: LEAKED }, ctx({ admin: ADMIN }))).toBe('already');
  });

  it('finds the key across list pages', async () => {
    for (let i = 0; i < 1500; i++)
      api.keys.unshift({
        id: `apikey_01FAKEpad${i}`,
        value: `sk-ant-api03-PAD${String(i).padStart(84, '0')}AA`,
        name: 'pad',
        status: 'active',
        workspace_id: null,
      });
    expect(await anthropic.revoke!.run({ value: LEAKED }, ctx({ admin: ADMIN }))).toBe('revoked');
    expect(api.requests.filter((r) => r.path === '/v1/organizations/api_keys')).toHaveLength(2);
  });

  it('refuses when two keys share the hint, and when no admin key is configured', async () => {
    api.keys.push({ id: 'apikey_01FAKEtwin', value: `sk-ant-api03-FAKEtwin${'1'.repeat(80)}akAA`, name: 'twin', status: 'active', workspace_id: null });
    await expect(anthropic.revoke!.run({ value: LEAKED }, ctx({ admin: ADMIN }))).rejects.toThrow(/same partial hint/);
    await expect(anthropic.revoke!.run({ value: LEAKED }, ctx())).rejects.toThrow(/no admin credential/);
    expect(api.keys[0]!.status).toBe('active');
  });

  it('an admin API answer of 5xx fails the revoke with no key in the message', async () => {
    api.misbehave({ kind: 'status', status: 500, message: `db said ${ADMIN}` }, { count: 2, path: '/v1/organizations' });
    const err = await anthropic.revoke!.run({ value: LEAKED }, ctx({ admin: ADMIN })).catch((e: Error) => e);
    expect((err as Error).message).toContain('HTTP 500');
    expect((err as Error).message).not.toContain('FAKE0123');
    expect(api.keys[0]!.status).toBe('active');
  });

  it('an API key configured as the admin key is refused by the Admin API (403 permission_error)', async () => {
    const err = await anthropic.revoke!.run({ value: LEAKED }, ctx({ admin: OTHER })).catch((e: Error) => e);
    expect((err as Error).message).toContain('HTTP 403');
  });

  it('rotation is an honest manual step pointing at the Console', () => {
    expect(anthropic.rotate).toBeUndefined();
    expect(anthropic.manual?.rotate?.url).toBe('https://console.anthropic.com/settings/keys');
  });
});
