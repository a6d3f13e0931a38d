/**
 * What the GitLab integration makes of each answer GitLab can give, beyond gitlab.test.ts: token
 * records without an id, inactive or revoked ones, profiles it cannot read, every scope's risk,
 * the lifetime a rotated token gets, and the odd answers to revoke and rotate (a 200 to DELETE,
 * a rotation without a new value, a refusal naming the token). Answers the stand-in's tokens never
 * produce are scripted with its `answerNext`. The file ends by checking that no token value
 * appears in anything a test got back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { integrationContext } from '../../../src/integrations/context.js';
import { rotatedExpiry } from '../../../src/integrations/gitlab/index.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { RotationSubject } from '../../../src/integrations/types.js';
import { contextFor, credctlRejection, keptAnswers } from '../context.js';
import { startGitLab, type GitLabStandIn } from './standin.js';

const gitlab = integrationNamed('gitlab')!;
const CRED: RotationSubject = { id: 'fp', names: ['FAKE_GITLAB_TOKEN'], provider: 'gitlab' };
const USER = 'glpat-FAKEanswersUser012345';
const GROUP = 'glpat-FAKEanswersGroup01234';
const READER = 'glpat-FAKEanswersReader0123';
const ODD_USER = 'glpat-FAKEanswersOddUser012';
const ODD_GROUP = 'glpat-FAKEanswersOddGroup01';
/** Too short, and broken by dots, for the long-run redaction: only masking keeps it out of a message. */
const SHORT = 'glpat-FAKE.short';
const NEW_SHORT = 'glpat-NEW.short';
const NEW_VALUE = 'glpat-FAKEnewValue0123456789';
const TOKENS = [USER, GROUP, READER, ODD_USER, ODD_GROUP, NEW_VALUE, SHORT, NEW_SHORT];
const SELF = '/personal_access_tokens/self';
const ROTATE = '/personal_access_tokens/self/rotate';

let api: GitLabStandIn;
const ctx = (settings?: Record<string, string>) => contextFor('gitlab', api.url, { settings });
const { seen, keep } = keptAnswers();
const rejection = async (p: Promise<unknown>) => keep(await credctlRejection(p));
/** A token record as GET /personal_access_tokens/self answers it. */
const record = (extra: Record<string, unknown> = {}) => ({
  id: 501,
  name: 'ci',
  revoked: false,
  created_at: '2026-11-01T10:00:00.000Z',
  scopes: ['api'],
  user_id: 7,
  last_used_at: null,
  active: true,
  expires_at: null,
  ...extra,
});
const calls = (method: string, path: string) => api.requests.filter((r) => r.method === method && r.path === `/api/v4${path}`).length;

beforeAll(async () => {
  api = await startGitLab({
    7: { username: 'fake-dev', name: 'Fake Dev' },
    8: { username: 'group_17_bot_0a1b2c3d', name: 'group deploy', bot: true },
    10: { username: 'someproject_42_bot_0a1b', name: 'look-alike' },
    11: { username: 'subgroup_17_bot_0a1b', name: 'look-alike' },
  });
  api.add(USER, { userId: 7, scopes: ['api'] });
  api.add(GROUP, { userId: 8, scopes: ['read_api'] });
  api.add(READER, { userId: 7, scopes: ['read_api'], expiresAt: null, lastUsedAt: null });
  api.add(ODD_USER, { userId: 10, scopes: ['read_api'] });
  api.add(ODD_GROUP, { userId: 11, scopes: ['read_api'] });
});
afterAll(() => api.close());

describe('gitlab verify: what each token record means', () => {
  it('a group access token is named as one; a user whose name only contains project_<n>_bot is a person', async () => {
    const group = keep(await gitlab.verify!({ value: GROUP }, ctx()));
    expect(group.identity).toMatchObject({ principal: 'group_17_bot_0a1b2c3d', kind: 'group access token' });
    const odd = keep(await gitlab.verify!({ value: ODD_USER }, ctx()));
    expect(odd.identity).toMatchObject({ principal: 'someproject_42_bot_0a1b', kind: 'personal access token' });
    const oddGroup = keep(await gitlab.verify!({ value: ODD_GROUP }, ctx()));
    expect(oddGroup.identity).toMatchObject({ principal: 'subgroup_17_bot_0a1b', kind: 'personal access token' });
  });

  it('names the instance as the account, and leaves out an expiry and last use GitLab does not give', async () => {
    const v = keep(await gitlab.verify!({ value: READER }, ctx()));
    expect(v.identity).toEqual({
      credentialId: String(api.tokens.get(READER)!.id),
      principal: 'fake-dev',
      account: new URL(api.url).host,
      kind: 'personal access token',
    });
    expect(v.reason).toBe('GitLab accepted it just now');
    // GET /user marks it used, so it is read back from the record of a second call.
    api.answerNext('GET', SELF, { status: 200, body: record({ expires_at: null, last_used_at: null }) });
    expect(Object.keys(keep(await gitlab.verify!({ value: READER }, ctx())))).toEqual(['status', 'reason', 'identity']);
    api.answerNext('GET', SELF, { status: 200, body: record({ expires_at: '2027-02-01', last_used_at: '2026-12-06T09:00:00Z' }) });
    expect(keep(await gitlab.verify!({ value: READER }, ctx()))).toMatchObject({ expiresAt: '2027-02-01', lastUsedAt: '2026-12-06T09:00:00Z' });
  });

  it('a record GitLab marks inactive or revoked is dead, and says which', async () => {
    const profileReads = calls('GET', '/user');
    api.answerNext('GET', SELF, { status: 200, body: record({ active: false }) });
    expect(keep(await gitlab.verify!({ value: USER }, ctx()))).toEqual({ status: 'dead', reason: 'GitLab says the token is inactive' });
    api.answerNext('GET', SELF, { status: 200, body: record({ active: true, revoked: true }) });
    expect(keep(await gitlab.verify!({ value: USER }, ctx()))).toEqual({ status: 'dead', reason: 'GitLab says the token is revoked' });
    expect(calls('GET', '/user')).toBe(profileReads);
  });

  it('a record without a numeric id is unknown, never live', async () => {
    api.answerNext('GET', SELF, { status: 200, body: record({ id: '501' }) });
    expect(keep(await gitlab.verify!({ value: USER }, ctx()))).toEqual({ status: 'unknown', reason: 'GitLab answered without a token id' });
    api.answerNext('GET', SELF, { status: 200 });
    expect(keep(await gitlab.verify!({ value: USER }, ctx()))).toEqual({ status: 'unknown', reason: 'GitLab answered without a token id' });
  });

  it('a profile that cannot be read costs only the user name: the user id stands in for it', async () => {
    for (const answer of [
      { status: 404, body: { message: '404 User Not Found' } },
      { status: 403, body: { message: '403 Forbidden', username: 'project_1_bot_proxy' } },
      { status: 200, raw: '{"username": ' },
      { status: 200, body: { username: 7 } },
      { status: 200, body: { username: ['project_42_bot_0a1b'] } },
    ]) {
      api.answerNext('GET', '/user', answer);
      const v = keep(await gitlab.verify!({ value: USER }, ctx()));
      expect(v.status).toBe('live');
      expect(v.identity).toMatchObject({ principal: 'user 7', kind: 'personal access token' });
    }
  });

  it('one failed read is tried again; GitLab out of reach is unknown', async () => {
    api.misbehave({ kind: 'status', status: 502 }, { count: 1, path: `/api/v4${SELF}` });
    expect(keep(await gitlab.verify!({ value: USER }, ctx())).status).toBe('live');
    const v = keep(await gitlab.verify!({ value: USER }, contextFor('gitlab', 'http://127.0.0.1:9')));
    expect(v.status).toBe('unknown');
    expect(v.reason).toMatch(/^GitLab could not be asked: \S/);
  });

  it("a 401 in GitLab's OAuth words is dead, and names GitLab's error", async () => {
    api.answerNext('GET', SELF, {
      status: 401,
      body: { error: 'invalid_token', error_description: 'Token was revoked. You have to re-authorize from the user.' },
    });
    const v = keep(await gitlab.verify!({ value: USER }, ctx()));
    expect(v.status).toBe('dead');
    expect(v.reason).toBe('GitLab refuses it (HTTP 401: invalid_token)');
  });
});

describe('gitlab analyze: each scope and its risk', () => {
  it('every documented scope has its risk and a description; an unknown scope is judged by its words', async () => {
    const scopes = [
      'api',
      'read_api',
      'read_user',
      'read_repository',
      'write_repository',
      'read_registry',
      'write_registry',
      'read_virtual_registry',
      'write_virtual_registry',
      'sudo',
      'admin_mode',
      'create_runner',
      'manage_runner',
      'ai_features',
      'k8s_proxy',
      'self_rotate',
      'read_service_ping',
      'future_admin_thing',
      'write_future',
      'read_future',
    ];
    api.answerNext('GET', SELF, { status: 200, body: record({ scopes: [...scopes, 5, null] }) });
    const a = keep(await gitlab.analyze!({ value: USER }, ctx()));
    expect(a.complete).toBe(true);
    expect(Object.fromEntries(a.grants.map((g) => [g.scope, g.risk]))).toEqual({
      api: 'admin',
      read_api: 'read',
      read_user: 'read',
      read_repository: 'read',
      write_repository: 'write',
      read_registry: 'read',
      write_registry: 'write',
      read_virtual_registry: 'read',
      write_virtual_registry: 'write',
      sudo: 'admin',
      admin_mode: 'admin',
      create_runner: 'write',
      manage_runner: 'write',
      ai_features: 'write',
      k8s_proxy: 'write',
      self_rotate: 'write',
      read_service_ping: 'read',
      future_admin_thing: 'admin',
      write_future: 'write',
      read_future: 'read',
    });
    expect(a.grants.map((g) => g.scope)).toEqual(scopes);
    const described = a.grants.filter((g) => g.description);
    expect(described.map((g) => g.scope)).toEqual(scopes.slice(0, 17));
    expect(new Set(described.map((g) => g.description)).size).toBe(17);
    expect(a.grants.find((g) => g.scope === 'api')!.description).toMatch(/read and write/);
    expect(a.note).toContain('/personal_access_tokens/self/associations');
  });

  it("a 403 says the token cannot read itself, in GitLab's words when it gives them", async () => {
    const cases: [unknown, string][] = [
      [{ error: 'insufficient_scope', error_description: 'The request requires higher privileges than provided by the access token.' }, 'higher privileges'],
      [{ message: '403 Forbidden' }, '403 Forbidden'],
      [{ message: { scope: ['is missing'] }, error: 'insufficient_scope' }, 'insufficient_scope'],
      [undefined, 'HTTP 403'],
    ];
    for (const [body, words] of cases) {
      api.answerNext('GET', SELF, { status: 403, ...(body === undefined ? {} : { body }) });
      const a = keep(await gitlab.analyze!({ value: USER }, ctx()));
      expect(a).toMatchObject({ grants: [], complete: false });
      expect(a.note).toMatch(/^GitLab does not let this token read its own details/);
      expect(a.note).toContain(words);
    }
  });

  it('a record without a scope list is a malformed answer; any other status is an error naming it', async () => {
    api.answerNext('GET', SELF, { status: 200, body: record({ scopes: 'api' }) });
    const noList = await rejection(gitlab.analyze!({ value: USER }, ctx()));
    expect(noList.exitCode).toBe(ExitCode.Remote);
    expect(noList.message).toMatch(/^GitLab read token scopes: HTTP 200 \(malformed body\)/);
    api.answerNext('GET', SELF, { status: 200 });
    expect((await rejection(gitlab.analyze!({ value: USER }, ctx()))).message).toBe('GitLab read token scopes: HTTP 200 (malformed body)');
    api.answerNext('GET', SELF, { status: 404, body: { message: '404 Not Found' } });
    const missing = await rejection(gitlab.analyze!({ value: USER }, ctx()));
    expect(missing.message).toBe('GitLab read token scopes: HTTP 404 (404 Not Found)');
  });
});

describe('gitlab revoke: each answer to DELETE', () => {
  it('a 200 is revoked too; a 403 is an error with a hint, not a silent success', async () => {
    api.answerNext('DELETE', SELF, { status: 200, body: {} });
    expect(await gitlab.revoke!.run({ value: USER }, ctx())).toBe('revoked');
    api.answerNext('DELETE', SELF, { status: 403, body: { message: `403 Forbidden for ${USER}` } });
    const err = await rejection(gitlab.revoke!.run({ value: USER }, ctx()));
    expect([err.exitCode, err.hint]).toEqual([ExitCode.Remote, 'The credential used lacks a permission this needs.']);
    expect(err.message).toMatch(/^GitLab revoke token: HTTP 403/);
    expect(api.tokens.get(USER)!.revoked).toBe(false);
  });

  it('a failed DELETE is tried once more', async () => {
    const t = api.add('glpat-FAKErevokeRetry012345', { userId: 7, scopes: ['read_api'] });
    api.misbehave({ kind: 'status', status: 503 }, { count: 1, path: `/api/v4${SELF}` });
    expect(await gitlab.revoke!.run({ value: t }, ctx())).toBe('revoked');
    expect(api.tokens.get(t)!.revoked).toBe(true);
  });

  it('the steps by hand point at the personal access tokens page', () => {
    expect(gitlab.manual?.revoke?.url).toBe('https://gitlab.com/-/user_settings/personal_access_tokens');
    expect(gitlab.manual?.revoke?.instructions).toContain('Revoke');
  });
});

describe('gitlab rotate: identify, create, isActive', () => {
  it('identify: a 401 is no token to rotate; an answer without an id is an error', async () => {
    const p = gitlab.rotate!.provider(CRED, ctx());
    expect(await p.identify({ oldValue: 'glpat-FAKEunknown0123456789', binding: '' })).toBeUndefined();
    api.answerNext('GET', SELF, { status: 200, body: record({ id: null }) });
    const err = await rejection(p.identify({ oldValue: USER, binding: '' }));
    expect(err.message).toMatch(/^GitLab identify token: HTTP 200/);
    api.answerNext('GET', SELF, { status: 200 });
    expect((await rejection(p.identify({ oldValue: USER, binding: '' }))).message).toMatch(/^GitLab identify token: HTTP 200/);
    api.answerNext('GET', SELF, { status: 403, body: { message: '403 Forbidden' } });
    expect((await rejection(p.identify({ oldValue: USER, binding: '' }))).message).toMatch(/^GitLab identify token: HTTP 403/);
  });

  it('create without the old value, or with one GitLab calls inactive, refuses (exit 6) and never rotates', async () => {
    const p = gitlab.rotate!.provider(CRED, ctx());
    const before = calls('POST', ROTATE);
    const noValue = await rejection(p.create({ credential: CRED, idempotencyKey: 'k1' }));
    expect(noValue.exitCode).toBe(ExitCode.Refused);
    expect(noValue.message).toContain('not in the store');
    api.answerNext('GET', SELF, { status: 200, body: record({ active: false }) });
    const inactive = await rejection(p.create({ credential: CRED, oldValue: USER, idempotencyKey: 'k2' }));
    expect(inactive.exitCode).toBe(ExitCode.Refused);
    expect(inactive.hint).toContain('credctl store put');
    api.answerNext('GET', SELF, { status: 500, body: { message: '500 Internal Server Error' } }, 2);
    const broken = await rejection(p.create({ credential: CRED, oldValue: USER, idempotencyKey: 'k3' }));
    expect(broken.message).toMatch(/^GitLab read token before rotating: HTTP 500/);
    api.answerNext('GET', SELF, { status: 200, raw: 'not json' });
    expect((await rejection(p.create({ credential: CRED, oldValue: USER, idempotencyKey: 'k4' }))).message).toMatch(/malformed body/);
    // An empty 200, or JSON that is no object, is no token record either: an error (exit 5), never a crash.
    for (const answer of [{ status: 200 }, { status: 200, raw: '"glpat"' }]) {
      api.answerNext('GET', SELF, answer);
      const empty = await rejection(p.create({ credential: CRED, oldValue: USER, idempotencyKey: 'k4' }));
      expect([empty.exitCode, empty.message]).toEqual([ExitCode.Remote, 'GitLab read token before rotating: HTTP 200 (malformed body)']);
    }
    expect(calls('POST', ROTATE)).toBe(before);
  });

  it('a token that never expires is rotated without an expiry (GitLab picks it), and the new id is returned', async () => {
    const old = api.add('glpat-FAKEneverExpires012345', { userId: 7, scopes: ['api'], expiresAt: null });
    const p = gitlab.rotate!.provider(CRED, ctx());
    const created = await p.create({ credential: CRED, oldValue: old, idempotencyKey: 'k5' });
    const sent = api.requests.filter((r) => r.method === 'POST' && r.path === `/api/v4${ROTATE}`).at(-1)!;
    expect(sent.body).toEqual({});
    expect(sent.headers['private-token']).toBe(old);
    expect(created.id).toBe(String(api.tokens.get(created.value)!.id));
    keep(created.id);
  });

  it('a rotation that fails is not retried (it is not idempotent), and is an error', async () => {
    const old = api.add('glpat-FAKEnoRetry0123456789ab', { userId: 7, scopes: ['api'] });
    const p = gitlab.rotate!.provider(CRED, ctx());
    api.misbehave({ kind: 'status', status: 502 }, { count: 1, path: `/api/v4${ROTATE}` });
    const before = calls('POST', ROTATE);
    const err = await rejection(p.create({ credential: CRED, oldValue: old, idempotencyKey: 'k6' }));
    expect(err.message).toMatch(/^GitLab rotate token: HTTP 502/);
    expect(calls('POST', ROTATE) - before).toBe(1);
  });

  it('a 200 without a new value is a malformed answer; a refusal quoting the new value never shows it', async () => {
    const p = gitlab.rotate!.provider(CRED, ctx());
    api.answerNext('POST', ROTATE, { status: 200 });
    expect((await rejection(p.create({ credential: CRED, oldValue: USER, idempotencyKey: 'k7' }))).message).toBe(
      'GitLab rotate token: HTTP 200 (malformed body)',
    );
    for (const token of [undefined, '', 12345]) {
      api.answerNext('POST', ROTATE, { status: 200, body: { ...record(), token } });
      const err = await rejection(p.create({ credential: CRED, oldValue: USER, idempotencyKey: 'k7' }));
      expect(err.message).toMatch(/^GitLab rotate token: HTTP 200 \(malformed body\)/);
    }
    api.answerNext('POST', ROTATE, { status: 400, body: { message: `not rotated: ${NEW_VALUE} clashes with ${USER}`, token: NEW_VALUE } });
    const err = await rejection(p.create({ credential: CRED, oldValue: USER, idempotencyKey: 'k8' }));
    expect(err.message).toMatch(/^GitLab rotate token: HTTP 400 \(not rotated: /);
    expect(err.message).not.toContain(NEW_VALUE);
    api.answerNext('POST', ROTATE, { status: 403, body: {} });
    const bare = await rejection(p.create({ credential: CRED, oldValue: USER, idempotencyKey: 'k9' }));
    expect(bare.message).toBe('GitLab rotate token: HTTP 403 (not allowed)');
    expect(bare.exitCode).toBe(ExitCode.Remote);
  });

  it('isActive: a live record is true, an inactive one or a 401 false, a 403 true, anything else unknown', async () => {
    const p = gitlab.rotate!.provider(CRED, ctx());
    const answers: [Parameters<GitLabStandIn['answerNext']>[2], boolean | 'unknown'][] = [
      [{ status: 200, body: record() }, true],
      [{ status: 200, body: record({ active: undefined }) }, true],
      [{ status: 200, body: record({ active: false }) }, false],
      [{ status: 401, body: { message: '401 Unauthorized' } }, false],
      [{ status: 403, body: { message: '403 Forbidden' } }, true],
      [{ status: 200, raw: '{' }, 'unknown'],
      [{ status: 404, body: { message: '404 Not Found' } }, 'unknown'],
    ];
    for (const [answer, expected] of answers) {
      api.answerNext('GET', SELF, answer);
      expect(await p.isActive({ value: USER })).toBe(expected);
    }
  });
});

describe('the lifetime of a rotated token', () => {
  const today = new Date('2026-12-07T12:00:00Z');
  it('expires_in_days: a whole number from 1 to 400, counted from today', () => {
    expect(rotatedExpiry({}, '1', today)).toBe('2026-12-08');
    expect(rotatedExpiry({ created_at: '2026-01-01', expires_at: '2026-01-02' }, '400', today)).toBe('2028-01-11');
    for (const bad of ['0', '401', '1.5', '-3', 'soon', '']) {
      expect(() => rotatedExpiry({}, bad, today)).toThrow(/^providers\.gitlab\.expires_in_days must be a whole number of days from 1 to 400/);
    }
    let err: unknown;
    try {
      rotatedExpiry({}, `9${'x'.repeat(40)}`, today);
    } catch (e) {
      err = e;
    }
    expect((err as { exitCode: number }).exitCode).toBe(ExitCode.BadInput);
    expect((err as Error).message).toContain(`(got "9${'x'.repeat(19)}")`);
  });

  it("without the setting: the old token's lifetime in whole days (rounded up), from 1 to 365", () => {
    expect(rotatedExpiry({ created_at: '2026-11-01T00:00:00Z', expires_at: '2026-12-01' }, undefined, today)).toBe('2027-01-06');
    expect(rotatedExpiry({ created_at: '2026-11-01T12:00:00Z', expires_at: '2026-11-03' }, undefined, today)).toBe('2026-12-09');
    expect(rotatedExpiry({ created_at: '2024-01-01T00:00:00Z', expires_at: '2026-01-01' }, undefined, today)).toBe('2027-12-07');
    expect(rotatedExpiry({ created_at: '2026-11-02T00:00:00Z', expires_at: '2026-11-01' }, undefined, today)).toBe('2026-12-08');
  });

  it('no lifetime to copy (never expires, no creation date, dates that do not parse): GitLab decides', () => {
    expect(rotatedExpiry({ created_at: '2026-11-01T00:00:00Z', expires_at: null }, undefined, today)).toBeUndefined();
    expect(rotatedExpiry({ expires_at: '2026-12-01' }, undefined, today)).toBeUndefined();
    expect(rotatedExpiry({ created_at: 'yesterday', expires_at: '2026-12-01' }, undefined, today)).toBeUndefined();
  });
});

describe('what the registry and the CLI read from the module', () => {
  it("is found as 'gitlab', talks to gitlab.com by default, and keeps under GitLab.com's 500 calls a minute", () => {
    expect(gitlab.id).toBe('gitlab');
    expect(gitlab.title).toContain('GitLab');
    expect(integrationContext({ integration: gitlab, provider: 'gitlab' }).api).toBe('https://gitlab.com');
    const { requests = Number.POSITIVE_INFINITY, perMs = 1 } = gitlab.rateLimit ?? {};
    // Two calls a verify, at most 500 unauthenticated calls a minute.
    expect((requests / perMs) * 60_000).toBeLessThanOrEqual(500);
    expect(gitlab.config?.map((c) => c.key)).toEqual(['expires_in_days']);
    expect(gitlab.config?.[0]?.description).toContain('365');
    expect(gitlab.revoke!.warning).toContain('at once');
    expect(gitlab.rotate!.summary).toContain('/rotate');
  });
});

describe("GitLab's words that quote a token", () => {
  it('are shown without it, even a token too short to look like one', async () => {
    const quoting = (status: number) => ({ status, body: { message: `${status} refused ${SHORT}` } });
    const shown: string[] = [];
    api.answerNext('GET', SELF, quoting(401));
    shown.push(keep(await gitlab.verify!({ value: SHORT }, ctx())).reason);
    api.answerNext('GET', SELF, { status: 403, body: { error_description: `no read_api for ${SHORT}` } });
    shown.push(keep(await gitlab.analyze!({ value: SHORT }, ctx())).note!);
    api.answerNext('GET', SELF, quoting(404));
    shown.push((await rejection(gitlab.analyze!({ value: SHORT }, ctx()))).message);
    api.answerNext('DELETE', SELF, quoting(403));
    shown.push((await rejection(gitlab.revoke!.run({ value: SHORT }, ctx()))).message);
    const p = gitlab.rotate!.provider(CRED, ctx());
    api.answerNext('GET', SELF, quoting(404));
    shown.push((await rejection(p.identify({ oldValue: SHORT, binding: '' }))).message);
    api.answerNext('GET', SELF, quoting(404));
    shown.push((await rejection(p.create({ credential: CRED, oldValue: SHORT, idempotencyKey: 'q1' }))).message);
    api.answerNext('GET', SELF, { status: 200, body: record() }, 2);
    api.answerNext('POST', ROTATE, { status: 403, body: { message: `403 ${SHORT} may not rotate` } });
    shown.push((await rejection(p.create({ credential: CRED, oldValue: SHORT, idempotencyKey: 'q2' }))).message);
    api.answerNext('POST', ROTATE, { status: 400, body: { message: `400 ${NEW_SHORT} would replace ${SHORT}`, token: NEW_SHORT } });
    shown.push((await rejection(p.create({ credential: CRED, oldValue: SHORT, idempotencyKey: 'q3' }))).message);
    expect(shown).toHaveLength(8);
    for (const text of shown) {
      expect(text).toMatch(/^GitLab/);
      expect(text).not.toContain(SHORT);
      expect(text).not.toContain(NEW_SHORT);
    }
  });
});

describe('gitlab answers canary', () => {
  it('no token value appears in any result or error', () => {
    const all = JSON.stringify(seen, (_k, v) => (v instanceof Error ? { message: v.message, hint: (v as { hint?: string }).hint } : v));
    expect(seen.length).toBeGreaterThan(20);
    for (const t of [...TOKENS, ...api.tokens.keys()]) expect(all).not.toContain(t.slice(6));
  });
});
