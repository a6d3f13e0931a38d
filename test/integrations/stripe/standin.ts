/**
 * Stripe v1 API stand-in (see src/integrations/stripe/API.md): bearer or Basic auth with the key,
 * GET /v1/account and the list reads analyze probes, Stripe's error body
 * `{ error: { type, code?, message } }`: 401 invalid or expired key, 403 a restricted key lacking
 * a permission (naming the `rak_` permission and the account, quoting the key masked the way
 * Stripe does), 429 `rate_limit`. Keys are revoked here the way the dashboard does (rolled "now").
 */
import { basicOf, bearerOf, startStandIn, type StandIn, type StandInAnswer, type StandInRequest } from '../standin.js';

export interface StripeKey {
  account: string;
  /** settings.dashboard.display_name (null when absent). */
  displayName?: string;
  /** business_profile.name; the display name when not given. */
  businessName?: string;
  /** For restricted keys: the `rak_` permissions it holds (e.g. rak_balance_read). */
  permissions?: string[];
  expired?: boolean;
}

/** The permission Stripe names in a 403 for each path the stand-in serves. */
const PERMISSION_OF: Record<string, string> = {
  '/v1/account': 'rak_accounts_kyc_basic_read',
  '/v1/balance': 'rak_balance_read',
  '/v1/customers': 'rak_customer_read',
  '/v1/charges': 'rak_charge_read',
  '/v1/payment_intents': 'rak_payment_intent_read',
  '/v1/products': 'rak_product_read',
  '/v1/webhook_endpoints': 'rak_webhook_read',
};

const masked = (key: string) => `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`;

function keyOf(req: StandInRequest): string | undefined {
  return bearerOf(req) ?? basicOf(req)?.user;
}

export interface StripeStandIn extends StandIn {
  /** Roll a key with expiration "now", as the dashboard does. */
  roll(key: string): void;
  /**
   * The next request (to `path`, when given) gets this answer as it is, whatever its key: the
   * answers keys alone do not produce (a proxy's empty 401, an account object without an id).
   */
  answerNext(answer: StandInAnswer, path?: string): void;
}

export async function startStripe(keys: Record<string, StripeKey>): Promise<StripeStandIn> {
  const live = new Map(Object.entries(keys));
  const scripted: { answer: StandInAnswer; path?: string }[] = [];
  const error = (status: number, type: string, message: string, code?: string) => ({
    status,
    headers: { 'request-id': 'req_FAKE0000000000' },
    body: { error: { type, ...(code ? { code } : {}), message } },
  });
  const standIn = await startStandIn({
    errorBody: (status, message) =>
      status === 429
        ? {
            error: {
              type: 'invalid_request_error',
              code: 'rate_limit',
              message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
            },
          }
        : { error: { type: status >= 500 ? 'api_error' : 'invalid_request_error', message } },
    rateLimitHeaders: { 'stripe-should-retry': 'true' },
    handle(req) {
      const next = scripted.findIndex((s) => !s.path || s.path === req.path);
      if (next >= 0) return scripted.splice(next, 1)[0]!.answer;
      const key = keyOf(req);
      if (!key)
        return error(
          401,
          'invalid_request_error',
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        );
      const found = live.get(key);
      if (!found) return error(401, 'invalid_request_error', `Invalid API Key provided: ${masked(key)}`);
      if (found.expired) return error(401, 'invalid_request_error', `Expired API Key provided: ${masked(key)}`, 'api_key_expired');
      if (req.method !== 'GET') return error(405, 'invalid_request_error', 'Only GET is served by this stand-in');
      const permission = PERMISSION_OF[req.path];
      if (!permission) return error(404, 'invalid_request_error', `Unrecognized request URL (GET: ${req.path}).`);
      if (key.startsWith('rk_') && !found.permissions?.includes(permission)) {
        return error(
          403,
          'invalid_request_error',
          `The provided key '${masked(key)}' does not have the required permissions for this endpoint on account '${found.account}'. Having the '${permission}' permission would allow this request to continue.`,
        );
      }
      const livemode = /_live_/.test(key);
      if (req.path === '/v1/account') {
        return {
          status: 200,
          body: {
            id: found.account,
            object: 'account',
            business_profile: { name: found.businessName ?? found.displayName ?? null },
            settings: { dashboard: { display_name: found.displayName ?? null } },
            email: 'owner@example.com',
            charges_enabled: true,
          },
        };
      }
      if (req.path === '/v1/balance') return { status: 200, body: { object: 'balance', available: [{ amount: 0, currency: 'usd' }], pending: [], livemode } };
      return {
        status: 200,
        body: { object: 'list', url: req.path, has_more: false, data: [{ id: 'cus_FAKE000000', object: 'customer', email: 'customer@example.com' }] },
      };
    },
  });
  return {
    ...standIn,
    roll: (key: string) => void live.delete(key),
    answerNext: (answer: StandInAnswer, path?: string) => void scripted.push({ answer, path }),
  };
}
