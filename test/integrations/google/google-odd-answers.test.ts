/**
 * Google answers beyond google-answers.test.ts that a user still relies on being read right: a
 * details list holding null, Google's "not valid" words under a status or reason that does not
 * make them a verdict, a look-up redirected nowhere (the key is in that URL's query), a new key
 * value that is not text, an operation named by something other than text, a delete of a key
 * Google no longer has, and a FAILED_PRECONDITION outside a 400. The admin token here is made of
 * short pieces, so only masking (not the long-token rule) keeps it out of what is shown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { RotationSubject } from '../../../src/integrations/types.js';
import { contextFor, keptAnswers } from '../context.js';
import { googleError, startGoogle, type GoogleStandIn } from './standin.js';

const KEY = `AIzaSyFAKE${'0'.repeat(27)}21`;
const ADMIN = 'ya29.FAKE.admin.tok.0123';
const PROJECT = '123456789012';
const PARENT = `projects/${PROJECT}/locations/global`;
const CRED: RotationSubject = { id: 'fp', names: ['FAKE_TOKEN'], provider: 'google' };
const google = integrationNamed('google')!;
const { seen, keep, failure } = keptAnswers();
let api: GoogleStandIn;
const ctx = () => contextFor('google', api.url, { admin: ADMIN });
const errorInfo = (reason: string) => ({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com', metadata: {} });
const verifyWith = async (answer: { status: number; body?: unknown }) => {
  api.answerNext('GET', '/v1beta/models', answer);
  return keep(await google.verify!({ value: KEY }, ctx()));
};
const requestsTo = (method: string, part: string) => api.requests.filter((r) => r.method === method && r.path.includes(part));

beforeAll(async () => {
  api = await startGoogle({
    project: PROJECT,
    adminToken: ADMIN,
    readOnlyToken: 'ya29.FAKE.reader.tok.0123',
    keys: { 'odd-key': { keyString: KEY, displayName: 'Odd key' } },
  });
});
afterAll(() => api.close());

describe('verify: what makes a verdict', () => {
  it('a null among the details does not hide the ErrorInfo after it', async () => {
    const v = await verifyWith({ status: 400, body: { error: { code: 400, message: 'Bad key.', details: [null, errorInfo('API_KEY_INVALID')] } } });
    expect(v.status).toBe('dead');
    expect(v.reason).toContain('API_KEY_INVALID');
  });

  it('"API key not valid" is a verdict only in a 400 without a reason: under a 404, or beside another reason, it is unknown', async () => {
    const notFound = await verifyWith({ status: 404, body: googleError(404, 'NOT_FOUND', 'API key not valid. Please pass a valid API key.') });
    expect(notFound).toEqual({ status: 'unknown', reason: 'Google answered HTTP 404: API key not valid. Please pass a valid API key.' });
    const otherReason = await verifyWith({
      status: 400,
      body: { error: { code: 400, message: 'API key not valid for this quota.', details: [errorInfo('RATE_LIMIT_EXCEEDED')] } },
    });
    expect(otherReason.status).toBe('unknown');
    expect(otherReason.reason).toContain('RATE_LIMIT_EXCEEDED');
  });
});

describe('the API Keys API: odd answers', () => {
  it('a look-up redirected without a Location fails (exit 5) without the key, which that URL carried', async () => {
    api.answerNext('GET', '/v2/keys:lookupKey', { status: 302 });
    const e = await failure(google.analyze!({ value: KEY }, ctx()));
    expect(e).toMatchObject({ exitCode: ExitCode.Remote });
    expect(e!.message).toContain('redirect without a Location');
    expect(e!.message).not.toContain(KEY);
  });

  it('a new key value that is not text is exit 5, never returned; the token Google echoes with it never shows', async () => {
    const p = google.rotate!.provider(CRED, ctx());
    const create = () => p.create({ credential: CRED, oldId: `${PARENT}/keys/odd-key`, idempotencyKey: 'run-odd' });
    api.answerNext('GET', /\/keyString$/, { status: 200, body: { keyString: 123456789 } });
    expect(await failure(create())).toMatchObject({ exitCode: ExitCode.Remote, message: 'Google read the new key: HTTP 200 (malformed body)' });
    api.answerNext('GET', /\/keyString$/, { status: 403, body: googleError(403, 'PERMISSION_DENIED', `Token ${ADMIN} may not read key strings.`) });
    const e = await failure(create());
    expect(e!.message).toContain('Google read the new key: HTTP 403');
    expect(e!.message).not.toContain(ADMIN);
  });

  it('an operation named by anything but text is refused before it is polled', async () => {
    const polls = requestsTo('GET', '/v2/operations/').length;
    api.answerNext('DELETE', `/v2/${PARENT}/keys/odd-key`, { status: 200, body: { name: ['operations/akmf.FAKE-9'], done: false } });
    const e = await failure(google.revoke!.run({ value: KEY }, ctx()));
    expect(e!.message).toBe('Google delete the key: the operation has no usable name');
    expect(requestsTo('GET', '/v2/operations/').length).toBe(polls);
  });

  it('deleting a key Google no longer has (404) is "already"', async () => {
    const p = google.rotate!.provider(CRED, ctx());
    expect(await p.revoke({ value: KEY, id: `${PARENT}/keys/gone-key`, mode: 'revoke' })).toBe('already');
    expect(requestsTo('DELETE', '/v2/').at(-1)!.path).toBe(`/v2/${PARENT}/keys/gone-key`);
  });

  it('FAILED_PRECONDITION means "already deleted" only in a 400: in a 500 the delete failed (exit 5)', async () => {
    api.answerNext('DELETE', `/v2/${PARENT}/keys/odd-key`, { status: 500, body: googleError(500, 'FAILED_PRECONDITION', 'Backend busy.') });
    const p = google.rotate!.provider(CRED, ctx());
    expect(await failure(p.revoke({ value: KEY, id: `${PARENT}/keys/odd-key`, mode: 'revoke' }))).toMatchObject({ exitCode: ExitCode.Remote });
    expect(api.keys.get('odd-key')!.deleteTime).toBeUndefined();
  });
});

describe('a redirect that quotes the key in its URL', () => {
  /** Google sends the call to a URL quoting the key, and that URL redirects nowhere: the error names the URL. */
  const redirectQuotingKey = (method: string, path: string) => {
    api.answerNext(method, path, { status: 302, headers: { location: `${path}?quoted=${KEY}` } });
    api.answerNext(method, path, { status: 302 });
  };
  const NAME = `${PARENT}/keys/odd-key`;
  const provider = () => google.rotate!.provider(CRED, ctx());

  it('verify: unknown, and the reason shows the key masked, never whole', async () => {
    redirectQuotingKey('GET', '/v1beta/models');
    const v = keep(await google.verify!({ value: KEY }, ctx()));
    expect(v.status).toBe('unknown');
    expect(v.reason).toContain('redirect without a Location');
    expect(v.reason).not.toContain(KEY);
  });

  const steps: [string, string, string, () => Promise<unknown>][] = [
    ['analyze (reading the key)', 'GET', `/v2/${NAME}`, () => google.analyze!({ value: KEY }, ctx())],
    ['revoke (reading the key)', 'GET', `/v2/${NAME}`, () => google.revoke!.run({ value: KEY }, ctx())],
    ['revoke (the delete)', 'DELETE', `/v2/${NAME}`, () => google.revoke!.run({ value: KEY }, ctx())],
    ['rotation revoke', 'DELETE', `/v2/${NAME}`, () => provider().revoke({ value: KEY, id: NAME, mode: 'revoke' })],
    ['rotation restore', 'POST', `/v2/${NAME}:undelete`, () => provider().reactivate!({ value: KEY, id: NAME })],
    [
      'rotation create (reading the old key)',
      'GET',
      `/v2/${NAME}`,
      () => provider().create({ credential: CRED, oldId: NAME, oldValue: KEY, idempotencyKey: 'run-r' }),
    ],
  ];
  for (const [step, method, path, run] of steps) {
    it(`${step}: exit 5, and the key is masked in the error`, async () => {
      redirectQuotingKey(method, path);
      const e = await failure(run());
      expect(e).toMatchObject({ exitCode: ExitCode.Remote });
      expect(e!.message).toContain('redirect without a Location');
      expect(e!.message).not.toContain(KEY);
    });
  }
});

describe('google odd answers canary', () => {
  it('neither the key nor the token appears in any result or error', () => {
    const all = JSON.stringify(seen);
    expect(seen.length).toBeGreaterThan(5);
    expect(all).not.toContain(KEY);
    expect(all).not.toContain(ADMIN);
  });
});
