import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredctlError, inputError, refusedError, remoteError } from '../../src/core/errors.js';
import {
  basicAuth,
  because,
  refusalOf,
  riskFromWords,
  unreachable,
  vendorCall,
  vendorFailure,
  vendorMessage,
  type VendorReply,
} from '../../src/integrations/kit.js';
import type { IntegrationContext } from '../../src/integrations/types.js';
import { SafeHttp } from '../../src/net/http.js';

// The kit is what every vendor folder's verify and revoke stand on: how a call is made, how an
// answer reads as live / dead / unknown, and how a vendor's words are shown without a value.

const FAKE = 'sk_test_FAKE0123456789abcdefFAKE';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
let server: Server;
let api: string;
let seen: Seen[] = [];
let reply: { status: number; body: string } = { status: 200, body: '{}' };
const http = new SafeHttp();

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(reply.status, { 'content-type': 'application/json', 'x-request-id': 'req-1' });
      res.end(reply.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  await http.close();
  await new Promise((r) => server.close(r));
});

const ctx = (base = api): IntegrationContext => ({ http, api: base, provider: 'example', setting: () => undefined, adminSecret: async () => FAKE });
const answer = (status: number, body = '') => {
  reply = { status, body };
  seen = [];
};

describe('vendorCall', () => {
  it('joins the path under the API base, with or without slashes, and sends JSON headers', async () => {
    answer(200, '{"ok":true}');
    const r = await vendorCall(ctx(), '/me', { query: { limit: 5, skip: undefined, q: 'a b' } });
    await vendorCall(ctx(`${api}/`), 'me');
    expect(r).toEqual({ status: 200, headers: expect.objectContaining({ 'x-request-id': 'req-1' }), json: { ok: true }, malformed: false });
    expect(seen.map((s) => s.url)).toEqual(['/v1/me?limit=5&q=a+b', '/v1/me']);
    expect(seen[0]).toMatchObject({ method: 'GET', headers: expect.objectContaining({ accept: 'application/json', 'user-agent': 'credctl' }), body: '' });
  });

  it('a first segment holding a colon is a path, not a scheme (Telegram /bot<id>:<token>/)', async () => {
    answer(200, '{}');
    await vendorCall(ctx(), 'bot123:FAKE/getMe');
    expect(seen[0]!.url).toBe('/v1/bot123:FAKE/getMe');
  });

  it('sends JSON, a form, or a raw body with the right content type; caller headers win', async () => {
    answer(200, '{}');
    await vendorCall(ctx(), 'keys', { method: 'POST', json: { name: 'n', n: 1 } });
    await vendorCall(ctx(), 'keys', { method: 'POST', form: { name: 'a b', scope: 'x&y' } });
    await vendorCall(ctx(), 'keys', { method: 'PUT', body: '<x/>', headers: { 'content-type': 'application/xml', accept: 'text/xml' } });
    expect(seen.map((s) => [s.method, s.headers['content-type'], s.body])).toEqual([
      ['POST', 'application/json', '{"name":"n","n":1}'],
      ['POST', 'application/x-www-form-urlencoded', 'name=a+b&scope=x%26y'],
      ['PUT', 'application/xml', '<x/>'],
    ]);
    expect(seen[2]!.headers.accept).toBe('text/xml');
  });

  it('an empty body is no JSON and not malformed; a non-JSON body is malformed, not a crash', async () => {
    answer(204, '');
    expect(await vendorCall(ctx(), 'x')).toMatchObject({ status: 204, json: undefined, malformed: false });
    answer(200, '  \n ');
    expect(await vendorCall(ctx(), 'x')).toMatchObject({ json: undefined, malformed: false });
    answer(502, '<html>bad gateway</html>');
    expect(await vendorCall(ctx(), 'x')).toMatchObject({ status: 502, json: undefined, malformed: true });
  });
});

const r = (status: number, json?: unknown, malformed = false): VendorReply => ({ status, headers: {}, json, malformed });

describe('vendorMessage: the vendor words, safe to show', () => {
  it('finds the message in the usual shapes', () => {
    expect(vendorMessage(r(400, { error: 'bad thing' }), [])).toBe('bad thing');
    expect(vendorMessage(r(400, { error: { message: 'm1' } }), [])).toBe('m1');
    expect(vendorMessage(r(400, { errors: [{ msg: 'm2' }] }), [])).toBe('m2');
    expect(vendorMessage(r(400, { detail: 'm3' }), [])).toBe('m3');
    expect(vendorMessage(r(400, { description: 'm4' }), [])).toBe('m4');
    expect(vendorMessage(r(400, { message: 'm5' }), [])).toBe('m5');
    expect(vendorMessage(r(400, { error: { code: 7 }, message: 'outer' }), [])).toBe('outer');
    expect(vendorMessage(r(400, { other: 1 }), [])).toBeUndefined();
    expect(vendorMessage(r(400, 'plain'), [])).toBeUndefined();
    expect(vendorMessage(r(400, undefined), [])).toBeUndefined();
    expect(vendorMessage(r(400, { weird: { text: 'w' } }), [], (j) => j.weird.text)).toBe('w');
  });

  it('never shows the value the call carried, nor a long token-looking run, and keeps to one short line', () => {
    const said = vendorMessage(r(401, { message: `key ${FAKE} is invalid\nsee docs` }), [FAKE])!;
    expect(said).not.toContain(FAKE);
    expect(said).not.toContain('\n');
    expect(vendorMessage(r(401, { message: `token abcdefghijklmnopqrstuvwxyz0123 rejected` }), [])).not.toContain('abcdefghijklmnopqrstuvwxyz0123');
    expect(vendorMessage(r(400, { message: 'word '.repeat(100) }), [])!.length).toBeLessThanOrEqual(160);
  });
});

describe('refusalOf: reading a verify answer', () => {
  it('a 2xx is for the caller to read, unless its body is not JSON', () => {
    expect(refusalOf('Ex', r(200, {}), [])).toBeUndefined();
    expect(refusalOf('Ex', r(204), [])).toBeUndefined();
    expect(refusalOf('Ex', r(299, {}), [])).toBeUndefined();
    expect(refusalOf('Ex', r(200, undefined, true), [])).toEqual({ status: 'unknown', reason: 'Ex answered with a body that is not JSON' });
  });

  it('401 is dead, with the vendor words', () => {
    expect(refusalOf('Ex', r(401, { message: 'invalid api key' }), [])).toEqual({ status: 'dead', reason: 'Ex refuses it (HTTP 401: invalid api key)' });
    expect(refusalOf('Ex', r(401), [])).toEqual({ status: 'dead', reason: 'Ex refuses it (HTTP 401)' });
  });

  it('403 is live (known, not allowed), unless the vendor says 403 for bad keys', () => {
    expect(refusalOf('Ex', r(403, { message: 'no scope' }), [])).toEqual({
      status: 'live',
      reason: 'Ex knows it but it may not make this call (HTTP 403: no scope)',
    });
    expect(refusalOf('Ex', r(403), [], { forbiddenMeansDead: true })).toEqual({ status: 'dead', reason: 'Ex refuses it (HTTP 403)' });
  });

  it('404 is unknown, unless the vendor says 404 for bad keys', () => {
    expect(refusalOf('Ex', r(404), [])).toEqual({ status: 'unknown', reason: 'Ex answered HTTP 404' });
    expect(refusalOf('Ex', r(404), [], { notFoundMeansDead: true })).toEqual({ status: 'dead', reason: 'Ex refuses it (HTTP 404)' });
    expect(refusalOf('Ex', r(401), [], { notFoundMeansDead: true })?.status).toBe('dead');
  });

  it('429 and 5xx say nothing about the key', () => {
    expect(refusalOf('Ex', r(429), [])).toEqual({ status: 'unknown', reason: 'Ex is rate-limiting (HTTP 429); try again later' });
    expect(refusalOf('Ex', r(500), [])).toEqual({ status: 'unknown', reason: 'Ex failed to answer (HTTP 500)' });
    expect(refusalOf('Ex', r(503, { message: 'down' }), [])).toEqual({ status: 'unknown', reason: 'Ex failed to answer (HTTP 503)' });
    expect(refusalOf('Ex', r(499), [])).toEqual({ status: 'unknown', reason: 'Ex answered HTTP 499' });
    expect(refusalOf('Ex', r(302), [])).toEqual({ status: 'unknown', reason: 'Ex answered HTTP 302' });
    expect(refusalOf('Ex', r(199), [])).toEqual({ status: 'unknown', reason: 'Ex answered HTTP 199' });
    expect(refusalOf('Ex', r(300, {}), [])).toEqual({ status: 'unknown', reason: 'Ex answered HTTP 300' });
  });

  it('a vendor that says 403 or 404 for bad keys still says nothing with a 429 or a 5xx', () => {
    const both = { forbiddenMeansDead: true, notFoundMeansDead: true };
    expect(refusalOf('Ex', r(429), [], both)?.status).toBe('unknown');
    expect(refusalOf('Ex', r(500), [], { forbiddenMeansDead: true })?.status).toBe('unknown');
    expect(refusalOf('Ex', r(502), [], { notFoundMeansDead: true })?.status).toBe('unknown');
    expect(refusalOf('Ex', r(400), [], both)).toEqual({ status: 'unknown', reason: 'Ex answered HTTP 400' });
  });

  it('never shows the value in a reason', () => {
    expect(refusalOf('Ex', r(401, { message: `bad key ${FAKE}` }), [FAKE])!.reason).not.toContain(FAKE);
  });
});

describe('unreachable and because', () => {
  it('a network or refused-address failure is unknown, with its first line', () => {
    expect(unreachable('Ex', remoteError('connect ECONNREFUSED\nstack'))).toEqual({ status: 'unknown', reason: 'Ex could not be asked: connect ECONNREFUSED' });
    expect(unreachable('Ex', refusedError('a cloud metadata address'))).toEqual({
      status: 'unknown',
      reason: 'Ex could not be asked: a cloud metadata address',
    });
    expect(unreachable('Ex', new Error('socket hang up'))).toEqual({ status: 'unknown', reason: 'Ex could not be asked: socket hang up' });
    expect(unreachable('Ex', undefined)).toEqual({ status: 'unknown', reason: 'Ex could not be asked' });
  });

  it('any other credctl error (a store, a config) is not hidden as "unknown"', () => {
    const err = inputError('credctl.yaml is malformed');
    expect(() => unreachable('Ex', err)).toThrow(err);
  });

  it('because never leaves an empty colon', () => {
    expect(because(new Error('  x  \ny'))).toBe(': x');
    expect(because(new Error(''))).toBe('');
    expect(because(new Error('   '))).toBe('');
    expect(because(undefined)).toBe('');
    expect(because({})).toBe('');
  });
});

describe('vendorFailure: an answer an operation cannot go on from', () => {
  it('is exit 5 with the status, the vendor words and a hint for the common refusals', () => {
    const cases: [number, string | undefined][] = [
      [401, 'The credential used was refused: check it is current.'],
      [403, 'The credential used lacks a permission this needs.'],
      [429, 'Rate-limited: try again later (credctl apply --resume).'],
      [500, undefined],
    ];
    for (const [status, hint] of cases) {
      const e = vendorFailure('Ex', 'revoke failed', r(status, { message: 'nope' }), []);
      expect(e).toBeInstanceOf(CredctlError);
      expect(e.exitCode).toBe(5);
      expect(e.message).toBe(`Ex revoke failed: HTTP ${status} (nope)`);
      expect(e.hint).toBe(hint);
    }
    expect(vendorFailure('Ex', 'create failed', r(502, undefined, true), []).message).toBe('Ex create failed: HTTP 502 (malformed body)');
    expect(vendorFailure('Ex', 'create failed', r(400, { message: `bad ${FAKE}` }), [FAKE]).message).not.toContain(FAKE);
  });
});

describe('riskFromWords', () => {
  it.each([
    ['admin', 'admin'],
    ['org:owner', 'admin'],
    ['root', 'admin'],
    ['SUPERUSER', 'admin'],
    ['*', 'admin'],
    ['full_access', 'admin'],
    ['delete_repo', 'admin'],
    ['repo:all', 'admin'],
    ['repo:write', 'write'],
    ['Create', 'write'],
    ['update', 'write'],
    ['delete', 'write'],
    ['manage_users', 'write'],
    ['mail.send', 'write'],
    ['publish', 'write'],
    ['edit', 'write'],
    ['post', 'write'],
    ['deploy', 'write'],
    ['read', 'read'],
    ['all:repo', 'read'],
    // `:all` counts only at the end: a scope that merely starts with "all" after the colon is not everything.
    ['read:allowlist', 'read'],
    ['metrics', 'read'],
  ])('%s is %s', (scope, risk) => {
    expect(riskFromWords(scope)).toBe(risk);
  });
});

it('basicAuth encodes user:password', () => {
  expect(basicAuth('user', 'p:ss')).toBe(`Basic ${Buffer.from('user:p:ss').toString('base64')}`);
  expect(basicAuth('api', FAKE)).toBe('Basic YXBpOnNrX3Rlc3RfRkFLRTAxMjM0NTY3ODlhYmNkZWZGQUtF');
});
