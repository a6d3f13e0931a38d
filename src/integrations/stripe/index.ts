import { READ_RETRY, refusalOf, unreachable, vendorCall, vendorFailure, type VendorReply } from '../kit.js';
import type { Analysis, Grant, Identity, Integration, IntegrationContext, Verification } from '../types.js';

/**
 * Stripe secret (sk_) and restricted (rk_) keys, through the v1 REST API (API.md in this folder
 * names the document).
 *   verify   GET /v1/account with the key as a bearer token: the account it belongs to. 401 is a
 *            bad, deleted or expired key (dead); 403 is a restricted key that lacks the permission
 *            to read the account, which Stripe only answers for a key it accepted (live).
 *   analyze  a secret key can do everything on its account. A restricted key's permissions are
 *            not published by the API, so a few harmless list reads are tried and reported one by
 *            one (complete: false: writes are never probed).
 *   rotate / revoke  manual. The v1 API has no key management; the v2 `/v2/iam/api_keys` rotate
 *            (`expire_current_key_in_minutes`) is a private preview served only under a preview
 *            API version, so it is not used until Stripe documents it publicly.
 */
const VENDOR = 'Stripe';

/** The reads analyze tries on a restricted key: harmless GETs, one page of one item. */
const PROBES: readonly { scope: string; path: string; description: string }[] = [
  { scope: 'balance:read', path: '/v1/balance', description: 'Read the account balance.' },
  { scope: 'customers:read', path: '/v1/customers', description: 'Read customers (names, emails, addresses).' },
  { scope: 'charges:read', path: '/v1/charges', description: 'Read charges and their card details.' },
  { scope: 'payment_intents:read', path: '/v1/payment_intents', description: 'Read payment intents.' },
  { scope: 'products:read', path: '/v1/products', description: 'Read products.' },
  { scope: 'webhook_endpoints:read', path: '/v1/webhook_endpoints', description: 'Read webhook endpoints (their URLs).' },
];

/** "secret key (live)", "restricted key (test)", from the documented prefixes. */
export function keyKind(value: string): { type: 'secret' | 'restricted' | 'unknown'; kind: string } {
  const m = /^(sk|rk)_(live|test)_/.exec(value);
  if (!m) return { type: 'unknown', kind: 'API key' };
  const type = m[1] === 'sk' ? 'secret' : 'restricted';
  return { type, kind: `${type} key (${m[2]} mode)` };
}

/**
 * Stripe's error messages quote the key in its masked form ('rk_live_****abcd'); that is
 * replaced by "the key" before any of it is shown, so not even the last characters travel.
 */
function withoutKeyEcho(reply: VendorReply): VendorReply {
  const message = reply.json?.error?.message;
  if (typeof message !== 'string') return reply;
  const clean = message.replace(/'?\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9*]*'?/g, 'the key');
  return { ...reply, json: { ...reply.json, error: { ...reply.json.error, message: clean } } };
}

/** The permission a 403 names ("Having the 'rak_balance_read' permission would allow..."). */
function missingPermission(reply: VendorReply): string | undefined {
  // Stryker disable next-line StringLiteral: the fallback text only has to name no permission, and neither '' nor any placeholder does
  const m = /'(rak_[a-z0-9_]+)'/.exec(String(reply.json?.error?.message ?? ''));
  return m?.[1];
}

/** The account a 403 names ("...for this endpoint on account 'acct_1AbC'."). */
function accountInMessage(reply: VendorReply): string | undefined {
  // Stryker disable next-line StringLiteral: the fallback text only has to name no account, and neither '' nor any placeholder does
  return /\b(acct_[A-Za-z0-9]+)\b/.exec(String(reply.json?.error?.message ?? ''))?.[1];
}

async function read(ctx: IntegrationContext, key: string, path: string, query?: Record<string, string>): Promise<VendorReply> {
  const reply = await vendorCall(ctx, path, { headers: { authorization: `Bearer ${key}` }, query, secrets: [key], retry: READ_RETRY });
  return withoutKeyEcho(reply);
}

async function verify({ value }: { value: string }, ctx: IntegrationContext): Promise<Verification> {
  const { kind } = keyKind(value);
  try {
    const reply = await read(ctx, value, '/v1/account');
    const refused = refusalOf(VENDOR, reply, [value]);
    if (refused) {
      if (reply.status === 401 && reply.json?.error?.code === 'api_key_expired')
        return { status: 'dead', reason: 'Stripe refuses it: the key has expired (HTTP 401 api_key_expired)', identity: { kind } };
      if (reply.status === 403) {
        const account = accountInMessage(reply);
        const permission = missingPermission(reply);
        return {
          status: 'live',
          reason: `Stripe accepted it just now; it may not read the account${permission ? ` (lacks ${permission})` : ''}`,
          identity: { kind, ...(account ? { account } : {}) },
        };
      }
      return { ...refused, identity: { kind } };
    }
    const account = reply.json;
    if (typeof account?.id !== 'string' || !account.id.startsWith('acct_'))
      return { status: 'unknown', reason: 'Stripe answered GET /v1/account without an account id' };
    const name = account.settings?.dashboard?.display_name ?? account.business_profile?.name;
    const identity: Identity = { account: account.id, kind, ...(typeof name === 'string' && name ? { principal: name } : {}) };
    return { status: 'live', reason: 'Stripe accepted it just now', identity };
  } catch (err) {
    return unreachable(VENDOR, err);
  }
}

async function analyze({ value }: { value: string }, ctx: IntegrationContext): Promise<Analysis> {
  const { type } = keyKind(value);
  if (type === 'secret') {
    return {
      grants: [
        { scope: 'secret_key', risk: 'admin', description: 'A secret key: every API operation on the account, including payouts, refunds and API settings.' },
      ],
      complete: true,
    };
  }
  const grants: Grant[] = [];
  const denied: string[] = [];
  const unanswered: string[] = [];
  for (const probe of PROBES) {
    const reply = await read(ctx, value, probe.path, { limit: '1' });
    if (reply.status >= 200 && reply.status < 300 && !reply.malformed) grants.push({ scope: probe.scope, risk: 'read', description: probe.description });
    else if (reply.status === 403) denied.push(`${probe.scope}${missingPermission(reply) ? ` (${missingPermission(reply)})` : ''}`);
    else if (reply.status === 401) throw vendorFailure(VENDOR, `GET ${probe.path}`, reply, [value]);
    else unanswered.push(`${probe.scope} (HTTP ${reply.status}${reply.malformed ? ', malformed body' : ''})`);
  }
  const parts = [
    `${type === 'restricted' ? 'A restricted key' : 'This key'}: Stripe does not publish its permissions through the API, so only these harmless reads were tried; write permissions were not probed.`,
    denied.length ? `Refused: ${denied.join(', ')}.` : '',
    unanswered.length ? `No answer: ${unanswered.join(', ')}.` : '',
    'See the key in the dashboard for its full permission list.',
  ];
  return { grants, complete: false, note: parts.filter(Boolean).join(' ') };
}

const stripe: Integration = {
  id: 'stripe',
  title: 'Stripe API',
  defaultApi: 'https://api.stripe.com',
  verify,
  analyze,
  manual: {
    rotate: {
      url: 'https://dashboard.stripe.com/apikeys',
      instructions:
        'Open Developers > API keys (test mode keys: https://dashboard.stripe.com/test/apikeys). On the key, choose "Roll key" (called "Rotate key" in newer dashboards), pick when the old key expires (now, or up to 7 days later, which gives the overlap a safe rotation needs), copy the new key (shown once) and store it with `credctl store put`.',
    },
    revoke: {
      url: 'https://dashboard.stripe.com/apikeys',
      instructions:
        'Open Developers > API keys (test mode keys: https://dashboard.stripe.com/test/apikeys). On the key, choose "Roll key" with expiration "Now": the old value stops working at once and a replacement is shown once. A restricted key nothing uses can be deleted from the same menu instead.',
    },
  },
};

export default stripe;
