/**
 * Cloudflare answers that are valid HTTP but not what the reference shows (a JSON `null`, an
 * empty body, an envelope without `result`, a status other than 2xx that still carries one),
 * and answers that echo a token back. analyze, identify, the roll and revoke must stop with a
 * clean CredctlError, never a TypeError (verify turns any crash into "unknown", so these are
 * asked through the calls that do not); nothing is read from an answer that is not a 2xx; the
 * admin token is used only when the token itself may not read its details; and no token shows
 * in any error: echoed in Cloudflare's error text (a value whose runs are too short for the
 * long-token rule), or in the URL of a same-origin hop the client names when it refuses the
 * next hop to another origin.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import cloudflare, { riskOfPermission } from '../../../src/integrations/cloudflare/index.js';
import type { PlanCredential } from '../../../src/plan/types.js';
import { contextFor, keptRejection, redirectThrough } from '../context.js';
import { startCloudflare, type CloudflareStandIn } from './standin.js';

const DEPLOY = 'FAKEdeployEXAMPLE0123456789abcdefghijklm';
const READER = 'FAKEreaderEXAMPLE0123456789abcdefghijklm';
const ADMIN = 'FAKEadminxEXAMPLE0123456789abcdefghijklm';
/** A value no run of which is long enough for the long-token rule: only masking by value hides it. */
const SHORT = 'FAKE.cf.EXAMPLE.0123';
const ID = 'ed17574386854bf78a67040be0a770b0';
const READER_ID = 'aa17574386854bf78a67040be0a770b1';
const VERIFY = '/client/v4/user/tokens/verify';
const DETAILS = `/client/v4/user/tokens/${ID}`;
const ROLL = `${DETAILS}/value`;
const NEW_VALUE = 'FAKErolledEXAMPLE0123456789abcdefghijklm';

let api: CloudflareStandIn;
const ctx = (admin?: string) => contextFor('cloudflare', `${api.url}/client/v4`, admin ? { admin } : {});
const shown: string[] = [];
const ok = (result: unknown) => ({ status: 200, body: { success: true, errors: [], messages: [], result } });
const credential = { id: 'fp', names: ['CLOUDFLARE_API_TOKEN'], provider: 'cloudflare', kind: 'token', guards: [], steps: [] } as unknown as PlanCredential;
const roll = (c = ctx(), oldValue: string | undefined = DEPLOY) =>
  cloudflare.rotate!.provider(credential, c).create({ credential, oldId: `user:${ID}`, ...(oldValue ? { oldValue } : {}), idempotencyKey: 'run' });

const failure = keptRejection(shown);

beforeEach(async () => {
  api = await startCloudflare([
    { id: ID, value: DEPLOY, name: 'deploy dns', status: 'active', owner: 'user', permissions: ['DNS Write', 'API Tokens Write'] },
    { id: READER_ID, value: READER, name: 'read only', status: 'active', owner: 'user', permissions: ['Zone Read'] },
    { id: 'bb17574386854bf78a67040be0a770b2', value: ADMIN, name: 'credctl admin', status: 'active', owner: 'user', permissions: ['API Tokens Write'] },
  ]);
});
afterEach(() => api.close());
afterAll(() => {
  const text = JSON.stringify(shown);
  for (const v of [DEPLOY, READER, ADMIN, SHORT]) expect(text).not.toContain(v);
});

describe('a verify answer that is not an envelope', () => {
  it('null, an empty body, or a list of errors holding null: analyze is an error, not a crash', async () => {
    for (const answer of [{ status: 200, raw: 'null' }, { status: 200 }, { status: 400, body: { success: false, errors: [null] } }]) {
      api.answerNext('GET', VERIFY, answer);
      const err = await failure(cloudflare.analyze!({ value: DEPLOY }, ctx()));
      expect(err.exitCode).toBe(5);
      expect(err.message).toContain('cannot analyse the token');
    }
  });

  it('only a 400 with 6003 or 6111 means "not a token": a failing Cloudflare that lists 6003 is unknown', async () => {
    api.answerNext('GET', VERIFY, { status: 503, body: { success: false, errors: [{ code: 6003, message: 'Invalid request headers' }] } }, 2);
    const v = await cloudflare.verify!({ value: DEPLOY }, ctx());
    shown.push(v.reason);
    expect(v.status).toBe('unknown');
  });

  it('verify details without a result leave the answer live', async () => {
    api.answerNext('GET', DETAILS, { status: 200, body: { success: true } });
    const v = await cloudflare.verify!({ value: DEPLOY }, ctx());
    expect(v.status).toBe('live');
    expect(v).not.toHaveProperty('lastUsedAt');
  });
});

describe('analyze: which answer of the details is read', () => {
  it('the admin token is not used when the token may read its own details', async () => {
    const a = await cloudflare.analyze!({ value: DEPLOY }, ctx(ADMIN));
    expect(a.complete).toBe(true);
    expect(api.requests.filter((r) => r.headers.authorization === `Bearer ${ADMIN}`)).toEqual([]);
  });

  it('a status outside 2xx is an error even when it carries policies', async () => {
    const policies = { success: true, result: { id: ID, policies: [{ effect: 'allow', permission_groups: [{ name: 'DNS Write' }] }] } };
    for (const status of [300, 404]) {
      api.answerNext('GET', DETAILS, { status, body: policies });
      const err = await failure(cloudflare.analyze!({ value: DEPLOY }, ctx()));
      expect([err.exitCode, err.message]).toEqual([5, `Cloudflare token details: HTTP ${status}`]);
    }
  });

  it('a 200 without a result, or without a body, is a malformed answer', async () => {
    for (const answer of [{ status: 200, body: { success: true } }, { status: 200 }]) {
      api.answerNext('GET', DETAILS, answer);
      const err = await failure(cloudflare.analyze!({ value: DEPLOY }, ctx()));
      expect([err.exitCode, err.message]).toEqual([5, 'Cloudflare token details: HTTP 200 (malformed body)']);
    }
  });

  it('a token echoed in the error of a details answer without policies is not shown', async () => {
    api.answerNext('GET', VERIFY, ok({ id: ID, status: 'active' }));
    api.answerNext('GET', DETAILS, { status: 200, body: { success: false, errors: [{ code: 1000, message: `no policies for ${SHORT}` }], result: null } });
    const err = await failure(cloudflare.analyze!({ value: SHORT }, ctx()));
    expect(err.message).toContain('no policies for');
    expect(err.message).not.toContain(SHORT);
  });
});

describe('the roll: which answer gives the new value', () => {
  it('a status outside 2xx is an error even when it carries a value', async () => {
    for (const status of [300, 404]) {
      api.answerNext('PUT', ROLL, { status, body: { success: true, result: NEW_VALUE } });
      const err = await failure(roll());
      expect([err.exitCode, err.message]).toEqual([5, `Cloudflare roll token: HTTP ${status}`]);
    }
  });

  it('a 200 without a body is a malformed answer', async () => {
    api.answerNext('PUT', ROLL, { status: 200 });
    expect((await failure(roll())).message).toBe('Cloudflare roll token: HTTP 200 (malformed body)');
  });

  it('the token that rolled, echoed in the error of an answer without a value, is not shown', async () => {
    api.answerNext('PUT', ROLL, { status: 200, body: { success: false, errors: [{ code: 1, message: `rolled by ${SHORT}` }], result: 'short' } });
    const err = await failure(roll(ctx(), SHORT));
    expect(err.message).toContain('rolled by');
    expect(err.message).not.toContain(SHORT);
  });

  it('a roll without a recorded token id is refused before any call', async () => {
    const before = api.requests.length;
    const err = await failure(cloudflare.rotate!.provider(credential, ctx(ADMIN)).create({ credential, oldValue: DEPLOY, idempotencyKey: 'run' }));
    expect(err.exitCode).toBe(6);
    expect(api.requests.length).toBe(before);
  });
});

describe('a token in the URL of a refused hop is not shown', () => {
  it('verify: the token checked', async () => {
    redirectThrough(api, 'GET', VERIFY, DEPLOY);
    const v = await cloudflare.verify!({ value: DEPLOY }, ctx());
    shown.push(v.reason);
    expect(v.status).toBe('unknown');
    expect(v.reason).toContain('another origin');
    expect(v.reason).not.toContain(DEPLOY);
  });

  it('analyze: the token and the admin token that read the details', async () => {
    redirectThrough(api, 'GET', DETAILS, DEPLOY);
    const own = await failure(cloudflare.analyze!({ value: DEPLOY }, ctx()));
    expect(own.message).toContain('another origin');
    expect(own.message).not.toContain(DEPLOY);
    // The token's own read is refused, so the admin token reads, and is sent through the hop.
    api.answerNext('GET', DETAILS, { status: 403, body: { success: false, errors: [{ code: 9109, message: 'Unauthorized' }], result: null } });
    redirectThrough(api, 'GET', DETAILS, ADMIN, DEPLOY);
    const byAdmin = await failure(cloudflare.analyze!({ value: DEPLOY }, ctx(ADMIN)));
    expect(byAdmin.message).toContain('another origin');
    for (const v of [ADMIN, DEPLOY]) expect(byAdmin.message).not.toContain(v);
  });

  it('the roll: the admin token and the old value', async () => {
    redirectThrough(api, 'PUT', ROLL, ADMIN, DEPLOY);
    const err = await failure(roll(ctx(ADMIN)));
    expect(err.message).toContain('another origin');
    for (const v of [ADMIN, DEPLOY]) expect(err.message).not.toContain(v);
    expect(api.tokens.find((t) => t.id === ID)!.value).toBe(DEPLOY);
  });

  it('revoke: the admin token and the token deleted', async () => {
    redirectThrough(api, 'DELETE', DETAILS, ADMIN, DEPLOY);
    const err = await failure(cloudflare.revoke!.run({ value: DEPLOY }, ctx(ADMIN)));
    expect(err.message).toContain('another origin');
    for (const v of [ADMIN, DEPLOY]) expect(err.message).not.toContain(v);
    expect(api.tokens.some((t) => t.id === ID)).toBe(true);
  });
});

describe('the risk of a permission group named with a separator', () => {
  it('an admin area and its write verb apart from each other is still admin', () => {
    for (const name of ['API Tokens: Edit', 'Billing - Write', 'User Details (all) Edit']) expect([name, riskOfPermission(name)]).toEqual([name, 'admin']);
  });
});
