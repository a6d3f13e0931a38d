/**
 * What the Shopify integration makes of each answer a shop can give, beyond shopify.test.ts:
 * which shop host and API version it accepts (and so where a token is sent), Shopify's three
 * shapes of `errors`, a frozen or locked shop, a shop body without its domain, scopes that are
 * write access, and what an uninstall does with each answer (never retried). Odd answers are
 * scripted with the stand-in's `answerNext`; the shop host itself is checked through a recording
 * HTTP client, so no request leaves the machine. The file ends by checking that no token value
 * appears in anything a test got back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION } from '../../../src/integrations/shopify/index.js';
import { integrationContext } from '../../../src/integrations/context.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { SafeHttp, SafeRequest } from '../../../src/net/http.js';
import { contextFor, keptAnswers } from '../context.js';
import { startShopify, type ShopifyStandIn } from './standin.js';

const TOKEN = 'shpat_00000000000000000000000000fa4e11';
const PRIVATE = 'shppa_00000000000000000000000000fa4e12';
const UNINSTALL = 'shpat_00000000000000000000000000fa4e13';
// Not in the shopat_ format on purpose: short segments that no long-run cut would hide, so only
// masking keeps it out of a message that echoes it.
const ECHOED = 'shpat_FAKE.echo.0123';
const TOKENS = [TOKEN, PRIVATE, UNINSTALL, ECHOED];
const SHOP = '/admin/api/2026-10/shop.json';
const SCOPES = '/admin/oauth/access_scopes.json';
const PERMISSIONS = '/admin/api_permissions/current.json';

const shopify = integrationNamed('shopify')!;
let api: ShopifyStandIn;
const { seen, keep, failure } = keptAnswers();
const ctx = (settings: Record<string, string> = {}) => contextFor('shopify', api.url, { settings: { shop: 'fake-store.myshopify.com', ...settings } });
const callsTo = (method: string, path: string) => api.requests.filter((r) => r.method === method && r.path === path).length;

/** A client that records where each request would go and answers with `body`: no network at all. */
function recordingHttp(body: unknown) {
  const calls: { url: string; req: SafeRequest }[] = [];
  const http = {
    async request(url: string | URL, req: SafeRequest = {}) {
      calls.push({ url: String(url), req });
      return { status: 200, headers: {}, body: Buffer.from(JSON.stringify(body)), url: String(url) };
    },
  } as unknown as SafeHttp;
  return { calls, http };
}
const shopBody = { shop: { name: 'Fake Store', myshopify_domain: 'fake-store.myshopify.com' } };
const offline = (settings: Record<string, string>, body: unknown = shopBody) => {
  const rec = recordingHttp(body);
  return { ...rec, ctx: integrationContext({ integration: shopify, provider: 'shopify', http: rec.http, settings }) };
};

beforeAll(async () => {
  api = await startShopify(
    { name: 'Fake Store', domain: 'fake-store.myshopify.com' },
    {
      [TOKEN]: ['read_products', 'write_orders'],
      [PRIVATE]: ['read_customers'],
      [UNINSTALL]: ['read_products'],
    },
  );
});
afterAll(async () => {
  await api.close();
  const all = JSON.stringify(seen);
  expect(seen.length).toBeGreaterThan(20);
  for (const t of TOKENS) expect(all).not.toContain(t.slice(6));
});

describe('where a token is sent: the shop host and the API version', () => {
  it('goes to https://<shop> only, the shop written in any case or with spaces around it', async () => {
    const { calls, ctx: c } = offline({ shop: '  Fake-Store.MyShopify.COM ' });
    const v = keep(await shopify.verify!({ value: TOKEN }, c));
    expect(v.status).toBe('live');
    expect(calls.map((x) => x.url)).toEqual([`https://fake-store.myshopify.com/admin/api/${API_VERSION}/shop.json`]);
    expect(calls[0]!.req.headers?.['x-shopify-access-token']).toBe(TOKEN);
    const scopes = offline({ shop: 'fake-store.myshopify.com' }, { access_scopes: [{ handle: 'read_orders' }] });
    const a = keep(await shopify.analyze!({ value: TOKEN }, scopes.ctx));
    expect(scopes.calls.map((x) => x.url)).toEqual(['https://fake-store.myshopify.com/admin/oauth/access_scopes.json']);
    expect(a.note).toContain('on fake-store.myshopify.com.');
  });

  it('takes a one-letter and a 63-character shop name, digits and inner hyphens', async () => {
    for (const shop of ['a.myshopify.com', `${'a'.repeat(63)}.myshopify.com`, '0-fake-shop-9.myshopify.com']) {
      const { calls, ctx: c } = offline({ shop });
      keep(await shopify.verify!({ value: TOKEN }, c));
      expect(calls[0]!.url.startsWith(`https://${shop}/`)).toBe(true);
    }
  });

  it('refuses every other host (exit 3, naming the setting), and sends nothing', async () => {
    for (const shop of [
      'evil.example.com',
      'fake-store.myshopify.com.evil.example',
      'evil.example/fake-store.myshopify.com',
      'fake-store.myshopify.comx',
      'fake-storexmyshopifyxcom',
      'fake-store.myshopifyxcom',
      '-fake-store.myshopify.com',
      'fake_store.myshopify.com',
      'sub.fake-store.myshopify.com',
      '.myshopify.com',
      `${'a'.repeat(64)}.myshopify.com`,
      'fake-store.myshopify.com:8443',
    ]) {
      const { calls, ctx: c } = offline({ shop });
      const err = await failure(shopify.verify!({ value: TOKEN }, c));
      expect(err, shop).toMatchObject({ exitCode: 3 });
      expect(err!.message).toContain('providers.shopify.shop must be a <name>.myshopify.com host');
      expect(calls).toEqual([]);
    }
    const long = `${'x'.repeat(200)}.example.com`;
    const err = await failure(shopify.verify!({ value: TOKEN }, offline({ shop: long }).ctx));
    expect(err!.message).toContain(`"${'x'.repeat(80)}"`);
    expect(err!.message).not.toContain('x'.repeat(81));
    const none = await failure(shopify.analyze!({ value: TOKEN }, offline({ shop: '   ' }).ctx));
    expect(none).toMatchObject({ exitCode: 3 });
    expect(none!.message).toContain('set providers.shopify.shop');
  });

  it('uses the stable version asked for, and refuses one that is not YYYY-01/04/07/10', async () => {
    keep(await shopify.verify!({ value: TOKEN }, ctx({ api_version: '2025-07' })));
    expect(api.requests.at(-1)!.path).toBe('/admin/api/2025-07/shop.json');
    for (const bad of ['2025-02', '2025-1', 'x2025-01', '2025-01x', '25-01', '2025-010', 'unstable']) {
      const before = api.requests.length;
      const err = await failure(shopify.verify!({ value: TOKEN }, ctx({ api_version: bad })));
      expect(err, bad).toMatchObject({ exitCode: 3 });
      expect(err!.message).toContain(`stable version like ${API_VERSION}`);
      expect(api.requests.length).toBe(before);
    }
    const err = await failure(shopify.verify!({ value: TOKEN }, ctx({ api_version: `2025-01${'9'.repeat(40)}` })));
    expect(err!.message).toContain(`"2025-01${'9'.repeat(13)}"`);
    expect(err!.message).not.toContain('9'.repeat(14));
  });
});

describe("verify: what each of Shopify's answers means", () => {
  it('names the token kind by its prefix and the shop by name, or by domain when it has no name', async () => {
    const v = keep(await shopify.verify!({ value: PRIVATE }, ctx()));
    expect(v).toEqual({
      status: 'live',
      reason: 'Shopify accepted it just now',
      identity: { account: 'fake-store.myshopify.com', principal: 'an app installed on Fake Store', kind: 'private app password' },
    });
    api.answerNext('GET', SHOP, { status: 200, body: { shop: { myshopify_domain: 'nameless.myshopify.com' } } });
    const nameless = keep(await shopify.verify!({ value: TOKEN }, ctx()));
    expect(nameless.identity).toEqual({
      account: 'nameless.myshopify.com',
      principal: 'an app installed on nameless.myshopify.com',
      kind: 'Admin API access token',
    });
  });

  it('a 200 without a shop domain is unknown, not live', async () => {
    for (const body of [{}, { shop: { name: 'Fake Store' } }, { shop: { myshopify_domain: 42 } }, []]) {
      api.answerNext('GET', SHOP, { status: 200, body });
      const v = keep(await shopify.verify!({ value: TOKEN }, ctx()));
      expect(v).toEqual({ status: 'unknown', reason: 'Shopify answered without a shop' });
    }
  });

  it("reads Shopify's errors as a string, a list, or fields with their messages", async () => {
    api.answerNext('GET', SHOP, { status: 401, body: { errors: ['[API] Invalid token', 'revoked by merchant'] } });
    const list = keep(await shopify.verify!({ value: TOKEN }, ctx()));
    expect(list).toEqual({ status: 'dead', reason: 'Shopify refuses it (HTTP 401: [API] Invalid token; revoked by merchant)' });
    api.answerNext('GET', SHOP, { status: 401, body: { errors: { token: ['is expired'], shop: 'is closed' } } });
    const fields = keep(await shopify.verify!({ value: TOKEN }, ctx()));
    expect(fields.reason).toBe('Shopify refuses it (HTTP 401: token is expired; shop is closed)');
    for (const body of [{}, { errors: null }, { errors: 7 }, { message: 'not Shopify-shaped' }]) {
      api.answerNext('GET', SHOP, { status: 401, body });
      const bare = keep(await shopify.verify!({ value: TOKEN }, ctx()));
      expect(bare).toEqual({ status: 'dead', reason: 'Shopify refuses it (HTTP 401)' });
    }
  });

  it('a frozen (402) or locked (423) shop is unknown, with what Shopify said, if anything', async () => {
    api.answerNext('GET', SHOP, { status: 402, body: { errors: 'Unavailable Shop' } });
    const frozen = keep(await shopify.verify!({ value: TOKEN }, ctx()));
    expect(frozen).toEqual({ status: 'unknown', reason: 'Shopify says the shop is frozen (unpaid) (HTTP 402: Unavailable Shop)' });
    api.answerNext('GET', SHOP, { status: 423, body: { errors: ['Shop is locked'] } });
    const locked = keep(await shopify.verify!({ value: TOKEN }, ctx()));
    expect(locked).toEqual({ status: 'unknown', reason: 'Shopify says the shop is locked (HTTP 423: Shop is locked)' });
    api.answerNext('GET', SHOP, { status: 423 });
    const silent = keep(await shopify.verify!({ value: TOKEN }, ctx()));
    expect(silent).toEqual({ status: 'unknown', reason: 'Shopify says the shop is locked (HTTP 423)' });
  });

  it('a token echoed back in any answer is masked in every reason and error', async () => {
    const echo = { errors: `no access for ${ECHOED} here` };
    for (const status of [401, 402, 409]) {
      api.answerNext('GET', SHOP, { status, body: echo });
      const v = keep(await shopify.verify!({ value: ECHOED }, ctx()));
      expect(v.reason, String(status)).toContain('no access for');
      expect(v.reason).not.toContain('FAKE.echo');
    }
    api.answerNext('GET', SCOPES, { status: 403, body: echo });
    const analyzed = await failure(shopify.analyze!({ value: ECHOED }, ctx()));
    api.answerNext('DELETE', PERMISSIONS, { status: 403, body: echo });
    const revoked = await failure(shopify.revoke!.run({ value: ECHOED }, ctx()));
    for (const err of [analyzed, revoked]) {
      expect(err!.message).toContain('no access for');
      expect(err!.message).not.toContain('FAKE.echo');
    }
  });

  it("an answer outside 2xx is read through Shopify's errors; an empty 200 is not a shop", async () => {
    api.answerNext('GET', SHOP, { status: 300, body: { errors: 'choose a shop' } });
    expect(keep(await shopify.verify!({ value: TOKEN }, ctx()))).toEqual({ status: 'unknown', reason: 'Shopify answered HTTP 300: choose a shop' });
    api.answerNext('GET', SHOP, { status: 200 });
    expect(keep(await shopify.verify!({ value: TOKEN }, ctx()))).toEqual({ status: 'unknown', reason: 'Shopify answered without a shop' });
  });

  it('one failed read is tried again; a closed port is unknown', async () => {
    api.misbehave({ kind: 'status', status: 503 }, { path: SHOP });
    expect(keep(await shopify.verify!({ value: TOKEN }, ctx())).status).toBe('live');
    const closed = contextFor('shopify', 'http://127.0.0.1:9', { settings: { shop: 'fake-store.myshopify.com' } });
    const v = keep(await shopify.verify!({ value: TOKEN }, closed));
    expect(v.status).toBe('unknown');
    expect(v.reason).toMatch(/^Shopify could not be asked/);
  });
});

describe('analyze: what each scope reaches', () => {
  it('write_ and unauthenticated_write_ handles are write; everything else is read; odd entries are skipped', async () => {
    api.answerNext('GET', SCOPES, {
      status: 200,
      body: {
        access_scopes: [
          { handle: 'unauthenticated_write_checkouts' },
          { handle: 'read_write_notes' },
          { handle: 'unauthenticated_read_product_listings' },
          { handle: 'write_products' },
          { handle: 42 },
          null,
          {},
        ],
      },
    });
    const a = keep(await shopify.analyze!({ value: TOKEN }, ctx()));
    expect(a.grants).toEqual([
      { scope: 'unauthenticated_write_checkouts', risk: 'write' },
      { scope: 'read_write_notes', risk: 'read' },
      { scope: 'unauthenticated_read_product_listings', risk: 'read' },
      { scope: 'write_products', risk: 'write' },
    ]);
    expect(a.complete).toBe(true);
    expect(a.note).toBe(`Scopes granted to this token on ${api.url.replace('http://', '')}.`);
    expect(api.requests.at(-1)!.headers['x-shopify-access-token']).toBe(TOKEN);
  });

  it('a 200 without a list, or another 2xx, is a malformed answer; a 403 is not', async () => {
    api.answerNext('GET', SCOPES, { status: 200, body: { access_scopes: 'read_products' } });
    const notList = await failure(shopify.analyze!({ value: TOKEN }, ctx()));
    expect(notList).toMatchObject({ exitCode: 5, message: 'Shopify read access scopes: HTTP 200 (malformed body)' });
    api.answerNext('GET', SCOPES, { status: 201, body: { access_scopes: [{ handle: 'read_products' }] } });
    const created = await failure(shopify.analyze!({ value: TOKEN }, ctx()));
    expect(created).toMatchObject({ exitCode: 5, message: 'Shopify read access scopes: HTTP 201' });
    api.answerNext('GET', SCOPES, { status: 403, body: { errors: 'merchant approval needed' } });
    const forbidden = await failure(shopify.analyze!({ value: TOKEN }, ctx()));
    expect(forbidden).toMatchObject({ exitCode: 5, message: 'Shopify read access scopes: HTTP 403 (merchant approval needed)' });
  });

  it('one failed read is tried again', async () => {
    api.misbehave({ kind: 'status', status: 500 }, { path: SCOPES });
    const a = keep(await shopify.analyze!({ value: TOKEN }, ctx()));
    expect(a.grants.map((g) => g.scope)).toEqual(['read_products', 'write_orders']);
  });
});

describe('revoke: the uninstall, sent once', () => {
  it('204 is revoked; 401 is already; each answer comes from exactly one DELETE', async () => {
    api.answerNext('DELETE', PERMISSIONS, { status: 204 });
    let before = callsTo('DELETE', PERMISSIONS);
    expect(await shopify.revoke!.run({ value: TOKEN }, ctx())).toBe('revoked');
    expect(callsTo('DELETE', PERMISSIONS) - before).toBe(1);
    expect(api.requests.at(-1)!.headers['x-shopify-access-token']).toBe(TOKEN);
    api.answerNext('DELETE', PERMISSIONS, { status: 401, body: { errors: 'Invalid API key' } });
    expect(await shopify.revoke!.run({ value: TOKEN }, ctx())).toBe('already');
    before = callsTo('DELETE', PERMISSIONS);
    api.misbehave({ kind: 'status', status: 503 }, { path: PERMISSIONS });
    const failed = await failure(shopify.revoke!.run({ value: UNINSTALL }, ctx()));
    expect(failed).toMatchObject({ exitCode: 5 });
    expect(failed!.message).toContain('uninstall the app');
    expect(callsTo('DELETE', PERMISSIONS) - before).toBe(1);
    expect(api.tokens.has(UNINSTALL)).toBe(true);
  });

  it('a refused uninstall says what Shopify said and that a permission is missing; a 404 is an error too', async () => {
    api.answerNext('DELETE', PERMISSIONS, { status: 403, body: { errors: { base: ['app cannot uninstall itself'] } } });
    const forbidden = await failure(shopify.revoke!.run({ value: UNINSTALL }, ctx()));
    expect(forbidden).toEqual({
      exitCode: 5,
      message: 'Shopify uninstall the app (api_permissions/current): HTTP 403 (base app cannot uninstall itself)',
      hint: 'The credential used lacks a permission this needs.',
    });
    api.answerNext('DELETE', PERMISSIONS, { status: 404, body: { errors: 'Not Found' } });
    expect(await failure(shopify.revoke!.run({ value: UNINSTALL }, ctx()))).toMatchObject({ exitCode: 5 });
    expect(await shopify.revoke!.run({ value: UNINSTALL }, ctx())).toBe('revoked');
    expect(api.tokens.has(UNINSTALL)).toBe(false);
  });

  it('is not an admin call, warns that it cannot be undone, and the settings and manual steps say what to do', () => {
    expect(shopify.revoke!.needsAdmin).toBe(false);
    expect(shopify.revoke!.warning).toMatch(/cannot be undone/);
    expect(shopify.title).toContain('Shopify');
    expect(shopify.config?.[0]?.description).toContain('.myshopify.com');
    expect(shopify.config?.[1]?.description).toContain(API_VERSION);
    expect(shopify.manual?.rotate?.instructions).toContain('credctl store put');
    expect(shopify.config?.map((c) => [c.key, c.required ?? false])).toEqual([
      ['shop', true],
      ['api_version', false],
    ]);
  });
});
