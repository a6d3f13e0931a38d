/**
 * What the Twilio integration makes of each answer Twilio can give, beyond twilio.test.ts: which
 * SIDs and secrets are taken for what, account answers without a status or a name, each refusal of
 * the second probe, the admin credential's two forms, the odd answers to listing, creating and
 * deleting keys and to the secondary-token calls, and where auth-token calls go by default.
 * Answers the stand-in's state never produces are scripted with its `answerNext`. The file ends by
 * checking that no secret appears in anything a test got back.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { integrationContext } from '../../../src/integrations/context.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { isAuthToken, looksLikeAuthToken } from '../../../src/integrations/twilio/index.js';
import type { IntegrationContext, RotationSubject } from '../../../src/integrations/types.js';
import type { SafeHttp } from '../../../src/net/http.js';
import { contextFor, credctlRejection, keptAnswers } from '../context.js';
import { startTwilio, type TwilioStandIn } from './standin.js';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = '0123456789abcdef0123456789a0b1c2';
const MAIN = 'SK0123456789ABCDEF0123456789ABCD01';
const STANDARD = 'SK0123456789abcdef0123456789abcd02';
const RESTRICTED = 'SK0123456789abcdef0123456789abcd03';
const secret = (tag: string) => `FAKE${tag}EXAMPLE`.padEnd(26, '0') + `y${tag.slice(0, 5).toUpperCase()}`.padEnd(6, 'W');
const SECRET = { main: secret('Main'), standard: secret('Stand'), restricted: secret('Restr') };
/** A value Twilio quotes back: short and dotted, so only masking (not the long-run redaction) keeps it out of a message. */
const LEAKED = 'FAKE.leak.0123';
const SECRETS = [AUTH_TOKEN, LEAKED, ...Object.values(SECRET)];
const KEYS = `/2010-04-01/Accounts/${ACCOUNT}/Keys.json`;
const keyPath = (sid: string) => `/2010-04-01/Accounts/${ACCOUNT}/Keys/${sid}.json`;
const ACCOUNT_PATH = `/2010-04-01/Accounts/${ACCOUNT}.json`;
const NUMBERS = `/2010-04-01/Accounts/${ACCOUNT}/IncomingPhoneNumbers.json`;
const twilioError = (status: number, code: number, message: string) => ({
  status,
  body: { code, message, more_info: 'https://www.twilio.com/docs/errors', status },
});

const twilio = integrationNamed('twilio')!;
let api: TwilioStandIn;
const { seen, keep } = keptAnswers();
const rejection = async (p: Promise<unknown>) => keep(await credctlRejection(p));
const ctx = (opts: { admin?: string; settings?: Record<string, string> } = {}) => contextFor('twilio', api.url, opts);
const asKey = (sid: string, value: string) => ({ value, parts: { 'account-sid': ACCOUNT, 'api-key-sid': sid } });
const asToken = (value: string) => ({ value, parts: { 'account-sid': ACCOUNT } });
const KEY_CRED: RotationSubject = { id: 'fp', names: ['TWILIO_API_SECRET'], provider: 'twilio' };
const TOKEN_CRED: RotationSubject = { id: 'fp', names: ['TWILIO_AUTH_TOKEN'], provider: 'twilio' };
const calls = (method: string, path: string) => api.requests.filter((r) => r.method === method && r.path === path);

beforeEach(async () => {
  api = await startTwilio(
    { sid: ACCOUNT, authToken: AUTH_TOKEN, friendlyName: 'Fake Answers Co', type: 'Trial', status: 'suspended' },
    {
      [MAIN]: { secret: SECRET.main, friendlyName: 'main', type: 'main' },
      [STANDARD]: { secret: SECRET.standard, friendlyName: 'web', type: 'standard' },
      [RESTRICTED]: { secret: SECRET.restricted, friendlyName: 'numbers', type: 'restricted', allows: ['IncomingPhoneNumbers'] },
    },
  );
});
afterEach(() => api.close());

describe('which values are taken for what', () => {
  it('an auth token is exactly 32 lowercase hex characters', () => {
    expect(looksLikeAuthToken(AUTH_TOKEN)).toBe(true);
    for (const odd of [AUTH_TOKEN.toUpperCase(), `${AUTH_TOKEN}0`, AUTH_TOKEN.slice(1), `x${AUTH_TOKEN}`, `${AUTH_TOKEN.slice(0, 31)}g`])
      expect(looksLikeAuthToken(odd)).toBe(false);
  });

  it('a credential is rotated as an auth token when its kind says so or a name holds AUTH_TOKEN, in any case', () => {
    expect(isAuthToken({ ...KEY_CRED, kind: 'token' })).toBe(true);
    expect(isAuthToken({ ...KEY_CRED, names: ['APP_KEY', 'twilio_auth_token'] })).toBe(true);
    expect(isAuthToken({ ...KEY_CRED, kind: 'api_key' })).toBe(false);
    expect(isAuthToken({ ...KEY_CRED, names: [] })).toBe(false);
  });

  it('SIDs are taken only whole: AC or SK and 32 hex digits, either case', async () => {
    // An upper-case key SID is a key SID.
    expect(keep(await twilio.verify!(asKey(MAIN, SECRET.main), ctx())).identity).toMatchObject({ kind: 'Main API key', credentialId: MAIN });
    const asked = api.requests.length;
    for (const account of [`${ACCOUNT}0`, `x${ACCOUNT}`, ACCOUNT.slice(0, 33), `AC${'g'.repeat(32)}`]) {
      const v = keep(await twilio.verify!({ value: AUTH_TOKEN, parts: { 'account-sid': account } }, ctx()));
      expect(v.reason).toMatch(/needs the Account SID/);
    }
    for (const sid of [`${STANDARD}0`, `x${STANDARD}`, STANDARD.slice(0, 33)]) {
      const v = keep(await twilio.verify!({ value: SECRET.standard, parts: { 'account-sid': ACCOUNT, 'api-key-sid': sid } }, ctx()));
      expect(v.reason).toMatch(/needs its SK SID/);
    }
    expect(api.requests.length).toBe(asked);
  });

  it('the parts win over credctl.yaml; the configured key SID never pairs with an auth token', async () => {
    const fromParts = keep(await twilio.verify!(asKey(STANDARD, SECRET.standard), ctx({ settings: { account: 'AC' + '0'.repeat(32), api_key: MAIN } })));
    expect(fromParts.identity).toMatchObject({ account: ACCOUNT, credentialId: STANDARD });
    const token = keep(await twilio.verify!(asToken(AUTH_TOKEN), ctx({ settings: { api_key: MAIN } })));
    expect(token.identity).toMatchObject({ kind: 'auth token', credentialId: ACCOUNT });
  });

  it('without an Account SID the answer is unknown and names the kind the value would be', async () => {
    const key = keep(await twilio.verify!({ value: SECRET.standard, parts: { 'api-key-sid': STANDARD } }, ctx()));
    expect(key).toEqual({
      status: 'unknown',
      reason: 'Twilio needs the Account SID used with it (TWILIO_ACCOUNT_SID, or providers.twilio.account)',
      identity: { kind: 'API key' },
    });
    expect(keep(await twilio.verify!({ value: AUTH_TOKEN }, ctx())).identity).toEqual({ kind: 'auth token' });
    const alone = keep(await twilio.verify!(asToken(SECRET.standard), ctx()));
    expect(alone.identity).toEqual({ kind: 'API key', account: ACCOUNT });
  });
});

describe('twilio verify: each answer of the account and numbers reads', () => {
  it("an account answer gives the account's name and status; without them the reason says so", async () => {
    const v = keep(await twilio.verify!(asToken(AUTH_TOKEN), ctx()));
    expect(v).toEqual({
      status: 'live',
      reason: 'Twilio accepted it just now (account suspended)',
      identity: { account: ACCOUNT, credentialId: ACCOUNT, kind: 'auth token', principal: 'Fake Answers Co' },
    });
    api.answerNext('GET', ACCOUNT_PATH, { status: 200, body: { sid: ACCOUNT, status: 3, friendly_name: { name: 'x' } } });
    const bare = keep(await twilio.verify!(asToken(AUTH_TOKEN), ctx()));
    expect(bare.reason).toBe('Twilio accepted it just now (account status unknown)');
    expect(bare.identity).toEqual({ account: ACCOUNT, credentialId: ACCOUNT, kind: 'auth token' });
    api.answerNext('GET', ACCOUNT_PATH, { status: 200, raw: 'null' });
    expect(keep(await twilio.verify!(asToken(AUTH_TOKEN), ctx())).status).toBe('live');
    api.answerNext('GET', ACCOUNT_PATH, { status: 200, raw: '<html>' });
    expect(keep(await twilio.verify!(asToken(AUTH_TOKEN), ctx()))).toMatchObject({ status: 'unknown', reason: 'Twilio answered with a body that is not JSON' });
  });

  it('the account read is tried twice; 403 on an auth token is dead, any other refusal is unknown with its code', async () => {
    api.misbehave({ kind: 'status', status: 500 }, { count: 1 });
    expect(keep(await twilio.verify!(asToken(AUTH_TOKEN), ctx())).status).toBe('live');
    api.answerNext('GET', ACCOUNT_PATH, twilioError(403, 20403, 'Forbidden'));
    expect(keep(await twilio.verify!(asToken(AUTH_TOKEN), ctx()))).toMatchObject({ status: 'dead', reason: 'Twilio refuses it (HTTP 403 20403)' });
    api.answerNext('GET', ACCOUNT_PATH, twilioError(404, 20404, 'Not found'));
    expect(keep(await twilio.verify!(asToken(AUTH_TOKEN), ctx()))).toEqual({
      status: 'unknown',
      reason: 'Twilio answered HTTP 404 20404',
      identity: { kind: 'auth token', account: ACCOUNT },
    });
    api.answerNext('GET', ACCOUNT_PATH, { status: 401, body: { code: '20003' } });
    expect(keep(await twilio.verify!(asToken(AUTH_TOKEN), ctx())).reason).toBe('Twilio refuses it (HTTP 401)');
    api.answerNext('GET', ACCOUNT_PATH, twilioError(429, 20429, 'Too Many Requests'), 2);
    expect(keep(await twilio.verify!(asToken(AUTH_TOKEN), ctx())).reason).toBe('Twilio is rate-limiting (HTTP 429 20429); try again later');
    for (const status of [500, 503]) {
      api.answerNext('GET', ACCOUNT_PATH, { status }, 2);
      expect(keep(await twilio.verify!(asToken(AUTH_TOKEN), ctx())).reason).toBe(`Twilio failed to answer (HTTP ${status})`);
    }
  });

  it('a key refused on /Accounts is asked for one page of numbers, with the key SID as user', async () => {
    const v = keep(await twilio.verify!(asKey(RESTRICTED, SECRET.restricted), ctx()));
    expect(v).toEqual({
      status: 'live',
      reason: 'Twilio accepted it just now (not a Main key: /Accounts refused it)',
      identity: { account: ACCOUNT, credentialId: RESTRICTED, kind: 'Standard or Restricted API key' },
    });
    const asked = calls('GET', NUMBERS).at(-1)!;
    expect(asked.query.get('PageSize')).toBe('1');
    expect(asked.headers.authorization).toBe(`Basic ${Buffer.from(`${RESTRICTED}:${SECRET.restricted}`).toString('base64')}`);
  });

  it("the numbers read: tried twice, and its refusals are unknown with Twilio's code, never dead", async () => {
    api.misbehave({ kind: 'status', status: 502 }, { count: 1, path: NUMBERS });
    expect(keep(await twilio.verify!(asKey(STANDARD, SECRET.standard), ctx())).status).toBe('live');
    api.answerNext('GET', NUMBERS, twilioError(429, 20429, 'Too Many Requests'), 2);
    expect(keep(await twilio.verify!(asKey(STANDARD, SECRET.standard), ctx()))).toEqual({
      status: 'unknown',
      reason: 'Twilio is rate-limiting (HTTP 429 20429); try again later',
      identity: { kind: 'API key', account: ACCOUNT, credentialId: STANDARD },
    });
    api.answerNext('GET', NUMBERS, twilioError(403, 20403, 'Forbidden'));
    const refused = keep(await twilio.verify!(asKey(STANDARD, SECRET.standard), ctx()));
    expect(refused.status).toBe('unknown');
    expect(refused.reason).toMatch(/^Twilio refused it on \/Accounts and \/IncomingPhoneNumbers \(HTTP 403 20403\)/);
    expect(refused.identity).toEqual({ account: ACCOUNT, credentialId: STANDARD, kind: 'API key' });
  });

  it('Twilio out of reach is unknown', async () => {
    const v = keep(await twilio.verify!(asToken(AUTH_TOKEN), contextFor('twilio', 'http://127.0.0.1:9')));
    expect(v.status).toBe('unknown');
    expect(v.reason).toMatch(/^Twilio could not be asked: \S/);
  });
});

describe('twilio analyze', () => {
  it("an auth token reaches everything on the account, named as the grant's resource", async () => {
    const a = keep(await twilio.analyze!(asToken(AUTH_TOKEN), ctx()));
    expect(a).toEqual({
      grants: [
        {
          scope: 'auth token',
          risk: 'admin',
          description: 'Everything on the account, including API keys, subaccounts and account settings.',
          resource: 'Fake Answers Co',
        },
      ],
      complete: true,
      note: 'Account type Trial, status suspended.',
    });
    api.answerNext('GET', ACCOUNT_PATH, { status: 200, body: { sid: ACCOUNT } });
    const bare = keep(await twilio.analyze!(asKey(MAIN, SECRET.main), ctx()));
    expect(bare.grants).toEqual([expect.objectContaining({ scope: 'main', risk: 'admin' })]);
    expect(Object.keys(bare.grants[0]!)).not.toContain('resource');
    expect(bare.note).toBe('Account type unknown, status unknown.');
  });

  it('a Standard key: every API but Accounts and Keys, incomplete', async () => {
    const a = keep(await twilio.analyze!(asKey(STANDARD, SECRET.standard), ctx()));
    expect(a.grants).toEqual([{ scope: 'standard', risk: 'write', description: expect.stringContaining('except Accounts and Keys') }]);
    expect(a.note).toContain('iam.twilio.com/v1/Keys');
  });

  it('what is not live cannot be analysed: exit 5 with the reason', async () => {
    const err = await rejection(twilio.analyze!({ value: AUTH_TOKEN }, ctx()));
    expect(err.exitCode).toBe(ExitCode.Remote);
    expect(err.message).toBe('Twilio: cannot analyze it: Twilio needs the Account SID used with it (TWILIO_ACCOUNT_SID, or providers.twilio.account)');
  });
});

describe('twilio revoke of an API key', () => {
  it('the Account SID of the parts is the one used; without any, revoke refuses', async () => {
    const other = 'AC' + 'f'.repeat(32);
    expect(await twilio.revoke!.run(asKey(STANDARD, SECRET.standard), ctx({ admin: AUTH_TOKEN, settings: { account: other } }))).toBe('revoked');
    expect(calls('DELETE', keyPath(STANDARD))).toHaveLength(1);
    const err = await rejection(twilio.revoke!.run({ value: SECRET.main, parts: { 'api-key-sid': MAIN } }, ctx({ admin: AUTH_TOKEN })));
    expect(err.exitCode).toBe(ExitCode.Refused);
    expect(err.message).toContain('providers.twilio.account');
    expect(api.keys.has(MAIN)).toBe(true);
  });

  it('an admin credential that is not a whole SK...:secret is used as the auth token', async () => {
    const deleted = api.requests.length;
    await twilio.revoke!.run(asKey(STANDARD, SECRET.standard), ctx({ admin: AUTH_TOKEN }));
    expect(api.requests[deleted]!.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT}:${AUTH_TOKEN}`).toString('base64')}`);
    const odd = `x${MAIN}:${SECRET.main}`;
    const err = await rejection(twilio.revoke!.run(asKey(RESTRICTED, SECRET.restricted), ctx({ admin: odd })));
    expect(err.message).toMatch(/^Twilio DELETE Keys\/\{sid\}: HTTP 401/);
    expect(err.hint).toBe('The credential used was refused: check it is current.');
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT}:${odd}`).toString('base64')}`);
    expect(err.message).not.toContain(SECRET.main);
  });

  it("Twilio's words quoting the key secret or the admin secret are shown without them", async () => {
    const admin = 'FAKE.admin.0123';
    api.answerNext('DELETE', keyPath(STANDARD), { status: 500, body: { code: 20500, message: `failed ${LEAKED} as ${admin}` } });
    const err = await rejection(twilio.revoke!.run(asKey(STANDARD, LEAKED), ctx({ admin })));
    expect(err.message).toMatch(/^Twilio DELETE Keys\/\{sid\}: HTTP 500 \(failed /);
    expect(err.message).not.toContain(LEAKED);
    expect(err.message).not.toContain(admin);
  });

  it('a Main key as admin may hold a colon in its secret', async () => {
    const colon = `${SECRET.main.slice(0, 20)}:${SECRET.main.slice(20)}`;
    api.keys.set(MAIN, { secret: colon, friendlyName: 'main', type: 'main' });
    expect(await twilio.revoke!.run(asKey(STANDARD, SECRET.standard), ctx({ admin: `${MAIN}:${colon}` }))).toBe('revoked');
  });
});

describe('twilio rotate an API key: the odd answers', () => {
  const settings = { account: ACCOUNT, api_key: STANDARD };
  const provider = (s: Record<string, string> = settings) => twilio.rotate!.provider({ ...KEY_CRED }, ctx({ admin: AUTH_TOKEN, settings: s }));

  it('identify takes the SID of the parts first, else credctl.yaml; without either it asks nothing', async () => {
    expect(await provider().identify({ oldValue: SECRET.restricted, binding: '', parts: { 'api-key-sid': RESTRICTED } })).toBe(RESTRICTED);
    const before = api.requests.length;
    expect(await provider({ account: ACCOUNT }).identify({ oldValue: SECRET.standard, binding: '' })).toBeUndefined();
    expect(api.requests.length).toBe(before);
  });

  it('identify: a Keys read that fails is an error; the Main-key check asks /Accounts as the key itself', async () => {
    api.answerNext('GET', keyPath(STANDARD), twilioError(500, 20500, 'Internal'), 2);
    const err = await rejection(provider().identify({ oldValue: SECRET.standard, binding: '' }));
    expect(err.message).toMatch(/^Twilio GET Keys\/\{sid\}: HTTP 500/);
    expect(await provider().identify({ oldValue: SECRET.standard, binding: '' })).toBe(STANDARD);
    expect(calls('GET', ACCOUNT_PATH).at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from(`${STANDARD}:${SECRET.standard}`).toString('base64')}`);
    const main = await rejection(provider({ account: ACCOUNT, api_key: MAIN }).identify({ oldValue: SECRET.main, binding: '' }));
    expect(main.hint).toBe('https://console.twilio.com/us1/account/keys-credentials/api-keys');
  });

  it('create without an identified old key refuses, naming the credential', async () => {
    const err = await rejection(provider().create({ credential: KEY_CRED, oldValue: SECRET.standard, idempotencyKey: 'k' }));
    expect(err.exitCode).toBe(ExitCode.Refused);
    expect(err.message).toContain('TWILIO_API_SECRET');
    const nameless = await rejection(provider().create({ credential: { ...KEY_CRED, names: [] }, oldValue: SECRET.standard, idempotencyKey: 'k' }));
    expect(nameless.message).toContain('the old API key');
  });

  it("create names its key after the run (the same name when resumed), and deletes only that name's leftovers", async () => {
    const p = provider();
    const first = await p.create({ credential: KEY_CRED, oldId: STANDARD, oldValue: SECRET.standard, idempotencyKey: 'run_A:fp' });
    const name = api.keys.get(first.id!)!.friendlyName;
    expect(name).toMatch(/^credctl rotation [0-9a-f]{16}$/);
    expect(first).toEqual({ value: api.keys.get(first.id!)!.secret, id: first.id, parts: { 'api-key-sid': first.id, 'account-sid': ACCOUNT } });
    expect(calls('GET', KEYS).at(-1)!.query.get('PageSize')).toBe('1000');
    // A key of another run and a list entry without a SID are left alone.
    const other = await p.create({ credential: KEY_CRED, oldId: STANDARD, oldValue: SECRET.standard, idempotencyKey: 'run_B:fp' });
    expect(api.keys.get(other.id!)!.friendlyName).not.toBe(name);
    expect(api.keys.has(first.id!)).toBe(true);
    api.answerNext('GET', KEYS, { status: 200, body: { keys: [null, { friendly_name: name, sid: 7 }, { friendly_name: name }] } });
    const third = await p.create({ credential: KEY_CRED, oldId: STANDARD, oldValue: SECRET.standard, idempotencyKey: 'run_A:fp' });
    expect(api.keys.has(first.id!)).toBe(true);
    expect(api.keys.has(third.id!)).toBe(true);
    expect(api.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
  });

  it('a key list that fails or holds no list is an error, and nothing is created', async () => {
    const p = provider();
    api.answerNext('GET', KEYS, twilioError(403, 20403, 'Forbidden'));
    const refused = await rejection(p.create({ credential: KEY_CRED, oldId: STANDARD, oldValue: SECRET.standard, idempotencyKey: 'k' }));
    expect(refused.message).toMatch(/^Twilio GET Keys\.json: HTTP 403 \(Forbidden\)$/);
    api.answerNext('GET', KEYS, { status: 200, body: { keys: 'none' } });
    const odd = await rejection(p.create({ credential: KEY_CRED, oldId: STANDARD, oldValue: SECRET.standard, idempotencyKey: 'k' }));
    expect(odd.message).toBe('Twilio GET Keys.json: HTTP 200 (malformed body)');
    expect(calls('POST', KEYS)).toEqual([]);
  });

  it('a leftover that cannot be deleted stops the run', async () => {
    const p = provider();
    const first = await p.create({ credential: KEY_CRED, oldId: STANDARD, oldValue: SECRET.standard, idempotencyKey: 'run_C:fp' });
    api.answerNext('DELETE', keyPath(first.id!), twilioError(500, 20500, 'Internal'));
    const err = await rejection(p.create({ credential: KEY_CRED, oldId: STANDARD, oldValue: SECRET.standard, idempotencyKey: 'run_C:fp' }));
    expect(err.message).toMatch(/^Twilio DELETE Keys\/\{sid\}: HTTP 500/);
    expect(calls('POST', KEYS)).toHaveLength(1);
  });

  it('a created key without a secret or a proper SID is an error that shows neither secret', async () => {
    const p = provider();
    const made = (body: Record<string, unknown>, status = 201) => api.answerNext('POST', KEYS, { status, body });
    for (const body of [{ sid: STANDARD.replace('02', '99') }, { sid: 'SKnot-a-sid', secret: LEAKED }, { secret: LEAKED }]) {
      made(body);
      const err = await rejection(p.create({ credential: KEY_CRED, oldId: STANDARD, oldValue: SECRET.standard, idempotencyKey: 'k' }));
      expect(err.message).toBe('Twilio POST Keys.json: HTTP 201 (malformed body)');
    }
    made({ code: 20001, message: `refused ${LEAKED} for ${SECRET.standard} by ${AUTH_TOKEN}`, secret: LEAKED }, 400);
    const err = await rejection(p.create({ credential: KEY_CRED, oldId: STANDARD, oldValue: SECRET.standard, idempotencyKey: 'k' }));
    expect(err.message).toMatch(/^Twilio POST Keys\.json: HTTP 400 \(refused /);
    for (const s of [LEAKED, SECRET.standard, AUTH_TOKEN]) expect(err.message).not.toContain(s.slice(-12));
  });

  it('revoke: deactivation and an unidentified key are refused; isActive knows only what it can check', async () => {
    const p = provider();
    const deactivate = await rejection(p.revoke({ value: SECRET.standard, id: STANDARD, mode: 'deactivate' }));
    expect([deactivate.exitCode, deactivate.hint]).toEqual([ExitCode.Refused, 'Make a plan without --grace for Twilio keys.']);
    for (const id of [undefined, 'SKshort', ACCOUNT])
      expect((await rejection(p.revoke({ value: SECRET.standard, id, mode: 'revoke' }))).exitCode).toBe(ExitCode.Refused);
    expect(api.keys.size).toBe(3);
    expect(await p.isActive({ value: SECRET.standard })).toBe('unknown');
    expect(await p.isActive({ value: SECRET.standard, id: 'SKshort' })).toBe('unknown');
    // Listed but refused on both reads (a Restricted key, or a wrong secret): not known to be active.
    expect(await p.isActive({ value: LEAKED, id: STANDARD })).toBe('unknown');
    expect(await p.isActive({ value: SECRET.restricted, id: RESTRICTED })).toBe(true);
  });
});

describe('twilio rotate an auth token: the odd answers', () => {
  const provider = () => twilio.rotate!.provider({ ...TOKEN_CRED }, ctx({ settings: { account: ACCOUNT } }));

  it('create without the current token refuses, naming it; identify needs the Account SID', async () => {
    const err = await rejection(provider().create({ credential: TOKEN_CRED, idempotencyKey: 'k' }));
    expect(err.exitCode).toBe(ExitCode.Refused);
    expect(err.message).toContain('TWILIO_AUTH_TOKEN');
    expect((await rejection(provider().create({ credential: { ...TOKEN_CRED, names: [] }, idempotencyKey: 'k' }))).message).toContain('current auth token');
    const none = twilio.rotate!.provider({ ...TOKEN_CRED }, ctx());
    expect((await rejection(none.identify({ oldValue: AUTH_TOKEN, binding: '' }))).exitCode).toBe(ExitCode.Refused);
  });

  it('a leftover secondary that cannot be removed, or a secondary made without a value, is an error', async () => {
    api.answerNext('DELETE', '/v1/AuthTokens/Secondary', twilioError(403, 20403, 'Forbidden'));
    const removed = await rejection(provider().create({ credential: TOKEN_CRED, oldValue: AUTH_TOKEN, idempotencyKey: 'k' }));
    expect(removed.message).toMatch(/^Twilio DELETE \/v1\/AuthTokens\/Secondary: HTTP 403/);
    expect(calls('POST', '/v1/AuthTokens/Secondary')).toEqual([]);
    api.answerNext('POST', '/v1/AuthTokens/Secondary', { status: 201, body: { account_sid: ACCOUNT } });
    expect((await rejection(provider().create({ credential: TOKEN_CRED, oldValue: AUTH_TOKEN, idempotencyKey: 'k' }))).message).toBe(
      'Twilio POST /v1/AuthTokens/Secondary: HTTP 201 (malformed body)',
    );
    api.answerNext('POST', '/v1/AuthTokens/Secondary', { status: 400, body: { code: 20001, message: `exists: ${LEAKED}`, secondary_auth_token: LEAKED } });
    const exists = await rejection(provider().create({ credential: TOKEN_CRED, oldValue: AUTH_TOKEN, idempotencyKey: 'k' }));
    expect(exists.message).toMatch(/^Twilio POST \/v1\/AuthTokens\/Secondary: HTTP 400 \(exists: /);
    expect(exists.message).not.toContain(LEAKED.slice(-12));
  });

  it('the secondary is created with the current token; the account it returns is the id', async () => {
    const made = await provider().create({ credential: TOKEN_CRED, oldValue: AUTH_TOKEN, idempotencyKey: 'k' });
    expect(made.id).toBe(ACCOUNT);
    const post = calls('POST', '/v1/AuthTokens/Secondary')[0]!;
    expect(post.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT}:${AUTH_TOKEN}`).toString('base64')}`);
  });

  it('a failed promotion is an error that shows neither token; an unknown liveness still tries to promote', async () => {
    api.account.secondary = LEAKED;
    api.answerNext('POST', '/v1/AuthTokens/Promote', { status: 500, body: { message: `failed for ${LEAKED}`, auth_token: LEAKED } });
    const err = await rejection(provider().revoke({ value: AUTH_TOKEN, mode: 'revoke' }));
    expect(err.message).toMatch(/^Twilio POST \/v1\/AuthTokens\/Promote: HTTP 500/);
    expect(err.message).not.toContain(LEAKED.slice(-12));
    api.answerNext('GET', ACCOUNT_PATH, { status: 503 }, 2);
    expect(await provider().isActive({ value: AUTH_TOKEN })).toBe('unknown');
    api.answerNext('GET', ACCOUNT_PATH, { status: 503 }, 2);
    expect(await provider().revoke({ value: AUTH_TOKEN, mode: 'revoke' })).toBe('revoked');
    expect(api.account.authToken).toBe(LEAKED);
  });

  it('with the default API, auth-token calls go to accounts.twilio.com and key calls to api.twilio.com', async () => {
    const asked: string[] = [];
    const http = {
      async request(url: URL) {
        asked.push(url.href);
        return { status: 204, headers: {}, body: Buffer.alloc(0), url: url.href };
      },
    } as unknown as SafeHttp;
    const base = integrationContext({ integration: twilio, provider: 'twilio', settings: { account: ACCOUNT }, adminSecret: async () => AUTH_TOKEN });
    const c: IntegrationContext = { ...base, http };
    expect(c.api).toBe('https://api.twilio.com');
    await rejection(twilio.rotate!.provider(TOKEN_CRED, c).create({ credential: TOKEN_CRED, oldValue: AUTH_TOKEN, idempotencyKey: 'k' }));
    expect(asked.slice(0, 2)).toEqual(['https://accounts.twilio.com/v1/AuthTokens/Secondary', 'https://accounts.twilio.com/v1/AuthTokens/Secondary']);
    expect(await twilio.revoke!.run(asKey(STANDARD, SECRET.standard), c)).toBe('revoked');
    expect(asked.at(-1)).toBe(`https://api.twilio.com${keyPath(STANDARD)}`);
  });
});

describe('what the registry and the CLI read from the module', () => {
  it('settings, parts and the Console pages', () => {
    expect(twilio.id).toBe('twilio');
    expect(twilio.title).toContain('Twilio');
    expect(twilio.config?.map((c) => [c.key, !!c.secret])).toEqual([
      ['account', false],
      ['admin', true],
      ['api_key', false],
    ]);
    expect(twilio.parts?.map((p) => p.envNames)).toEqual([
      ['TWILIO_ACCOUNT_SID', 'TWILIO_SID'],
      ['TWILIO_API_KEY', 'TWILIO_API_KEY_SID', 'TWILIO_API_SID'],
    ]);
    for (const c of twilio.config ?? []) expect(c.description).toMatch(/\w{4}/);
    expect(twilio.rotate!.strategy).toBe('overlap');
    expect(twilio.rotate!.summary).toContain('Standard');
    expect(twilio.revoke!.warning).toContain('Irreversible');
    expect(twilio.manual?.rotate?.instructions).toContain('Promote');
    expect(twilio.manual?.revoke?.instructions).toContain('Delete');
    expect(twilio.manual?.rotate?.url).toBe('https://console.twilio.com/us1/account/keys-credentials/api-keys');
    expect(twilio.manual?.revoke?.url).toBe('https://console.twilio.com/us1/account/keys-credentials/api-keys');
  });
});

describe('twilio answers canary', () => {
  it('no auth token or key secret appears in any result or error', () => {
    const all = JSON.stringify(seen, (_k, v) => (v instanceof Error ? { message: v.message, hint: (v as { hint?: string }).hint } : v));
    expect(seen.length).toBeGreaterThan(40);
    for (const s of SECRETS) expect(all).not.toContain(s.slice(-12));
  });
});
