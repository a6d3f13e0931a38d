import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CredctlError } from '../../../src/core/errors.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { PlanCredential } from '../../../src/plan/types.js';
import { contextFor } from '../context.js';
import { startTwilio, type TwilioStandIn } from './standin.js';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = '0123456789abcdef0123456789000001';
const MAIN = 'SK00000000000000000000000000000001';
const STANDARD = 'SK00000000000000000000000000000002';
const RESTRICTED = 'SK00000000000000000000000000000003';
/** Key secrets: 32 characters, obviously fake, each with its own tail (the canary check looks for tails). */
const secret = (tag: string) => `FAKE${tag}EXAMPLE`.padEnd(26, '0') + `z${tag.slice(0, 5).toUpperCase()}`.padEnd(6, 'Q');
const SECRET = { main: secret('main'), standard: secret('standard'), restricted: secret('restricted') };
const WRONG = secret('wrong');
const WRONG_TOKEN = '0123456789abcdef0123456789dead09';

const twilio = integrationNamed('twilio')!;
let api: TwilioStandIn;
const shown: unknown[] = [];
const ctx = (opts: { admin?: string; settings?: Record<string, string> } = {}) => contextFor('twilio', api.url, opts);
const asKey = (sid: string, value: string) => ({ value, parts: { 'account-sid': ACCOUNT, 'api-key-sid': sid } });
const asToken = (value: string) => ({ value, parts: { 'account-sid': ACCOUNT } });
const plan = (over: Partial<PlanCredential>): PlanCredential => ({
  id: 'fp_FAKE0001',
  names: ['TWILIO_API_SECRET'],
  provider: 'twilio',
  kind: 'api_key',
  redacted: 'FA…0002',
  storeName: 'twilio/key',
  strategy: 'api',
  guards: [],
  steps: [],
  ...over,
});

beforeEach(async () => {
  api = await startTwilio(
    { sid: ACCOUNT, authToken: AUTH_TOKEN, friendlyName: 'Fake Voice Co', type: 'Full' },
    {
      [MAIN]: { secret: SECRET.main, friendlyName: 'ops main key', type: 'main' },
      [STANDARD]: { secret: SECRET.standard, friendlyName: 'web app', type: 'standard' },
      [RESTRICTED]: { secret: SECRET.restricted, friendlyName: 'sms only', type: 'restricted', allows: [] },
    },
  );
});
afterEach(() => api.close());

describe('twilio declares its parts', () => {
  it('account-sid and api-key-sid, with their env names and SID forms', () => {
    expect(twilio.parts?.map((p) => p.role)).toEqual(['account-sid', 'api-key-sid']);
    expect(twilio.parts?.[0]?.envNames).toContain('TWILIO_ACCOUNT_SID');
    expect(twilio.parts?.[1]?.envNames).toContain('TWILIO_API_KEY');
    expect(twilio.parts?.[0]?.pattern?.test(ACCOUNT)).toBe(true);
    expect(twilio.parts?.[1]?.pattern?.test(STANDARD)).toBe(true);
  });
});

describe('twilio verify: GET /2010-04-01/Accounts/{AC}.json with HTTP Basic', () => {
  it('an auth token is live with the account SID as user; a wrong one is dead (20003)', async () => {
    const live = await twilio.verify!(asToken(AUTH_TOKEN), ctx());
    expect(live).toMatchObject({ status: 'live', identity: { account: ACCOUNT, kind: 'auth token', principal: 'Fake Voice Co' } });
    expect(api.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT}:${AUTH_TOKEN}`).toString('base64')}`);
    const dead = await twilio.verify!(asToken(WRONG_TOKEN), ctx());
    expect(dead.status).toBe('dead');
    expect(dead.reason).toContain('20003');
    shown.push(live, dead);
  });

  it('the account SID can come from credctl.yaml; without it the answer is unknown, not a guess', async () => {
    expect((await twilio.verify!({ value: AUTH_TOKEN }, ctx({ settings: { account: ACCOUNT } }))).status).toBe('live');
    const none = await twilio.verify!({ value: AUTH_TOKEN }, ctx());
    expect(none.status).toBe('unknown');
    expect(api.requests.length).toBe(1);
  });

  it('a Main key reads the account; a Standard key is refused there but live on a resource it may read', async () => {
    const main = await twilio.verify!(asKey(MAIN, SECRET.main), ctx());
    const standard = await twilio.verify!(asKey(STANDARD, SECRET.standard), ctx());
    shown.push(main, standard);
    expect(main).toMatchObject({ status: 'live', identity: { kind: 'Main API key', credentialId: MAIN } });
    expect(standard).toMatchObject({ status: 'live', identity: { kind: 'Standard or Restricted API key', credentialId: STANDARD } });
    expect(api.requests.at(-1)!.path).toBe(`/2010-04-01/Accounts/${ACCOUNT}/IncomingPhoneNumbers.json`);
  });

  it('a key refused everywhere is unknown (a Restricted key looks the same as a wrong secret), never live', async () => {
    const restricted = await twilio.verify!(asKey(RESTRICTED, SECRET.restricted), ctx());
    const wrong = await twilio.verify!(asKey(STANDARD, WRONG), ctx());
    shown.push(restricted, wrong);
    expect(restricted.status).toBe('unknown');
    expect(wrong.status).toBe('unknown');
    expect(wrong.reason).toContain('Restricted');
  });

  it('a key secret without its SK SID is never taken for a dead auth token; credctl.yaml api_key pairs with it', async () => {
    const alone = await twilio.verify!({ value: SECRET.standard, parts: { 'account-sid': ACCOUNT } }, ctx());
    shown.push(alone);
    expect(alone.status).toBe('unknown');
    expect(alone.reason).toContain('SK SID');
    expect(api.requests).toEqual([]);
    const paired = await twilio.verify!({ value: SECRET.standard }, ctx({ settings: { account: ACCOUNT, api_key: STANDARD } }));
    expect(paired).toMatchObject({ status: 'live', identity: { credentialId: STANDARD } });
    // An auth token is never paired with the configured key SID.
    expect((await twilio.verify!({ value: AUTH_TOKEN }, ctx({ settings: { account: ACCOUNT, api_key: STANDARD } }))).identity?.kind).toBe('auth token');
  });

  it('429 (code 20429), 5xx and a malformed body are unknown', async () => {
    api.misbehave({ kind: 'status', status: 429 }, { count: 2 });
    const limited = await twilio.verify!(asToken(AUTH_TOKEN), ctx());
    api.misbehave({ kind: 'status', status: 503 }, { count: 2 });
    const broken = await twilio.verify!(asToken(AUTH_TOKEN), ctx());
    api.misbehave({ kind: 'malformed' });
    const garbled = await twilio.verify!(asToken(AUTH_TOKEN), ctx());
    shown.push(limited, broken, garbled);
    expect([limited.status, broken.status, garbled.status]).toEqual(['unknown', 'unknown', 'unknown']);
    expect(limited.reason).toContain('20429');
  });
});

describe('twilio analyze', () => {
  it('auth token and Main key: everything (admin), with the account type and status', async () => {
    const token = await twilio.analyze!(asToken(AUTH_TOKEN), ctx());
    const main = await twilio.analyze!(asKey(MAIN, SECRET.main), ctx());
    shown.push(token, main);
    expect(token).toMatchObject({ complete: true, grants: [{ scope: 'auth token', risk: 'admin' }] });
    expect(token.note).toBe('Account type Full, status active.');
    expect(main.grants[0]).toMatchObject({ scope: 'main', risk: 'admin' });
  });

  it('a Standard key: standard (write), incomplete, saying why', async () => {
    const a = await twilio.analyze!(asKey(STANDARD, SECRET.standard), ctx());
    shown.push(a);
    expect(a).toMatchObject({ complete: false, grants: [{ scope: 'standard', risk: 'write' }] });
    expect(a.note).toContain('Restricted');
  });

  it('a wrong auth token cannot be analyzed: exit 5', async () => {
    const err = await twilio.analyze!(asToken(WRONG_TOKEN), ctx()).catch((e: unknown) => e);
    expect((err as CredctlError).exitCode).toBe(5);
    shown.push((err as Error).message);
  });
});

describe('twilio revoke: DELETE Keys/{SK}.json with an admin credential', () => {
  it('deletes the key (its secret then stops working); a second revoke is "already"', async () => {
    expect(twilio.revoke!.needsAdmin).toBe(true);
    const c = ctx({ admin: AUTH_TOKEN });
    expect(await twilio.revoke!.run(asKey(STANDARD, SECRET.standard), c)).toBe('revoked');
    expect(api.requests.at(-1)).toMatchObject({ method: 'DELETE', path: `/2010-04-01/Accounts/${ACCOUNT}/Keys/${STANDARD}.json` });
    expect(api.keys.has(STANDARD)).toBe(false);
    expect((await twilio.verify!(asKey(STANDARD, SECRET.standard), ctx())).status).toBe('unknown');
    expect(await twilio.revoke!.run(asKey(STANDARD, SECRET.standard), c)).toBe('already');
  });

  it('a Main key written SK:secret works as admin; a Standard key as admin gets 401 (exit 5) and nothing is deleted', async () => {
    expect(await twilio.revoke!.run(asKey(STANDARD, SECRET.standard), ctx({ admin: `${MAIN}:${SECRET.main}` }))).toBe('revoked');
    const err = await twilio.revoke!.run(asKey(RESTRICTED, SECRET.restricted), ctx({ admin: `${STANDARD}:${SECRET.standard}` })).catch((e: unknown) => e);
    expect((err as CredctlError).exitCode).toBe(5);
    expect(api.keys.has(RESTRICTED)).toBe(true);
    shown.push((err as Error).message);
  });

  it('an auth token is not revoked on its own (refused, exit 6), and nothing is called', async () => {
    const err = await twilio.revoke!.run(asToken(AUTH_TOKEN), ctx({ admin: AUTH_TOKEN })).catch((e: unknown) => e);
    expect((err as CredctlError).exitCode).toBe(6);
    expect(api.requests).toEqual([]);
  });
});

describe('twilio rotate an API key: overlap through the Key resource', () => {
  const settings = { account: ACCOUNT, api_key: STANDARD };

  it('identify, create a new Standard key, both work, delete the old one, which stops working', async () => {
    const p = twilio.rotate!.provider(plan({}), ctx({ admin: AUTH_TOKEN, settings }));
    const oldId = await p.identify({ oldValue: SECRET.standard, binding: SECRET.standard });
    expect(oldId).toBe(STANDARD);
    const made = await p.create({ credential: plan({}), oldId, oldValue: SECRET.standard, idempotencyKey: 'run_FAKE:fp_FAKE0001' });
    expect(made.id).toMatch(/^SK[0-9a-f]{32}$/);
    expect(api.keys.get(made.id!)).toMatchObject({ secret: made.value, type: 'standard' });
    expect(await p.isActive({ value: made.value, id: made.id })).toBe(true);
    expect(await p.isActive({ value: SECRET.standard, id: oldId })).toBe(true);
    expect(await p.revoke({ value: SECRET.standard, id: oldId, mode: 'revoke' })).toBe('revoked');
    expect(await p.isActive({ value: SECRET.standard, id: oldId })).toBe(false);
    expect(await p.revoke({ value: SECRET.standard, id: oldId, mode: 'revoke' })).toBe('already');
  });

  it('a resumed create deletes the key the interrupted attempt made', async () => {
    const p = twilio.rotate!.provider(plan({}), ctx({ admin: AUTH_TOKEN, settings }));
    const first = await p.create({ credential: plan({}), oldId: STANDARD, oldValue: SECRET.standard, idempotencyKey: 'run_FAKE:fp_FAKE0001' });
    const second = await p.create({ credential: plan({}), oldId: STANDARD, oldValue: SECRET.standard, idempotencyKey: 'run_FAKE:fp_FAKE0001' });
    expect(api.keys.has(first.id!)).toBe(false);
    expect(api.keys.has(second.id!)).toBe(true);
  });

  it('a Main key is not rotated into a Standard one (refused); an unknown SID is not identified', async () => {
    const main = twilio.rotate!.provider(plan({}), ctx({ admin: AUTH_TOKEN, settings: { account: ACCOUNT, api_key: MAIN } }));
    const err = await main.identify({ oldValue: SECRET.main, binding: SECRET.main }).catch((e: unknown) => e);
    expect((err as CredctlError).exitCode).toBe(6);
    const gone = twilio.rotate!.provider(plan({}), ctx({ admin: AUTH_TOKEN, settings: { account: ACCOUNT, api_key: 'SK0000000000000000000000000000dead' } }));
    expect(await gone.identify({ oldValue: SECRET.standard, binding: SECRET.standard })).toBeUndefined();
  });

  it('a failed create (5xx) is exit 5 with no secret in the message', async () => {
    const p = twilio.rotate!.provider(plan({}), ctx({ admin: AUTH_TOKEN, settings }));
    api.misbehave({ kind: 'status', status: 500 }, { path: /Keys\.json$/, count: 3 });
    const err = await p.create({ credential: plan({}), oldId: STANDARD, oldValue: SECRET.standard, idempotencyKey: 'run_FAKE:fp_x' }).catch((e: unknown) => e);
    expect((err as CredctlError).exitCode).toBe(5);
    shown.push((err as Error).message);
  });
});

describe('twilio rotate an auth token: secondary, then promote', () => {
  const token = plan({ names: ['TWILIO_AUTH_TOKEN'], kind: 'token' });

  it('both tokens work after create; promoting retires the old one; a resumed run is "already"', async () => {
    const p = twilio.rotate!.provider(token, ctx({ settings: { account: ACCOUNT } }));
    expect(await p.identify({ oldValue: AUTH_TOKEN, binding: AUTH_TOKEN })).toBe(ACCOUNT);
    const made = await p.create({ credential: token, oldId: ACCOUNT, oldValue: AUTH_TOKEN, idempotencyKey: 'run_FAKE:fp_tok' });
    expect(made.value).toMatch(/^[0-9a-f]{32}$/);
    expect(api.requests.some((r) => r.method === 'POST' && r.path === '/v1/AuthTokens/Secondary')).toBe(true);
    expect(await p.isActive({ value: made.value })).toBe(true);
    expect(await p.isActive({ value: AUTH_TOKEN })).toBe(true);
    expect(await p.revoke({ value: AUTH_TOKEN, mode: 'revoke' })).toBe('revoked');
    expect(api.account.authToken).toBe(made.value);
    expect(await p.isActive({ value: AUTH_TOKEN })).toBe(false);
    expect((await twilio.verify!(asToken(made.value), ctx())).status).toBe('live');
    expect(await p.revoke({ value: AUTH_TOKEN, mode: 'revoke' })).toBe('already');
  });

  it('a leftover secondary token from an interrupted run is removed before a new one is made', async () => {
    const p = twilio.rotate!.provider(token, ctx({ settings: { account: ACCOUNT } }));
    const first = await p.create({ credential: token, oldId: ACCOUNT, oldValue: AUTH_TOKEN, idempotencyKey: 'run_FAKE:fp_tok' });
    const second = await p.create({ credential: token, oldId: ACCOUNT, oldValue: AUTH_TOKEN, idempotencyKey: 'run_FAKE:fp_tok' });
    expect(api.account.secondary).toBe(second.value);
    expect(await p.isActive({ value: first.value })).toBe(false);
  });

  it('deactivation is refused: Twilio has none', async () => {
    const p = twilio.rotate!.provider(token, ctx({ settings: { account: ACCOUNT } }));
    const err = await p.revoke({ value: AUTH_TOKEN, mode: 'deactivate' }).catch((e: unknown) => e);
    expect((err as CredctlError).exitCode).toBe(6);
  });
});

describe('twilio never shows a secret', () => {
  it('no auth token or key secret appears in anything returned', () => {
    const text = JSON.stringify(shown);
    expect(shown.length).toBeGreaterThan(12);
    for (const s of [AUTH_TOKEN, WRONG, WRONG_TOKEN, ...Object.values(SECRET)]) expect(text).not.toContain(s.slice(-12));
  });
});
