import { inputError } from '../../core/errors.js';
import { READ_RETRY, refusalOf, unreachable, vendorCall, vendorFailure, vendorMessage, type VendorReply, type VendorRequest } from '../kit.js';
import type { Grant, Integration, IntegrationContext } from '../types.js';

/**
 * Shopify Admin API access tokens (shpat_, shpca_, shppa_), for one shop (API.md in this folder
 * names the document). The API lives on the shop's own host, so `providers.shopify.shop` names it
 * (only a *.myshopify.com host is accepted: a repository cannot point credctl elsewhere with it).
 *   verify   GET /admin/api/<version>/shop.json: which shop the token opens
 *   analyze  GET /admin/oauth/access_scopes.json: exactly the scopes granted to the token
 *   revoke   DELETE /admin/api_permissions/current.json: uninstalls the app from the shop, the
 *            only documented way to kill an app's token through the API (irreversible)
 */
const VENDOR = 'Shopify';
export const API_VERSION = '2026-10';

/** The API base: the trusted issuer override, else https://<shop>. */
function shopContext(ctx: IntegrationContext): IntegrationContext {
  if (ctx.api) return ctx;
  const shop = ctx.setting('shop')?.trim().toLowerCase();
  if (!shop) throw inputError('Shopify needs the shop: set providers.shopify.shop (e.g. example.myshopify.com) in credctl.yaml');
  if (!/^[a-z0-9][a-z0-9-]{0,62}\.myshopify\.com$/.test(shop))
    throw inputError(`providers.shopify.shop must be a <name>.myshopify.com host (got ${JSON.stringify(shop.slice(0, 80))})`);
  return { ...ctx, api: `https://${shop}` };
}

function version(ctx: IntegrationContext): string {
  const v = ctx.setting('api_version') ?? API_VERSION;
  if (!/^\d{4}-(01|04|07|10)$/.test(v))
    throw inputError(`providers.shopify.api_version must be a stable version like ${API_VERSION} (got ${JSON.stringify(v.slice(0, 20))})`);
  return v;
}

/** Shopify's `errors` is a string, a list, or field → messages. */
function errorsOf(j: any): unknown {
  const e = j?.errors;
  if (typeof e === 'string') return e;
  if (Array.isArray(e)) return e.join('; ');
  if (e === null || typeof e !== 'object') return undefined;
  return Object.entries(e)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join('; ');
}

/** The reply with Shopify's `errors` as the one `message` the kit reads. */
const normalized = (reply: VendorReply): VendorReply =>
  // A final HTTP answer is never below 200: only an error status is rewritten.
  reply.status < 300 ? reply : { ...reply, json: { message: errorsOf(reply.json) } };

/** One call to the shop, its reply with Shopify's `errors` read as the kit's `message`. */
async function call(ctx: IntegrationContext, path: string, value: string, req: VendorRequest = {}): Promise<VendorReply> {
  // Stryker disable next-line ArrayDeclaration: the client's own errors (network, timeout) never quote a header value; the vendor's words are masked below
  return normalized(await vendorCall(shopContext(ctx), path, { headers: { 'x-shopify-access-token': value }, secrets: [value], retry: READ_RETRY, ...req }));
}

function kindOf(value: string): string {
  if (value.startsWith('shpca_')) return 'custom app access token';
  if (value.startsWith('shppa_')) return 'private app password';
  return 'Admin API access token';
}

function grantOf(handle: string): Grant {
  const write = /^(write_|unauthenticated_write_)/.test(handle);
  return { scope: handle, risk: write ? 'write' : 'read' };
}

const shopify: Integration = {
  id: 'shopify',
  title: 'Shopify Admin API',
  config: [
    { key: 'shop', required: true, description: 'The shop the token belongs to: <name>.myshopify.com' },
    { key: 'api_version', description: `Admin API version for shop.json (default ${API_VERSION})` },
  ],

  async verify({ value }, ctx) {
    try {
      const reply = await call(ctx, `/admin/api/${version(ctx)}/shop.json`, value);
      if (reply.status === 402 || reply.status === 423) {
        const said = vendorMessage(reply, [value]);
        return {
          status: 'unknown',
          reason: `${VENDOR} says the shop is ${reply.status === 402 ? 'frozen (unpaid)' : 'locked'} (HTTP ${reply.status}${said ? `: ${said}` : ''})`,
        };
      }
      const refused = refusalOf(VENDOR, reply, [value]);
      if (refused) return refused;
      const shop = reply.json?.shop;
      if (typeof shop?.myshopify_domain !== 'string') return { status: 'unknown', reason: `${VENDOR} answered without a shop` };
      return {
        status: 'live',
        reason: `${VENDOR} accepted it just now`,
        identity: { account: shop.myshopify_domain, principal: `an app installed on ${shop.name ?? shop.myshopify_domain}`, kind: kindOf(value) },
      };
    } catch (err) {
      return unreachable(VENDOR, err);
    }
  },

  async analyze({ value }, ctx) {
    const reply = await call(ctx, '/admin/oauth/access_scopes.json', value);
    const scopes = reply.json?.access_scopes;
    if (reply.status !== 200 || reply.malformed || !Array.isArray(scopes))
      throw vendorFailure(VENDOR, 'read access scopes', { ...reply, malformed: reply.malformed || reply.status === 200 }, [value]);
    const grants = scopes
      .map((s: any) => s?.handle)
      .filter((h: unknown): h is string => typeof h === 'string')
      .map(grantOf);
    return { grants, complete: true, note: `Scopes granted to this token on ${new URL(shopContext(ctx).api).host}.` };
  },

  revoke: {
    needsAdmin: false,
    warning:
      "Shopify can only kill an app's token through the API by uninstalling the app from the shop: its webhooks, script tags and admin links are deleted, and the merchant must install it again to get a new token. This cannot be undone.",
    async run({ value }, ctx) {
      // Not retried: a second DELETE after a lost answer would read as 401 ('already'), which is true.
      const reply = await call(ctx, '/admin/api_permissions/current.json', value, { method: 'DELETE', retry: undefined });
      if (reply.status === 200 || reply.status === 204) return 'revoked';
      if (reply.status === 401) return 'already';
      throw vendorFailure(VENDOR, 'uninstall the app (api_permissions/current)', reply, [value]);
    },
  },

  manual: {
    rotate: {
      url: 'https://admin.shopify.com/settings/apps/development',
      instructions:
        'For an app made in the Shopify admin: open it under Settings > Apps and sales channels > Develop apps, API credentials, and rotate or reveal a new Admin API access token where offered (otherwise uninstall and install the app again); store the new token with `credctl store put`. For an app from the Dev Dashboard, rotate its client secret there and have the app request a new token.',
    },
  },
};

export default shopify;
