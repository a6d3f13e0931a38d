/**
 * What credctl does with each answer Vercel may give, beyond the paths of vercel.test.ts: which
 * 403s mean a dead token, a user or token metadata with missing or odd fields (names, scopes,
 * times), each answer to the token list, the create and the delete during a rotation, and that no
 * token value (old or new) shows in anything a test got back. Answers the stand-in's tokens never
 * produce are scripted with `answerNext`.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { integrationContext } from '../../../src/integrations/context.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { RotationSubject } from '../../../src/integrations/types.js';
import { SafeHttp } from '../../../src/net/http.js';
import { contextFor, keptAnswers } from '../context.js';
import { startVercel, type VercelStandIn } from './standin.js';

// Obviously fake, 24 alphanumerics like a Vercel token.
const ACCOUNT = 'FAKEacct56789abcdefFAKE0';
const TEAM = 'FAKEteam56789abcdefFAKE0';
const GONE = 'FAKEgone56789abcdefFAKE0';
const ALL = [ACCOUNT, TEAM, GONE];
const CRED: RotationSubject = { id: 'fp', names: ['VERCEL_TOKEN'], provider: 'vercel' };
const USER = '/v2/user';
const CURRENT = '/v5/user/tokens/current';
const LIST = '/v6/user/tokens';
const DELETE = /^\/v3\/user\/tokens\/[^/]+$/;

const vercel = integrationNamed('vercel')!;
let api: VercelStandIn;
const ctx = (settings?: Record<string, string>) => contextFor('vercel', api.url, { settings });
const { seen, keep, failure } = keptAnswers();
const forbidden = (error: unknown) => ({ status: 403, body: { error } });
const requestsTo = (method: string, path: string | RegExp) =>
  api.requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)));
const tokenAnswer = (token: Record<string, unknown>) => ({ status: 200, body: { token: { id: 'tok_fake_scripted', name: 'x', ...token } } });

beforeEach(async () => {
  api = await startVercel(
    {
      [ACCOUNT]: { id: 'tok_fake_account', name: 'laptop', userId: 'usr_FAKE1' },
      [TEAM]: { id: 'tok_fake_team', name: 'ci', userId: 'usr_FAKE1', teamId: 'team_FAKEacme' },
    },
    { usr_FAKE1: { username: 'fake-dev', email: 'dev@example.test' } },
  );
});
afterEach(() => api.close());

describe('verify: which answers mean a dead token', () => {
  it('401, a 403 flagged invalidToken, and a 403 forbidden "Not authorized" are dead', async () => {
    const dead = [
      { status: 401, body: { error: { code: 'unauthorized', message: 'x' } } },
      forbidden({ code: 'other', message: 'whatever', invalidToken: true }),
      forbidden({ code: 'forbidden', message: 'Not authorized' }),
      forbidden({ code: 'forbidden', message: 'not authorized.' }),
    ];
    for (const answer of dead) {
      api.answerNext('GET', USER, answer);
      const v = keep(await vercel.verify!({ value: ACCOUNT }, ctx()));
      expect(v).toEqual({ status: 'dead', reason: `Vercel refuses it (HTTP ${answer.status}: the token is invalid, revoked or expired)` });
    }
  });

  it('another 403 is live but may not ask; a 400 flagged invalidToken is not dead', async () => {
    const live = [
      forbidden({ code: 'forbidden', message: 'Not authorized: Trying to access resource under scope "personal".' }),
      forbidden({ code: 'forbidden', message: 'You are not authorized' }),
      forbidden({ code: 'other', message: 'Not authorized' }),
      forbidden({ code: 'forbidden' }),
      forbidden({ invalidToken: 'true', message: 'flag as text' }),
      { status: 403, body: {} },
      { status: 403, raw: 'not json' },
    ];
    for (const answer of live) {
      api.answerNext('GET', USER, answer);
      const v = keep(await vercel.verify!({ value: ACCOUNT }, ctx()));
      expect(v.status).toBe('live');
      expect(v.reason).toMatch(/^Vercel knows it but it may not make this call \(HTTP 403/);
    }
    api.answerNext('GET', USER, { status: 400, body: { error: { code: 'bad_request', message: 'odd', invalidToken: true } } });
    expect(keep(await vercel.verify!({ value: ACCOUNT }, ctx()))).toEqual({ status: 'unknown', reason: 'Vercel answered HTTP 400: odd' });
  });

  it('a 200 without a user id is unknown, naming the call', async () => {
    for (const body of [undefined, {}, { user: null }, { user: { username: 'fake-dev' } }, { user: { id: 7 } }]) {
      api.answerNext('GET', USER, { status: 200, body });
      expect(keep(await vercel.verify!({ value: ACCOUNT }, ctx()))).toEqual({ status: 'unknown', reason: 'Vercel answered /v2/user without a user' });
    }
  });

  it('an unreachable Vercel is unknown, naming Vercel', async () => {
    const v = keep(await vercel.verify!({ value: ACCOUNT }, contextFor('vercel', 'http://127.0.0.1:9')));
    expect(v.status).toBe('unknown');
    expect(v.reason).toMatch(/^Vercel could not be asked/);
    expect(vercel.defaultApi).toBe('https://api.vercel.com');
  });
});

describe('verify: what a live token names', () => {
  it('a user without a username is named by its id', async () => {
    api.answerNext('GET', USER, { status: 200, body: { user: { id: 'usr_FAKE9', username: null } } });
    expect(keep(await vercel.verify!({ value: ACCOUNT }, ctx())).identity).toEqual({
      principal: 'usr_FAKE9',
      account: 'usr_FAKE9',
      kind: 'account token',
      credentialId: 'tok_fake_account',
    });
  });

  it('the team is the first team scope with a team id; other scopes are passed over', async () => {
    api.answerNext(
      'GET',
      CURRENT,
      tokenAnswer({
        scopes: [
          { type: 'user', teamId: 'team_FAKEnotateam' },
          { type: 'team' },
          { type: 'team', teamId: 7 },
          { type: 'team', teamId: 'team_FAKEsecond' },
          { type: 'team', teamId: 'team_FAKEthird' },
        ],
      }),
    );
    expect(keep(await vercel.verify!({ value: ACCOUNT }, ctx())).identity).toEqual({
      principal: 'fake-dev',
      account: 'team_FAKEsecond',
      kind: 'team token',
      credentialId: 'tok_fake_scripted',
    });
  });

  it('token metadata Vercel does not give (an error, a body without an id) leaves the answer live, without an id or times', async () => {
    for (const answer of [
      { status: 500, body: { error: { code: 'internal_server_error', message: 'boom' } } },
      { status: 200, body: { token: { name: 'no id', expiresAt: Date.UTC(2027, 0, 1) } } },
      { status: 200, raw: '{"token": {' },
      { status: 200 },
      { status: 200, body: {} },
      { status: 201, body: { token: { id: 'tok_fake_201', expiresAt: Date.UTC(2027, 0, 1) } } },
    ]) {
      api.answerNext('GET', CURRENT, answer, answer.status >= 500 ? 2 : 1);
      const v = keep(await vercel.verify!({ value: ACCOUNT }, ctx()));
      expect(v).toEqual({
        status: 'live',
        reason: 'Vercel accepted it just now',
        identity: { principal: 'fake-dev', account: 'usr_FAKE1', kind: 'account token' },
      });
    }
  });

  it('token metadata that does not arrive in time leaves the answer live', async () => {
    const http = new SafeHttp({ timeoutMs: 300 });
    const quick = integrationContext({ integration: vercel, provider: 'vercel', api: api.url, http });
    api.misbehave({ kind: 'hang' }, { path: CURRENT, count: 2 });
    const v = keep(await vercel.verify!({ value: ACCOUNT }, quick));
    expect(v).toMatchObject({ status: 'live', identity: { principal: 'fake-dev', kind: 'account token' } });
    expect(v.identity).not.toHaveProperty('credentialId');
  });

  it('expiry and last use are shown only when they are times', async () => {
    api.answerNext('GET', CURRENT, tokenAnswer({ expiresAt: 'soon', activeAt: null }));
    expect(Object.keys(keep(await vercel.verify!({ value: ACCOUNT }, ctx())))).toEqual(['status', 'reason', 'identity']);
    api.answerNext('GET', CURRENT, { status: 200, raw: '{"token": {"id": "tok_fake_inf", "expiresAt": 1e400, "activeAt": 9e15}}' });
    const v = keep(await vercel.verify!({ value: ACCOUNT }, ctx()));
    expect(v.status).toBe('live');
    expect(v).not.toHaveProperty('expiresAt');
    expect(v).not.toHaveProperty('lastUsedAt');
    api.answerNext('GET', CURRENT, tokenAnswer({ expiresAt: 0, activeAt: Date.UTC(2026, 11, 1) }));
    expect(keep(await vercel.verify!({ value: ACCOUNT }, ctx()))).toMatchObject({
      expiresAt: '1970-01-01T00:00:00.000Z',
      lastUsedAt: '2026-12-01T00:00:00.000Z',
    });
  });
});

describe('analyze: what each scope reaches', () => {
  it('every scope is admin: a team scope on its team, a user scope on the account, another kept by its name', async () => {
    api.answerNext('GET', CURRENT, tokenAnswer({ scopes: [{ type: 'team', teamId: 'team_FAKEa' }, { type: 'user' }, { type: 'sso' }] }));
    const a = keep(await vercel.analyze!({ value: ACCOUNT }, ctx()));
    expect(a.grants.map((g) => [g.scope, g.risk, g.resource])).toEqual([
      ['team', 'admin', 'team_FAKEa'],
      ['account', 'admin', undefined],
      ['sso', 'admin', undefined],
    ]);
    expect(a.grants[0]!.description).toContain('in this team');
    expect(a.grants[1]!.description).toContain('every team');
    expect(a.complete).toBe(false);
    expect(a.note).toContain("the user's role in each team");
  });

  it('a token with no scopes listed says so', async () => {
    for (const token of [{ scopes: [] }, {}]) {
      api.answerNext('GET', CURRENT, tokenAnswer(token));
      const a = keep(await vercel.analyze!({ value: ACCOUNT }, ctx()));
      expect(a).toEqual({ grants: [], complete: false, note: 'Vercel listed no scopes for this token.' });
    }
  });

  it('metadata Vercel did not give is exit 5 naming the call; a 200 without it is "malformed"', async () => {
    for (const answer of [{ status: 200, body: { token: { name: 'no id' } } }, { status: 200, body: {} }, { status: 200 }]) {
      api.answerNext('GET', CURRENT, answer);
      expect(await failure(vercel.analyze!({ value: ACCOUNT }, ctx()))).toMatchObject({
        exitCode: 5,
        message: 'Vercel did not show the token metadata (GET /v5/user/tokens/current): HTTP 200 (malformed body)',
      });
    }
    api.answerNext('GET', CURRENT, { status: 404, body: { error: { code: 'not_found', message: `no ${ACCOUNT}` } } });
    const e = await failure(vercel.analyze!({ value: ACCOUNT }, ctx()));
    expect(e!.message).toMatch(/^Vercel did not show the token metadata \(GET \/v5\/user\/tokens\/current\): HTTP 404 \(no /);
  });

  it('one 5xx is retried', async () => {
    api.misbehave({ kind: 'status', status: 503 }, { path: CURRENT, count: 1 });
    expect(keep(await vercel.analyze!({ value: TEAM }, ctx())).grants[0]!.resource).toBe('team_FAKEacme');
  });
});

describe('revoke: each answer', () => {
  it('a token Vercel no longer accepts is "already" without a delete', async () => {
    expect(await vercel.revoke!.run({ value: GONE }, ctx())).toBe('already');
    expect(requestsTo('DELETE', DELETE)).toEqual([]);
  });

  it('a token whose metadata Vercel will not give is exit 5, nothing deleted', async () => {
    api.answerNext('GET', CURRENT, { status: 200, body: { token: {} } });
    expect(await failure(vercel.revoke!.run({ value: ACCOUNT }, ctx()))).toMatchObject({
      exitCode: 5,
      message: 'Vercel did not say which token this is (GET /v5/user/tokens/current): HTTP 200 (malformed body)',
    });
    api.answerNext('GET', CURRENT, { status: 500, body: { error: { code: 'internal_server_error', message: 'boom' } } }, 2);
    expect(await failure(vercel.revoke!.run({ value: ACCOUNT }, ctx()))).toMatchObject({
      exitCode: 5,
      message: 'Vercel did not say which token this is (GET /v5/user/tokens/current): HTTP 500 (boom)',
    });
    expect(requestsTo('DELETE', DELETE)).toEqual([]);
    expect(api.tokens.has(ACCOUNT)).toBe(true);
  });

  it('the id goes into the path encoded, with the token as Bearer', async () => {
    api.answerNext('GET', CURRENT, tokenAnswer({ id: 'tok/../x' }));
    api.answerNext('DELETE', DELETE, { status: 204 });
    expect(await vercel.revoke!.run({ value: ACCOUNT }, ctx())).toBe('revoked');
    expect(requestsTo('DELETE', DELETE).map((r) => [r.path, r.headers.authorization])).toEqual([['/v3/user/tokens/tok%2F..%2Fx', `Bearer ${ACCOUNT}`]]);
  });

  it('200 and 204 are revoked; 404 and an invalid-token answer are already; anything else is exit 5', async () => {
    const answers: [unknown, string][] = [
      [{ status: 200, body: {} }, 'revoked'],
      [{ status: 204 }, 'revoked'],
      [{ status: 404, body: { error: { code: 'not_found', message: 'Token not found' } } }, 'already'],
      [{ status: 401, body: {} }, 'already'],
      [forbidden({ code: 'forbidden', message: 'Not authorized', invalidToken: true }), 'already'],
    ];
    for (const [answer, said] of answers) {
      api.answerNext('DELETE', DELETE, answer as never);
      expect(await vercel.revoke!.run({ value: ACCOUNT }, ctx())).toBe(said);
    }
    for (const status of [202, 400, 403, 409]) {
      api.answerNext('DELETE', DELETE, { status, body: { error: { code: 'x', message: `no ${ACCOUNT}` } } });
      const e = await failure(vercel.revoke!.run({ value: ACCOUNT }, ctx()));
      expect(e!.exitCode).toBe(5);
      expect(e!.message).toMatch(new RegExp(`^Vercel did not delete the token: HTTP ${status} \\(no `));
    }
    expect(api.tokens.has(ACCOUNT)).toBe(true);
  });

  it('one 5xx on the delete is retried; the warning says it cannot be undone', async () => {
    api.misbehave({ kind: 'status', status: 503 }, { path: '/v3/user/tokens/', count: 1 });
    expect(await vercel.revoke!.run({ value: ACCOUNT }, ctx())).toBe('revoked');
    expect(api.tokens.has(ACCOUNT)).toBe(false);
    expect(vercel.revoke!.warning).toContain('cannot restore');
    expect(vercel.manual!.revoke!.url).toBe('https://vercel.com/account/settings/tokens');
    expect(vercel.manual!.rotate!.url).toBe('https://vercel.com/account/settings/tokens');
    expect(vercel.manual!.rotate!.instructions).toContain('credctl store put');
    expect(vercel.manual!.revoke!.instructions).toContain('Delete');
    expect(vercel.config![0]!.description).toContain('team');
    expect(vercel.title).toContain('Vercel');
    expect(vercel.id).toBe('vercel');
  });
});

describe('a token of another shape, echoed back by Vercel', () => {
  // Dotted and short: only masking by value (not the cut of long token-like runs) hides it.
  const ODD = 'FAKE.odd.vercel.tok';
  const NEW = 'FAKE.new.vercel.tok';

  /** The text says what Vercel said, and shows neither value. */
  const safe = (text: string | undefined, said: string) => {
    expect(text).toContain(said);
    for (const v of [ODD, NEW]) expect(text).not.toContain(v);
  };

  it('is masked in every reason and message, and so is a new value Vercel sent with an error', async () => {
    api.answerNext('GET', USER, { status: 403, body: { error: { code: 'x', message: `no ${ODD}` } } });
    safe(keep(await vercel.verify!({ value: ODD }, ctx())).reason, '(HTTP 403: no ');
    api.answerNext('GET', CURRENT, { status: 404, body: { error: { code: 'x', message: `no ${ODD}` } } });
    safe((await failure(vercel.analyze!({ value: ODD }, ctx())))!.message, 'HTTP 404 (no ');
    api.answerNext('GET', CURRENT, { status: 404, body: { error: { code: 'x', message: `no ${ODD}` } } });
    safe((await failure(vercel.revoke!.run({ value: ODD }, ctx())))!.message, 'HTTP 404 (no ');
    api.answerNext('GET', CURRENT, { status: 404, body: { error: { code: 'x', message: `no ${ODD}` } } });
    const p = vercel.rotate!.provider(CRED, ctx());
    safe((await failure(p.identify({ oldValue: ODD, binding: '' })))!.message, 'HTTP 404 (no ');
    api.answerNext('DELETE', DELETE, { status: 400, body: { error: { code: 'x', message: `no ${ODD}` } } });
    safe((await failure(p.revoke({ value: ODD, id: 'tok_fake_odd|', mode: 'revoke' })))!.message, 'HTTP 400 (no ');
    api.answerNext('GET', LIST, { status: 400, body: { error: { code: 'x', message: `no ${ODD}` } } });
    safe((await failure(p.create({ credential: CRED, oldValue: ODD, idempotencyKey: 'run-odd' })))!.message, 'HTTP 400 (no ');
    api.answerNext('GET', LIST, { status: 200, body: { tokens: [{ name: 'credctl run-odd', id: 'tok_left' }] } });
    api.answerNext('DELETE', DELETE, { status: 400, body: { error: { code: 'x', message: `no ${ODD}` } } });
    safe((await failure(p.create({ credential: CRED, oldValue: ODD, idempotencyKey: 'run-odd' })))!.message, 'HTTP 400 (no ');
    api.answerNext('GET', LIST, { status: 200, body: { tokens: [] } });
    api.answerNext('POST', '/v3/user/tokens', { status: 200, body: { bearerToken: NEW, error: { message: `made ${NEW} for ${ODD}` } } });
    safe((await failure(p.create({ credential: CRED, oldValue: ODD, idempotencyKey: 'run-odd' })))!.message, '(made ');
    api.answerNext('GET', LIST, { status: 200, body: { tokens: [] } });
    api.answerNext('POST', '/v3/user/tokens', { status: 200, body: { error: { message: `nothing for ${ODD}` } } });
    safe((await failure(p.create({ credential: CRED, oldValue: ODD, idempotencyKey: 'run-odd' })))!.message, '(nothing for ');
    api.answerNext('GET', CURRENT, tokenAnswer({ id: 'tok_fake_odd' }));
    api.answerNext('DELETE', DELETE, { status: 400, body: { error: { code: 'x', message: `no ${ODD}` } } });
    safe((await failure(vercel.revoke!.run({ value: ODD }, ctx())))!.message, 'HTTP 400 (no ');
    seen.push(ODD.length);
  });

  afterAll(() => {
    const all = JSON.stringify(seen);
    expect(all).not.toContain(ODD);
    expect(all).not.toContain(NEW);
  });
});

describe('rotation: each answer', () => {
  it('identify: the configured team, else the token team, else none; metadata not given is exit 5', async () => {
    expect(await vercel.rotate!.provider(CRED, ctx()).identify({ oldValue: ACCOUNT, binding: '' })).toBe('tok_fake_account|');
    expect(await vercel.rotate!.provider(CRED, ctx()).identify({ oldValue: TEAM, binding: '' })).toBe('tok_fake_team|team_FAKEacme');
    expect(await vercel.rotate!.provider(CRED, ctx({ team: 'team_FAKEset' })).identify({ oldValue: TEAM, binding: '' })).toBe('tok_fake_team|team_FAKEset');
    const e = await failure(vercel.rotate!.provider(CRED, ctx()).identify({ oldValue: GONE, binding: '' }));
    expect(e).toMatchObject({ exitCode: 5 });
    expect(e!.message).toMatch(/^Vercel did not say which token is in use: HTTP 403/);
    expect(vercel.config!.map((c) => c.key)).toEqual(['team']);
  });

  it('create: refused without the old value, naming where to make one by hand', async () => {
    const e = await failure(vercel.rotate!.provider(CRED, ctx()).create({ credential: CRED, idempotencyKey: 'run-a' }));
    expect(e).toMatchObject({ exitCode: 6 });
    expect(e!.hint).toContain('https://vercel.com/account/settings/tokens');
    expect(e!.message).toContain('not in the store');
    expect(api.requests).toEqual([]);
  });

  it('create: a token without a team is made without a teamId, named after the run (at most 100 characters)', async () => {
    const p = vercel.rotate!.provider(CRED, ctx());
    const made = await p.create({ credential: CRED, oldId: 'tok_fake_account|', oldValue: ACCOUNT, idempotencyKey: 'r'.repeat(120) });
    const [post] = requestsTo('POST', '/v3/user/tokens');
    expect(post!.query.has('teamId')).toBe(false);
    expect(post!.body).toEqual({ name: `credctl ${'r'.repeat(92)}` });
    expect(post!.headers.authorization).toBe(`Bearer ${ACCOUNT}`);
    expect(made.id).toMatch(/^[0-9a-f]{64}\|$/);
    expect(api.tokens.get(made.value)!.teamId).toBeUndefined();
    const noId = await p.create({ credential: CRED, oldValue: ACCOUNT, idempotencyKey: 'run-noid' });
    expect(noId.id).toMatch(/^[0-9a-f]{64}\|$/);
    keep(made.id);
  });

  it('create: only a leftover of this run (same name, with an id) is deleted first', async () => {
    const p = vercel.rotate!.provider(CRED, ctx());
    api.answerNext('GET', LIST, {
      status: 200,
      body: {
        tokens: [
          null,
          { name: 'credctl run-b' },
          { name: 'credctl run-b', id: 7 },
          { name: 'credctl run-bb', id: 'tok_other' },
          { name: 'credctl run-b', id: 'tok_left' },
        ],
      },
    });
    api.answerNext('DELETE', DELETE, { status: 200, body: {} });
    await p.create({ credential: CRED, oldValue: ACCOUNT, idempotencyKey: 'run-b' });
    expect(requestsTo('DELETE', DELETE).map((r) => r.path)).toEqual(['/v3/user/tokens/tok_left']);
    expect(requestsTo('GET', LIST)[0]!.headers.authorization).toBe(`Bearer ${ACCOUNT}`);
  });

  it('create: a token list Vercel did not give stops it before anything is made', async () => {
    const p = vercel.rotate!.provider(CRED, ctx());
    for (const [answer, message] of [
      [{ status: 200, body: { tokens: 'none' } }, 'Vercel did not list the user tokens (GET /v6/user/tokens): HTTP 200 (malformed body)'],
      [{ status: 200, raw: '{"tokens": [' }, 'Vercel did not list the user tokens (GET /v6/user/tokens): HTTP 200 (malformed body)'],
      [{ status: 201, body: { tokens: [] } }, 'Vercel did not list the user tokens (GET /v6/user/tokens): HTTP 201'],
      [{ status: 500, body: { error: { code: 'e', message: 'boom' } } }, 'Vercel did not list the user tokens (GET /v6/user/tokens): HTTP 500 (boom)'],
    ] as const) {
      api.answerNext('GET', LIST, answer, answer.status >= 500 ? 2 : 1);
      expect(await failure(p.create({ credential: CRED, oldValue: ACCOUNT, idempotencyKey: 'run-c' }))).toMatchObject({ exitCode: 5, message });
    }
    expect(requestsTo('POST', '/v3/user/tokens')).toEqual([]);
  });

  it('create: an answer without both the value and the id is exit 5, never showing a value it did get; it is not retried', async () => {
    const p = vercel.rotate!.provider(CRED, ctx());
    const made = () => p.create({ credential: CRED, oldValue: ACCOUNT, idempotencyKey: 'run-d' });
    const leaked = 'FAKEleak56789abcdefFAKE0';
    for (const body of [
      { bearerToken: leaked },
      { bearerToken: leaked, token: { id: 7 } },
      { token: { id: 'tok_x' } },
      { bearerToken: 7, token: { id: 'tok_x' } },
    ]) {
      api.answerNext('POST', '/v3/user/tokens', { status: 200, body: { ...body, error: { message: `made ${leaked}` } } });
      const e = await failure(made());
      expect(e!.message).toMatch(/^Vercel did not create the replacement token: HTTP 200 \(malformed body\)/);
      expect(e!.message).not.toContain(leaked);
    }
    api.answerNext('POST', '/v3/user/tokens', { status: 200 });
    expect((await failure(made()))!.message).toBe('Vercel did not create the replacement token: HTTP 200 (malformed body)');
    api.answerNext('POST', '/v3/user/tokens', { status: 201, body: { bearerToken: leaked, token: { id: 'tok_x' }, error: { message: `made ${leaked}` } } });
    const e = await failure(made());
    expect(e!.message).toMatch(/^Vercel did not create the replacement token: HTTP 201 \(made /);
    expect(e!.message).not.toContain(leaked);
    api.misbehave({ kind: 'status', status: 503 }, { path: '/v3/user/tokens', count: 1 });
    expect(await failure(made())).toMatchObject({ exitCode: 5 });
    expect(requestsTo('POST', '/v3/user/tokens')).toHaveLength(7);
  });

  it('revoke: by the planned id without asking which token it is; without one, by its metadata; deactivation refused', async () => {
    const p = vercel.rotate!.provider(CRED, ctx());
    api.answerNext('DELETE', DELETE, { status: 200, body: {} });
    expect(await p.revoke({ value: ACCOUNT, id: 'tok_fake_planned|team_FAKEacme', mode: 'revoke' })).toBe('revoked');
    expect(requestsTo('DELETE', DELETE).map((r) => r.path)).toEqual(['/v3/user/tokens/tok_fake_planned']);
    expect(requestsTo('GET', CURRENT)).toEqual([]);
    expect(await p.revoke({ value: ACCOUNT, id: '|team_FAKEacme', mode: 'revoke' })).toBe('revoked');
    expect(requestsTo('DELETE', DELETE).at(-1)!.path).toBe('/v3/user/tokens/tok_fake_account');
    expect(await p.revoke({ value: GONE, mode: 'revoke' })).toBe('already');
    expect(await p.revoke({ value: TEAM, mode: 'revoke' })).toBe('revoked');
    expect(api.tokens.has(TEAM)).toBe(false);
    api.tokens.set(TEAM, { id: 'tok_fake_team', name: 'ci', userId: 'usr_FAKE1', teamId: 'team_FAKEacme' });
    const e = await failure(p.revoke({ value: TEAM, id: 'tok_fake_team|', mode: 'deactivate' }));
    expect(e).toMatchObject({ exitCode: 6 });
    expect(e!.message).toContain('cannot be deactivated');
    expect(e!.hint).toContain('--grace');
    expect(api.tokens.has(TEAM)).toBe(true);
  });

  it('isActive: live is true, dead false, anything else (or no answer) unknown', async () => {
    const p = vercel.rotate!.provider(CRED, ctx());
    expect(await p.isActive({ value: TEAM })).toBe(true);
    expect(await p.isActive({ value: GONE })).toBe(false);
    api.answerNext('GET', USER, { status: 429, body: {} }, 2);
    expect(await p.isActive({ value: TEAM })).toBe('unknown');
    expect(await vercel.rotate!.provider(CRED, contextFor('vercel', 'http://127.0.0.1:9')).isActive({ value: TEAM })).toBe('unknown');
    expect(vercel.rotate!.summary).toContain('both work');
  });
});

afterAll(() => {
  const all = JSON.stringify(seen);
  expect(seen.length).toBeGreaterThan(30);
  for (const t of [...ALL, 'FAKEleak56789abcdefFAKE0']) expect(all).not.toContain(t);
});
