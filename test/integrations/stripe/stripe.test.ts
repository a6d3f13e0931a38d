import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredctlError } from '../../../src/core/errors.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { contextFor } from '../context.js';
import { startStripe, type StripeStandIn } from './standin.js';

const SECRET = 'sk_live_51FAKE0000000000EXAMPLEsecretKEY01';
const RESTRICTED = 'rk_live_51FAKE0000000000EXAMPLErestrictd02';
const EXPIRED = 'rk_test_51FAKE0000000000EXAMPLEexpiredK03';
const ROLLED = 'sk_test_51FAKE0000000000EXAMPLErolledKEY04';
const UNKNOWN = 'sk_live_51FAKE0000000000EXAMPLEunknownK05';
const ALL = [SECRET, RESTRICTED, EXPIRED, ROLLED, UNKNOWN];

const stripe = integrationNamed('stripe')!;
let api: StripeStandIn;
const ctx = () => contextFor('stripe', api.url);
const shown: unknown[] = [];

beforeAll(async () => {
  api = await startStripe({
    [SECRET]: { account: 'acct_1FAKE00000000', displayName: 'Fake Shop' },
    [RESTRICTED]: { account: 'acct_1FAKE00000000', permissions: ['rak_balance_read', 'rak_customer_read'] },
    [EXPIRED]: { account: 'acct_1FAKE00000000', expired: true },
    [ROLLED]: { account: 'acct_1FAKE00000000', displayName: 'Fake Shop' },
  });
});
afterAll(() => api.close());

describe('stripe verify against the v1 API stand-in', () => {
  it('a secret key names its account, sent as a bearer token', async () => {
    const v = await stripe.verify!({ value: SECRET }, ctx());
    shown.push(v);
    expect(v).toMatchObject({ status: 'live', identity: { account: 'acct_1FAKE00000000', principal: 'Fake Shop', kind: 'secret key (live mode)' } });
    expect(api.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/account' });
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it('a restricted key that may not read the account is live, with the account and permission Stripe names', async () => {
    const v = await stripe.verify!({ value: RESTRICTED }, ctx());
    shown.push(v);
    expect(v.status).toBe('live');
    expect(v.identity).toMatchObject({ account: 'acct_1FAKE00000000', kind: 'restricted key (live mode)' });
    expect(v.reason).toContain('rak_accounts_kyc_basic_read');
  });

  it('an unknown key and an expired key are dead', async () => {
    const unknown = await stripe.verify!({ value: UNKNOWN }, ctx());
    const expired = await stripe.verify!({ value: EXPIRED }, ctx());
    shown.push(unknown, expired);
    expect(unknown.status).toBe('dead');
    expect(unknown.reason).toContain('401');
    expect(expired).toMatchObject({ status: 'dead' });
    expect(expired.reason).toContain('api_key_expired');
  });

  it('a key rolled with expiration "now" in the dashboard turns dead', async () => {
    expect((await stripe.verify!({ value: ROLLED }, ctx())).status).toBe('live');
    api.roll(ROLLED);
    const after = await stripe.verify!({ value: ROLLED }, ctx());
    shown.push(after);
    expect(after.status).toBe('dead');
  });

  it('429, 5xx and a malformed body say nothing about liveness', async () => {
    api.misbehave({ kind: 'status', status: 429 }, { count: 2 });
    const limited = await stripe.verify!({ value: SECRET }, ctx());
    api.misbehave({ kind: 'status', status: 503 }, { count: 2 });
    const broken = await stripe.verify!({ value: SECRET }, ctx());
    api.misbehave({ kind: 'malformed' });
    const garbled = await stripe.verify!({ value: SECRET }, ctx());
    shown.push(limited, broken, garbled);
    expect([limited.status, broken.status, garbled.status]).toEqual(['unknown', 'unknown', 'unknown']);
    expect(limited.reason).toContain('429');
  });
});

describe('stripe analyze', () => {
  it('a secret key can do everything: one admin grant, complete', async () => {
    const a = await stripe.analyze!({ value: SECRET }, ctx());
    shown.push(a);
    expect(a).toMatchObject({ complete: true, grants: [{ scope: 'secret_key', risk: 'admin' }] });
  });

  it('a restricted key: the harmless reads it passed, the ones refused with the permission named, never complete', async () => {
    const a = await stripe.analyze!({ value: RESTRICTED }, ctx());
    shown.push(a);
    expect(a.grants.map((g) => g.scope)).toEqual(['balance:read', 'customers:read']);
    expect(a.grants.every((g) => g.risk === 'read')).toBe(true);
    expect(a.complete).toBe(false);
    expect(a.note).toContain('charges:read (rak_charge_read)');
    expect(a.note).toContain('write permissions were not probed');
    expect(api.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('a probe that gets no answer is reported as such, not as refused', async () => {
    api.misbehave({ kind: 'status', status: 500 }, { count: 2, path: '/v1/products' });
    const a = await stripe.analyze!({ value: RESTRICTED }, ctx());
    shown.push(a);
    expect(a.note).toContain('products:read (HTTP 500)');
  });

  it("a dead key cannot be analyzed: exit 5 with Stripe's words, no value", async () => {
    const err = await stripe.analyze!({ value: EXPIRED }, ctx()).catch((e: unknown) => e);
    shown.push((err as Error).message);
    expect(err).toBeInstanceOf(CredctlError);
    expect((err as CredctlError).exitCode).toBe(5);
    expect((err as Error).message).toContain('HTTP 401');
  });
});

describe('stripe lifecycle is manual, and no value is ever shown', () => {
  it('rotate and revoke are dashboard steps (the v2 key API is a private preview)', () => {
    expect(stripe.rotate).toBeUndefined();
    expect(stripe.revoke).toBeUndefined();
    expect(stripe.manual?.rotate?.url).toBe('https://dashboard.stripe.com/apikeys');
    expect(stripe.manual?.rotate?.instructions).toContain('Roll key');
    expect(stripe.manual?.revoke?.instructions).toContain('"Now"');
  });

  it('no key value, nor its masked echo from Stripe, appears in anything returned', () => {
    const text = JSON.stringify(shown);
    expect(shown.length).toBeGreaterThan(10);
    for (const key of ALL) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(key.slice(-4));
    }
  });
});
