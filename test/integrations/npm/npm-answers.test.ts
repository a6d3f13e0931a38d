/**
 * What credctl does with each answer the npm registry may give, beyond the paths of npm.test.ts:
 * a whoami without a name, each kind of token-list answer (odd entries, endless paging, a failing
 * or malformed list), how the list entry that is this token is found from its visible start, what
 * each entry's flags and CIDR limits mean, and each answer to the DELETE. Answers the stand-in's
 * tokens never produce are scripted with `answerNext`. The file ends with the check that no token
 * value appears in anything a test got back.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { integrationContext } from '../../../src/integrations/context.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { SafeHttp } from '../../../src/net/http.js';
import { contextFor, keptAnswers } from '../context.js';
import { startNpm, type NpmStandIn } from './standin.js';

// Obviously fake, shaped like npm_ tokens (npm_ + 36 alphanumerics).
const PUBLISH = 'npm_A1FAKE0123456789abcdefFAKE01234567ab';
const READONLY = 'npm_B1FAKE0123456789abcdefFAKE01234567cd';
const BOTH = 'npm_C1FAKE0123456789abcdefFAKE01234567ef';
const GONE = 'npm_D1FAKE0123456789abcdefFAKE0123456700';
// A private registry (providers.npm.issuer) may issue tokens of another shape: dotted, short runs.
const PRIVATE = 'FAKE.private.registry.tok.0123';
const ALL = [PUBLISH, READONLY, BOTH, GONE, PRIVATE];
const LIST = '/-/npm/v1/tokens';

const npm = integrationNamed('npm')!;
let api: NpmStandIn;
const ctx = () => contextFor('npm', api.url);
const { seen, keep, failure } = keptAnswers();
const entry = (token: string, key: string, more: Record<string, unknown> = {}) => ({
  token,
  key,
  readonly: false,
  automation: false,
  cidr_whitelist: null,
  ...more,
});
const listOf = (objects: unknown[], next?: string) => ({ status: 200, body: { objects, total: objects.length, urls: next ? { next } : {} } });
const requestsTo = (method: string, path: string) => api.requests.filter((r) => r.method === method && r.path === path);

beforeEach(async () => {
  api = await startNpm({
    [PUBLISH]: { username: 'fake-publisher' },
    [READONLY]: { username: 'fake-publisher', readonly: true, cidr: ['192.0.2.0/24', '198.51.100.7/32'] },
    [BOTH]: { username: 'fake-reader', readonly: true, automation: true },
    [PRIVATE]: { username: 'fake-private' },
  });
});
afterEach(() => api.close());

describe('verify: each answer to GET /-/whoami', () => {
  it('a live token names its account as principal and account; the reason names npm', async () => {
    const v = keep(await npm.verify!({ value: PUBLISH }, ctx()));
    expect(v).toEqual({
      status: 'live',
      reason: 'npm accepted it just now',
      identity: { principal: 'fake-publisher', account: 'fake-publisher', kind: 'access token' },
    });
    expect(requestsTo('GET', '/-/whoami')).toHaveLength(1);
  });

  it('a 200 without a username (missing, empty, not a string) is unknown, naming the call', async () => {
    for (const body of [undefined, {}, { username: '' }, { username: 7 }, { username: null }]) {
      api.answerNext('GET', '/-/whoami', { status: 200, body });
      const v = keep(await npm.verify!({ value: PUBLISH }, ctx()));
      expect(v).toEqual({ status: 'unknown', reason: 'npm answered /-/whoami without a username' });
    }
  });

  it('a dead token is dead with npm named; one 5xx is retried; an unreachable registry is unknown', async () => {
    const dead = keep(await npm.verify!({ value: GONE }, ctx()));
    expect(dead.status).toBe('dead');
    expect(dead.reason).toMatch(/^npm refuses it \(HTTP 401/);
    api.misbehave({ kind: 'status', status: 503 }, { count: 1 });
    expect(keep(await npm.verify!({ value: PUBLISH }, ctx())).status).toBe('live');
    const v = keep(await npm.verify!({ value: PUBLISH }, contextFor('npm', 'http://127.0.0.1:9')));
    expect(v.status).toBe('unknown');
    expect(v.reason).toMatch(/^npm could not be asked/);
  });

  it('the registry by default is registry.npmjs.org', () => {
    expect(npm.defaultApi).toBe('https://registry.npmjs.org');
    expect(npm.title).toContain('npm');
  });
});

describe('analyze: what each list entry says the token can reach', () => {
  it('asks 100 entries a page with the token as Bearer', async () => {
    await npm.analyze!({ value: PUBLISH }, ctx());
    const [req] = requestsTo('GET', LIST);
    expect(req!.query.get('perPage')).toBe('100');
    expect(req!.query.get('page')).toBe('0');
    expect(req!.headers.authorization).toBe(`Bearer ${PUBLISH}`);
  });

  it('a publish token: write, on what the account may publish, without a place limit', async () => {
    const a = keep(await npm.analyze!({ value: PUBLISH }, ctx()));
    expect(a.grants).toHaveLength(1);
    expect(a.grants[0]).toMatchObject({ scope: 'publish', risk: 'write' });
    expect(a.grants[0]!.description).toContain('Publish');
    expect(a.grants[0]).not.toHaveProperty('resource');
    expect(a.complete).toBe(false);
    expect(a.note).toContain('https://www.npmjs.com/settings/~/tokens');
  });

  it('a read-only token limited to two networks: read, private packages included, from both networks', async () => {
    const a = keep(await npm.analyze!({ value: READONLY }, ctx()));
    expect(a.grants).toEqual([
      { scope: 'read-only', risk: 'read', description: expect.stringContaining('private'), resource: 'from 192.0.2.0/24, 198.51.100.7/32' },
    ]);
  });

  it('a read-only automation token: read, and it skips two-factor authentication (write)', async () => {
    const a = keep(await npm.analyze!({ value: BOTH }, ctx()));
    expect(a.grants.map((g) => [g.scope, g.risk])).toEqual([
      ['read-only', 'read'],
      ['automation', 'write'],
    ]);
    expect(a.grants[1]!.description).toContain('two-factor');
    expect(a.grants.every((g) => !('resource' in g))).toBe(true);
  });

  it('an empty CIDR list is no limit; an automation token limited to a network has the limit on both grants', async () => {
    api.answerNext('GET', LIST, listOf([entry('npm_A1', 'FAKEkey1', { cidr_whitelist: [] })]));
    expect(keep(await npm.analyze!({ value: PUBLISH }, ctx())).grants).toEqual([expect.not.objectContaining({ resource: expect.anything() })]);
    api.answerNext('GET', LIST, listOf([entry('npm_A1', 'FAKEkey1', { automation: true, cidr_whitelist: ['203.0.113.0/24'] })]));
    expect(keep(await npm.analyze!({ value: PUBLISH }, ctx())).grants).toEqual([
      expect.objectContaining({ scope: 'publish', resource: 'from 203.0.113.0/24' }),
      expect.objectContaining({ scope: 'automation', resource: 'from 203.0.113.0/24' }),
    ]);
  });

  it('the visible start may end in an ellipsis or dots; it must be at least four characters', async () => {
    for (const shown of ['npm_A1…', 'npm_A1...', 'npm_A1.', 'npm_A1FAKE', 'npm_']) {
      api.answerNext('GET', LIST, listOf([entry(shown, 'FAKEkey1', { readonly: true })]));
      expect(keep(await npm.analyze!({ value: PUBLISH }, ctx())).grants.map((g) => g.scope)).toEqual(['read-only']);
    }
    for (const shown of ['npm', 'np…', '', 'npm_B1…', 'npm_A1x', 'A1FAKE']) {
      api.answerNext('GET', LIST, listOf([entry(shown, 'FAKEkey1', { readonly: true })]));
      const a = keep(await npm.analyze!({ value: PUBLISH }, ctx()));
      expect(a).toMatchObject({ grants: [], complete: false });
      expect(a.note).toBe("This token is not in the account's token list.");
    }
  });

  it('entries without a string key or token are skipped, not matched', async () => {
    api.answerNext(
      'GET',
      LIST,
      listOf([
        null,
        'npm_A1',
        { token: 'npm_A1', key: 7 },
        { token: 7, key: 'FAKEkey0' },
        { key: 'FAKEkey2' },
        entry('npm_A1…', 'FAKEkey1', { readonly: true }),
      ]),
    );
    expect(keep(await npm.analyze!({ value: PUBLISH }, ctx())).grants.map((g) => g.scope)).toEqual(['read-only']);
  });

  it('several entries sharing the start: the note counts them and nothing is guessed', async () => {
    api.answerNext('GET', LIST, listOf([entry('npm_A1', 'FAKEkey1'), entry('npm_A1F', 'FAKEkey2', { readonly: true }), entry('npm_A1FA', 'FAKEkey3')]));
    const a = keep(await npm.analyze!({ value: PUBLISH }, ctx()));
    expect(a.grants).toEqual([]);
    expect(a.note).toMatch(/^3 tokens of this account share its visible prefix/);
  });

  it('the list is followed page by page while it names a next page, and never past ten pages', async () => {
    api.answerNext('GET', LIST, (req) => listOf([entry(`npm_Z${req.query.get('page')}`, 'FAKEother')], '/-/npm/v1/tokens?page=next'), 9);
    api.answerNext('GET', LIST, listOf([entry('npm_A1', 'FAKEkey1', { readonly: true })], '/-/npm/v1/tokens?page=next'));
    api.answerNext('GET', LIST, listOf([entry('npm_A1', 'FAKEkey2')]));
    const a = keep(await npm.analyze!({ value: PUBLISH }, ctx()));
    expect(requestsTo('GET', LIST).map((r) => r.query.get('page'))).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    // The eleventh page (a second entry with the same start) was never read.
    expect(a.grants.map((g) => g.scope)).toEqual(['read-only']);
  });

  it('a page without a next link (or without links at all) is the last', async () => {
    api.answerNext('GET', LIST, { status: 200, body: { objects: [entry('npm_Z', 'FAKEother')], total: 2 } });
    expect(keep(await npm.analyze!({ value: PUBLISH }, ctx())).grants).toEqual([]);
    expect(requestsTo('GET', LIST)).toHaveLength(1);
    api.answerNext('GET', LIST, listOf([entry('npm_Z', 'FAKEother')]));
    api.answerNext('GET', LIST, listOf([entry('npm_A1', 'FAKEkey1')]));
    const a = keep(await npm.analyze!({ value: PUBLISH }, ctx()));
    expect(requestsTo('GET', LIST)).toHaveLength(2);
    expect(a.grants).toEqual([]);
  });
});

describe('analyze: a list npm did not give', () => {
  it('a 200 that is not a list, or not JSON, is exit 5 "malformed", naming the call', async () => {
    for (const answer of [{ status: 200 }, { status: 200, body: { objects: 'none' } }, { status: 200, body: {} }, { status: 200, raw: '{"objects": [' }]) {
      api.answerNext('GET', LIST, answer);
      const e = await failure(npm.analyze!({ value: PUBLISH }, ctx()));
      expect(e).toMatchObject({ exitCode: 5, message: 'npm did not list the account tokens (GET /-/npm/v1/tokens): HTTP 200 (malformed body)' });
    }
  });

  it('another status is exit 5 with the registry words, never the token; a 403 says where to revoke it by hand', async () => {
    api.answerNext('GET', LIST, { status: 201, body: { objects: [] } });
    expect(await failure(npm.analyze!({ value: PUBLISH }, ctx()))).toMatchObject({
      exitCode: 5,
      message: 'npm did not list the account tokens (GET /-/npm/v1/tokens): HTTP 201',
    });
    api.answerNext('GET', LIST, { status: 401, body: { error: `bad token ${PUBLISH}` } });
    const refused = await failure(npm.analyze!({ value: PUBLISH }, ctx()));
    expect(refused!.message).toMatch(/^npm did not list the account tokens \(GET \/-\/npm\/v1\/tokens\): HTTP 401 \(bad token /);
    expect(refused!.hint).toContain('refused');
    api.answerNext('GET', LIST, { status: 403, body: { error: 'no permission' } });
    const forbidden = await failure(npm.analyze!({ value: PUBLISH }, ctx()));
    expect(forbidden).toMatchObject({ exitCode: 5, message: 'npm did not list the account tokens (GET /-/npm/v1/tokens): HTTP 403 (no permission)' });
    expect(forbidden!.hint).toContain('https://www.npmjs.com/settings/~/tokens');
  });

  it('one 5xx is retried', async () => {
    api.misbehave({ kind: 'status', status: 502 }, { count: 1, path: LIST });
    expect(keep(await npm.analyze!({ value: READONLY }, ctx())).grants[0]!.scope).toBe('read-only');
  });
});

describe('revoke: each answer', () => {
  it('a token npm already refuses is "already", without listing or deleting', async () => {
    expect(await npm.revoke!.run({ value: GONE }, ctx())).toBe('already');
    expect(requestsTo('GET', LIST)).toEqual([]);
    expect(api.deletes).toEqual([]);
  });

  it('a token whose check says nothing (rate-limited, unreachable whoami) is still revoked', async () => {
    api.misbehave({ kind: 'status', status: 429 }, { count: 2, path: '/-/whoami' });
    expect(await npm.revoke!.run({ value: PUBLISH }, ctx())).toBe('revoked');
    expect(api.tokens.has(PUBLISH)).toBe(false);
  });

  it('the DELETE carries the token as Bearer and the key encoded into the path', async () => {
    api.answerNext('GET', LIST, listOf([entry('npm_A1', 'FAKE/../key')]));
    api.answerNext('DELETE', /^\/-\/npm\/v1\/tokens\/token\//, { status: 200, body: {} });
    expect(await npm.revoke!.run({ value: PUBLISH }, ctx())).toBe('revoked');
    expect(api.deletes).toEqual(['/-/npm/v1/tokens/token/FAKE%2F..%2Fkey']);
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${PUBLISH}`);
  });

  it('a token not found in the list is deleted by its full value', async () => {
    api.answerNext('GET', LIST, listOf([]));
    expect(await npm.revoke!.run({ value: PUBLISH }, ctx())).toBe('revoked');
    expect(api.deletes).toEqual([`/-/npm/v1/tokens/token/${PUBLISH}`]);
  });

  it('200 and 204 are revoked; 401 and 404 are already; anything else is exit 5 naming the status', async () => {
    const del = /^\/-\/npm\/v1\/tokens\/token\//;
    const answers: [number, string][] = [
      [200, 'revoked'],
      [204, 'revoked'],
      [401, 'already'],
      [404, 'already'],
    ];
    for (const [status, said] of answers) {
      api.answerNext('DELETE', del, { status, body: { error: 'scripted' } });
      expect(await npm.revoke!.run({ value: PUBLISH }, ctx())).toBe(said);
    }
    for (const status of [202, 400, 403, 409]) {
      api.answerNext('DELETE', del, { status, body: { error: `no ${PUBLISH}` } });
      const e = await failure(npm.revoke!.run({ value: PUBLISH }, ctx()));
      expect(e!.exitCode).toBe(5);
      expect(e!.message).toMatch(new RegExp(`^npm did not revoke the token: HTTP ${status} \\(no `));
    }
    expect(api.tokens.has(PUBLISH)).toBe(true);
  });

  it('one 5xx on the DELETE is retried', async () => {
    api.misbehave({ kind: 'status', status: 503 }, { count: 1, path: '/-/npm/v1/tokens/token/' });
    expect(await npm.revoke!.run({ value: PUBLISH }, ctx())).toBe('revoked');
    expect(api.tokens.has(PUBLISH)).toBe(false);
  });

  it('the warning and the manual steps point at the tokens page', () => {
    expect(npm.revoke!.warning).toContain('cannot restore');
    expect(npm.manual!.revoke!.url).toBe('https://www.npmjs.com/settings/~/tokens');
    expect(npm.manual!.revoke!.instructions).toContain('npm token revoke');
  });
});

describe('a private registry token of another shape', () => {
  it('its visible start is matched up to its own dots, only the trailing ones cut', async () => {
    api.answerNext('GET', LIST, listOf([entry('FAKE.pr…', 'FAKEkeyP', { readonly: true })]));
    expect(keep(await npm.analyze!({ value: PRIVATE }, ctx())).grants.map((g) => g.scope)).toEqual(['read-only']);
  });

  it('echoed back in an error, it is masked in every reason and message', async () => {
    api.answerNext('GET', '/-/whoami', { status: 401, body: { error: `token ${PRIVATE} is revoked` } });
    const dead = keep(await npm.verify!({ value: PRIVATE }, ctx()));
    expect(dead.status).toBe('dead');
    expect(dead.reason).toContain('is revoked');
    expect(dead.reason).not.toContain(PRIVATE);
    api.answerNext('GET', LIST, { status: 500, body: { error: `no list for ${PRIVATE}` } }, 2);
    const listed = await failure(npm.analyze!({ value: PRIVATE }, ctx()));
    expect(listed!.message).toContain('no list for');
    expect(listed!.message).not.toContain(PRIVATE);
    api.answerNext('DELETE', /^\/-\/npm\/v1\/tokens\/token\//, { status: 400, body: { error: `cannot delete ${PRIVATE}` } });
    const deleted = await failure(npm.revoke!.run({ value: PRIVATE }, ctx()));
    expect(deleted!.message).toContain('cannot delete');
    expect(deleted!.message).not.toContain(PRIVATE);
  });

  it('a delete by the full value that never answers fails without the value in its message', async () => {
    const http = new SafeHttp({ timeoutMs: 300 });
    const quick = integrationContext({ integration: npm, provider: 'npm', api: api.url, http });
    api.answerNext('GET', LIST, listOf([]));
    api.misbehave({ kind: 'hang' }, { path: '/-/npm/v1/tokens/token/', count: 2 });
    const e = await failure(npm.revoke!.run({ value: PUBLISH }, quick));
    expect(e!.message).toContain('/-/npm/v1/tokens/token/');
    expect(e!.message).not.toContain(PUBLISH.slice(6));
  });
});

afterAll(() => {
  const all = JSON.stringify(seen);
  expect(seen.length).toBeGreaterThan(20);
  for (const t of ALL) expect(all).not.toContain(t.slice(6));
});
