import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredctlError } from '../../../src/core/errors.js';
import { integrationContext } from '../../../src/integrations/context.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { PlanCredential } from '../../../src/plan/types.js';
import { contextFor } from '../context.js';
import { startDatadog, type DatadogStandIn } from './standin.js';

// Fixture keys: hex of the right length (32 for API keys, 40 for application keys), runs of 0000 to be obviously fake.
const LEAKED_API = 'dd000000000000000000000000dead00';
const LEAKED_API_HEX = 'dd00000000000000000000000000fa4e';
const ADMIN_API = 'dd0000000000000000000000000ad000';
const LEAKED_APP = 'a0000000000000000000000000000000000fa4e1';
const SCOPED_APP = 'a0000000000000000000000000000000000fa4e2';
const ADMIN_APP = 'a00000000000000000000000000000000000ad01';
const ADMIN = `${ADMIN_API}:${ADMIN_APP}`;

const datadog = integrationNamed('datadog')!;
let api: DatadogStandIn;

beforeEach(async () => {
  api = await startDatadog({
    apiKeys: [
      { id: 'k-leaked', name: 'agent prod', key: LEAKED_API_HEX },
      { id: 'k-admin', name: 'credctl admin', key: ADMIN_API },
    ],
    appKeys: [
      { id: 'app-leaked', name: 'grafana', key: LEAKED_APP, owner: 'u-dev', scopes: null },
      { id: 'app-scoped', name: 'dashboards ci', key: SCOPED_APP, owner: 'u-dev', scopes: ['dashboards_read', 'dashboards_write', 'user_app_keys'] },
      { id: 'app-admin', name: 'credctl', key: ADMIN_APP, owner: 'u-admin', scopes: null },
    ],
    permissions: {
      'u-admin': ['api_keys_read', 'api_keys_write', 'org_app_keys_write', 'user_app_keys'],
      'u-dev': ['dashboards_read', 'dashboards_write', 'user_app_keys'],
    },
  });
});
afterEach(() => api.close());

const ctx = (opts: { admin?: string } = {}) => contextFor('datadog', api.url, opts);
const credential = {
  id: 'fp',
  names: ['DD_API_KEY'],
  provider: 'datadog',
  kind: 'api_key',
  redacted: 'dd00…fa4e',
  storeName: 'dd',
  strategy: 'api',
  guards: [],
  steps: [],
} as PlanCredential;
const allText = (e: unknown) => `${(e as Error).message} ${(e as CredctlError).hint ?? ''} ${JSON.stringify(e)}`;

describe('datadog verify', () => {
  it('a live API key, sent as DD-API-KEY to /api/v1/validate', async () => {
    const v = await datadog.verify!({ value: LEAKED_API_HEX }, ctx());
    expect(v).toMatchObject({ status: 'live', identity: { kind: 'API key' } });
    expect(api.requests[0]).toMatchObject({ method: 'GET', path: '/api/v1/validate' });
    expect(api.requests[0]!.headers['dd-api-key']).toBe(LEAKED_API_HEX);
  });

  it('Datadog answers 403 Forbidden for a bad API key: that is dead, not "live but not allowed"', async () => {
    const v = await datadog.verify!({ value: LEAKED_API }, ctx());
    expect(v.status).toBe('dead');
    expect(v.reason).toContain('403');
  });

  it("an application key is checked with the admin pair's API key, or its api-key part", async () => {
    expect(await datadog.verify!({ value: LEAKED_APP }, ctx({ admin: ADMIN }))).toMatchObject({ status: 'live', identity: { kind: 'application key' } });
    expect(api.requests.at(-1)!.path).toBe('/api/v2/validate_keys');
    expect((await datadog.verify!({ value: LEAKED_APP, parts: { 'api-key': LEAKED_API_HEX } }, ctx())).status).toBe('live');
    expect(api.requests.at(-1)!.headers['dd-api-key']).toBe(LEAKED_API_HEX);
  });

  it('a wrong application key is dead; with no API key to check it with, it is unknown and says why', async () => {
    expect((await datadog.verify!({ value: 'a0000000000000000000000000000000000dead0' }, ctx({ admin: ADMIN }))).status).toBe('dead');
    const alone = await datadog.verify!({ value: LEAKED_APP }, ctx());
    expect(alone.status).toBe('unknown');
    expect(alone.reason).toContain('API key');
  });

  it('a refused pair whose API key is itself dead says nothing about the application key', async () => {
    const v = await datadog.verify!({ value: LEAKED_APP, parts: { 'api-key': LEAKED_API } }, ctx());
    expect(v.status).toBe('unknown');
  });

  it('429 (with its X-RateLimit headers), 5xx and a malformed body are unknown; no key in any answer', async () => {
    api.misbehave({ kind: 'status', status: 429, headers: { 'x-ratelimit-reset': '0' } }, { count: 2 });
    const limited = await datadog.verify!({ value: LEAKED_API_HEX }, ctx());
    api.misbehave({ kind: 'status', status: 500, message: `boom ${LEAKED_API_HEX}` }, { count: 2 });
    const broken = await datadog.verify!({ value: LEAKED_API_HEX }, ctx());
    api.misbehave({ kind: 'malformed' });
    const malformed = await datadog.verify!({ value: LEAKED_API_HEX }, ctx());
    expect([limited.status, broken.status, malformed.status]).toEqual(['unknown', 'unknown', 'unknown']);
    expect(JSON.stringify([limited, broken, malformed])).not.toContain(LEAKED_API_HEX);
  });

  it("a site that is not Datadog's is refused as bad input before any call", async () => {
    const c = integrationContext({ integration: datadog, provider: 'datadog', settings: { site: 'evil.example.com' } });
    const err = await datadog.verify!({ value: LEAKED_API_HEX }, c).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredctlError);
    expect((err as CredctlError).exitCode).toBe(3);
  });
});

describe('datadog analyze', () => {
  it('an API key submits data; its preview scopes are listed', async () => {
    const a = await datadog.analyze!({ value: LEAKED_API_HEX }, ctx());
    expect(a.complete).toBe(true);
    expect(a.grants.map((g) => [g.scope, g.risk])).toEqual([
      ['data submission', 'write'],
      ['remote_config_read', 'read'],
    ]);
  });

  it('without the preview endpoint the analysis says it is incomplete', async () => {
    api.previewValidate = false;
    const a = await datadog.analyze!({ value: LEAKED_API_HEX }, ctx());
    expect(a).toMatchObject({ complete: false, grants: [{ scope: 'data submission' }] });
    expect(a.note).toContain('404');
  });

  it('a scoped application key lists its scopes with risks and its owner', async () => {
    const a = await datadog.analyze!({ value: SCOPED_APP }, ctx({ admin: ADMIN }));
    expect(a.complete).toBe(true);
    expect(a.grants).toEqual([
      { scope: 'dashboards_read', risk: 'read', resource: 'user u-dev' },
      { scope: 'dashboards_write', risk: 'write', resource: 'user u-dev' },
      { scope: 'user_app_keys', risk: 'admin', resource: 'user u-dev' },
    ]);
  });

  it("an unscoped application key has its owner's full rights, which is said to be incomplete", async () => {
    const a = await datadog.analyze!({ value: LEAKED_APP }, ctx({ admin: ADMIN }));
    expect(a).toMatchObject({ complete: false, grants: [{ scope: 'all permissions of its owner', risk: 'admin' }] });
  });

  it('an application key whose owner lacks user_app_keys (403) is analysed as incomplete', async () => {
    api.appKeys[1]!.scopes = ['dashboards_read'];
    const a = await datadog.analyze!({ value: SCOPED_APP }, ctx({ admin: ADMIN }));
    expect(a).toMatchObject({ complete: false, grants: [] });
    expect(a.note).toContain('user_app_keys');
  });
});

describe('datadog rotate (overlap) and revoke', () => {
  it('creates a new API key with the admin pair, both work, then the old one is deleted by id and stops working', async () => {
    const p = datadog.rotate!.provider(credential, ctx({ admin: ADMIN }));
    expect(datadog.rotate!.strategy).toBe('overlap');
    const oldId = await p.identify({ oldValue: LEAKED_API_HEX, binding: '' });
    expect(oldId).toBe('k-leaked');
    const made = await p.create({ credential, oldId, oldValue: LEAKED_API_HEX, idempotencyKey: 'run1' });
    expect(made.value).toMatch(/^[0-9a-f]{32}$/);
    expect(await p.isActive({ value: LEAKED_API_HEX })).toBe(true);
    expect(await p.isActive({ value: made.value })).toBe(true);
    expect(await p.revoke({ value: LEAKED_API_HEX, id: oldId, mode: 'revoke' })).toBe('revoked');
    expect(await p.isActive({ value: LEAKED_API_HEX })).toBe(false);
    expect(await p.isActive({ value: made.value })).toBe(true);
    expect(await p.revoke({ value: LEAKED_API_HEX, id: oldId, mode: 'revoke' })).toBe('already');
  });

  it('a resumed create deletes the unrecorded key of the same run instead of leaving two', async () => {
    const p = datadog.rotate!.provider(credential, ctx({ admin: ADMIN }));
    await p.create({ credential, oldId: 'k-leaked', oldValue: LEAKED_API_HEX, idempotencyKey: 'run2' });
    const second = await p.create({ credential, oldId: 'k-leaked', oldValue: LEAKED_API_HEX, idempotencyKey: 'run2' });
    const mine = api.apiKeys.filter((k) => k.name === 'credctl rotation run2');
    expect(mine.map((k) => k.key)).toEqual([second.value]);
  });

  it('finds the old key by last4 in the admin list when the preview endpoint is absent', async () => {
    api.previewValidate = false;
    const p = datadog.rotate!.provider(credential, ctx({ admin: ADMIN }));
    expect(await p.identify({ oldValue: LEAKED_API_HEX, binding: '' })).toBe('k-leaked');
    api.apiKeys.push({ id: 'k-twin', name: 'twin', key: 'dd11111111111111111111111111fa4e' });
    const err = await p.identify({ oldValue: LEAKED_API_HEX, binding: '' }).catch((e: Error) => e);
    expect((err as Error).message).toContain('same four characters');
  });

  it('refuses to rotate application keys through the API, and a create without api_keys_write names the 403', async () => {
    const p = datadog.rotate!.provider(credential, ctx({ admin: ADMIN }));
    await expect(p.identify({ oldValue: LEAKED_APP, binding: '' })).rejects.toThrow(/rotated by hand/);
    const weak = datadog.rotate!.provider(credential, ctx({ admin: `${LEAKED_API_HEX}:${LEAKED_APP}` }));
    const err = await weak.create({ credential, oldId: 'k-leaked', oldValue: LEAKED_API_HEX, idempotencyKey: 'r' }).catch((e: Error) => e);
    expect((err as Error).message).toContain('HTTP 403');
    expect(allText(err)).not.toContain(LEAKED_APP);
    expect(allText(err)).not.toContain(LEAKED_API_HEX);
  });

  it('a create that fails with 5xx is not retried blindly and names no key', async () => {
    const p = datadog.rotate!.provider(credential, ctx({ admin: ADMIN }));
    api.failCreates = 1;
    const err = await p.create({ credential, oldId: 'k-leaked', oldValue: LEAKED_API_HEX, idempotencyKey: 'r' }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('HTTP 503');
    expect(allText(err)).not.toContain(ADMIN_APP);
    // One POST: a create is not repeated behind the engine's back (a lost answer would leave a stray key).
    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(api.apiKeys).toHaveLength(2);
  });

  it('revoke deletes a leaked API key and a leaked application key with the admin pair', async () => {
    expect(datadog.revoke!.needsAdmin).toBe(true);
    expect(await datadog.revoke!.run({ value: LEAKED_API_HEX }, ctx({ admin: ADMIN }))).toBe('revoked');
    expect((await datadog.verify!({ value: LEAKED_API_HEX }, ctx())).status).toBe('dead');
    expect(await datadog.revoke!.run({ value: LEAKED_API_HEX }, ctx({ admin: ADMIN }))).toBe('already');
    expect(await datadog.revoke!.run({ value: LEAKED_APP }, ctx({ admin: ADMIN }))).toBe('revoked');
    expect(api.appKeys.map((k) => k.id)).not.toContain('app-leaked');
    expect(await datadog.revoke!.run({ value: LEAKED_APP }, ctx({ admin: ADMIN }))).toBe('already');
  });

  it('revoke without an admin pair is refused with the fix, and an admin entry that is not a pair is bad input', async () => {
    await expect(datadog.revoke!.run({ value: LEAKED_API_HEX }, ctx())).rejects.toThrow(/admin pair/);
    const err = await datadog.revoke!.run({ value: LEAKED_API_HEX }, ctx({ admin: ADMIN_APP })).catch((e: unknown) => e);
    expect((err as CredctlError).exitCode).toBe(3);
    expect((err as Error).message).not.toContain(ADMIN_APP);
  });
});
