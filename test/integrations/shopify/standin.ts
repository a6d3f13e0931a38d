/**
 * Shopify Admin API stand-in for one shop (see src/integrations/shopify/API.md): shop.json,
 * access_scopes.json and the app-uninstall call, with X-Shopify-Access-Token enforced, Shopify's
 * `errors` bodies and its call-limit header.
 */
import { startStandIn, type StandIn, type StandInAnswer, type StandInRequest } from '../standin.js';

export interface ShopifyStandIn extends StandIn {
  /** Tokens that still work, with their scopes. */
  tokens: Map<string, string[]>;
  /** The next `count` requests to this method and path get this answer instead of the shop's. */
  answerNext(method: string, path: string | RegExp, answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer), count?: number): void;
}

export async function startShopify(shop: { name: string; domain: string }, tokens: Record<string, string[]>): Promise<ShopifyStandIn> {
  const live = new Map(Object.entries(tokens));
  const callLimit = { 'x-shopify-shop-api-call-limit': '1/40' };
  const scripted: { method: string; path: string | RegExp; answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer); left: number }[] = [];
  const standIn = await startStandIn({
    errorBody: (status, message) => ({
      errors:
        status === 429
          ? 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.'
          : status === 402
            ? 'Unavailable Shop'
            : status === 403
              ? '[API] This action requires merchant approval for read_orders scope.'
              : message,
    }),
    rateLimitHeaders: { 'retry-after': '0', 'x-shopify-shop-api-call-limit': '40/40' },
    handle(req) {
      const i = scripted.findIndex((a) => a.method === req.method && (typeof a.path === 'string' ? req.path === a.path : a.path.test(req.path)));
      if (i >= 0) {
        const a = scripted[i]!;
        if (--a.left <= 0) scripted.splice(i, 1);
        return typeof a.answer === 'function' ? a.answer(req) : a.answer;
      }
      const token = req.headers['x-shopify-access-token'];
      const scopes = typeof token === 'string' ? live.get(token) : undefined;
      if (!scopes) return { status: 401, headers: callLimit, body: { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' } };
      if (req.method === 'GET' && /^\/admin\/api\/\d{4}-\d{2}\/shop\.json$/.test(req.path)) {
        return {
          status: 200,
          headers: callLimit,
          body: {
            shop: {
              id: 548380009,
              name: shop.name,
              email: 'owner@example.com',
              domain: shop.domain,
              myshopify_domain: shop.domain,
              plan_name: 'basic',
              shop_owner: 'Fake Owner',
            },
          },
        };
      }
      if (req.method === 'GET' && req.path === '/admin/oauth/access_scopes.json') {
        return { status: 200, headers: callLimit, body: { access_scopes: scopes.map((handle) => ({ handle })) } };
      }
      if (req.method === 'DELETE' && req.path === '/admin/api_permissions/current.json') {
        // Uninstalling the app kills every token of the installation.
        live.delete(token as string);
        return { status: 200, headers: callLimit, body: {} };
      }
      return { status: 404, headers: callLimit, body: { errors: 'Not Found' } };
    },
  });
  return Object.assign(standIn, {
    tokens: live,
    answerNext(method: string, path: string | RegExp, answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer), count = 1) {
      scripted.push({ method, path, answer, left: count });
    },
  });
}
