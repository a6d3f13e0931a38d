/**
 * How the Stripe integration reads each kind of answer Stripe gives: the account and name verify
 * reports, why a key is dead, what a restricted key's probes found, and answers that are not the
 * usual ones (an empty 401 from a proxy, an account object without an id, a 403 that names no
 * permission). Every test checks its own results for the key, its last characters and Stripe's
 * masked echo of it. The module is imported directly, not through the registry, so these tests
 * also judge the fields the registry and the CLI read (id, address, dashboard links).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredctlError } from '../../../src/core/errors.js';
import { integrationContext } from '../../../src/integrations/context.js';
import stripe, { keyKind } from '../../../src/integrations/stripe/index.js';
import { startStripe, type StripeStandIn } from './standin.js';

const ACCOUNT = 'acct_1FAKEANSWERS01';
const NAMED = 'sk_live_51FAKE0000000000EXAMPLEanswersK11';
const BUSINESS_ONLY = 'sk_test_51FAKE0000000000EXAMPLEbusinesK12';
const NAMELESS = 'sk_test_51FAKE0000000000EXAMPLEnamelesK13';
const READS_ALL = 'rk_live_51FAKE0000000000EXAMPLEreadallK14';
const READS_SOME = 'rk_test_51FAKE0000000000EXAMPLEreadsomK15';
const EXPIRED = 'rk_test_51FAKE0000000000EXAMPLEexpiredK16';
const UNKNOWN = 'sk_live_51FAKE0000000000EXAMPLEnotseenK17';
/** Not of a documented form: holds "rk_live_" but does not start with it, short enough to pass any length cut. */
const ODD = 'FAKE_rk_live_0123456789';
const KEYS = [NAMED, BUSINESS_ONLY, NAMELESS, READS_ALL, READS_SOME, EXPIRED, UNKNOWN, ODD];

const ALL_READS = ['rak_balance_read', 'rak_customer_read', 'rak_charge_read', 'rak_payment_intent_read', 'rak_product_read', 'rak_webhook_read'];
const PROBED = [
  ['balance:read', '/v1/balance'],
  ['customers:read', '/v1/customers'],
  ['charges:read', '/v1/charges'],
  ['payment_intents:read', '/v1/payment_intents'],
  ['products:read', '/v1/products'],
  ['webhook_endpoints:read', '/v1/webhook_endpoints'],
] as const;

let api: StripeStandIn;
const ctx = () => integrationContext({ integration: stripe, provider: 'stripe', api: api.url });

/** Neither a key, nor its last four characters, nor the stars of Stripe's masked echo. */
function expectNoKeyIn(result: unknown): void {
  const text = typeof result === 'string' ? result : JSON.stringify(result);
  for (const key of KEYS) {
    expect(text).not.toContain(key);
    expect(text).not.toContain(key.slice(-4));
  }
  expect(text).not.toContain('**');
}

beforeAll(async () => {
  api = await startStripe({
    [NAMED]: { account: ACCOUNT, displayName: 'Fake Dashboard Name', businessName: 'Fake Business Ltd' },
    [BUSINESS_ONLY]: { account: ACCOUNT, businessName: 'Fake Business Ltd' },
    [NAMELESS]: { account: ACCOUNT },
    [READS_ALL]: { account: ACCOUNT, permissions: ALL_READS },
    [READS_SOME]: { account: ACCOUNT, permissions: ['rak_balance_read', 'rak_product_read'] },
    [EXPIRED]: { account: ACCOUNT, expired: true },
    [ODD]: { account: ACCOUNT },
  });
});
afterAll(() => api.close());

describe('what stripe verify names', () => {
  it('the account and its dashboard display name, before the business name', async () => {
    const v = await stripe.verify!({ value: NAMED }, ctx());
    expectNoKeyIn(v);
    expect(v.status).toBe('live');
    expect(v.reason).toContain('Stripe accepted it');
    expect(v.identity).toEqual({ account: ACCOUNT, kind: 'secret key (live mode)', principal: 'Fake Dashboard Name' });
  });

  it('the business name when the dashboard has no display name, and no name when there is none', async () => {
    const business = await stripe.verify!({ value: BUSINESS_ONLY }, ctx());
    const nameless = await stripe.verify!({ value: NAMELESS }, ctx());
    expectNoKeyIn([business, nameless]);
    expect(business.identity).toEqual({ account: ACCOUNT, kind: 'secret key (test mode)', principal: 'Fake Business Ltd' });
    expect(nameless).toMatchObject({ status: 'live' });
    expect(nameless.identity).toEqual({ account: ACCOUNT, kind: 'secret key (test mode)' });
  });

  it('an account object without settings or business profile (nullable in the API), or with a name that is not text, still names the account', async () => {
    api.answerNext({ status: 200, body: { id: ACCOUNT, object: 'account', settings: null, business_profile: null } });
    const bare = await stripe.verify!({ value: NAMELESS }, ctx());
    api.answerNext({ status: 200, body: { id: ACCOUNT, object: 'account', settings: { dashboard: null }, business_profile: { name: 'Fake Business Ltd' } } });
    const noDashboard = await stripe.verify!({ value: NAMELESS }, ctx());
    expect(bare).toEqual({
      status: 'live',
      reason: expect.stringContaining('Stripe accepted it'),
      identity: { account: ACCOUNT, kind: 'secret key (test mode)' },
    });
    expect(noDashboard.identity).toEqual({ account: ACCOUNT, kind: 'secret key (test mode)', principal: 'Fake Business Ltd' });
    // A name that is not a string is not shown as one.
    api.answerNext({ status: 200, body: { id: ACCOUNT, object: 'account', settings: { dashboard: { display_name: { text: 'Fake' } } } } });
    const odd = await stripe.verify!({ value: NAMELESS }, ctx());
    expect(odd.identity).toEqual({ account: ACCOUNT, kind: 'secret key (test mode)' });
  });

  it('a 200 that names no account (no id, an id that is not acct_, an empty body) is unknown, and says so', async () => {
    const bodies: unknown[] = [{ object: 'account' }, { id: 'cus_FAKE000000', object: 'customer' }, { id: 12345 }, undefined];
    for (const body of bodies) {
      api.answerNext({ status: 200, body });
      const v = await stripe.verify!({ value: NAMELESS }, ctx());
      expect(v.status, JSON.stringify(body)).toBe('unknown');
      expect(v.reason, JSON.stringify(body)).toContain('without an account id');
    }
  });

  it('a body that is not JSON is unknown because of the body, not a failed call', async () => {
    api.misbehave({ kind: 'malformed' });
    const v = await stripe.verify!({ value: NAMED }, ctx());
    expect(v.status).toBe('unknown');
    expect(v.reason).toContain('not JSON');
  });

  it("an unknown key is dead with Stripe's words, the masked key replaced by 'the key', never read as expired", async () => {
    const v = await stripe.verify!({ value: UNKNOWN }, ctx());
    expectNoKeyIn(v);
    expect(v.status).toBe('dead');
    expect(v.reason).toMatch(/^Stripe refuses it \(HTTP 401/);
    expect(v.reason).toContain('Invalid API Key provided: the key');
    expect(v.reason).not.toContain('expired');
    expect(v.identity).toEqual({ kind: 'secret key (live mode)' });
  });

  it('an expired key is dead because it expired, with its kind', async () => {
    const v = await stripe.verify!({ value: EXPIRED }, ctx());
    expectNoKeyIn(v);
    expect(v).toEqual({
      status: 'dead',
      reason: expect.stringContaining('expired (HTTP 401 api_key_expired)'),
      identity: { kind: 'restricted key (test mode)' },
    });
    expect(v.reason).toContain('Stripe');
  });

  it('a 401 whatever its body (empty from a proxy, JSON without an error) is dead', async () => {
    for (const body of [undefined, {}, { message: 'Unauthorized' }]) {
      api.answerNext({ status: 401, body });
      const v = await stripe.verify!({ value: NAMED }, ctx());
      expect(v.status, JSON.stringify(body)).toBe('dead');
      expect(v.reason).toContain('HTTP 401');
    }
  });

  it('a 403 is live whatever its body; the account and permission only when Stripe names them', async () => {
    api.answerNext({
      status: 403,
      body: { error: { type: 'invalid_request_error', message: 'The provided key does not have the required permissions for this endpoint.' } },
    });
    const unnamed = await stripe.verify!({ value: READS_SOME }, ctx());
    expect(unnamed).toEqual({
      status: 'live',
      reason: 'Stripe accepted it just now; it may not read the account',
      identity: { kind: 'restricted key (test mode)' },
    });
    for (const body of [undefined, { message: 'Forbidden' }]) {
      api.answerNext({ status: 403, body });
      const v = await stripe.verify!({ value: READS_SOME }, ctx());
      expect(v, JSON.stringify(body)).toEqual({
        status: 'live',
        reason: expect.stringContaining('may not read the account'),
        identity: { kind: 'restricted key (test mode)' },
      });
    }
    const named = await stripe.verify!({ value: READS_SOME }, ctx());
    expectNoKeyIn(named);
    expect(named.identity).toEqual({ account: ACCOUNT, kind: 'restricted key (test mode)' });
    expect(named.reason).toContain('(lacks rak_accounts_kyc_basic_read)');
  });

  it('a value Stripe quotes whole (not in its masked form) is still never shown', async () => {
    api.answerNext({ status: 401, body: { error: { type: 'invalid_request_error', message: `Invalid API Key provided: ${ODD}` } } });
    const v = await stripe.verify!({ value: ODD }, ctx());
    expect(v.status).toBe('dead');
    expect(v.reason).toContain('Invalid API Key provided');
    // Masked the project's way (redact.ts: a prefix and the last four at most), never whole.
    expect(JSON.stringify(v)).not.toContain(ODD);
  });

  it('only a 401 is read as expiry: a 403 carrying that code is still the 403 it is (live)', async () => {
    api.answerNext({ status: 403, body: { error: { type: 'invalid_request_error', code: 'api_key_expired', message: 'Expired.' } } });
    const v = await stripe.verify!({ value: READS_SOME }, ctx());
    expect(v.status).toBe('live');
    expect(v.reason).not.toContain('expired');
  });

  it('a key echoed into the address of a redirect loop is not shown in the reason', async () => {
    const before = api.requests.length;
    for (let i = 0; i < 4; i++) api.answerNext({ status: 302, headers: { location: `/v1/account?echo=${NAMED}` } }, '/v1/account');
    const v = await stripe.verify!({ value: NAMED }, ctx());
    expect(api.requests.length - before).toBe(4);
    expect(v.status).toBe('unknown');
    expect(v.reason).toContain('redirects');
    expect(v.reason).not.toContain(NAMED);
  });

  it('the kind comes from the documented prefixes at the start of the value only', () => {
    expect(keyKind(NAMED)).toEqual({ type: 'secret', kind: 'secret key (live mode)' });
    expect(keyKind(READS_SOME)).toEqual({ type: 'restricted', kind: 'restricted key (test mode)' });
    expect(keyKind(ODD)).toEqual({ type: 'unknown', kind: 'API key' });
    expect(keyKind('pk_live_51FAKE0000000000EXAMPLE')).toEqual({ type: 'unknown', kind: 'API key' });
  });
});

describe('what stripe analyze says a key can reach', () => {
  it('a secret key: everything, payouts and refunds included', async () => {
    const a = await stripe.analyze!({ value: NAMED }, ctx());
    expect(a.grants).toHaveLength(1);
    expect(a.grants[0]!.description).toMatch(/every API operation.*payouts/);
  });

  it('a restricted key that may read everything probed: each read a grant, each one GET of one item at its documented path', async () => {
    const before = api.requests.length;
    const a = await stripe.analyze!({ value: READS_ALL }, ctx());
    expectNoKeyIn(a);
    expect(a.grants.map((g) => [g.scope, g.risk])).toEqual(PROBED.map(([scope]) => [scope, 'read']));
    const words = ['balance', 'customers', 'charges', 'payment intents', 'products', 'webhook endpoints'];
    a.grants.forEach((g, i) => expect(g.description).toMatch(new RegExp(`^Read .*${words[i]}`)));
    const sent = api.requests.slice(before);
    expect(sent.map((r) => [r.method, r.path, r.query.get('limit')])).toEqual(PROBED.map(([, path]) => ['GET', path, '1']));
    expect(a.complete).toBe(false);
    expect(a.note).toMatch(/^A restricted key: .*write permissions were not probed\. See the key in the dashboard for its full permission list\.$/);
    expect(a.note).not.toMatch(/Refused|No answer/);
  });

  it('a restricted key refused some reads: every refusal listed with the permission Stripe names', async () => {
    const a = await stripe.analyze!({ value: READS_SOME }, ctx());
    expectNoKeyIn(a);
    expect(a.grants.map((g) => g.scope)).toEqual(['balance:read', 'products:read']);
    expect(a.note).toContain(
      ' were not probed. Refused: customers:read (rak_customer_read), charges:read (rak_charge_read), payment_intents:read (rak_payment_intent_read), webhook_endpoints:read (rak_webhook_read). See the key in the dashboard',
    );
  });

  it('a refusal that names no permission, a 300 and a body that is not JSON: none is a grant, each reported for what it was', async () => {
    api.answerNext({ status: 403, body: { error: { type: 'invalid_request_error', message: 'Forbidden.' } } }, '/v1/customers');
    api.answerNext({ status: 300, body: { error: { type: 'invalid_request_error', message: 'Multiple choices' } } }, '/v1/charges');
    api.answerNext({ status: 200, raw: '{"object": "list", "data": [' }, '/v1/products');
    const a = await stripe.analyze!({ value: READS_ALL }, ctx());
    expect(a.grants.map((g) => g.scope)).toEqual(['balance:read', 'payment_intents:read', 'webhook_endpoints:read']);
    expect(a.note).toContain(' Refused: customers:read. No answer: charges:read (HTTP 300), products:read (HTTP 200, malformed body). See the key');
  });

  it('a key of no documented form is probed too, without calling it restricted', async () => {
    const a = await stripe.analyze!({ value: ODD }, ctx());
    expectNoKeyIn(a);
    expect(a.grants).toHaveLength(PROBED.length);
    expect(a.note).toMatch(/^This key: /);
  });

  it('a dead key: exit 5 naming Stripe and the read refused, even when Stripe quotes the value whole', async () => {
    const expired = await stripe.analyze!({ value: EXPIRED }, ctx()).catch((e: unknown) => e);
    expect(expired).toBeInstanceOf(CredctlError);
    expect((expired as CredctlError).exitCode).toBe(5);
    expect((expired as Error).message).toMatch(/^Stripe GET \/v1\/balance: HTTP 401/);
    expectNoKeyIn((expired as Error).message);
    api.answerNext({ status: 401, body: { error: { type: 'invalid_request_error', message: `Invalid API Key provided: ${ODD}` } } });
    const quoted = await stripe.analyze!({ value: ODD }, ctx()).catch((e: unknown) => e);
    expect((quoted as Error).message).toContain('Invalid API Key provided');
    expect((quoted as Error).message).not.toContain(ODD);
  });
});

describe('what the registry and the CLI read from the module', () => {
  it("is found as 'stripe', talks to api.stripe.com by default, and sends the user to the API keys page", () => {
    expect(stripe.id).toBe('stripe');
    expect(stripe.title).toContain('Stripe');
    expect(integrationContext({ integration: stripe, provider: 'stripe' }).api).toBe('https://api.stripe.com');
    expect(stripe.manual?.rotate?.url).toBe('https://dashboard.stripe.com/apikeys');
    expect(stripe.manual?.revoke?.url).toBe('https://dashboard.stripe.com/apikeys');
  });
});
