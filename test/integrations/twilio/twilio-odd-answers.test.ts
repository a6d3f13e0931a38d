/**
 * Twilio answers that are valid HTTP but not what the reference shows (an empty body, a JSON
 * `null`, a status other than the documented one, a refusal that carries a list), passing
 * failures that must be asked again, and answers that echo a secret back. analyze and the
 * rotation must stop with a clean CredctlError, never a TypeError (verify turns any crash into
 * "unknown", so odd bodies are asked through analyze); a refused answer is never acted on; and no
 * secret shows in any error: echoed in Twilio's error text (a value whose runs are too short for
 * the long-token rule), or in the URL of a same-origin hop the client names when it refuses the
 * next hop to another origin.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { RotationSubject } from '../../../src/integrations/types.js';
import { contextFor, keptRejection, redirectThrough } from '../context.js';
import { startTwilio, type TwilioStandIn } from './standin.js';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = '0123456789abcdef0123456789a0b1c2';
const OTHER_TOKEN = 'fedcba9876543210fedcba9876543210';
const MAIN = 'SK0123456789ABCDEF0123456789ABCD01';
const STANDARD = 'SK0123456789abcdef0123456789abcd02';
const GONE = 'SK0123456789abcdef0123456789abcd99';
const secret = (tag: string) => `FAKE${tag}EXAMPLE`.padEnd(26, '0') + `y${tag.slice(0, 5).toUpperCase()}`.padEnd(6, 'W');
const SECRET = { main: secret('Main'), standard: secret('Stand') };
/** A value Twilio quotes back: short and dotted, so only masking (not the long-run redaction) keeps it out of a message. */
const LEAKED = 'FAKE.leak.0123';
const ACCOUNT_PATH = `/2010-04-01/Accounts/${ACCOUNT}.json`;
const KEYS = `/2010-04-01/Accounts/${ACCOUNT}/Keys.json`;
const keyPath = (sid: string) => `/2010-04-01/Accounts/${ACCOUNT}/Keys/${sid}.json`;
const SECONDARY = '/v1/AuthTokens/Secondary';
const PROMOTE = '/v1/AuthTokens/Promote';
const CONSOLE_KEYS = 'https://console.twilio.com/us1/account/keys-credentials/api-keys';
const twilioError = (status: number, message: string) => ({ status, body: { code: 20500, message, more_info: 'https://www.twilio.com/docs/errors', status } });

const twilio = integrationNamed('twilio')!;
let api: TwilioStandIn;
const ctx = (opts: { admin?: string; settings?: Record<string, string> } = {}) => contextFor('twilio', api.url, opts);
const withAdmin = () => ctx({ admin: AUTH_TOKEN, settings: { account: ACCOUNT } });
const asToken = (value: string) => ({ value, parts: { 'account-sid': ACCOUNT } });
const KEY_CRED: RotationSubject = { id: 'fp', names: ['TWILIO_API_SECRET'], provider: 'twilio' };
const TOKEN_CRED: RotationSubject = { id: 'fp', names: ['TWILIO_AUTH_TOKEN'], provider: 'twilio' };
const keyRotation = () => twilio.rotate!.provider(KEY_CRED, withAdmin());
const tokenRotation = (c = ctx({ settings: { account: ACCOUNT } })) => twilio.rotate!.provider(TOKEN_CRED, c);
const makeKey = (oldValue = SECRET.standard) => keyRotation().create({ credential: KEY_CRED, oldId: STANDARD, oldValue, idempotencyKey: 'run-odd' });
const calls = (method: string, path: string) => api.requests.filter((r) => r.method === method && r.path === path);
const shown: string[] = [];

const failure = keptRejection(shown);

beforeEach(async () => {
  api = await startTwilio(
    { sid: ACCOUNT, authToken: AUTH_TOKEN, friendlyName: 'Fake Odd Co' },
    {
      [MAIN]: { secret: SECRET.main, friendlyName: 'main', type: 'main' },
      [STANDARD]: { secret: SECRET.standard, friendlyName: 'web', type: 'standard' },
    },
  );
});
afterEach(() => api.close());
afterAll(() => {
  const text = JSON.stringify(shown);
  for (const v of [AUTH_TOKEN, OTHER_TOKEN, LEAKED, ...Object.values(SECRET)]) expect(text).not.toContain(v);
});

describe('verify and analyze: answers without a body, and what a refusal names', () => {
  it('a 429 or a 401 without a body: analyze is an error naming the status, not a crash', async () => {
    api.answerNext('GET', ACCOUNT_PATH, { status: 429 }, 2);
    const limited = await failure(twilio.analyze!(asToken(AUTH_TOKEN), ctx()));
    expect([limited.exitCode, limited.message]).toEqual([5, 'Twilio: cannot analyze it: Twilio is rate-limiting (HTTP 429); try again later']);
    api.answerNext('GET', ACCOUNT_PATH, { status: 401 });
    const refused = await failure(twilio.analyze!(asToken(AUTH_TOKEN), ctx()));
    expect([refused.exitCode, refused.message]).toEqual([5, 'Twilio: cannot analyze it: Twilio refuses it (HTTP 401)']);
  });

  it('a 401 whose body is not JSON is still a refusal: the token is dead', async () => {
    api.answerNext('GET', ACCOUNT_PATH, { status: 401, raw: '<html>Unauthorized' });
    const v = await twilio.verify!(asToken(AUTH_TOKEN), ctx());
    shown.push(v.reason);
    expect(v.status).toBe('dead');
  });

  it('a failing Twilio and a refused token both name the account and the kind asked about', async () => {
    api.answerNext('GET', ACCOUNT_PATH, { status: 503 }, 2);
    const failing = await twilio.verify!(asToken(AUTH_TOKEN), ctx());
    const dead = await twilio.verify!(asToken(OTHER_TOKEN), ctx());
    shown.push(failing.reason, dead.reason);
    expect(failing).toMatchObject({ status: 'unknown', identity: { kind: 'auth token', account: ACCOUNT } });
    expect(dead).toMatchObject({ status: 'dead', identity: { kind: 'auth token', account: ACCOUNT } });
  });

  it('an auth token in the URL of a refused hop is not shown', async () => {
    redirectThrough(api, 'GET', ACCOUNT_PATH, AUTH_TOKEN);
    const v = await twilio.verify!(asToken(AUTH_TOKEN), ctx());
    shown.push(v.reason);
    expect(v.status).toBe('unknown');
    expect(v.reason).toContain('another origin');
    expect(v.reason).not.toContain(AUTH_TOKEN);
  });
});

describe('API key rotation: identify and isActive', () => {
  it('identify: a passing failure of the Main-key check is asked again, so a Main key is still refused', async () => {
    api.answerNext('GET', ACCOUNT_PATH, twilioError(503, 'busy'));
    const err = await failure(keyRotation().identify({ oldValue: SECRET.main, binding: '', parts: { 'api-key-sid': MAIN } }));
    expect(err.exitCode).toBe(6);
    expect(err.hint).toBe(CONSOLE_KEYS);
  });

  it('identify: only a refusal of the Main-key check says the key is not a Main key; a failing Twilio is an error', async () => {
    const identify = () => keyRotation().identify({ oldValue: SECRET.main, binding: '', parts: { 'api-key-sid': MAIN } });
    api.answerNext('GET', ACCOUNT_PATH, twilioError(503, 'busy'), 2);
    const err = await failure(identify());
    expect([err.exitCode, err.message]).toEqual([5, 'Twilio GET Accounts.json: HTTP 503 (busy)']);
    api.answerNext('GET', ACCOUNT_PATH, { status: 403, body: { code: 20403, message: 'Forbidden', status: 403 } });
    expect(await identify()).toBe(MAIN);
    api.answerNext('GET', ACCOUNT_PATH, { status: 401, body: { code: 20003, message: 'Authenticate', status: 401 } });
    expect(await identify()).toBe(MAIN);
    api.answerNext('GET', ACCOUNT_PATH, twilioError(503, `busy for ${LEAKED}`), 2);
    const echoed = await failure(keyRotation().identify({ oldValue: LEAKED, binding: '', parts: { 'api-key-sid': MAIN } }));
    expect(echoed.message).toContain('busy for');
    expect(echoed.message).not.toContain(LEAKED);
  });

  it('identify: the old value echoed in a failed read of the key is not shown', async () => {
    api.answerNext('GET', keyPath(STANDARD), twilioError(500, `cannot read the key of ${LEAKED}`), 2);
    const err = await failure(keyRotation().identify({ oldValue: LEAKED, binding: '', parts: { 'api-key-sid': STANDARD } }));
    expect(err.message).toContain('cannot read the key of');
    expect(err.message).not.toContain(LEAKED);
  });

  it('identify: neither the admin token nor the old value in the URL of a refused hop is shown', async () => {
    redirectThrough(api, 'GET', keyPath(STANDARD), AUTH_TOKEN, SECRET.standard);
    const err = await failure(keyRotation().identify({ oldValue: SECRET.standard, binding: '', parts: { 'api-key-sid': STANDARD } }));
    expect(err.message).toContain('another origin');
    for (const v of [AUTH_TOKEN, SECRET.standard]) expect(err.message).not.toContain(v);
  });

  it('isActive: a passing failure of the key read is asked again, so a deleted key is not active', async () => {
    api.answerNext('GET', keyPath(GONE), twilioError(503, 'busy'));
    expect(await keyRotation().isActive({ value: SECRET.standard, id: GONE })).toBe(false);
    expect(calls('GET', keyPath(GONE))).toHaveLength(2);
  });

  it('isActive: the value in the URL of a refused hop is not shown', async () => {
    redirectThrough(api, 'GET', keyPath(STANDARD), AUTH_TOKEN, SECRET.standard);
    const err = await failure(keyRotation().isActive({ value: SECRET.standard, id: STANDARD }));
    for (const v of [AUTH_TOKEN, SECRET.standard]) expect(err.message).not.toContain(v);
  });
});

describe('API key rotation: the list, the create and the delete', () => {
  it('a list that fails echoing the old value does not show it; a refusal that carries a list stops before anything is made', async () => {
    api.answerNext('GET', KEYS, twilioError(500, `no list for ${LEAKED}`), 2);
    const echoed = await failure(makeKey(LEAKED));
    expect(echoed.message).toContain('no list for');
    expect(echoed.message).not.toContain(LEAKED);
    api.answerNext('GET', KEYS, { status: 403, body: { code: 20403, message: 'Forbidden', keys: [] } });
    const refused = await failure(makeKey());
    expect([refused.exitCode, refused.message]).toEqual([5, 'Twilio GET Keys.json: HTTP 403 (Forbidden)']);
    api.answerNext('GET', KEYS, { status: 200, raw: 'null' });
    expect((await failure(makeKey())).message).toBe('Twilio GET Keys.json: HTTP 200 (malformed body)');
    expect(calls('POST', KEYS)).toEqual([]);
  });

  it('a create answered with null, with a 200, or without a secret is an error', async () => {
    api.answerNext('POST', KEYS, { status: 201, raw: 'null' });
    expect((await failure(makeKey())).message).toBe('Twilio POST Keys.json: HTTP 201 (malformed body)');
    api.answerNext('POST', KEYS, { status: 200, body: { sid: 'SK0123456789abcdef0123456789abcd55', secret: 'FAKEmadeEXAMPLE0123456789abcdef' } });
    expect((await failure(makeKey())).message).toBe('Twilio POST Keys.json: HTTP 200');
    api.answerNext('POST', KEYS, { status: 201, body: { sid: 'SK0123456789abcdef0123456789abcd56', friendly_name: 'x', message: 'made' } });
    expect((await failure(makeKey())).message).toBe('Twilio POST Keys.json: HTTP 201 (malformed body) (made)');
  });

  it('a delete that fails echoing the old value does not show it', async () => {
    api.answerNext('DELETE', keyPath(STANDARD), twilioError(500, `cannot delete ${LEAKED}`));
    const err = await failure(keyRotation().revoke({ value: LEAKED, id: STANDARD, mode: 'revoke' }));
    expect(err.message).toContain('cannot delete');
    expect(err.message).not.toContain(LEAKED);
    expect(api.keys.has(STANDARD)).toBe(true);
  });
});

describe('auth token rotation', () => {
  it('isActive needs the Account SID: without it, a refusal, not "unknown"', async () => {
    const err = await failure(tokenRotation(ctx()).isActive({ value: AUTH_TOKEN }));
    expect(err.exitCode).toBe(6);
    expect(api.requests).toEqual([]);
  });

  it('the old token echoed by a failed removal of the secondary, or by a create without one, is not shown', async () => {
    api.answerNext('DELETE', SECONDARY, twilioError(500, `cannot remove for ${LEAKED}`));
    const removal = await failure(tokenRotation().create({ credential: TOKEN_CRED, oldValue: LEAKED, idempotencyKey: 'run' }));
    expect(removal.message).toContain('cannot remove for');
    expect(removal.message).not.toContain(LEAKED);
    api.answerNext('DELETE', SECONDARY, { status: 404 });
    api.answerNext('POST', SECONDARY, { status: 201, body: { account_sid: ACCOUNT, message: `made for ${LEAKED}` } });
    const made = await failure(tokenRotation().create({ credential: TOKEN_CRED, oldValue: LEAKED, idempotencyKey: 'run' }));
    expect(made.message).toContain('Twilio POST /v1/AuthTokens/Secondary: HTTP 201 (malformed body) (made for ');
    expect(made.message).not.toContain(LEAKED);
  });

  it('a promotion that fails, with or without a body, is an error that does not show the token', async () => {
    api.answerNext('POST', PROMOTE, { status: 500 });
    expect((await failure(tokenRotation().revoke({ value: LEAKED, mode: 'revoke' }))).message).toBe('Twilio POST /v1/AuthTokens/Promote: HTTP 500');
    api.answerNext('POST', PROMOTE, twilioError(500, `cannot promote over ${LEAKED}`));
    const echoed = await failure(tokenRotation().revoke({ value: LEAKED, mode: 'revoke' }));
    expect(echoed.message).toContain('cannot promote over');
    expect(echoed.message).not.toContain(LEAKED);
  });

  it('revoking an auth token on its own is refused, pointing at the Console', async () => {
    const err = await failure(twilio.revoke!.run(asToken(AUTH_TOKEN), withAdmin()));
    expect(err.exitCode).toBe(6);
    expect(err.hint).toBe(CONSOLE_KEYS);
    expect(api.requests).toEqual([]);
  });
});
