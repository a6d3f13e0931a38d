/**
 * What credctl does with each Supabase key and each answer, beyond the paths of supabase.test.ts:
 * which values are read as legacy JWT keys (and what their claims say), where the project ref comes
 * from and which refs are refused, which address the key check goes to, what each kind of key
 * reaches, and each answer of the Management API's api-keys calls during a revoke or rotation.
 * Answers the stand-in's keys never produce are scripted with `answerNext`. The file ends with
 * the check that no key or token value appears in anything a test got back.
 */
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { integrationContext } from '../../../src/integrations/context.js';
import { jwtClaims } from '../../../src/integrations/supabase/index.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { RotationSubject } from '../../../src/integrations/types.js';
import type { SafeHttp } from '../../../src/net/http.js';
import { contextFor, keptAnswers } from '../context.js';
import { startSupabase, type SupabaseStandIn } from './standin.js';

const REF = 'fakeprojectrefaaaaaa';
const OTHER_REF = 'fakeotherrefbbbbbbbb';
const PAT = 'sbp_0000000000000000000000000000000000fa4e02';
const SECRET = 'sb_secret_FAKE0000000000000000000000000002';
const PUBLISHABLE = 'sb_publishable_FAKE00000000000000000000000002';
const SECRET_ID = '00000000-0000-4000-8000-00000000aaaa';
const PUB_ID = '00000000-0000-4000-8000-00000000bbbb';
const CRED: RotationSubject = { id: 'fp', names: ['SUPABASE_KEY'], provider: 'supabase' };
const KEYS = '/v1/projects/fakeprojectrefaaaaaa/api-keys';
const SETTINGS = '/auth/v1/settings';

const supabase = integrationNamed('supabase')!;
let api: SupabaseStandIn;
let SERVICE: string;
let ANON: string;
const ctx = (opts: { project?: string | null; admin?: string | null } = {}) =>
  contextFor('supabase', api.url, {
    settings: opts.project === null ? {} : { project: opts.project ?? REF },
    ...(opts.admin === null ? {} : { admin: opts.admin ?? PAT }),
  });
const { seen, keep, failure } = keptAnswers();
const b64 = (o: unknown) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');
/** An unsigned JWT-shaped value with these claims (read locally only; the stand-in refuses it). */
const jwt = (claims: unknown) => `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.FAKEsignature0123456789`;
const requestsTo = (method: string, path: string | RegExp) =>
  api.requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)));

beforeEach(async () => {
  api = await startSupabase({
    ref: REF,
    jwtSecret: 'FAKE-jwt-secret-0000000000000000',
    pats: [PAT],
    keys: [
      { id: SECRET_ID, name: 'default', type: 'secret', api_key: SECRET },
      { id: PUB_ID, name: 'default', type: 'publishable', api_key: PUBLISHABLE },
    ],
  });
  SERVICE = api.legacyKey('service_role');
  ANON = api.legacyKey('anon');
});
afterEach(() => api.close());

describe('which values are legacy JWT keys', () => {
  it('three dot-separated parts starting eyJ whose middle is a JSON object', () => {
    expect(jwtClaims(jwt({ role: 'anon', ref: REF, exp: 5 }))).toEqual({ role: 'anon', ref: REF, exp: 5 });
    const good = jwt({ role: 'anon' });
    const [h, p, s] = good.split('.');
    for (const odd of [
      `${h}.${p}`,
      `${good}.extra`,
      `x${good}`,
      `${h}.${b64('[1,2]')}.${s}`,
      `${h}.${b64('null')}.${s}`,
      `${h}.${b64('7')}.${s}`,
      `${h}.${b64('{"role":')}.${s}`,
    ])
      expect(jwtClaims(odd)).toBeUndefined();
  });

  it('a JWT without a string role, or an unknown prefix, is not a key credctl can read', async () => {
    for (const value of [jwt({ role: 7, ref: REF }), jwt({ ref: REF }), 'sb_other_FAKE000000000000000', 'FAKE-not-a-key']) {
      const a = keep(await supabase.analyze!({ value }, ctx()));
      expect(a.grants).toEqual([]);
      expect(a.complete).toBe(false);
      expect(a.note).toContain('Not a Supabase API key');
    }
  });
});

describe('analyze: what each kind of key reaches', () => {
  it('a legacy JWT of another role gets what RLS allows that role; service_role bypasses RLS, completely known', async () => {
    const other = keep(await supabase.analyze!({ value: jwt({ role: 'authenticated', ref: REF }) }, ctx()));
    expect(other.grants.map((g) => [g.scope, g.risk])).toEqual([['authenticated', 'read']]);
    expect(other.note).toContain('Row Level Security');
    const service = keep(await supabase.analyze!({ value: SERVICE }, ctx()));
    expect(service).toEqual({ grants: [expect.objectContaining({ scope: 'service_role', risk: 'admin' })], complete: true });
    expect(service.grants[0]!.description).toContain('Bypasses Row Level Security');
  });

  it('a secret key is admin with the custom-role caveat; a publishable key is anon, read, public by design', async () => {
    const secret = keep(await supabase.analyze!({ value: SECRET }, ctx()));
    expect(secret).toMatchObject({ complete: false, grants: [{ scope: 'service_role', risk: 'admin' }] });
    expect(secret.note).toContain('custom role');
    const pub = keep(await supabase.analyze!({ value: PUBLISHABLE }, ctx()));
    expect(pub).toMatchObject({ complete: false, grants: [{ scope: 'anon', risk: 'read' }] });
    expect(pub.grants[0]!.description).toContain('anon role');
    expect(pub.note).toContain('meant to be public');
    // analyze reads the key alone: no call is made.
    expect(api.requests).toEqual([]);
  });
});

describe('verify: the project and the address asked', () => {
  it('the configured project wins over the JWT claim; a JWT without a ref (or a non-string one) needs the setting', async () => {
    expect(keep(await supabase.verify!({ value: SERVICE }, ctx({ project: OTHER_REF }))).identity!.account).toBe(OTHER_REF);
    for (const value of [jwt({ role: 'anon' }), jwt({ role: 'anon', ref: 7 }), 'FAKE-not-a-key']) {
      const e = await failure(supabase.verify!({ value }, ctx({ project: null })));
      expect(e).toMatchObject({ exitCode: 3, message: 'Supabase needs the project: set providers.supabase.project (the project ref) in credctl.yaml' });
    }
  });

  it('a project ref must be exactly 20 lowercase letters; the bad one is quoted, cut to 40 characters', async () => {
    for (const project of [`${REF}a`, REF.slice(1), `A${REF.slice(1)}`, `${REF.slice(1)}1`, `x.${REF}`, `${REF}/x`]) {
      const e = await failure(supabase.verify!({ value: SECRET }, ctx({ project })));
      expect(e).toMatchObject({
        exitCode: 3,
        message: `providers.supabase.project must be a project ref of 20 lowercase letters (got ${JSON.stringify(project)})`,
      });
    }
    const long = `https://evil.example/${'a'.repeat(60)}`;
    expect((await failure(supabase.verify!({ value: SECRET }, ctx({ project: long }))))!.message).toContain(JSON.stringify(long.slice(0, 40)));
    expect(api.requests).toEqual([]);
  });

  it('by default the key is checked at https://<ref>.supabase.co, never at the Management API', async () => {
    const asked: string[] = [];
    const http = {
      request: async (url: URL | string, req: { headers?: Record<string, string> }) => {
        asked.push(`${String(url)} ${req.headers?.apikey === SECRET}`);
        return { status: 200, headers: {}, body: Buffer.from('{}'), url: String(url) };
      },
    } as unknown as SafeHttp;
    const real = integrationContext({ integration: supabase, provider: 'supabase', http, settings: { project: REF } });
    expect(real.api).toBe('https://api.supabase.com');
    expect(keep(await supabase.verify!({ value: SECRET }, real)).status).toBe('live');
    const given = integrationContext({
      integration: supabase,
      provider: 'supabase',
      api: 'https://supabase.internal.example',
      http,
      settings: { project: REF },
    });
    await supabase.verify!({ value: SECRET }, given);
    const none = integrationContext({ integration: supabase, provider: 'supabase', api: '', http, settings: { project: REF } });
    await supabase.verify!({ value: SECRET }, none);
    expect(asked).toEqual([
      `https://${REF}.supabase.co/auth/v1/settings true`,
      'https://supabase.internal.example/auth/v1/settings true',
      `https://${REF}.supabase.co/auth/v1/settings true`,
    ]);
  });
});

describe('verify: each answer', () => {
  it('a live key names its project, kind and role: service_role, anon, a secret key as service_role, a publishable one as anon', async () => {
    const identities = [];
    for (const value of [SERVICE, ANON, SECRET, PUBLISHABLE]) identities.push(keep(await supabase.verify!({ value }, ctx())).identity);
    expect(identities).toEqual([
      { account: REF, kind: 'legacy service_role JWT key', principal: 'service_role' },
      { account: REF, kind: 'legacy anon JWT key', principal: 'anon' },
      { account: REF, kind: 'secret API key', principal: 'service_role' },
      { account: REF, kind: 'publishable API key', principal: 'anon' },
    ]);
    const v = keep(await supabase.verify!({ value: SECRET }, ctx()));
    expect(v.reason).toBe('Supabase accepted it just now');
    expect(v).not.toHaveProperty('expiresAt');
  });

  it('a value of no known kind that the gateway accepts is live, naming the project only; it is sent as apikey only', async () => {
    api.answerNext('GET', SETTINGS, { status: 200, body: {} });
    const v = keep(await supabase.verify!({ value: 'FAKEunknownkind0123456789' }, ctx()));
    expect(v).toEqual({ status: 'live', reason: 'Supabase accepted it just now', identity: { account: REF } });
    expect(api.requests.at(-1)!.headers.authorization).toBeUndefined();
    expect(api.requests.at(-1)!.headers.apikey).toBe('FAKEunknownkind0123456789');
  });

  it('a legacy key without an expiry claim shows none; an expiry in the past is dead without asking', async () => {
    api.answerNext('GET', SETTINGS, { status: 200, body: {} });
    const noExp = keep(await supabase.verify!({ value: jwt({ role: 'anon', ref: REF, exp: 'never' }) }, ctx()));
    expect(noExp.status).toBe('live');
    expect(noExp).not.toHaveProperty('expiresAt');
    const past = keep(await supabase.verify!({ value: jwt({ role: 'anon', ref: REF, exp: 1600000000 }) }, ctx({ project: null })));
    expect(past).toEqual({ status: 'dead', reason: "Supabase: the key's own expiry has passed", expiresAt: new Date(1600000000 * 1000).toISOString() });
    expect(requestsTo('GET', SETTINGS)).toHaveLength(1);
  });

  it('a 403 is live with the identity and expiry; a 401 is dead without them; a 5xx is unknown', async () => {
    api.answerNext('GET', SETTINGS, { status: 403, body: { message: 'forbidden here' } });
    const forbidden = keep(await supabase.verify!({ value: SERVICE }, ctx()));
    expect(forbidden).toMatchObject({
      status: 'live',
      identity: { account: REF, principal: 'service_role' },
      expiresAt: new Date(2000000000 * 1000).toISOString(),
    });
    expect(forbidden.reason).toContain('forbidden here');
    const dead = keep(await supabase.verify!({ value: 'sb_secret_FAKE0000000000000000000000000999' }, ctx()));
    expect(dead).toEqual({ status: 'dead', reason: expect.stringMatching(/^Supabase refuses it \(HTTP 401/) });
    api.answerNext('GET', SETTINGS, { status: 502, body: {} }, 2);
    expect(keep(await supabase.verify!({ value: SECRET }, ctx()))).toEqual({ status: 'unknown', reason: 'Supabase failed to answer (HTTP 502)' });
  });

  it('an unreachable project is unknown, naming Supabase', async () => {
    const v = keep(await supabase.verify!({ value: SECRET }, contextFor('supabase', 'http://127.0.0.1:9', { settings: { project: REF } })));
    expect(v.status).toBe('unknown');
    expect(v.reason).toMatch(/^Supabase could not be asked/);
  });
});

describe('revoke: each answer', () => {
  it('a legacy key is refused, pointing at its own project; a value of no known kind at the configured one', async () => {
    const legacy = await failure(supabase.revoke!.run({ value: jwt({ role: 'anon', ref: OTHER_REF }) }, ctx()));
    expect(legacy!.exitCode).toBe(6);
    expect(legacy!.hint).toContain(`/project/${OTHER_REF}/settings/api-keys`);
    const noRef = await failure(supabase.revoke!.run({ value: jwt({ role: 'anon' }) }, ctx()));
    expect(noRef!.hint).toContain('/project/<ref>/settings/jwt');
    const unknown = await failure(supabase.revoke!.run({ value: 'FAKE-not-a-key' }, ctx()));
    expect(unknown!.hint).toContain(`/project/${REF}/settings/jwt`);
    expect(api.requests).toEqual([]);
  });

  it('lists the keys revealed, with the token; deletes the one whose value matches, retrying a 5xx once', async () => {
    api.misbehave({ kind: 'status', status: 503 }, { path: `${KEYS}/${PUB_ID}`, count: 1 });
    expect(await supabase.revoke!.run({ value: PUBLISHABLE }, ctx())).toBe('revoked');
    const list = requestsTo('GET', KEYS)[0]!;
    expect(list.query.get('reveal')).toBe('true');
    expect(list.headers.authorization).toBe(`Bearer ${PAT}`);
    expect(requestsTo('DELETE', `${KEYS}/${PUB_ID}`)).toHaveLength(2);
    expect(api.keys.map((k) => k.id)).toEqual([SECRET_ID]);
  });

  it('the admin token is fetched once per operation', async () => {
    let asked = 0;
    const counted = integrationContext({
      integration: supabase,
      provider: 'supabase',
      api: api.url,
      settings: { project: REF },
      adminSecret: async () => (asked++, PAT),
    });
    expect(await supabase.revoke!.run({ value: SECRET }, counted)).toBe('revoked');
    expect(asked).toBe(1);
    expect(requestsTo('DELETE', `${KEYS}/${SECRET_ID}`)[0]!.headers.authorization).toBe(`Bearer ${PAT}`);
  });

  it('a key not listed: "already" when the gateway refuses it, refused (exit 6) naming the project when it still works', async () => {
    expect(await supabase.revoke!.run({ value: 'sb_secret_FAKE0000000000000000000000000999' }, ctx())).toBe('already');
    api.answerNext('GET', KEYS, { status: 200, body: [] });
    const e = await failure(supabase.revoke!.run({ value: SECRET }, ctx()));
    expect(e).toMatchObject({ exitCode: 6, message: `this Supabase key still works but is not among project ${REF}'s API keys` });
    expect(e!.hint).toContain('providers.supabase.project');
    api.answerNext('GET', KEYS, { status: 200, body: [] });
    api.answerNext('GET', SETTINGS, { status: 300, body: {} });
    expect(await supabase.revoke!.run({ value: SECRET }, ctx())).toBe('already');
    api.answerNext('GET', KEYS, { status: 200, body: [] });
    api.answerNext('GET', SETTINGS, { status: 204 });
    expect((await failure(supabase.revoke!.run({ value: SECRET }, ctx())))!.exitCode).toBe(6);
    expect(requestsTo('DELETE', /api-keys\//)).toEqual([]);
  });

  it('list entries without a string id are skipped; a list Supabase did not give is exit 5, the token masked', async () => {
    api.answerNext('GET', KEYS, { status: 200, body: [null, { api_key: SECRET }, { id: 7, api_key: SECRET }] });
    api.answerNext('GET', SETTINGS, { status: 401, body: {} });
    expect(await supabase.revoke!.run({ value: SECRET }, ctx())).toBe('already');
    for (const [answer, message] of [
      [{ status: 200, body: { keys: [] } }, 'Supabase list API keys: HTTP 200 (malformed body)'],
      [{ status: 200, raw: '[{' }, 'Supabase list API keys: HTTP 200 (malformed body)'],
      [{ status: 201, body: [] }, 'Supabase list API keys: HTTP 201'],
      [{ status: 400, body: { message: `bad ${PAT}` } }, 'Supabase list API keys: HTTP 400 (bad '],
    ] as const) {
      api.answerNext('GET', KEYS, answer);
      const e = await failure(supabase.revoke!.run({ value: SECRET }, ctx()));
      expect(e!.exitCode).toBe(5);
      expect(e!.message.startsWith(message)).toBe(true);
      expect(e!.message).not.toContain(PAT);
    }
  });

  it('a delete: 200 and 204 revoked, 404 already, anything else exit 5 with the words of Supabase, never the token', async () => {
    for (const [status, said] of [
      [200, 'revoked'],
      [204, 'revoked'],
      [404, 'already'],
    ] as const) {
      api.answerNext('DELETE', `${KEYS}/${SECRET_ID}`, { status, ...(status === 204 ? {} : { body: {} }) });
      expect(await supabase.revoke!.run({ value: SECRET }, ctx())).toBe(said);
    }
    for (const status of [202, 400, 403]) {
      api.answerNext('DELETE', `${KEYS}/${SECRET_ID}`, { status, body: { message: `no ${PAT}` } });
      const e = await failure(supabase.revoke!.run({ value: SECRET }, ctx()));
      expect(e!.exitCode).toBe(5);
      expect(e!.message.startsWith(`Supabase delete API key: HTTP ${status} (no `)).toBe(true);
      expect(e!.message).not.toContain(PAT);
    }
    expect(api.keys.some((k) => k.id === SECRET_ID)).toBe(true);
  });
});

describe('rotation: each answer', () => {
  it('refuses a missing old value, a value of no known kind, and a legacy key (naming its project)', async () => {
    const p = supabase.rotate!.provider(CRED, ctx());
    const missing = await failure(p.create({ credential: CRED, idempotencyKey: 'run-a' }));
    expect(missing).toMatchObject({ exitCode: 6, message: 'the old Supabase key is not in the store or is not an sb_ key' });
    expect((await failure(p.identify({ oldValue: 'FAKE-not-a-key', binding: '' })))!.message).toBe(
      'the old Supabase key is not in the store or is not an sb_ key',
    );
    const legacy = await failure(p.identify({ oldValue: SERVICE, binding: '' }));
    expect(legacy!.hint).toContain(`/project/${REF}/settings/jwt`);
    const revokeLegacy = await failure(p.revoke({ value: ANON, mode: 'revoke' }));
    expect(revokeLegacy!.hint).toContain('/project/<ref>/');
    expect((await failure(p.revoke({ value: 'FAKE-not-a-key', id: SECRET_ID, mode: 'revoke' })))!.exitCode).toBe(6);
    expect(api.requests).toEqual([]);
  });

  it('identify: the id of the listed key with this value, or none', async () => {
    const p = supabase.rotate!.provider(CRED, ctx());
    expect(await p.identify({ oldValue: PUBLISHABLE, binding: '' })).toBe(PUB_ID);
    expect(await p.identify({ oldValue: 'sb_secret_FAKE0000000000000000000000000999', binding: '' })).toBeUndefined();
  });

  it('create: a key of the same type, named after the run, revealed, and not retried', async () => {
    const p = supabase.rotate!.provider(CRED, ctx());
    const made = await p.create({ credential: CRED, oldValue: PUBLISHABLE, idempotencyKey: 'run-b' });
    expect(made.value).toMatch(/^sb_publishable_/);
    const [post] = requestsTo('POST', KEYS);
    expect(post!.body).toEqual({
      type: 'publishable',
      name: `credctl_${createHash('sha256').update('run-b').digest('hex').slice(0, 16)}`,
      description: 'Made by credctl to replace a leaked key',
    });
    expect(post!.query.get('reveal')).toBe('true');
    expect(post!.headers.authorization).toBe(`Bearer ${PAT}`);
    api.answerNext('POST', KEYS, { status: 503, body: { message: 'busy' } });
    expect((await failure(p.create({ credential: CRED, oldValue: SECRET, idempotencyKey: 'run-c' })))!.exitCode).toBe(5);
    expect(requestsTo('POST', KEYS)).toHaveLength(2);
  });

  it('create: a resumed run takes its own revealed key; a listed key of that name without a value is not taken', async () => {
    const p = supabase.rotate!.provider(CRED, ctx());
    const name = `credctl_${createHash('sha256').update('run-d').digest('hex').slice(0, 16)}`;
    api.answerNext('GET', KEYS, { status: 200, body: [{ id: 'made-before', name, api_key: 'sb_secret_FAKEmadebefore000000000000' }] });
    expect(await p.create({ credential: CRED, oldValue: SECRET, idempotencyKey: 'run-d' })).toEqual({
      id: 'made-before',
      value: 'sb_secret_FAKEmadebefore000000000000',
    });
    api.answerNext('GET', KEYS, {
      status: 200,
      body: [
        { id: 'masked', name, api_key: null },
        { id: 'other', name: 'credctl_other', api_key: 'sb_secret_FAKEother00000000000000000' },
      ],
    });
    const made = await p.create({ credential: CRED, oldValue: SECRET, idempotencyKey: 'run-d' });
    expect(made.id).not.toBe('masked');
    expect(made.id).not.toBe('other');
    expect(requestsTo('POST', KEYS)).toHaveLength(1);
  });

  it('create: an answer without a string id and value is exit 5, never showing a value it did get; 200 is accepted', async () => {
    const p = supabase.rotate!.provider(CRED, ctx());
    const leaked = 'sb_secret_FAKEleaked000000000000000000';
    const make = () => p.create({ credential: CRED, oldValue: SECRET, idempotencyKey: 'run-e' });
    for (const body of [
      { api_key: leaked, message: `made ${leaked}` },
      { id: 7, api_key: leaked, message: `made ${leaked}` },
      { id: 'x' },
      { id: 'x', api_key: 7 },
    ]) {
      api.answerNext('POST', KEYS, { status: 201, body });
      const e = await failure(make());
      expect(e!.message.startsWith('Supabase create API key: HTTP 201 (malformed body)')).toBe(true);
      expect(e!.message).not.toContain(leaked);
    }
    api.answerNext('POST', KEYS, { status: 202, body: { id: 'x', api_key: leaked, message: `made ${leaked} by ${PAT}` } });
    const odd = await failure(make());
    expect(odd!.message.startsWith('Supabase create API key: HTTP 202 (malformed body) (made ')).toBe(true);
    expect(odd!.message).not.toContain(leaked);
    expect(odd!.message).not.toContain(PAT);
    api.answerNext('POST', KEYS, { status: 201 });
    expect((await failure(make()))!.message).toBe('Supabase create API key: HTTP 201 (malformed body)');
    api.answerNext('POST', KEYS, { status: 300, body: {} });
    expect((await failure(make()))!.message).toBe('Supabase create API key: HTTP 300');
    api.answerNext('POST', KEYS, { status: 400, body: { message: 'type and name are required' } });
    expect((await failure(make()))!.message).toBe('Supabase create API key: HTTP 400 (type and name are required)');
    api.answerNext('POST', KEYS, { status: 200, body: { id: 'made-200', api_key: 'sb_secret_FAKEmade2000000000000000000' } });
    expect(await make()).toEqual({ id: 'made-200', value: 'sb_secret_FAKEmade2000000000000000000' });
  });

  it('revoke: by the planned id, else by the listed value; an id that is not an id is refused before any call', async () => {
    const p = supabase.rotate!.provider(CRED, ctx());
    expect(await p.revoke({ value: SECRET, id: PUB_ID, mode: 'revoke' })).toBe('revoked');
    expect(requestsTo('GET', KEYS)).toEqual([]);
    expect(await p.revoke({ value: SECRET, mode: 'revoke' })).toBe('revoked');
    expect(api.keys).toEqual([]);
    expect(await p.revoke({ value: SECRET, mode: 'revoke' })).toBe('already');
    const before = api.requests.length;
    for (const id of ['../x', 'a b', 'x'.repeat(101), 'id/', '']) {
      if (!id) continue;
      expect(await failure(p.revoke({ value: SECRET, id, mode: 'revoke' }))).toMatchObject({
        exitCode: 6,
        message: 'the Supabase API key id recorded for this credential is not an id',
      });
    }
    expect(api.requests.length).toBe(before);
    api.answerNext('DELETE', `${KEYS}/${'x'.repeat(100)}`, { status: 200, body: {} });
    expect(await p.revoke({ value: SECRET, id: 'x'.repeat(100), mode: 'revoke' })).toBe('revoked');
  });

  it('isActive: 2xx and 403 true, 401 false, a malformed 200 or anything else unknown', async () => {
    const p = supabase.rotate!.provider(CRED, ctx());
    const answers: [unknown, boolean | 'unknown'][] = [
      [{ status: 200, body: {} }, true],
      [{ status: 204 }, true],
      [{ status: 403, body: {} }, true],
      [{ status: 401, body: {} }, false],
      [{ status: 200, raw: '{' }, 'unknown'],
      [{ status: 300, body: {} }, 'unknown'],
      [{ status: 404, body: {} }, 'unknown'],
    ];
    for (const [answer, active] of answers) {
      api.answerNext('GET', SETTINGS, answer as never);
      expect(await p.isActive({ value: SECRET })).toBe(active);
    }
  });

  it('the plan and manual steps say what cannot be undone and where legacy keys are handled', () => {
    expect(supabase.revoke!.warning).toContain('Legacy JWT keys cannot be revoked');
    expect(supabase.rotate!.strategy).toBe('overlap');
    expect(supabase.manual!.revoke!.url).toBe('https://supabase.com/dashboard/project/_/settings/api-keys');
    expect(supabase.manual!.rotate!.url).toBe('https://supabase.com/dashboard/project/_/settings/api-keys');
    expect(supabase.manual!.revoke!.instructions).toContain('Disable JWT-based API keys');
    expect(supabase.manual!.rotate!.instructions).toContain('credctl store put');
    expect(supabase.rotate!.summary).toContain('same type');
    expect(supabase.title).toContain('Supabase');
    expect(supabase.config!.map((c) => c.description)).toEqual([expect.stringContaining('project ref'), expect.stringContaining('personal access token')]);
    expect(supabase.config!.map((c) => [c.key, c.secret ?? false])).toEqual([
      ['project', false],
      ['admin', true],
    ]);
  });
});

describe('a key or admin token of another shape, echoed back by Supabase', () => {
  // Dotted and short: only masking by value (not the cut of long token-like runs) hides them.
  const ODD_PAT = 'FAKE.odd.admin.tok';
  const ODD_KEY = 'sb_secret_FAKE.odd.key';
  const NEW = 'sb_secret_FAKE.new.key';

  /** The text says what Supabase said, and shows none of the values. */
  const safe = (text: string | undefined, said: string) => {
    expect(text).toContain(said);
    for (const v of [ODD_PAT, ODD_KEY, NEW]) expect(text).not.toContain(v);
  };

  it('are masked in every message, and so is a new value Supabase sent with an error', async () => {
    const c = ctx({ admin: ODD_PAT });
    const p = supabase.rotate!.provider(CRED, c);
    const echo = { message: `no ${ODD_PAT} ${ODD_KEY}` };
    api.answerNext('GET', SETTINGS, { status: 403, body: { message: `no ${ODD_KEY}` } });
    safe(keep(await supabase.verify!({ value: ODD_KEY }, c)).reason, '(HTTP 403: no ');
    api.answerNext('GET', KEYS, { status: 400, body: echo });
    safe((await failure(supabase.revoke!.run({ value: ODD_KEY }, c)))!.message, 'HTTP 400 (no ');
    api.answerNext('GET', KEYS, { status: 200, body: [{ id: 'odd', api_key: ODD_KEY }] });
    api.answerNext('DELETE', `${KEYS}/odd`, { status: 400, body: echo });
    safe((await failure(supabase.revoke!.run({ value: ODD_KEY }, c)))!.message, 'HTTP 400 (no ');
    api.answerNext('GET', KEYS, { status: 200, body: [] });
    api.answerNext('POST', KEYS, { status: 200, body: { api_key: NEW, message: `made ${NEW} with ${ODD_PAT} for ${ODD_KEY}` } });
    safe((await failure(p.create({ credential: CRED, oldValue: ODD_KEY, idempotencyKey: 'run-odd' })))!.message, '(made ');
    api.answerNext('GET', KEYS, { status: 200, body: [] });
    api.answerNext('POST', KEYS, { status: 400, body: echo });
    safe((await failure(p.create({ credential: CRED, oldValue: ODD_KEY, idempotencyKey: 'run-odd' })))!.message, 'HTTP 400 (no ');
  });

  afterAll(() => {
    const all = JSON.stringify(seen);
    for (const v of [ODD_PAT, ODD_KEY, NEW]) expect(all).not.toContain(v);
  });
});

afterAll(() => {
  const all = JSON.stringify(seen);
  expect(seen.length).toBeGreaterThan(40);
  for (const v of [SECRET, PUBLISHABLE, PAT, 'sb_secret_FAKEleaked000000000000000000']) expect(all).not.toContain(v);
  for (const v of [SERVICE, ANON]) expect(all).not.toContain(v.split('.')[2]);
});
