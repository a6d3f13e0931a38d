import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION } from '../../../src/integrations/shopify/index.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { integrationContext } from '../../../src/integrations/context.js';
import { contextFor } from '../context.js';
import { startShopify, type ShopifyStandIn } from './standin.js';

// Shaped like the shopify-access-token rules (32 hex digits), obviously fake.
const TOKEN = 'shpat_00000000000000000000000000fa4e01';
const CUSTOM = 'shpca_00000000000000000000000000fa4e02';
const shopify = integrationNamed('shopify')!;
let api: ShopifyStandIn;
const seen: unknown[] = [];
const ctx = () => contextFor('shopify', api.url, { settings: { shop: 'fake-store.myshopify.com' } });
const failure = async (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: Error & { exitCode?: number }) => (seen.push(String(e)), e),
  );

beforeAll(async () => {
  api = await startShopify(
    { name: 'Fake Store', domain: 'fake-store.myshopify.com' },
    { [TOKEN]: ['read_products', 'write_orders', 'unauthenticated_read_product_listings'], [CUSTOM]: ['read_products'] },
  );
});
afterAll(async () => {
  await api.close();
  const all = JSON.stringify(seen);
  for (const t of [TOKEN, CUSTOM]) expect(all).not.toContain(t.slice(6));
});

describe('shopify verify against the Admin API stand-in', () => {
  it('a live token names its shop, through the current stable version and X-Shopify-Access-Token', async () => {
    const v = await shopify.verify!({ value: TOKEN }, ctx());
    seen.push(v);
    expect(v).toMatchObject({ status: 'live', identity: { account: 'fake-store.myshopify.com', kind: 'Admin API access token' } });
    const req = api.requests.at(-1)!;
    expect(req.path).toBe(`/admin/api/${API_VERSION}/shop.json`);
    expect(req.headers['x-shopify-access-token']).toBe(TOKEN);
    expect((await shopify.verify!({ value: CUSTOM }, ctx())).identity?.kind).toBe('custom app access token');
  });

  it("an unknown token is dead, with Shopify's own words", async () => {
    const v = await shopify.verify!({ value: 'shpat_00000000000000000000000000000bad' }, ctx());
    seen.push(v);
    expect(v.status).toBe('dead');
    expect(v.reason).toContain('Invalid API key or access token');
  });

  it('429, 5xx, a frozen shop (402), 403 and a malformed body', async () => {
    api.misbehave({ kind: 'status', status: 429 }, { count: 2 });
    const limited = await shopify.verify!({ value: TOKEN }, ctx());
    api.misbehave({ kind: 'status', status: 500 }, { count: 2 });
    const broken = await shopify.verify!({ value: TOKEN }, ctx());
    api.misbehave({ kind: 'status', status: 402 });
    const frozen = await shopify.verify!({ value: TOKEN }, ctx());
    api.misbehave({ kind: 'status', status: 403 });
    const forbidden = await shopify.verify!({ value: TOKEN }, ctx());
    api.misbehave({ kind: 'malformed' });
    const garbled = await shopify.verify!({ value: TOKEN }, ctx());
    seen.push(limited, broken, frozen, forbidden, garbled);
    expect([limited.status, broken.status, frozen.status, forbidden.status, garbled.status]).toEqual(['unknown', 'unknown', 'unknown', 'live', 'unknown']);
    expect(frozen.reason).toContain('frozen');
    expect(forbidden.reason).toContain('read_orders');
  });

  it('needs the shop, and accepts only a myshopify.com host for it', async () => {
    const bare = (settings: Record<string, string>) => integrationContext({ integration: shopify, provider: 'shopify', settings });
    await expect(shopify.verify!({ value: TOKEN }, bare({}))).rejects.toThrow(/providers\.shopify\.shop/);
    await expect(shopify.verify!({ value: TOKEN }, bare({ shop: 'evil.example.com' }))).rejects.toMatchObject({ exitCode: 3 });
    await expect(shopify.verify!({ value: TOKEN }, contextFor('shopify', api.url, { settings: { api_version: 'latest' } }))).rejects.toThrow(/api_version/);
  });
});

describe('shopify analyze', () => {
  it('lists exactly the granted scopes, read or write', async () => {
    const a = await shopify.analyze!({ value: TOKEN }, ctx());
    seen.push(a);
    expect(a.complete).toBe(true);
    expect(a.grants).toEqual([
      { scope: 'read_products', risk: 'read' },
      { scope: 'write_orders', risk: 'write' },
      { scope: 'unauthenticated_read_product_listings', risk: 'read' },
    ]);
  });

  it('a refused, failing or malformed answer is an exit-5 error with the vendor words', async () => {
    const dead = await failure(shopify.analyze!({ value: 'shpat_00000000000000000000000000000bad' }, ctx()));
    expect(dead.exitCode).toBe(5);
    expect(dead.message).toContain('Invalid API key');
    api.misbehave({ kind: 'malformed' });
    expect((await failure(shopify.analyze!({ value: TOKEN }, ctx()))).message).toContain('malformed');
    api.misbehave({ kind: 'status', status: 503 }, { count: 2 });
    expect((await failure(shopify.analyze!({ value: TOKEN }, ctx()))).exitCode).toBe(5);
  });
});

describe('shopify revoke (uninstall)', () => {
  it('uninstalls the app: the token stops working at the stand-in; a second call is "already"', async () => {
    expect(shopify.revoke!.warning).toContain('uninstalling');
    expect(await shopify.revoke!.run({ value: CUSTOM }, ctx())).toBe('revoked');
    expect(api.tokens.has(CUSTOM)).toBe(false);
    expect((await shopify.verify!({ value: CUSTOM }, ctx())).status).toBe('dead');
    expect(await shopify.revoke!.run({ value: CUSTOM }, ctx())).toBe('already');
  });

  it('a failed uninstall is an error, and the token still works', async () => {
    api.misbehave({ kind: 'status', status: 500 });
    expect((await failure(shopify.revoke!.run({ value: TOKEN }, ctx()))).exitCode).toBe(5);
    expect((await shopify.verify!({ value: TOKEN }, ctx())).status).toBe('live');
  });

  it('rotation is a manual step', () => {
    expect(shopify.rotate).toBeUndefined();
    expect(shopify.manual?.rotate?.url).toMatch(/^https:\/\/admin\.shopify\.com\//);
  });
});
