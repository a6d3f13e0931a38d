/**
 * SendGrid answers that are valid HTTP but not what the reference shows (a JSON `null`, a list
 * holding `null`, a status other than the one documented, a refusal that carries a list), and
 * answers that echo a value back: credctl must stop with a clean CredctlError (or an "unknown"),
 * never a TypeError, never act on a refused answer, and never show the key or the admin key.
 * Values are echoed two ways: in the vendor's error text (with a key of another form, whose
 * segments are too short for the long-token rule to cut), and in the URL of a same-origin hop
 * that the client names when it refuses the next hop to another origin.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { RotationSubject } from '../../../src/integrations/types.js';
import { contextFor, keptRejection, redirectThrough } from '../context.js';
import { startSendGrid, type SendGridStandIn } from './standin.js';

const key = (tag: string) => `SG.${`FAKE${tag}`.padEnd(22, '0')}.${`EXAMPLE${tag}`.padEnd(43, '0')}`;
const idOf = (value: string) => value.split('.')[1]!;
const SENDER = key('sender');
const ADMIN = key('admin');
/** A key of another form (verify accepts any value): no run in it is long enough for the long-token rule. */
const SHORT = 'SG.FAKEshort.EXAMPLE0123';
const CRED: RotationSubject = { id: 'fp', names: ['SENDGRID_API_KEY'], provider: 'sendgrid' };

const sendgrid = integrationNamed('sendgrid')!;
let api: SendGridStandIn;
const ctx = (admin?: string) => contextFor('sendgrid', api.url, admin ? { admin } : {});
const shown: string[] = [];
const sgError = (message: string) => ({ errors: [{ field: null, message }] });
const requestsTo = (method: string, path: string) => api.requests.filter((r) => r.method === method && r.path === path);

const failure = keptRejection(shown);

beforeEach(async () => {
  api = await startSendGrid([
    { value: SENDER, name: 'web app sender', scopes: ['mail.send'] },
    { value: ADMIN, name: 'key manager', scopes: ['api_keys.create', 'api_keys.read', 'api_keys.delete'] },
  ]);
});
afterEach(() => api.close());
afterAll(() => {
  const text = JSON.stringify(shown);
  for (const v of [SENDER, ADMIN, SHORT]) expect(text).not.toContain(v);
});

describe('a value echoed back is never shown', () => {
  it('in the refusal of GET /v3/scopes, by verify and by analyze', async () => {
    api.answerNext('GET', '/v3/scopes', { status: 401, body: sgError(`bad key ${SHORT}`) });
    const v = await sendgrid.verify!({ value: SHORT }, ctx());
    shown.push(v.reason);
    expect(v.status).toBe('dead');
    expect(v.reason).toContain('bad key');
    expect(v.reason).not.toContain(SHORT);
    api.answerNext('GET', '/v3/scopes', { status: 401, body: sgError(`bad key ${SHORT}`) });
    const err = await failure(sendgrid.analyze!({ value: SHORT }, ctx()));
    expect(err.exitCode).toBe(5);
    expect(err.message).toContain('bad key');
    expect(err.message).not.toContain(SHORT);
  });

  it('in the URL of a hop the client refuses, by verify and by analyze', async () => {
    redirectThrough(api, 'GET', '/v3/scopes', SENDER);
    const v = await sendgrid.verify!({ value: SENDER }, ctx());
    shown.push(v.reason);
    expect(v.status).toBe('unknown');
    expect(v.reason).toContain('another origin');
    expect(v.reason).not.toContain(SENDER);
    redirectThrough(api, 'GET', '/v3/scopes', SENDER);
    const err = await failure(sendgrid.analyze!({ value: SENDER }, ctx()));
    expect(err.message).toContain('another origin');
    expect(err.message).not.toContain(SENDER);
  });

  it('in the URL of a hop of an admin call: neither the key nor the admin key', async () => {
    const p = sendgrid.rotate!.provider(CRED, ctx(ADMIN));
    const getPath = `/v3/api_keys/${idOf(SENDER)}`;
    const calls: [string, string | RegExp, () => Promise<unknown>][] = [
      ['GET', getPath, () => sendgrid.revoke!.run({ value: SENDER }, ctx(ADMIN))],
      ['GET', getPath, () => p.identify({ oldValue: SENDER, binding: '' })],
      ['GET', getPath, () => p.create({ credential: CRED, oldId: idOf(SENDER), oldValue: SENDER, idempotencyKey: 'run-hop' })],
      ['GET', '/v3/api_keys', () => p.create({ credential: { ...CRED, scopes: ['mail.send'] }, oldValue: SENDER, idempotencyKey: 'run-hop' })],
      ['DELETE', getPath, () => p.revoke({ value: SENDER, mode: 'revoke' })],
    ];
    for (const [method, path, call] of calls) {
      redirectThrough(api, method, path, ADMIN, SENDER);
      const err = await failure(call());
      expect(err.message).toContain('another origin');
      for (const v of [ADMIN, SENDER]) expect(err.message).not.toContain(v);
    }
    expect(api.keys.has(SENDER)).toBe(true);
  });

  it('in a create that answers a value without an id', async () => {
    const p = sendgrid.rotate!.provider(CRED, ctx(ADMIN));
    api.answerNext('POST', '/v3/api_keys', { status: 201, body: { api_key: SHORT, name: 'x', errors: [{ message: `made ${SHORT}` }] } });
    const err = await failure(p.create({ credential: { ...CRED, scopes: ['mail.send'] }, oldValue: SENDER, idempotencyKey: 'run-short' }));
    expect(err.message).toContain('SendGrid POST /v3/api_keys: HTTP 201 (malformed body) (made ');
    expect(err.message).not.toContain(SHORT);
  });
});

describe('answers that are JSON but not the documented shape', () => {
  it('analyze takes scopes only from a 200', async () => {
    api.answerNext('GET', '/v3/scopes', { status: 201, body: { scopes: ['mail.send'] } });
    const err = await failure(sendgrid.analyze!({ value: SENDER }, ctx()));
    expect([err.exitCode, err.message]).toEqual([5, 'SendGrid GET /v3/scopes: HTTP 201']);
  });

  it('a key read as null, or as a list holding null, is a key without known scopes', async () => {
    const p = sendgrid.rotate!.provider(CRED, ctx(ADMIN));
    const getPath = `/v3/api_keys/${idOf(SENDER)}`;
    api.answerNext('GET', getPath, { status: 200, raw: 'null' });
    const err = await failure(p.create({ credential: CRED, oldId: idOf(SENDER), oldValue: SENDER, idempotencyKey: 'run-null' }));
    expect(err.exitCode).toBe(6);
    expect(err.message).toContain('refusing to create a Full Access key');
    api.answerNext('GET', getPath, { status: 200, body: { result: [null, { api_key_id: idOf(SENDER), scopes: ['stats.read'] }] } });
    const made = await p.create({ credential: CRED, oldId: idOf(SENDER), oldValue: SENDER, idempotencyKey: 'run-null' });
    expect(api.keys.get(made.value)!.scopes).toEqual(['stats.read']);
  });

  it('the list of keys: a refusal that carries a list stops before anything is made; null is malformed; a null entry is skipped', async () => {
    const p = sendgrid.rotate!.provider(CRED, ctx(ADMIN));
    const make = () => p.create({ credential: { ...CRED, scopes: ['mail.send'] }, oldValue: SENDER, idempotencyKey: 'run-list' });
    api.answerNext('GET', '/v3/api_keys', { status: 403, body: { ...sgError('access forbidden'), result: [] } });
    expect((await failure(make())).message).toBe('SendGrid GET /v3/api_keys: HTTP 403 (access forbidden)');
    api.answerNext('GET', '/v3/api_keys', { status: 200, raw: 'null' });
    expect((await failure(make())).message).toBe('SendGrid GET /v3/api_keys: HTTP 200 (malformed body)');
    expect(requestsTo('POST', '/v3/api_keys')).toEqual([]);
    const first = await make();
    const name = api.keys.get(first.value)!.name;
    api.answerNext('GET', '/v3/api_keys', { status: 200, body: { result: [null, { api_key_id: first.id, name }] } });
    const second = await make();
    expect(api.keys.has(first.value)).toBe(false);
    expect(api.keys.has(second.value)).toBe(true);
  });

  it('a create answered with null is exit 5, nothing to store', async () => {
    const p = sendgrid.rotate!.provider(CRED, ctx(ADMIN));
    api.answerNext('POST', '/v3/api_keys', { status: 201, raw: 'null' });
    const err = await failure(p.create({ credential: { ...CRED, scopes: ['mail.send'] }, oldValue: SENDER, idempotencyKey: 'run-made-null' }));
    expect([err.exitCode, err.message]).toEqual([5, 'SendGrid POST /v3/api_keys: HTTP 201 (malformed body)']);
  });
});
