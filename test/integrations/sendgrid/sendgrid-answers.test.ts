/**
 * What credctl does with each answer SendGrid may give, beyond the paths of sendgrid.test.ts:
 * which values have an id, what risk each scope carries, the key resource's odd or failing
 * answers (a flat key object, a list without ids, a create without a value), what is retried and
 * what is not, and that neither the key nor the admin key shows in any error. Answers the
 * stand-in's keys never produce are scripted with `answerNext`.
 */
import { afterAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import type { CredctlError } from '../../../src/core/errors.js';
import { candidateId, scopeRisk } from '../../../src/integrations/sendgrid/index.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { RotationSubject } from '../../../src/integrations/types.js';
import { contextFor } from '../context.js';
import { startSendGrid, type SendGridStandIn } from './standin.js';

const key = (tag: string) => `SG.${`FAKE${tag}`.padEnd(22, '0')}.${`EXAMPLE${tag}`.padEnd(43, '0')}`;
const idOf = (value: string) => value.split('.')[1]!;
const SENDER = key('sender');
const ADMIN = key('admin');
const ONE_SCOPE = key('one');
const SENDER_SCOPES = ['mail.send', 'templates.read', 'stats.read'];
const CRED: RotationSubject = { id: 'fp', names: ['SENDGRID_API_KEY'], provider: 'sendgrid' };

const sendgrid = integrationNamed('sendgrid')!;
let api: SendGridStandIn;
const ctx = (admin?: string) => contextFor('sendgrid', api.url, admin ? { admin } : {});
const shown: unknown[] = [];
const failure = async (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: CredctlError) => {
      shown.push(e.message, e.hint);
      return e;
    },
  );
const sgError = (message: string) => ({ errors: [{ field: null, message }] });
const requestsTo = (method: string, path: string) => api.requests.filter((r) => r.method === method && r.path === path);

beforeEach(async () => {
  api = await startSendGrid([
    { value: SENDER, name: 'web app sender', scopes: SENDER_SCOPES },
    { value: ADMIN, name: 'key manager', scopes: ['api_keys.create', 'api_keys.read', 'api_keys.delete'] },
    { value: ONE_SCOPE, name: 'alerts', scopes: ['alerts.read'] },
  ]);
});
afterEach(() => api.close());
afterAll(() => {
  const text = JSON.stringify(shown);
  for (const v of [SENDER, ADMIN, ONE_SCOPE]) expect(text).not.toContain(v.split('.')[2]!);
});

describe('which values have an id', () => {
  it('only a whole SG.<22>.<43> value gives its middle segment', () => {
    const id = 'Ab_9-cdefghijklmnopqrs';
    const secret = 'Zy_8-'.padEnd(43, 'x');
    expect(candidateId(`SG.${id}.${secret}`)).toBe(id);
    for (const odd of [
      `xSG.${id}.${secret}`,
      `SG.${id}.${secret}x`,
      `SG.${id}x.${secret}`,
      `SG.${id.slice(1)}.${secret}`,
      `SG.${id}.${secret.slice(1)}`,
      `SG.${id.slice(0, 21)}!.${secret}`,
      `SG.${id}.${secret.slice(0, 42)}!`,
      `SGx${id}.${secret}`,
      `SG.${id}x${secret}`,
    ])
      expect(candidateId(odd)).toBeUndefined();
  });

  it('a value of another form is verified without an id, and is never revoked by guesswork', async () => {
    const legacy = 'SG.FAKElegacy.short';
    api.answerNext('GET', '/v3/scopes', { status: 200, body: { scopes: ['mail.send'] } });
    const v = await sendgrid.verify!({ value: legacy }, ctx());
    shown.push(v);
    expect(v).toMatchObject({ status: 'live', identity: { kind: 'API key' } });
    expect(Object.keys(v.identity!)).toEqual(['kind']);
    const before = api.requests.length;
    const err = await failure(sendgrid.revoke!.run({ value: legacy }, ctx(ADMIN)));
    expect([err.exitCode, err.message]).toEqual([6, 'SendGrid: this is not an SG.<id>.<secret> key, so its id is unknown']);
    const p = sendgrid.rotate!.provider(CRED, ctx(ADMIN));
    expect(await p.identify({ oldValue: legacy, binding: '' })).toBeUndefined();
    expect((await failure(p.revoke({ value: legacy, mode: 'revoke' }))).exitCode).toBe(6);
    expect(api.requests.length).toBe(before);
  });
});

describe('what each scope risks', () => {
  it('managing keys, people, sub-accounts, access, credentials, SSO or billing is admin; reading them is read', () => {
    const risks = Object.fromEntries(
      [
        'api_keys.create',
        'api_keys.update',
        'teammates.create',
        'subusers.delete',
        'access_settings.whitelist.create',
        'credentials.update',
        'sso.settings.create',
        'billing.update',
        'api_keys.read',
        'teammates.read',
        'billing.read',
        'mail.send',
        'mail.batch.create',
        'templates.update',
        'suppression.delete',
        'marketing.send',
        'templates.read',
        'stats.global.read',
        'user.webhooks.parse.settings',
        'alerts',
      ].map((s) => [s, scopeRisk(s)]),
    );
    expect(risks).toEqual({
      'api_keys.create': 'admin',
      'api_keys.update': 'admin',
      'teammates.create': 'admin',
      'subusers.delete': 'admin',
      'access_settings.whitelist.create': 'admin',
      'credentials.update': 'admin',
      'sso.settings.create': 'admin',
      'billing.update': 'admin',
      'api_keys.read': 'read',
      'teammates.read': 'read',
      'billing.read': 'read',
      'mail.send': 'write',
      'mail.batch.create': 'write',
      'templates.update': 'write',
      'suppression.delete': 'write',
      'marketing.send': 'write',
      'templates.read': 'read',
      'stats.global.read': 'read',
      'user.webhooks.parse.settings': 'read',
      alerts: 'read',
    });
  });

  it('an area name inside another scope is not that area; a verb inside a word is not that verb', () => {
    expect(scopeRisk('user.billing.create')).toBe('write');
    expect(scopeRisk('api_keysx.create')).toBe('write');
    expect(scopeRisk('templates.created')).toBe('read');
    expect(scopeRisk('templates.recreate')).toBe('read');
    expect(scopeRisk('billing.reader')).toBe('admin');
  });
});

describe('verify and analyze: each answer to GET /v3/scopes', () => {
  it('the reason counts the scopes', async () => {
    const three = await sendgrid.verify!({ value: SENDER }, ctx());
    const one = await sendgrid.verify!({ value: ONE_SCOPE }, ctx());
    shown.push(three, one);
    expect(three.reason).toBe('SendGrid accepted it just now (3 scopes)');
    expect(one.reason).toBe('SendGrid accepted it just now (1 scope)');
    expect(one.identity).toEqual({ kind: 'API key', credentialId: idOf(ONE_SCOPE) });
  });

  it('a dead key names no id; a 403 means SendGrid knows the key', async () => {
    const dead = await sendgrid.verify!({ value: key('gone') }, ctx());
    api.answerNext('GET', '/v3/scopes', { status: 403, body: sgError('access forbidden') });
    const forbidden = await sendgrid.verify!({ value: SENDER }, ctx());
    shown.push(dead, forbidden);
    expect(dead).toMatchObject({ status: 'dead', identity: { kind: 'API key' } });
    expect(forbidden).toMatchObject({ status: 'live', identity: { kind: 'API key' } });
    expect(forbidden.reason).toContain('access forbidden');
  });

  it('a 200 without a list of scope names is unknown, and analyze refuses it (exit 5)', async () => {
    for (const body of [{}, { scopes: 'mail.send' }, { scopes: ['mail.send', 7] }]) {
      api.answerNext('GET', '/v3/scopes', { status: 200, body });
      const v = await sendgrid.verify!({ value: SENDER }, ctx());
      expect(v).toEqual({ status: 'unknown', reason: 'SendGrid answered GET /v3/scopes without a scope list' });
      api.answerNext('GET', '/v3/scopes', { status: 200, body });
      const err = await failure(sendgrid.analyze!({ value: SENDER }, ctx()));
      expect([err.exitCode, err.message]).toEqual([5, 'SendGrid GET /v3/scopes: HTTP 200 (malformed body)']);
    }
  });

  it('analyze: a refused key is exit 5 naming the status and never the key; a repeated scope is listed once', async () => {
    api.answerNext('GET', '/v3/scopes', { status: 401, body: sgError(`authorization required for ${SENDER}`) });
    const err = await failure(sendgrid.analyze!({ value: SENDER }, ctx()));
    expect(err.message).toContain('SendGrid GET /v3/scopes: HTTP 401');
    expect(err.message).not.toContain('malformed');
    expect(err.message).not.toContain(SENDER);
    api.answerNext('GET', '/v3/scopes', { status: 200, body: { scopes: ['mail.send', 'mail.send', 'api_keys.read'] } });
    expect((await sendgrid.analyze!({ value: SENDER }, ctx())).grants).toEqual([
      { scope: 'mail.send', risk: 'write' },
      { scope: 'api_keys.read', risk: 'read' },
    ]);
  });

  it('one 5xx is retried; an unreachable SendGrid is unknown', async () => {
    api.misbehave({ kind: 'status', status: 503 }, { count: 1 });
    expect((await sendgrid.verify!({ value: SENDER }, ctx())).status).toBe('live');
    api.misbehave({ kind: 'status', status: 503 }, { count: 1 });
    expect((await sendgrid.analyze!({ value: SENDER }, ctx())).complete).toBe(true);
    const v = await sendgrid.verify!({ value: SENDER }, contextFor('sendgrid', 'http://127.0.0.1:9'));
    shown.push(v);
    expect(v.status).toBe('unknown');
    expect(v.reason).toContain('could not be asked');
  });

  it('isActive: a scope list is true, a 401 false, anything else unknown', async () => {
    const p = sendgrid.rotate!.provider(CRED, ctx(ADMIN));
    expect(await p.isActive({ value: SENDER })).toBe(true);
    expect(await p.isActive({ value: key('gone') })).toBe(false);
    api.answerNext('GET', '/v3/scopes', { status: 403, body: sgError('access forbidden') });
    expect(await p.isActive({ value: SENDER })).toBe('unknown');
    api.answerNext('GET', '/v3/scopes', { status: 200, body: { scopes: null } });
    expect(await p.isActive({ value: SENDER })).toBe('unknown');
    api.answerNext('GET', '/v3/scopes', { status: 201, body: { scopes: [] } });
    expect(await p.isActive({ value: SENDER })).toBe('unknown');
  });
});

describe('the key resource: each answer of the admin calls', () => {
  const getPath = `/v3/api_keys/${idOf(SENDER)}`;

  it('a key read as a flat object, or as a list holding other keys, gives the right scopes', async () => {
    const p = sendgrid.rotate!.provider(CRED, ctx(ADMIN));
    const createdScopes = async (answer: unknown) => {
      api.answerNext('GET', getPath, { status: 200, body: answer });
      const made = await p.create({ credential: CRED, oldId: idOf(SENDER), oldValue: SENDER, idempotencyKey: `run-${JSON.stringify(answer).length}` });
      return api.keys.get(made.value)!.scopes;
    };
    expect(await createdScopes({ name: 'flat', api_key_id: idOf(SENDER), scopes: ['mail.send'] })).toEqual(['mail.send']);
    expect(
      await createdScopes({
        result: [
          { name: 'other', api_key_id: 'FAKEother', scopes: ['stats.read'] },
          { name: 'me', api_key_id: idOf(SENDER), scopes: ['templates.read'] },
        ],
      }),
    ).toEqual(['templates.read']);
    expect(await createdScopes({ result: [{ name: 'only', scopes: ['alerts.read'] }] })).toEqual(['alerts.read']);
  });

  it('a key read without scope names gives none, so nothing is created', async () => {
    const p = sendgrid.rotate!.provider(CRED, ctx(ADMIN));
    for (const answer of [
      { result: [{ api_key_id: idOf(SENDER), scopes: ['mail.send', 3] }] },
      { result: [{ api_key_id: idOf(SENDER), name: 7 }] },
      { result: [] },
    ]) {
      api.answerNext('GET', getPath, { status: 200, body: answer });
      const err = await failure(p.create({ credential: CRED, oldId: idOf(SENDER), oldValue: SENDER, idempotencyKey: 'run-none' }));
      expect(err.exitCode).toBe(6);
      expect(err.message).toBe('SendGrid: no scopes known for the replacement of SENDGRID_API_KEY; refusing to create a Full Access key');
      expect(err.hint).toBe('Set scopes for it in the plan.');
    }
    expect(requestsTo('POST', '/v3/api_keys')).toEqual([]);
  });

  it('a failed read of the key is exit 5 (a 500 once is retried), never "already"', async () => {
    api.answerNext('GET', getPath, { status: 500, body: sgError('boom') });
    expect(await sendgrid.revoke!.run({ value: SENDER }, ctx(ADMIN))).toBe('revoked');
    api.add(SENDER, 'web app sender', SENDER_SCOPES);
    api.answerNext('GET', getPath, { status: 500, body: sgError(`boom ${ADMIN}`) }, 2);
    const err = await failure(sendgrid.revoke!.run({ value: SENDER }, ctx(ADMIN)));
    expect(err.exitCode).toBe(5);
    expect(err.message).toMatch(/^SendGrid GET \/v3\/api_keys\/\{id\}: HTTP 500 \(boom /);
    expect(err.message).not.toContain(ADMIN);
    api.answerNext('GET', getPath, { status: 200, raw: '{"result": [' });
    expect((await failure(sendgrid.revoke!.run({ value: SENDER }, ctx(ADMIN)))).message).toBe('SendGrid GET /v3/api_keys/{id}: HTTP 200 (malformed body)');
    expect(api.keys.has(SENDER)).toBe(true);
  });

  it('the list of keys: a failure is exit 5, entries without an id are skipped, a nameless one is not a leftover', async () => {
    const p = sendgrid.rotate!.provider(CRED, ctx(ADMIN));
    const make = () => p.create({ credential: { ...CRED, scopes: ['mail.send'] }, oldValue: SENDER, idempotencyKey: 'run-list' });
    api.answerNext('GET', '/v3/api_keys', { status: 500, body: sgError('boom') }, 2);
    expect((await failure(make())).message).toBe('SendGrid GET /v3/api_keys: HTTP 500 (boom)');
    api.answerNext('GET', '/v3/api_keys', { status: 200, body: { result: 'none' } });
    expect((await failure(make())).message).toBe('SendGrid GET /v3/api_keys: HTTP 200 (malformed body)');
    const first = await make();
    api.answerNext('GET', '/v3/api_keys', {
      status: 200,
      body: {
        result: [
          { name: first.value ? api.keys.get(first.value)!.name : '' },
          { api_key_id: idOf(SENDER) },
          { api_key_id: first.id, name: api.keys.get(first.value)!.name },
        ],
      },
    });
    const second = await make();
    // Only the entry with the run's name and an id was deleted; the nameless SENDER was kept.
    expect(requestsTo('DELETE', `/v3/api_keys/${first.id}`)).toHaveLength(1);
    expect(api.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    expect(api.keys.has(SENDER)).toBe(true);
    expect(api.keys.has(second.value)).toBe(true);
  });

  it("the rotation key is named after the run; another run's key of the same form is left alone", async () => {
    const p = sendgrid.rotate!.provider(CRED, ctx(ADMIN));
    const a = await p.create({ credential: { ...CRED, scopes: ['mail.send'] }, oldValue: SENDER, idempotencyKey: 'run-a' });
    const b = await p.create({ credential: { ...CRED, scopes: ['mail.send'] }, oldValue: SENDER, idempotencyKey: 'run-b' });
    const nameA = api.keys.get(a.value)!.name;
    expect(nameA).toMatch(/^credctl rotation [0-9a-f]{16}$/);
    expect(api.keys.get(b.value)!.name).not.toBe(nameA);
    expect(api.keys.has(a.value)).toBe(true);
    expect(requestsTo('POST', '/v3/api_keys').map((r) => r.body)).toEqual([
      { name: nameA, scopes: ['mail.send'] },
      { name: api.keys.get(b.value)!.name, scopes: ['mail.send'] },
    ]);
    expect(requestsTo('POST', '/v3/api_keys')[0]!.headers.authorization).toBe(`Bearer ${ADMIN}`);
  });

  it('a create is not retried, and one without a value or id is exit 5 that never shows a value it did get', async () => {
    const p = sendgrid.rotate!.provider(CRED, ctx(ADMIN));
    const make = () => p.create({ credential: { ...CRED, scopes: ['mail.send'] }, oldValue: SENDER, idempotencyKey: 'run-c' });
    api.answerNext('POST', '/v3/api_keys', { status: 503, body: sgError('busy') });
    expect((await failure(make())).message).toBe('SendGrid POST /v3/api_keys: HTTP 503 (busy)');
    expect(requestsTo('POST', '/v3/api_keys')).toHaveLength(1);
    const leaked = key('leaked');
    api.answerNext('POST', '/v3/api_keys', { status: 201, body: { api_key: leaked, name: 'x', errors: [{ message: `made ${leaked}` }] } });
    const noId = await failure(make());
    expect(noId.message).toContain('SendGrid POST /v3/api_keys: HTTP 201 (malformed body)');
    expect(noId.message).not.toContain(leaked);
    api.answerNext('POST', '/v3/api_keys', { status: 201, body: { api_key_id: 'FAKEid', name: 'x' } });
    expect((await failure(make())).message).toBe('SendGrid POST /v3/api_keys: HTTP 201 (malformed body)');
    api.answerNext('POST', '/v3/api_keys', { status: 200, body: { api_key: leaked, api_key_id: 'FAKEid', errors: [{ message: `made ${leaked}` }] } });
    const wrongStatus = await failure(make());
    expect(wrongStatus.message).toContain('SendGrid POST /v3/api_keys: HTTP 200 (');
    expect(wrongStatus.message).not.toContain('malformed');
    expect(wrongStatus.message).not.toContain(leaked);
    shown.push(noId.message, wrongStatus.message);
  });

  it('a delete: 200 is done, another status is exit 5, and it is not retried', async () => {
    api.answerNext('DELETE', `/v3/api_keys/${idOf(SENDER)}`, { status: 200, body: {} });
    expect(await sendgrid.revoke!.run({ value: SENDER }, ctx(ADMIN))).toBe('revoked');
    api.answerNext('DELETE', `/v3/api_keys/${idOf(SENDER)}`, { status: 503, body: sgError(`busy ${ADMIN}`) });
    const err = await failure(sendgrid.revoke!.run({ value: SENDER }, ctx(ADMIN)));
    expect(err.message).toContain('SendGrid DELETE /v3/api_keys/{id}: HTTP 503');
    expect(err.message).not.toContain(ADMIN);
    expect(requestsTo('DELETE', `/v3/api_keys/${idOf(SENDER)}`)).toHaveLength(2);
    expect(api.keys.has(SENDER)).toBe(true);
  });

  it('the id goes into the path encoded', async () => {
    const p = sendgrid.rotate!.provider(CRED, ctx(ADMIN));
    expect(await p.revoke({ value: SENDER, id: 'FAKE/../x', mode: 'revoke' })).toBe('already');
    expect(api.requests.at(-1)!.path).toBe('/v3/api_keys/FAKE%2F..%2Fx');
  });
});

describe('rotate: what is refused before anything is made', () => {
  it('an unidentified old key without planned scopes is refused, naming the credential', async () => {
    const p = sendgrid.rotate!.provider(CRED, ctx(ADMIN));
    const err = await failure(p.create({ credential: CRED, oldValue: SENDER, idempotencyKey: 'run-d' }));
    expect([err.exitCode, err.message, err.hint]).toEqual([
      6,
      'SendGrid: the old SENDGRID_API_KEY was not identified, so its scopes cannot be copied',
      'Set scopes for it in the plan, or rotate it by hand.',
    ]);
    const nameless = await failure(p.create({ credential: { ...CRED, names: [] }, oldValue: SENDER, idempotencyKey: 'run-d' }));
    expect(nameless.message).toBe('SendGrid: the old key was not identified, so its scopes cannot be copied');
    const empty = await failure(p.create({ credential: { ...CRED, names: [], scopes: [] }, oldValue: SENDER, idempotencyKey: 'run-d' }));
    expect(empty.message).toBe('SendGrid: no scopes known for the replacement of the key; refusing to create a Full Access key');
    expect(requestsTo('POST', '/v3/api_keys')).toEqual([]);
  });

  it('an old key that is gone gives no scopes; planned scopes are used without reading the old key', async () => {
    const p = sendgrid.rotate!.provider(CRED, ctx(ADMIN));
    expect((await failure(p.create({ credential: CRED, oldId: idOf(key('gone')), idempotencyKey: 'run-e' }))).exitCode).toBe(6);
    const reads = api.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v3/api_keys/')).length;
    const made = await p.create({ credential: { ...CRED, scopes: ['stats.read'] }, oldId: idOf(SENDER), oldValue: SENDER, idempotencyKey: 'run-e' });
    expect(api.keys.get(made.value)!.scopes).toEqual(['stats.read']);
    expect(api.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v3/api_keys/')).length).toBe(reads);
  });

  it('identify asks the admin key and answers the id only when SendGrid knows it', async () => {
    const p = sendgrid.rotate!.provider(CRED, ctx(ADMIN));
    expect(await p.identify({ oldValue: SENDER, binding: '' })).toBe(idOf(SENDER));
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${ADMIN}`);
    expect(await p.identify({ oldValue: key('gone'), binding: '' })).toBeUndefined();
  });

  it('revoke without an id uses the middle segment; revoke of an unknown key is "already"', async () => {
    const p = sendgrid.rotate!.provider(CRED, ctx(ADMIN));
    expect(await p.revoke({ value: SENDER, mode: 'revoke' })).toBe('revoked');
    expect(api.keys.has(SENDER)).toBe(false);
    expect(await sendgrid.revoke!.run({ value: key('gone') }, ctx(ADMIN))).toBe('already');
    expect(requestsTo('DELETE', `/v3/api_keys/${idOf(key('gone'))}`)).toEqual([]);
  });

  it('the warning says a delete cannot be undone; the manual steps point at the API keys settings', () => {
    expect(sendgrid.revoke!.warning).toMatch(/^Irreversible/);
    expect(sendgrid.manual!.rotate!.url).toBe('https://app.sendgrid.com/settings/api_keys');
    expect(sendgrid.manual!.revoke!.url).toBe('https://app.sendgrid.com/settings/api_keys');
    expect(sendgrid.config!.map((c) => [c.key, c.secret])).toEqual([['admin', true]]);
    expect(sendgrid.title).toContain('SendGrid');
    expect(sendgrid.rotate!.summary).toContain("old key's scopes");
    expect(sendgrid.config![0]!.description).toContain('api_keys scopes');
    expect(sendgrid.manual!.rotate!.instructions).toContain('same permissions');
    expect(sendgrid.manual!.revoke!.instructions).toContain('Delete');
  });
});
