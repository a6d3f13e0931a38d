/**
 * How the Anthropic integration reads each kind of answer: what verify names (the key's id,
 * workspace, creator and expiry when an admin key can look it up, and nothing it cannot be sure
 * of), why a key is dead or unknown, what a key can reach, and what revoke does with each answer
 * of the Admin API (an archived key, a key the organisation does not list, a list that is not a
 * list, an archive that did not take). Every test checks its own results for the key values.
 * The module is imported directly, not through the registry, so these tests also judge the
 * fields the registry and the CLI read (id, address, Console links).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredctlError, refusedError } from '../../../src/core/errors.js';
import anthropic, { hintFits } from '../../../src/integrations/anthropic/index.js';
import { integrationContext } from '../../../src/integrations/context.js';
import { hintOf, startAnthropic, type AnthropicStandIn } from './standin.js';

const LEAKED = `sk-ant-api03-FAKE${'0123456789'.repeat(8)}leakAA`;
const OTHER = `sk-ant-api03-FAKE${'9876543210'.repeat(8)}lIveAA`;
const ADMIN = `sk-ant-admin01-FAKE${'0123456789'.repeat(8)}admnAA`;
const UNLISTED = `sk-ant-api03-FAKE${'5555555555'.repeat(8)}nopeAA`;
const ORG = '12345678-0000-4000-8000-000000000000';
const CONSOLE = 'https://console.anthropic.com/settings/keys';
const LIST = '/v1/organizations/api_keys';

let api: AnthropicStandIn;

beforeEach(async () => {
  api = await startAnthropic({
    keys: [
      {
        id: 'apikey_01FAKEleaked',
        value: LEAKED,
        name: 'backend prod',
        status: 'active',
        workspace_id: 'wrkspc_01FAKEprod',
        expires_at: '2027-03-01T00:00:00Z',
      },
      { id: 'apikey_01FAKEother', value: OTHER, name: 'notebook', status: 'active', workspace_id: null, created_by: null },
    ],
    admins: { [ADMIN]: { org: ORG, name: 'Fake Org' } },
  });
});
afterEach(() => api.close());

const ctx = (admin?: string | (() => Promise<string>)) =>
  integrationContext({
    integration: anthropic,
    provider: 'anthropic',
    api: api.url,
    ...(admin === undefined ? {} : { adminSecret: typeof admin === 'string' ? async () => admin : admin }),
  });

/** No key value, nor a telling part of one (the fixture's middle), in what credctl shows. */
function expectNoKeyIn(result: unknown): void {
  const text = typeof result === 'string' ? result : JSON.stringify(result);
  for (const key of [LEAKED, OTHER, ADMIN, UNLISTED]) expect(text).not.toContain(key.slice(13, 40));
}

const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as CredctlError,
  );

describe('what anthropic verify names', () => {
  it('a live API key: one model asked for, the vendor named, no more identity than the kind', async () => {
    const v = await anthropic.verify!({ value: LEAKED }, ctx());
    expect(v).toEqual({ status: 'live', reason: 'Anthropic accepted it just now', identity: { kind: 'API key' } });
    expect(api.requests.map((r) => [r.path, r.query.get('limit')])).toEqual([['/v1/models', '1']]);
  });

  it("with an admin key: the key's id, workspace, creator and expiry, from one list read of up to 1000 keys", async () => {
    const v = await anthropic.verify!({ value: LEAKED }, ctx(ADMIN));
    expectNoKeyIn(v);
    expect(v).toEqual({
      status: 'live',
      reason: 'Anthropic accepted it just now',
      identity: { credentialId: 'apikey_01FAKEleaked', kind: 'API key', account: 'workspace wrkspc_01FAKEprod', principal: 'user user_01FAKE0000' },
      expiresAt: '2027-03-01T00:00:00Z',
    });
    const list = api.requests.filter((r) => r.path === LIST);
    expect(list.map((r) => [r.headers['x-api-key'], r.query.get('limit'), r.query.has('after_id')])).toEqual([[ADMIN, '1000', false]]);
  });

  it('a key in the default workspace, with no creator and no expiry, says so and adds nothing', async () => {
    const v = await anthropic.verify!({ value: OTHER }, ctx(ADMIN));
    expect(v).toEqual({
      status: 'live',
      reason: 'Anthropic accepted it just now',
      identity: { credentialId: 'apikey_01FAKEother', kind: 'API key', account: 'default workspace' },
    });
  });

  it("the creator's type when the list gives it (a service account), a user when it does not", async () => {
    api.keys[0]!.created_by = { id: 'svacct_01FAKE', type: 'service_account' };
    api.keys[1]!.created_by = { id: 'user_01FAKEsecond' };
    const service = await anthropic.verify!({ value: LEAKED }, ctx(ADMIN));
    const untyped = await anthropic.verify!({ value: OTHER }, ctx(ADMIN));
    expect(service.identity?.principal).toBe('service_account svacct_01FAKE');
    expect(untyped.identity?.principal).toBe('user user_01FAKEsecond');
  });

  it('the admin lookup never changes the answer: no admin key, a failed list, no match or two matches leave the plain live answer', async () => {
    const plain = { status: 'live', reason: 'Anthropic accepted it just now', identity: { kind: 'API key' } };
    expect(await anthropic.verify!({ value: LEAKED }, ctx())).toEqual(plain);
    api.misbehave({ kind: 'status', status: 500 }, { count: 2, path: LIST });
    expect(await anthropic.verify!({ value: LEAKED }, ctx(ADMIN))).toEqual(plain);
    api.answerNext({ status: 200, body: { data: 'not a list', has_more: false } }, LIST);
    expect(await anthropic.verify!({ value: LEAKED }, ctx(ADMIN))).toEqual(plain);
    // A key that works but that the admin key's organisation does not list (another organisation's).
    api.keys.push({ id: 'apikey_01FAKEunlisted', value: UNLISTED, name: 'elsewhere', status: 'active', workspace_id: null });
    api.answerNext({ status: 200, body: { data: [], has_more: false, first_id: null, last_id: null } }, LIST);
    expect(await anthropic.verify!({ value: UNLISTED }, ctx(ADMIN))).toEqual(plain);
    api.keys.push({ id: 'apikey_01FAKEtwin', value: `${LEAKED.slice(0, 16)}twin${'1'.repeat(80)}akAA`, name: 'twin', status: 'active', workspace_id: null });
    expect(await anthropic.verify!({ value: LEAKED }, ctx(ADMIN))).toEqual(plain);
  });

  it('a read that meets one 5xx is asked once more before anything is concluded', async () => {
    api.misbehave({ kind: 'status', status: 503 }, { count: 1, path: '/v1/models' });
    expect((await anthropic.verify!({ value: LEAKED }, ctx())).status).toBe('live');
    expect(api.requests.filter((r) => r.path === '/v1/models')).toHaveLength(2);
  });

  it('no lookup for an admin key or a key that is not live: the answer is the check alone', async () => {
    await anthropic.verify!({ value: ADMIN }, ctx(ADMIN));
    api.keys[0]!.status = 'archived';
    const archived = await anthropic.verify!({ value: LEAKED }, ctx(ADMIN));
    expect(archived).toEqual({ status: 'dead', reason: expect.stringContaining('HTTP 401') });
    expect(api.requests.map((r) => r.path)).toEqual(['/v1/organizations/me', '/v1/models']);
  });

  it('an admin key that cannot be read for a reason other than not being configured is not hidden', async () => {
    const v = await anthropic.verify!(
      { value: LEAKED },
      ctx(async () => {
        throw new Error('the store cannot be read');
      }),
    );
    expect(v.status).toBe('unknown');
    expect(v.reason).toContain('the store cannot be read');
  });

  it("an unknown key is dead with Anthropic's error type and message; a 401 without them still dead, with nothing made up", async () => {
    const unknown = await anthropic.verify!({ value: UNLISTED }, ctx());
    expectNoKeyIn(unknown);
    expect(unknown).toEqual({ status: 'dead', reason: 'Anthropic refuses it (HTTP 401 authentication_error: invalid x-api-key)' });
    for (const body of [undefined, { type: 'error' }, { type: 'error', error: { message: 'no type' } }]) {
      api.answerNext({ status: 401, body }, '/v1/models');
      const v = await anthropic.verify!({ value: LEAKED }, ctx());
      expect(v.status, JSON.stringify(body)).toBe('dead');
      expect(v.reason).toMatch(/^Anthropic refuses it \(HTTP 401/);
      expect(v.reason).not.toContain('undefined');
    }
    api.answerNext({ status: 401, body: { type: 'error', error: { type: 'authentication_error' } } }, '/v1/models');
    expect((await anthropic.verify!({ value: LEAKED }, ctx())).reason).toBe('Anthropic refuses it (HTTP 401 authentication_error)');
  });

  it('a long error message is cut, and a key Anthropic quotes is masked', async () => {
    api.answerNext(
      { status: 401, body: { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${'and more words '.repeat(12)}` } } },
      '/v1/models',
    );
    const long = await anthropic.verify!({ value: LEAKED }, ctx());
    expect(long.reason!.length).toBeLessThan(140);
    api.answerNext({ status: 401, body: { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${LEAKED}` } } }, '/v1/models');
    expectNoKeyIn(await anthropic.verify!({ value: LEAKED }, ctx()));
  });

  it('a key Anthropic quotes is shown the way credctl shows keys (its ends), so the user can tell which it meant', async () => {
    api.answerNext({ status: 401, body: { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${LEAKED}` } } }, '/v1/models');
    const dead = await anthropic.verify!({ value: LEAKED }, ctx());
    api.misbehave({ kind: 'status', status: 403, message: `${LEAKED} may not list models` });
    const forbidden = await anthropic.verify!({ value: LEAKED }, ctx());
    api.answerNext({ status: 401, body: { type: 'error', error: { type: 'authentication_error', message: `invalid admin key ${ADMIN}` } } });
    const admin = await anthropic.verify!({ value: ADMIN }, ctx());
    expectNoKeyIn([dead, forbidden, admin]);
    expect(dead.reason).toContain(`…${LEAKED.slice(-4)}`);
    expect(forbidden).toMatchObject({ status: 'live', reason: expect.stringContaining(`…${LEAKED.slice(-4)}`) });
    expect(admin).toMatchObject({ status: 'dead', reason: expect.stringContaining(`…${ADMIN.slice(-4)}`) });
  });

  it('a 403 is live and keeps its own reason, not a 401 one', async () => {
    api.misbehave({ kind: 'status', status: 403, message: 'not allowed' });
    const v = await anthropic.verify!({ value: LEAKED }, ctx());
    expect(v.status).toBe('live');
    expect(v.reason).toContain('HTTP 403');
    expect(v.reason).not.toContain('refuses');
  });

  it('a 200 without a model list is unknown, and says so', async () => {
    for (const body of [undefined, {}, { data: 'claude' }]) {
      api.answerNext({ status: 200, body }, '/v1/models');
      const v = await anthropic.verify!({ value: LEAKED }, ctx());
      expect(v, JSON.stringify(body)).toEqual({ status: 'unknown', reason: 'Anthropic answered /v1/models without a model list' });
    }
  });

  it('an admin key is verified on the Admin API with itself: its organisation by name, else by id', async () => {
    const v = await anthropic.verify!({ value: ADMIN }, ctx());
    expect(v).toEqual({ status: 'live', reason: 'Anthropic accepted the admin key just now', identity: { kind: 'Admin API key', account: 'Fake Org' } });
    expect(api.requests.map((r) => [r.path, r.headers['x-api-key']])).toEqual([['/v1/organizations/me', ADMIN]]);
    api.answerNext({ status: 200, body: { id: ORG, type: 'organization' } });
    expect((await anthropic.verify!({ value: ADMIN }, ctx())).identity).toEqual({ kind: 'Admin API key', account: ORG });
  });

  it('an admin key: a refusal is dead, an answer without an organisation is unknown', async () => {
    api.answerNext({ status: 401, body: { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } } });
    expect((await anthropic.verify!({ value: ADMIN }, ctx())).status).toBe('dead');
    for (const body of [{ type: 'organization', name: 'Fake Org' }, undefined]) {
      api.answerNext({ status: 200, body });
      expect(await anthropic.verify!({ value: ADMIN }, ctx())).toEqual({ status: 'unknown', reason: 'Anthropic answered without an organisation' });
    }
  });

  it('only a value that starts with the admin prefix is taken for an admin key', async () => {
    const lookalike = `x${ADMIN}`;
    expect((await anthropic.analyze!({ value: lookalike }, ctx())).grants[0]!.scope).toBe('api');
    expect((await anthropic.analyze!({ value: 'sk-ant-adminXX-FAKE' }, ctx())).grants[0]!.scope).toBe('api');
    await anthropic.verify!({ value: lookalike }, ctx());
    expect(api.requests.at(-1)!.path).toBe('/v1/models');
  });
});

describe('what anthropic analyze says a key can reach', () => {
  it("an API key: the Claude API and the organisation's credit, no finer scopes; an admin key: the organisation's keys and members", async () => {
    const key = await anthropic.analyze!({ value: LEAKED }, ctx());
    const admin = await anthropic.analyze!({ value: ADMIN }, ctx());
    expect(key.grants.map((g) => [g.scope, g.risk])).toEqual([['api', 'write']]);
    expect(key.grants[0]!.description).toMatch(/Claude API.*credit/);
    expect(admin.grants.map((g) => [g.scope, g.risk])).toEqual([['admin', 'admin']]);
    expect(admin.grants[0]!.description).toMatch(/members.*API keys/);
    expect([key.complete, admin.complete]).toEqual([true, true]);
    expect(api.requests).toEqual([]);
  });
});

describe('what anthropic revoke does with each answer', () => {
  it('an admin key is not revoked through the API: refused, pointing at the Console, nothing sent', async () => {
    const err = await failureOf(anthropic.revoke!.run({ value: ADMIN }, ctx(ADMIN)));
    expect(err).toBeInstanceOf(CredctlError);
    expect(err!.exitCode).toBe(refusedError('x').exitCode);
    expect(err!.message).toContain('Admin API keys');
    expect(err!.hint).toContain(CONSOLE);
    expect(api.requests).toEqual([]);
  });

  it('an archived key is already revoked: nothing is posted', async () => {
    api.keys[0]!.status = 'archived';
    expect(await anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN))).toBe('already');
    expect(api.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('two keys with one hint: already when every one is archived, refused while one is active', async () => {
    api.keys.push({ id: 'apikey_01FAKEtwin', value: `${LEAKED.slice(0, 16)}twin${'1'.repeat(80)}akAA`, name: 'twin', status: 'archived', workspace_id: null });
    const err = await failureOf(anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN)));
    expect(err!.message).toBe('Anthropic: 2 keys have the same partial hint, so credctl cannot tell which one leaked');
    expect(err!.hint).toContain(CONSOLE);
    api.keys[0]!.status = 'archived';
    expect(await anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN))).toBe('already');
    expect(api.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('a key the organisation does not list: already when it is dead, an error when it still works or cannot be checked', async () => {
    expect(await anthropic.revoke!.run({ value: UNLISTED }, ctx(ADMIN))).toBe('already');
    api.keys.push({ id: 'apikey_01FAKEunlisted', value: UNLISTED, name: 'elsewhere', status: 'active', workspace_id: null });
    api.answerNext({ status: 200, body: { data: [], has_more: false, first_id: null, last_id: null } }, LIST);
    const works = await failureOf(anthropic.revoke!.run({ value: UNLISTED }, ctx(ADMIN)));
    expect(works).toBeInstanceOf(CredctlError);
    expect(works!.exitCode).toBe(5);
    expect(works!.message).toBe("Anthropic: the admin key's organisation does not list this key, yet it still works (a key of another organisation?)");
    expect(works!.hint).toContain(CONSOLE);
    api.answerNext({ status: 200, body: { data: [], has_more: false, first_id: null, last_id: null } }, LIST);
    api.misbehave({ kind: 'status', status: 503 }, { count: 2, path: '/v1/models' });
    const unsure = await failureOf(anthropic.revoke!.run({ value: UNLISTED }, ctx(ADMIN)));
    expect(unsure!.message).toBe("Anthropic: the admin key's organisation does not list this key");
    expectNoKeyIn([works!.message, unsure!.message]);
  });

  it('the list is followed page by page to its end, and not past a page that names no next cursor', async () => {
    api.answerNext(
      {
        status: 200,
        body: { data: [{ type: 'api_key', id: 'apikey_01FAKEpad', partial_key_hint: 'sk-ant-api03-PAD...00AA' }], has_more: true, last_id: 'apikey_01FAKEpad' },
      },
      LIST,
    );
    expect(await anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN))).toBe('revoked');
    const pages = api.requests.filter((r) => r.path === LIST);
    expect(pages.map((r) => [r.query.get('limit'), r.query.get('after_id')])).toEqual([
      ['1000', null],
      ['1000', 'apikey_01FAKEpad'],
    ]);
    api.keys[0]!.status = 'active';
    api.answerNext({ status: 200, body: { data: [], has_more: true, last_id: null } }, LIST);
    const before = api.requests.length;
    // The one page said there is more but gave no cursor: the key is not found, and it still works.
    await expect(anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN))).rejects.toThrow(/does not list this key, yet it still works/);
    expect(api.requests.slice(before).filter((r) => r.path === LIST)).toHaveLength(1);
  });

  it('the list is read for 100 pages at most', async () => {
    for (let i = 0; i < 101; i++)
      api.answerNext(
        {
          status: 200,
          body: {
            data: [{ type: 'api_key', id: `apikey_01FAKEpage${i}`, partial_key_hint: 'sk-ant-api03-PAD...00AA' }],
            has_more: true,
            last_id: `apikey_01FAKEpage${i}`,
          },
        },
        LIST,
      );
    await failureOf(anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN)));
    expect(api.requests.filter((r) => r.path === LIST)).toHaveLength(100);
  });

  it('a list answer that is not a 2xx fails even when its body holds a list', async () => {
    api.answerNext(
      { status: 300, body: { data: [{ type: 'api_key', id: 'apikey_01FAKEleaked', status: 'active', partial_key_hint: hintOf(LEAKED) }], has_more: false } },
      LIST,
    );
    const err = await failureOf(anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN)));
    expect(err!.message).toMatch(/^Anthropic list API keys: HTTP 300/);
    expect(api.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('keys quoted in a failed list or archive are shown redacted to their ends', async () => {
    const quoting = (status: number) => ({
      status,
      body: { type: 'error', error: { type: 'invalid_request_error', message: `about ${LEAKED} and ${ADMIN}` } },
    });
    api.answerNext(quoting(404), LIST);
    const list = await failureOf(anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN)));
    api.answerNext(quoting(400), '/v1/organizations/api_keys/apikey_01FAKEleaked');
    const archive = await failureOf(anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN)));
    api.answerNext(
      { status: 200, body: { type: 'api_key', id: 'apikey_01FAKEleaked', status: 'active', message: `kept ${LEAKED} for ${ADMIN}` } },
      '/v1/organizations/api_keys/apikey_01FAKEleaked',
    );
    const kept = await failureOf(anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN)));
    for (const err of [list, archive, kept]) {
      expectNoKeyIn(err!.message);
      expect(err!.message).toContain(`…${LEAKED.slice(-4)}`);
      expect(err!.message).toContain(`…${ADMIN.slice(-4)}`);
    }
  });

  it('a redirect loop on the archive that echoes the leaked key does not show it', async () => {
    for (let i = 0; i < 4; i++)
      api.answerNext(
        { status: 307, headers: { location: `/v1/organizations/api_keys/apikey_01FAKEleaked?echo=${LEAKED}` } },
        '/v1/organizations/api_keys/apikey_01FAKEleaked',
      );
    const err = await failureOf(anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN)));
    expect(err!.message).toContain('redirects');
    expectNoKeyIn(err!.message);
  });

  it('a list entry without a string id is not taken for the key', async () => {
    api.answerNext({ status: 200, body: { data: [{ id: 42, partial_key_hint: hintOf(LEAKED) }, null], has_more: false } }, LIST);
    await expect(anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN))).rejects.toThrow(/does not list this key/);
    expect(api.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('a list answer that is not a list fails the revoke (exit 5), saying the body was malformed; nothing is posted', async () => {
    for (const answer of [{ status: 200, body: { data: null } }, { status: 200, raw: '{"data": [' }, { status: 200 }]) {
      api.answerNext(answer, LIST);
      const err = await failureOf(anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN)));
      expect(err, JSON.stringify(answer)).toBeInstanceOf(CredctlError);
      expect(err!.exitCode).toBe(5);
      expect(err!.message).toMatch(/^Anthropic list API keys: HTTP 200 \(malformed body\)/);
    }
    api.answerNext({ status: 404, body: { type: 'error', error: { type: 'not_found_error', message: `no keys for ${ADMIN}` } } }, LIST);
    const notFound = await failureOf(anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN)));
    expect(notFound!.message).toMatch(/^Anthropic list API keys: HTTP 404 \(/);
    expect(notFound!.message).not.toContain('malformed');
    expectNoKeyIn(notFound!.message);
    api.answerNext({ status: 300, body: { type: 'error', error: { type: 'invalid_request_error', message: 'Multiple choices' } } }, LIST);
    expect((await failureOf(anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN))))!.message).toBe('Anthropic list API keys: HTTP 300 (Multiple choices)');
    api.answerNext({ status: 302, headers: { location: 'https://elsewhere.example/' } }, LIST);
    expect((await failureOf(anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN))))!.message).toContain('another origin');
    expect(api.requests.filter((r) => r.method === 'POST')).toEqual([]);
    expect(api.keys[0]!.status).toBe('active');
  });

  it("a listed key's id is one path segment of the archive call, whatever it holds", async () => {
    api.answerNext(
      { status: 200, body: { data: [{ type: 'api_key', id: 'apikey_01FAKE/../../me', status: 'active', partial_key_hint: hintOf(LEAKED) }], has_more: false } },
      LIST,
    );
    await failureOf(anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN)));
    expect(api.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual(['/v1/organizations/api_keys/apikey_01FAKE%2F..%2F..%2Fme']);
  });

  it('a redirect loop that echoes the keys into its address fails the revoke without showing either key', async () => {
    for (let i = 0; i < 4; i++) api.answerNext({ status: 302, headers: { location: `${LIST}?echo=${LEAKED}&admin=${ADMIN}` } }, LIST);
    const err = await failureOf(anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN)));
    expect(err!.message).toContain('redirects');
    expectNoKeyIn(err!.message);
    expect(api.keys[0]!.status).toBe('active');
  });

  it('the archive is posted once more after a 5xx, and a refused archive fails with no key in the message', async () => {
    api.misbehave({ kind: 'status', status: 503 }, { count: 1, path: '/v1/organizations/api_keys/' });
    expect(await anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN))).toBe('revoked');
    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
    api.keys[0]!.status = 'active';
    api.answerNext(
      { status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: `bad ${LEAKED} ${ADMIN}` } } },
      '/v1/organizations/api_keys/apikey_01FAKEleaked',
    );
    const err = await failureOf(anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN)));
    expect(err!.exitCode).toBe(5);
    expect(err!.message).toMatch(/^Anthropic archive API key: HTTP 400/);
    expectNoKeyIn(err!.message);
  });

  it('an archive answered without the archived status is not taken for done', async () => {
    for (const body of [{ type: 'api_key', id: 'apikey_01FAKEleaked', status: 'active' }, undefined]) {
      api.answerNext({ status: 200, body }, '/v1/organizations/api_keys/apikey_01FAKEleaked');
      const err = await failureOf(anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN)));
      expect(err, JSON.stringify(body)).toBeInstanceOf(CredctlError);
      expect(err!.message).toMatch(/^Anthropic archive API key: HTTP 200 \(malformed body\)/);
    }
  });

  it('a 300 from the archive is not success', async () => {
    api.answerNext({ status: 300, body: { status: 'archived' } }, '/v1/organizations/api_keys/apikey_01FAKEleaked');
    const err = await failureOf(anthropic.revoke!.run({ value: LEAKED }, ctx(ADMIN)));
    expect(err!.message).toMatch(/^Anthropic archive API key: HTTP 300/);
  });
});

describe('partial hints', () => {
  it('a hint fits only with a head longer than the bare prefix and a tail of two characters or more', () => {
    expect(hintFits(null, LEAKED)).toBe(false);
    expect(hintFits(undefined, LEAKED)).toBe(false);
    expect(hintFits('', LEAKED)).toBe(false);
    expect(hintFits('sk-ant-api03-FAKleakAA', LEAKED)).toBe(false);
    expect(hintFits(LEAKED, LEAKED)).toBe(false);
    expect(hintFits('sk-ant-api03-F...AA', LEAKED)).toBe(true);
    expect(hintFits('sk-ant-api03-...akAA', LEAKED)).toBe(false);
    expect(hintFits('sk-ant-api03-FAK...A', LEAKED)).toBe(false);
    expect(hintFits('sk-ant-api03-FAK...kAA', LEAKED)).toBe(true);
    expect(hintFits('sk-ant-api03-FAK...kAB', LEAKED)).toBe(false);
    expect(hintFits('sk-ant-api03-FAX...kAA', LEAKED)).toBe(false);
  });
});

describe('what the registry and the CLI read from the module', () => {
  it("is found as 'anthropic', talks to api.anthropic.com by default with the documented version, and points at the Console", async () => {
    expect(anthropic.id).toBe('anthropic');
    expect(anthropic.title).toContain('Claude API');
    expect(integrationContext({ integration: anthropic, provider: 'anthropic' }).api).toBe('https://api.anthropic.com');
    expect(anthropic.config).toEqual([expect.objectContaining({ key: 'admin', secret: true, description: expect.stringContaining('sk-ant-admin01-') })]);
    expect(anthropic.manual?.rotate?.instructions).toContain('Create Key');
    expect(anthropic.manual?.revoke?.instructions).toContain('Archive');
    expect(anthropic.revoke!.warning).toContain('cannot be made active again');
    expect(anthropic.manual?.revoke?.url).toBe(CONSOLE);
    await anthropic.verify!({ value: LEAKED }, ctx());
    expect(api.requests[0]!.headers['anthropic-version']).toBe('2023-06-01');
  });
});
