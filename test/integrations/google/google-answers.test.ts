/**
 * What credctl does with each answer Google may give, beyond the happy paths of google.test.ts:
 * every ErrorInfo reason the verify call can meet, the API Keys API's odd or failing answers
 * (an unknown key, a purged key, a name in an unexpected form, an operation that fails or never
 * ends), what analyze reports for each kind of restriction, and what revoke and rotate send.
 * Answers the stand-in's project never produces are scripted with `answerNext`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { refusedError, storeError } from '../../../src/core/errors.js';
import { integrationContext } from '../../../src/integrations/context.js';
import { rotationKeyId } from '../../../src/integrations/google/index.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { IntegrationContext, RotationSubject } from '../../../src/integrations/types.js';
import type { SafeHttp } from '../../../src/net/http.js';
import { contextFor } from '../context.js';
import { googleError, startGoogle, type GoogleStandIn } from './standin.js';

const fakeKey = (n: number) => `AIzaSyFAKE${String(n).padStart(29, '0')}`;
const OPEN = fakeKey(11);
const LOCKED = fakeKey(12);
const SPARE = fakeKey(13);
const ADMIN = 'ya29.FAKE-admin-access-token-111111111111';
const READER = 'ya29.FAKE-reader-access-token-11111111111';
const PROJECT = '123456789012';
const PARENT = `projects/${PROJECT}/locations/global`;
const CRED: RotationSubject = { id: 'fp', names: ['FAKE_TOKEN'], provider: 'google' };
const google = integrationNamed('google')!;
let api: GoogleStandIn;
const seen: unknown[] = [];
const ctx = (admin: string | null = ADMIN) => contextFor('google', api.url, admin === null ? {} : { admin });
const failure = async (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: Error & { exitCode?: number; hint?: string }) => {
      seen.push(String(e), e.hint);
      return e;
    },
  );
const verifyWith = async (answer: { status: number; body?: unknown; raw?: string }, value = OPEN) => {
  api.answerNext('GET', '/v1beta/models', answer);
  const v = await google.verify!({ value }, ctx());
  seen.push(v);
  return v;
};
const errorInfo = (reason: string, metadata: Record<string, string> = {}) => ({
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
  reason,
  domain: 'googleapis.com',
  metadata,
});
const requestsTo = (method: string, part: string) => api.requests.filter((r) => r.method === method && r.path.includes(part));

beforeAll(async () => {
  api = await startGoogle({
    project: PROJECT,
    adminToken: ADMIN,
    readOnlyToken: READER,
    keys: {
      'open-key': { keyString: OPEN, displayName: 'Server key' },
      'locked-key': {
        keyString: LOCKED,
        displayName: 'Locked everywhere',
        restrictions: {
          apiTargets: [
            { service: 'generativelanguage.googleapis.com', methods: ['ListModels', 'GenerateContent'] },
            { service: 'vision.googleapis.com', methods: [] },
          ],
          serverKeyRestrictions: { allowedIps: ['203.0.113.7', '198.51.100.0/24'] },
        },
      },
      'spare-key': { keyString: SPARE, displayName: '' },
    },
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(async () => {
  await api.close();
  const all = JSON.stringify(seen);
  for (const v of [OPEN, LOCKED, SPARE, ADMIN, READER, ...[...api.keys.values()].map((k) => k.keyString)]) expect(all).not.toContain(v);
});

describe('verify: each answer of the Generative Language API', () => {
  it('asks for one model only, with the key in its header', async () => {
    expect((await google.verify!({ value: OPEN }, ctx())).status).toBe('live');
    const req = api.requests.at(-1)!;
    expect(req.query.get('pageSize')).toBe('1');
    expect(req.headers['x-goog-api-key']).toBe(OPEN);
  });

  it("an expired key (API_KEY_EXPIRED) is dead and the reason says so, with Google's words", async () => {
    const v = await verifyWith({
      status: 400,
      body: googleError(400, 'INVALID_ARGUMENT', 'API key expired. Please renew the API key.', errorInfo('API_KEY_EXPIRED')),
    });
    expect(v.status).toBe('dead');
    expect(v.reason).toContain('HTTP 400 API_KEY_EXPIRED');
    expect(v.reason).toContain('API key expired');
  });

  it('the API_KEY_INVALID verdict holds whatever the status, and the reason never shows the key Google echoed', async () => {
    const v = await verifyWith({ status: 403, body: googleError(403, 'PERMISSION_DENIED', `API key not valid: ${OPEN}`, errorInfo('API_KEY_INVALID')) });
    expect(v).toMatchObject({ status: 'dead' });
    expect(v.reason).toContain('HTTP 403 API_KEY_INVALID');
    expect(v.reason).not.toContain(OPEN);
  });

  it('a 400 without ErrorInfo is dead only when Google says the key is not valid', async () => {
    const dead = await verifyWith({ status: 400, body: googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.') });
    expect(dead.status).toBe('dead');
    expect(dead.reason).toContain('HTTP 400');
    const other = await verifyWith({ status: 400, body: googleError(400, 'INVALID_ARGUMENT', 'Invalid page size.') });
    expect(other.status).toBe('unknown');
    expect(other.reason).toContain('HTTP 400');
    expect(other.reason).toContain('Invalid page size');
    const silent = await verifyWith({ status: 400 });
    expect(silent).toEqual({ status: 'unknown', reason: 'Google answered HTTP 400' });
  });

  it('only a google.rpc.ErrorInfo detail gives the reason; other details and odd shapes are passed over', async () => {
    // The ErrorInfo comes second, after a Help detail.
    const second = await verifyWith({
      status: 400,
      body: {
        error: {
          code: 400,
          message: 'Bad key.',
          status: 'INVALID_ARGUMENT',
          details: [{ '@type': 'type.googleapis.com/google.rpc.Help', links: [] }, errorInfo('API_KEY_EXPIRED')],
        },
      },
    });
    expect(second.status).toBe('dead');
    // A reason carried by another kind of detail is not Google's verdict.
    const notInfo = await verifyWith({
      status: 400,
      body: {
        error: {
          code: 400,
          message: 'Bad request.',
          status: 'INVALID_ARGUMENT',
          details: [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', reason: 'API_KEY_INVALID' }, { reason: 'API_KEY_INVALID' }],
        },
      },
    });
    expect(notInfo.status).toBe('unknown');
    expect(notInfo.reason).toBe('Google answered HTTP 400: Bad request.');
    // details that are not a list, and a reason that is not text, are ignored; the message still counts.
    const notList = await verifyWith({
      status: 400,
      body: { error: { code: 400, message: 'API key not valid. Please pass a valid API key.', details: errorInfo('X') } },
    });
    expect(notList.status).toBe('dead');
    const oddReason = await verifyWith({
      status: 400,
      body: { error: { code: 400, message: 'API key not valid.', details: [{ ...errorInfo('X'), reason: 7 }] } },
    });
    expect(oddReason.status).toBe('dead');
    expect(oddReason.reason).toBe('Google refuses it (HTTP 400: API key not valid.)');
  });

  it('every restriction reason (403) is live, names the reason and the project number', async () => {
    for (const reason of [
      'SERVICE_DISABLED',
      'API_KEY_SERVICE_BLOCKED',
      'API_KEY_HTTP_REFERRER_BLOCKED',
      'API_KEY_IP_ADDRESS_BLOCKED',
      'API_KEY_ANDROID_APP_BLOCKED',
      'API_KEY_IOS_APP_BLOCKED',
    ]) {
      const v = await verifyWith({
        status: 403,
        body: googleError(403, 'PERMISSION_DENIED', 'Requests from this caller are blocked.', { reason, metadata: { consumer: `projects/${PROJECT}` } }),
      });
      expect(v).toMatchObject({ status: 'live', identity: { kind: 'API key', account: `projects/${PROJECT}` } });
      expect(v.reason).toContain(`HTTP 403 ${reason}: Requests from this caller are blocked.`);
    }
  });

  it('a restriction reason outside a 403 is not taken as live', async () => {
    const v = await verifyWith({ status: 400, body: googleError(400, 'FAILED_PRECONDITION', 'Odd.', { reason: 'SERVICE_DISABLED' }) });
    expect(v).toEqual({ status: 'unknown', reason: 'Google answered HTTP 400 SERVICE_DISABLED: Odd.' });
  });

  it('a 403 with another reason is still a known key (the project named when Google says it); a 401 is dead', async () => {
    const other = await verifyWith({
      status: 403,
      body: googleError(403, 'PERMISSION_DENIED', `Denied for ${OPEN}.`, { reason: 'CONSUMER_SUSPENDED', metadata: { consumer: `projects/${PROJECT}` } }),
    });
    expect(other).toMatchObject({ status: 'live', identity: { kind: 'API key', account: `projects/${PROJECT}` } });
    expect(other.reason).not.toContain(OPEN);
    const bare = await verifyWith({ status: 403, body: googleError(403, 'PERMISSION_DENIED', 'Denied.') });
    expect(bare).toMatchObject({ status: 'live', identity: { kind: 'API key' } });
    expect(Object.keys(bare.identity!)).toEqual(['kind']);
    const oddMetadata = await verifyWith({
      status: 403,
      body: { error: { code: 403, message: 'Denied.', details: [{ ...errorInfo('API_KEY_SERVICE_BLOCKED'), metadata: 'projects/1' }] } },
    });
    expect(oddMetadata.status).toBe('live');
    expect(Object.keys(oddMetadata.identity!)).toEqual(['kind']);
    // A consumer that is not text, or an ErrorInfo without metadata, names no project.
    for (const info of [
      { ...errorInfo('API_KEY_SERVICE_BLOCKED'), metadata: { consumer: 7 } },
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_SERVICE_BLOCKED' },
    ]) {
      const v = await verifyWith({ status: 403, body: { error: { code: 403, message: 'Denied.', details: [info] } } });
      expect(v.status).toBe('live');
      expect(v.reason).toContain('API_KEY_SERVICE_BLOCKED');
      expect(v.identity).toEqual({ kind: 'API key' });
    }
    const unauthorized = await verifyWith({ status: 401, body: googleError(401, 'UNAUTHENTICATED', 'Not allowed.') });
    expect(unauthorized.status).toBe('dead');
    expect(unauthorized.identity).toBeUndefined();
  });

  it('a 200 needs a model list to be live; a live key names no project it was not told', async () => {
    const none = await verifyWith({ status: 200, body: { nextPageToken: 'x' } });
    expect(none).toEqual({ status: 'unknown', reason: 'Google answered without a model list' });
    expect(await verifyWith({ status: 200 })).toEqual({ status: 'unknown', reason: 'Google answered without a model list' });
    const empty = await verifyWith({ status: 200, body: { models: [] } });
    expect(empty.status).toBe('live');
    expect(empty.reason).toContain('accepted');
    expect(empty.identity).toEqual({ kind: 'API key' });
    expect(Object.keys(empty.identity!)).toEqual(['kind']);
  });

  it('one 503 is retried, so a passing hiccup still gives an answer', async () => {
    api.misbehave({ kind: 'status', status: 503 }, { count: 1, path: '/v1beta/' });
    expect((await google.verify!({ value: OPEN }, ctx())).status).toBe('live');
  });

  it('an unreachable Google is unknown, not an error', async () => {
    const v = await google.verify!({ value: OPEN }, contextFor('google', 'http://127.0.0.1:9', { admin: ADMIN }));
    seen.push(v);
    expect(v.status).toBe('unknown');
    expect(v.reason).toContain('could not be asked');
  });
});

describe('the API Keys API: where it is, and the token it is asked with', () => {
  /** A context at Google's own addresses whose HTTP client records each URL and answers from the stand-in. */
  const routed = (urls: string[], adminSecret: () => Promise<string>): IntegrationContext => {
    const http = ctx().http;
    const fake = {
      request: (url: URL | string, req: unknown) => {
        const u = new URL(String(url));
        urls.push(`${u.origin}${u.pathname}`);
        return http.request(new URL(`${u.pathname}${u.search}`, api.url), req as never);
      },
    } as unknown as SafeHttp;
    return integrationContext({ integration: google, provider: 'google', http: fake, adminSecret });
  };

  it('by default verify asks generativelanguage.googleapis.com and the key calls go to apikeys.googleapis.com', async () => {
    const urls: string[] = [];
    const adminSecret = vi.fn(async () => ADMIN);
    const c = routed(urls, adminSecret);
    expect(c.api).toBe('https://generativelanguage.googleapis.com');
    expect((await google.verify!({ value: OPEN }, c)).status).toBe('live');
    expect((await google.analyze!({ value: OPEN }, c)).complete).toBe(true);
    expect(urls).toEqual([
      'https://generativelanguage.googleapis.com/v1beta/models',
      'https://apikeys.googleapis.com/v2/keys:lookupKey',
      `https://apikeys.googleapis.com/v2/${PARENT}/keys/open-key`,
    ]);
    // Read once to see that it is there, then once for both API Keys API calls.
    expect(adminSecret).toHaveBeenCalledTimes(2);
  });

  it('neither the token nor the key shows in an error, even when Google echoes them', async () => {
    api.answerNext('GET', '/v2/keys:lookupKey', { status: 403, body: googleError(403, 'PERMISSION_DENIED', `Token ${ADMIN} may not look up ${OPEN}.`) });
    const err = await failure(google.analyze!({ value: OPEN }, ctx()));
    expect(err.exitCode).toBe(5);
    expect(err.message).toContain('Google look up the key: HTTP 403');
    expect(err.message).not.toContain(ADMIN);
    expect(err.message).not.toContain(OPEN);
    expect(err.hint).toContain('API Keys Admin');
  });

  it('a refused token (401) is an error with a hint to renew it, not the role hint', async () => {
    const err = await failure(google.analyze!({ value: OPEN }, ctx('ya29.FAKE-expired-111111111111111111')));
    expect(err.message).toContain('HTTP 401');
    expect(err.hint).toContain('current');
  });
});

describe('analyze: what the key can reach', () => {
  it('each API restriction is a grant on the project; methods are listed when the key is held to some', async () => {
    const a = await google.analyze!({ value: LOCKED }, ctx());
    seen.push(a);
    expect(a).toEqual({
      complete: true,
      grants: [
        {
          scope: 'generativelanguage.googleapis.com',
          risk: 'write',
          description: 'Only these methods: ListModels, GenerateContent',
          resource: `projects/${PROJECT}`,
        },
        { scope: 'vision.googleapis.com', risk: 'write', description: 'Every method of this API, billed to the project', resource: `projects/${PROJECT}` },
      ],
      note: 'Usable only from IP addresses 203.0.113.7, 198.51.100.0/24.',
    });
  });

  it('an unrestricted key: one "*" grant on the project, usable from anywhere', async () => {
    const a = await google.analyze!({ value: OPEN }, ctx());
    expect(a).toEqual({
      complete: true,
      grants: [
        { scope: '*', risk: 'write', description: 'No API restriction: every API enabled in the project, billed to it', resource: `projects/${PROJECT}` },
      ],
      note: 'No application restriction: usable from anywhere.',
    });
  });

  it('every kind of application restriction is named; a target without a service is skipped', async () => {
    api.answerNext('GET', `/v2/${PARENT}/keys/open-key`, {
      status: 200,
      body: {
        name: `${PARENT}/keys/open-key`,
        restrictions: {
          apiTargets: [null, { methods: ['x'] }, { service: 'maps-backend.googleapis.com' }],
          browserKeyRestrictions: { allowedReferrers: ['https://example.com/*', 'https://example.org/*'] },
          serverKeyRestrictions: { allowedIps: ['203.0.113.9'] },
          androidKeyRestrictions: { allowedApplications: [{ packageName: 'com.example.a' }, { packageName: 'com.example.b' }] },
          iosKeyRestrictions: { allowedBundleIds: ['com.example.ios', 'com.example.ios2'] },
        },
      },
    });
    const a = await google.analyze!({ value: OPEN }, ctx());
    expect(a.grants.map((g) => g.scope)).toEqual(['maps-backend.googleapis.com']);
    expect(a.note).toBe(
      'Usable only from websites https://example.com/*, https://example.org/*; IP addresses 203.0.113.9; 2 Android app(s); iOS apps com.example.ios, com.example.ios2.',
    );
  });

  it('empty restriction lists restrict nothing; a key read without a name is on "its project"', async () => {
    api.answerNext('GET', `/v2/${PARENT}/keys/open-key`, {
      status: 200,
      body: {
        restrictions: {
          apiTargets: [],
          browserKeyRestrictions: { allowedReferrers: [] },
          serverKeyRestrictions: { allowedIps: [] },
          androidKeyRestrictions: { allowedApplications: [] },
          iosKeyRestrictions: { allowedBundleIds: [] },
        },
      },
    });
    const a = await google.analyze!({ value: OPEN }, ctx());
    expect(a.grants).toEqual([expect.objectContaining({ scope: '*', resource: 'its project' })]);
    expect(a.note).toBe('No application restriction: usable from anywhere.');
    api.answerNext('GET', `/v2/${PARENT}/keys/open-key`, {
      status: 200,
      body: {
        name: `${PARENT}/keys/open-key`,
        restrictions: { browserKeyRestrictions: {}, serverKeyRestrictions: {}, androidKeyRestrictions: {}, iosKeyRestrictions: {} },
      },
    });
    expect((await google.analyze!({ value: OPEN }, ctx())).note).toBe('No application restriction: usable from anywhere.');
    api.answerNext('GET', `/v2/${PARENT}/keys/open-key`, { status: 200, body: { name: `${PARENT}/keys/open-key`, restrictions: null } });
    expect((await google.analyze!({ value: OPEN }, ctx())).grants.map((g) => g.scope)).toEqual(['*']);
  });

  it('no admin token: incomplete, saying why; a store that cannot be read is an error, not an empty answer', async () => {
    const a = await google.analyze!({ value: OPEN }, ctx(null));
    expect(a.note).toContain('no admin credential configured for google');
    const locked = contextFor('google', api.url);
    locked.adminSecret = async () => {
      throw storeError('the store is locked');
    };
    expect((await failure(google.analyze!({ value: OPEN }, locked))).exitCode).toBe(storeError('x').exitCode);
    const broken = contextFor('google', api.url);
    broken.adminSecret = async () => {
      throw new Error('disk on fire');
    };
    await expect(google.analyze!({ value: OPEN }, broken)).rejects.toThrow('disk on fire');
    const refused = contextFor('google', api.url);
    refused.adminSecret = async () => {
      throw refusedError('the entry is bound to another provider');
    };
    expect((await google.analyze!({ value: OPEN }, refused)).note).toContain('the entry is bound to another provider');
  });

  it('a key Google does not know, or purged, or lost between the two calls: exit 5 saying so', async () => {
    const unknown = await failure(google.analyze!({ value: fakeKey(990) }, ctx()));
    expect([unknown.exitCode, unknown.message]).toEqual([5, 'Google does not know this key (deleted and purged, or not an API key)']);
    api.answerNext('GET', '/v2/keys:lookupKey', {
      status: 400,
      body: googleError(400, 'INVALID_ARGUMENT', 'API key not valid.', { reason: 'API_KEY_INVALID' }),
    });
    expect((await failure(google.analyze!({ value: OPEN }, ctx()))).message).toContain('does not know this key');
    for (const body of [{ parent: PARENT, name: '' }, { parent: PARENT, name: 7 }, undefined]) {
      api.answerNext('GET', '/v2/keys:lookupKey', { status: 200, body });
      expect((await failure(google.analyze!({ value: OPEN }, ctx()))).message).toContain('does not know this key');
    }
    api.answerNext('GET', `/v2/${PARENT}/keys/open-key`, { status: 404, body: googleError(404, 'NOT_FOUND', 'Key not found.') });
    const gone = await failure(google.analyze!({ value: OPEN }, ctx()));
    expect([gone.exitCode, gone.message]).toEqual([5, 'Google does not know this key any more']);
  });

  it('other failures of the look-up and the read are exit-5 errors, not "unknown key"', async () => {
    api.answerNext('GET', '/v2/keys:lookupKey', { status: 400, body: googleError(400, 'INVALID_ARGUMENT', 'Bad request.', { reason: 'BAD_REQUEST' }) });
    expect((await failure(google.analyze!({ value: OPEN }, ctx()))).message).toContain('look up the key: HTTP 400');
    api.answerNext('GET', '/v2/keys:lookupKey', { status: 403, body: googleError(403, 'PERMISSION_DENIED', 'Denied.', { reason: 'API_KEY_INVALID' }) });
    expect((await failure(google.analyze!({ value: OPEN }, ctx()))).message).toContain('look up the key: HTTP 403');
    api.answerNext('GET', '/v2/keys:lookupKey', { status: 200, raw: '{"name": ' });
    expect((await failure(google.analyze!({ value: OPEN }, ctx()))).message).toContain('look up the key: HTTP 200 (malformed body)');
    api.answerNext('GET', `/v2/${PARENT}/keys/open-key`, { status: 200, raw: '{"name": ' });
    expect((await failure(google.analyze!({ value: OPEN }, ctx()))).message).toContain('read the key: HTTP 200 (malformed body)');
    api.answerNext('GET', `/v2/${PARENT}/keys/open-key`, { status: 200, body: 'a key' });
    expect((await failure(google.analyze!({ value: OPEN }, ctx()))).message).toContain('read the key: HTTP 200 (malformed body)');
    api.answerNext('GET', `/v2/${PARENT}/keys/open-key`, { status: 500, body: googleError(500, 'INTERNAL', 'Oops.') }, 2);
    const failed = await failure(google.analyze!({ value: OPEN }, ctx()));
    expect(failed.message).toContain('read the key: HTTP 500');
    expect(failed.message).not.toContain('malformed');
  });

  it('one failed look-up and one failed read are retried', async () => {
    api.answerNext('GET', '/v2/keys:lookupKey', { status: 503, body: googleError(503, 'UNAVAILABLE', 'Try again.') });
    api.answerNext('GET', `/v2/${PARENT}/keys/open-key`, { status: 503, body: googleError(503, 'UNAVAILABLE', 'Try again.') });
    expect((await google.analyze!({ value: OPEN }, ctx())).complete).toBe(true);
  });

  it('a key name in any other form than projects/<n>/locations/global/keys/<id> is refused before it is used in a path', async () => {
    for (const name of [
      `${PARENT}/keys/open-key/keyString`,
      `x/${PARENT}/keys/open-key`,
      `projects/${PROJECT}/locations/us/keys/open-key`,
      `projects/../locations/global/keys/open-key`,
      `projects/${PROJECT}/locations/global/keys/`,
      `projects//locations/global/keys/open-key`,
    ]) {
      const before = api.requests.length;
      api.answerNext('GET', '/v2/keys:lookupKey', { status: 200, body: { parent: PARENT, name } });
      const err = await failure(google.analyze!({ value: OPEN }, ctx()));
      expect([err.exitCode, err.message]).toEqual([5, 'Google named the key in an unexpected form']);
      expect(api.requests.length).toBe(before + 1);
    }
    // Real names: numbers or ids of several characters, upper case and dashes included.
    api.answerNext('GET', '/v2/keys:lookupKey', { status: 200, body: { parent: PARENT, name: `projects/My-Proj-9/locations/global/keys/Ab-9z` } });
    api.answerNext('GET', '/v2/projects/My-Proj-9/locations/global/keys/Ab-9z', {
      status: 200,
      body: { name: 'projects/My-Proj-9/locations/global/keys/Ab-9z' },
    });
    expect((await google.analyze!({ value: OPEN }, ctx())).grants[0]!.resource).toBe('projects/My-Proj-9');
  });
});

describe('revoke: DELETE through the API Keys API', () => {
  it('warns that Google keeps the key 30 days; an unknown or purged key is "already"', async () => {
    expect(google.revoke!.warning).toContain('30 days');
    api.answerNext('GET', '/v2/keys:lookupKey', {
      status: 400,
      body: googleError(400, 'INVALID_ARGUMENT', 'API key not valid.', { reason: 'API_KEY_INVALID' }),
    });
    expect(await google.revoke!.run({ value: OPEN }, ctx())).toBe('already');
    api.answerNext('GET', `/v2/${PARENT}/keys/open-key`, { status: 404, body: googleError(404, 'NOT_FOUND', 'Key not found.') });
    expect(await google.revoke!.run({ value: OPEN }, ctx())).toBe('already');
    expect(requestsTo('DELETE', '/v2/')).toEqual([]);
  });

  it('a key Google shows as deleted is "already", and no delete is sent', async () => {
    const deletes = requestsTo('DELETE', '/v2/').length;
    api.answerNext('GET', `/v2/${PARENT}/keys/open-key`, { status: 200, body: { name: `${PARENT}/keys/open-key`, deleteTime: '2026-12-01T00:00:00Z' } });
    expect(await google.revoke!.run({ value: OPEN }, ctx())).toBe('already');
    expect(requestsTo('DELETE', '/v2/').length).toBe(deletes);
  });

  it('no failure of any API Keys call shows the key, even when Google echoes it', async () => {
    const p = google.rotate!.provider(CRED, ctx());
    const echo = { status: 409, body: googleError(409, 'ABORTED', `Conflict on ${OPEN}.`) };
    const cases: [string, string | RegExp, () => Promise<unknown>][] = [
      ['GET', `/v2/${PARENT}/keys/open-key`, () => google.analyze!({ value: OPEN }, ctx())],
      ['GET', `/v2/${PARENT}/keys/open-key`, () => google.revoke!.run({ value: OPEN }, ctx())],
      ['DELETE', `/v2/${PARENT}/keys/open-key`, () => google.revoke!.run({ value: OPEN }, ctx())],
      ['DELETE', `/v2/${PARENT}/keys/open-key`, () => p.revoke({ value: OPEN, id: `${PARENT}/keys/open-key`, mode: 'revoke' })],
      ['POST', /:undelete$/, () => p.reactivate!({ value: OPEN, id: `${PARENT}/keys/open-key` })],
      ['GET', '/v2/keys:lookupKey', () => google.analyze!({ value: OPEN }, ctx())],
    ];
    for (const [method, path, run] of cases) {
      api.answerNext(method, path, echo);
      const err = await failure(run());
      expect(err.message).toContain('HTTP 409');
      expect(err.message).not.toContain(OPEN);
    }
  });

  it('a delete is not retried: one 500 fails the step (exit 5) and the key stays', async () => {
    const deletes = requestsTo('DELETE', '/v2/').length;
    api.answerNext('DELETE', /\/v2\//, { status: 500, body: googleError(500, 'INTERNAL', 'Oops.') });
    const err = await failure(google.revoke!.run({ value: OPEN }, ctx()));
    expect([err.exitCode, err.message]).toEqual([5, 'Google delete the key: HTTP 500 (Oops.)']);
    expect(requestsTo('DELETE', '/v2/')).toHaveLength(deletes + 1);
    expect(api.keys.get('open-key')!.deleteTime).toBeUndefined();
  });

  it('a delete refused for a reason other than "already deleted" is an error, not "already"', async () => {
    api.answerNext('DELETE', /\/v2\//, { status: 400, body: googleError(400, 'INVALID_ARGUMENT', 'Bad.') });
    expect((await failure(google.revoke!.run({ value: OPEN }, ctx()))).message).toContain('delete the key: HTTP 400');
    api.answerNext('DELETE', /\/v2\//, { status: 400 });
    expect((await failure(google.revoke!.run({ value: OPEN }, ctx()))).message).toBe('Google delete the key: HTTP 400');
    api.answerNext('DELETE', /\/v2\//, { status: 400, body: { code: 400 } });
    expect((await failure(google.revoke!.run({ value: OPEN }, ctx()))).message).toBe('Google delete the key: HTTP 400');
    api.answerNext('DELETE', /\/v2\//, { status: 400, body: { error: { code: 400, message: 'Already deleted.', status: 'FAILED_PRECONDITION' } } });
    expect(await google.revoke!.run({ value: OPEN }, ctx())).toBe('already');
  });

  it('a delete that Google finishes later is waited for through its operation', async () => {
    api.answerNext('DELETE', `/v2/${PARENT}/keys/spare-key`, { status: 200, body: { name: 'operations/akmf.FAKE-1', done: false } });
    api.answerNext('GET', '/v2/operations/akmf.FAKE-1', { status: 200, body: { name: 'operations/akmf.FAKE-1', done: true, response: {} } });
    expect(await google.revoke!.run({ value: SPARE }, ctx())).toBe('revoked');
    expect(requestsTo('GET', '/v2/operations/akmf.FAKE-1')).toHaveLength(1);
    expect(requestsTo('GET', '/v2/operations/akmf.FAKE-1')[0]!.headers.authorization).toBe(`Bearer ${ADMIN}`);
  });
});

describe('long-running operations', () => {
  const deleteAnswering = (op: unknown) => api.answerNext('DELETE', `/v2/${PARENT}/keys/spare-key`, { status: 200, body: op });

  it("an operation that ends in an error is exit 5 with Google's words (never a value)", async () => {
    deleteAnswering({ name: 'operations/akmf.FAKE-2', done: true, error: { code: 9, message: `Key ${SPARE} is in use.` } });
    const err = await failure(google.revoke!.run({ value: SPARE }, ctx()));
    expect(err.exitCode).toBe(5);
    expect(err.message).toContain('Google delete the key: Key');
    expect(err.message).toContain('is in use.');
    deleteAnswering({ name: 'operations/akmf.FAKE-3', done: true, error: { code: 13 } });
    expect((await failure(google.revoke!.run({ value: SPARE }, ctx()))).message).toBe('Google delete the key: failed');
  });

  it('an operation without a usable name is refused before it is polled', async () => {
    for (const name of [undefined, 'operations/../keys/x', 'x/operations/abc', 'operations/', 'operations/a b']) {
      const before = api.requests.length;
      deleteAnswering({ name, done: false });
      const err = await failure(google.revoke!.run({ value: SPARE }, ctx()));
      expect(err.message).toBe('Google delete the key: the operation has no usable name');
      expect(api.requests.length).toBe(before + 3);
    }
  });

  it('a poll that fails is exit 5 naming the operation; no answer at all is "still in progress"', async () => {
    deleteAnswering({ name: 'operations/akmf.FAKE-4', done: false });
    api.answerNext('GET', '/v2/operations/akmf.FAKE-4', { status: 403, body: googleError(403, 'PERMISSION_DENIED', 'No.') });
    const err = await failure(google.revoke!.run({ value: SPARE }, ctx()));
    expect(err.message).toContain('Google delete the key (operation): HTTP 403');
    expect(err.hint).toContain('API Keys Admin');
    api.answerNext('DELETE', `/v2/${PARENT}/keys/spare-key`, { status: 200 });
    expect((await failure(google.revoke!.run({ value: SPARE }, ctx()))).message).toBe('Google delete the key: still in progress');
  });

  it('an operation that never ends is polled 20 times, then the step says to resume', async () => {
    // The 250 ms pause between polls is cut to nothing; every other timer (undici's) runs as usual.
    const realSetTimeout = globalThis.setTimeout as (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => unknown;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
      realSetTimeout(fn, ms === 250 ? 0 : ms, ...args)) as never);
    deleteAnswering({ name: 'operations/akmf.FAKE-5', done: false });
    api.answerNext('GET', '/v2/operations/akmf.FAKE-5', { status: 200, body: { name: 'operations/akmf.FAKE-5', done: false } }, 25);
    const err = await failure(google.revoke!.run({ value: SPARE }, ctx()));
    expect(err.message).toBe('Google delete the key: still in progress');
    expect(err.hint).toContain('credctl apply --resume');
    expect(requestsTo('GET', '/v2/operations/akmf.FAKE-5')).toHaveLength(20);
  });
});

describe('rotate: the new key, and the old one deleted or restored', () => {
  it('rotation key ids are stable per run, distinct between runs, and valid keyIds for the API', () => {
    const id = rotationKeyId('run-1:fp');
    expect(id).toMatch(/^credctl-[0-9a-f]{20}$/);
    expect(id).toMatch(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/);
    expect(rotationKeyId('run-1:fp')).toBe(id);
    expect(rotationKeyId('run-2:fp')).not.toBe(id);
  });

  it('create sends the keyId of the run, the old restrictions and annotations, and returns the new value and name', async () => {
    api.answerNext('GET', `/v2/${PARENT}/keys/locked-key`, {
      status: 200,
      body: {
        name: `${PARENT}/keys/locked-key`,
        displayName: 'Locked everywhere',
        restrictions: { apiTargets: [{ service: 'vision.googleapis.com' }] },
        annotations: { team: 'ml' },
      },
    });
    const p = google.rotate!.provider(CRED, ctx());
    const lookups = requestsTo('GET', 'lookupKey').length;
    const made = await p.create({ credential: CRED, oldId: `${PARENT}/keys/locked-key`, oldValue: LOCKED, idempotencyKey: 'run-a' });
    const post = requestsTo('POST', `/v2/${PARENT}/keys`).at(-1)!;
    expect(post.query.get('keyId')).toBe(rotationKeyId('run-a'));
    expect(post.body).toEqual({
      displayName: 'Locked everywhere (credctl)',
      restrictions: { apiTargets: [{ service: 'vision.googleapis.com' }] },
      annotations: { team: 'ml' },
    });
    expect(made).toEqual({ id: `${PARENT}/keys/${rotationKeyId('run-a')}`, value: api.keys.get(rotationKeyId('run-a'))!.keyString });
    // No lookup was needed: the old key's name was known.
    expect(requestsTo('GET', 'lookupKey').length).toBe(lookups);
  });

  it('an unnamed old key gives "API key (credctl)", a long name is cut, and nothing absent is sent', async () => {
    const p = google.rotate!.provider(CRED, ctx());
    await p.create({ credential: CRED, oldId: undefined, oldValue: SPARE, idempotencyKey: 'run-b' });
    expect(requestsTo('POST', `/v2/${PARENT}/keys`).at(-1)!.body).toEqual({ displayName: 'API key (credctl)' });
    api.answerNext('GET', `/v2/${PARENT}/keys/open-key`, { status: 200, body: { name: `${PARENT}/keys/open-key`, displayName: 'n'.repeat(80) } });
    await p.create({ credential: CRED, oldId: `${PARENT}/keys/open-key`, idempotencyKey: 'run-c' });
    expect(requestsTo('POST', `/v2/${PARENT}/keys`).at(-1)!.body).toEqual({ displayName: `${'n'.repeat(52)} (credctl)` });
    api.answerNext('GET', `/v2/${PARENT}/keys/open-key`, { status: 200, body: { name: `${PARENT}/keys/open-key`, displayName: 7 } });
    await p.create({ credential: CRED, oldId: `${PARENT}/keys/open-key`, idempotencyKey: 'run-c2' });
    expect(requestsTo('POST', `/v2/${PARENT}/keys`).at(-1)!.body).toEqual({ displayName: 'API key (credctl)' });
  });

  it('an old key that cannot be found or no longer exists is a refusal (exit 6), and nothing is created', async () => {
    const p = google.rotate!.provider(CRED, ctx());
    const posts = requestsTo('POST', '/v2/').length;
    const unknown = await failure(p.create({ credential: CRED, oldValue: fakeKey(991), idempotencyKey: 'run-d' }));
    expect([unknown.exitCode, unknown.message]).toEqual([6, 'the old Google API key was not found through the API Keys API']);
    const none = await failure(p.create({ credential: CRED, idempotencyKey: 'run-d' }));
    expect(none.exitCode).toBe(6);
    const gone = await failure(p.create({ credential: CRED, oldId: `${PARENT}/keys/no-such-key`, oldValue: OPEN, idempotencyKey: 'run-d' }));
    expect([gone.exitCode, gone.message]).toEqual([6, 'the old Google API key no longer exists, so its restrictions cannot be copied']);
    expect(requestsTo('POST', '/v2/').length).toBe(posts);
    expect(await p.identify({ oldValue: fakeKey(991), binding: '' })).toBeUndefined();
  });

  it('a create refused by Google is exit 5 with the role hint, and is not retried', async () => {
    const p = google.rotate!.provider(CRED, ctx(READER));
    const posts = requestsTo('POST', '/v2/').length;
    const err = await failure(p.create({ credential: CRED, oldId: `${PARENT}/keys/open-key`, oldValue: OPEN, idempotencyKey: 'run-e' }));
    expect(err.message).toContain('Google create a key: HTTP 403');
    expect(err.hint).toContain('API Keys Admin');
    api.answerNext('POST', `/v2/${PARENT}/keys`, { status: 503, body: googleError(503, 'UNAVAILABLE', `Try again with ${OPEN}.`) });
    const down = await failure(
      google.rotate!.provider(CRED, ctx()).create({ credential: CRED, oldId: `${PARENT}/keys/open-key`, oldValue: OPEN, idempotencyKey: 'run-e' }),
    );
    expect(down.message).toContain('Google create a key: HTTP 503');
    expect(down.message).not.toContain(OPEN);
    expect(requestsTo('POST', '/v2/').length).toBe(posts + 2);
    expect(api.keys.has(rotationKeyId('run-e'))).toBe(false);
  });

  it('a new key whose value cannot be read is exit 5, and a value Google did send never shows', async () => {
    const p = google.rotate!.provider(CRED, ctx());
    const read = (id: string) => p.create({ credential: CRED, oldId: `${PARENT}/keys/open-key`, idempotencyKey: id });
    const leaked = 'AIzaSyFAKEnew000000000000000000000000000';
    api.answerNext('GET', /\/keyString$/, { status: 500, body: { keyString: leaked, error: { code: 500, message: `Could not finish ${leaked}` } } }, 2);
    const failed = await failure(read('run-f'));
    expect(failed.message).toContain('Google read the new key: HTTP 500');
    expect(failed.message).not.toContain(leaked);
    api.answerNext('GET', /\/keyString$/, { status: 200, body: { keyString: '' } });
    expect((await failure(read('run-f'))).message).toBe('Google read the new key: HTTP 200 (malformed body)');
    api.answerNext('GET', /\/keyString$/, { status: 200, body: {} });
    expect((await failure(read('run-f'))).message).toBe('Google read the new key: HTTP 200 (malformed body)');
    api.answerNext('GET', /\/keyString$/, { status: 404 });
    expect((await failure(read('run-f'))).message).toBe('Google read the new key: HTTP 404');
    api.answerNext('GET', /\/keyString$/, { status: 404, body: googleError(404, 'NOT_FOUND', 'Key not found.') });
    expect((await failure(read('run-f'))).message).toBe('Google read the new key: HTTP 404 (Key not found.)');
    // The same run then reads it (the key was made once; later creates met 409).
    expect((await read('run-f')).value).toBe(api.keys.get(rotationKeyId('run-f'))!.keyString);
  });

  it('revoke without an id looks the key up; an unknown key is "already"; a restore of an unknown key is refused', async () => {
    const p = google.rotate!.provider(CRED, ctx());
    expect(await p.revoke({ value: fakeKey(992), mode: 'revoke' })).toBe('already');
    expect(await p.revoke({ value: SPARE, mode: 'deactivate' })).toBe('revoked');
    expect(api.keys.get('spare-key')!.deleteTime).toBeDefined();
    await p.reactivate!({ value: SPARE });
    expect(api.keys.get('spare-key')!.deleteTime).toBeUndefined();
    expect((await failure(p.reactivate!({ value: fakeKey(992) }))).exitCode).toBe(6);
    // A known name is used as is, even when the value is not (or no longer) found by lookup.
    expect(await p.revoke({ value: fakeKey(992), id: `${PARENT}/keys/spare-key`, mode: 'deactivate' })).toBe('revoked');
    await p.reactivate!({ value: fakeKey(992), id: `${PARENT}/keys/spare-key` });
    expect(api.keys.get('spare-key')!.deleteTime).toBeUndefined();
  });

  it('a restore Google refuses is exit 5; one it finishes later is waited for', async () => {
    const p = google.rotate!.provider(CRED, ctx(READER));
    const err = await failure(p.reactivate!({ value: SPARE, id: `${PARENT}/keys/spare-key` }));
    expect(err.message).toContain('Google undelete the key: HTTP 403');
    const admin = google.rotate!.provider(CRED, ctx());
    api.answerNext('POST', /:undelete$/, { status: 200, body: { name: 'operations/akmf.FAKE-6', done: false } });
    api.answerNext('GET', '/v2/operations/akmf.FAKE-6', {
      status: 200,
      body: { name: 'operations/akmf.FAKE-6', done: true, error: { code: 9, message: 'Purged.' } },
    });
    expect((await failure(admin.reactivate!({ value: SPARE, id: `${PARENT}/keys/spare-key` }))).message).toBe('Google undelete the key: Purged.');
    const undo = requestsTo('POST', ':undelete').at(-1)!;
    expect(undo.body).toEqual({});
    const undeletes = requestsTo('POST', ':undelete').length;
    api.answerNext('POST', /:undelete$/, { status: 503, body: googleError(503, 'UNAVAILABLE', 'Busy.') });
    expect((await failure(admin.reactivate!({ value: SPARE, id: `${PARENT}/keys/spare-key` }))).message).toBe('Google undelete the key: HTTP 503 (Busy.)');
    expect(requestsTo('POST', ':undelete').length).toBe(undeletes + 1);
  });

  it('isActive: live is true, dead is false, anything else "unknown"', async () => {
    const p = google.rotate!.provider(CRED, ctx());
    expect(await p.isActive({ value: OPEN })).toBe(true);
    expect(await p.isActive({ value: fakeKey(993) })).toBe(false);
    api.misbehave({ kind: 'status', status: 503 }, { count: 2, path: '/v1beta/' });
    expect(await p.isActive({ value: OPEN })).toBe('unknown');
  });

  it('what the user is told names Google, the API Keys API and the 30 days of undelete', () => {
    expect(google.id).toBe('google');
    expect(google.title).toContain('Google');
    expect(google.rotate!.summary).toContain('undelete it for 30 days');
    expect(google.config![0]!.description).toContain('API Keys API');
    expect(google.manual!.revoke!.instructions).toContain('Delete');
    expect(google.manual!.rotate!.instructions).toContain('same API and application restrictions');
  });

  it('the manual steps point at the Cloud console credentials page', () => {
    expect(google.manual!.revoke!.url).toBe('https://console.cloud.google.com/apis/credentials');
    expect(google.manual!.rotate!.url).toBe('https://console.cloud.google.com/apis/credentials');
    expect(google.rotate!.strategy).toBe('deactivation-grace');
    expect(google.config!.map((c) => [c.key, c.secret])).toEqual([['admin', true]]);
  });
});
