import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafeHttp } from '../../../src/net/http.js';
import { UnsupportedOperation } from '../../../src/providers/adapter.js';
import { IssuerResponseError, StandardClient, problemOf, retryAfterSeconds } from '../../../src/integrations/standard/client.js';
import { startAcmeIssuer, type AcmeIssuer } from '../../standard/independent-issuer/acme-issuer.js';
import { keptAnswers } from '../context.js';

/**
 * The standard client against the Acme issuer (an independent implementation of the spec), with
 * the answers a real issuer's state never gives scripted in: what the client sends (headers,
 * bodies, idempotency keys), how it reads every part of an answer, what it does with broken or
 * hostile ones, and that neither the admin token nor a key value reaches an error.
 */
let acme: AcmeIssuer;
beforeAll(async () => {
  acme = await startAcmeIssuer();
});
afterAll(async () => acme?.close());

const { seen, failure } = keptAnswers();
const values: string[] = [];
const minted = (input?: Parameters<AcmeIssuer['mintKey']>[0]) => {
  const made = acme.mintKey(input);
  values.push(made.value);
  return made;
};
const client = (extra: Partial<ConstructorParameters<typeof StandardClient>[0]> = {}) =>
  new StandardClient({ providerId: 'acme', issuer: acme.url, adminToken: acme.adminToken, ...extra });
const lastTo = (path: string, method = 'POST') => acme.requests.filter((r) => r.path === path && r.method === method).at(-1)!;

async function withManifest<T>(patch: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
  acme.patchManifest(patch);
  try {
    return await run();
  } finally {
    acme.patchManifest({});
  }
}

async function rejection(p: Promise<unknown>): Promise<IssuerResponseError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IssuerResponseError);
  seen.push({ message: (err as Error).message });
  return err as IssuerResponseError;
}

describe('what it sends', () => {
  it('asks for JSON, authenticates management calls with the admin token and whoami with the key itself', async () => {
    const { value } = minted();
    const c = client();
    await c.whoami(value);
    const me = lastTo('/api/me', 'GET');
    expect(me.headers.authorization).toBe(`Bearer ${value}`);
    expect(me.headers.accept).toBe('application/json, application/problem+json');
    await c.introspect(value);
    const intro = lastTo('/api/introspect');
    expect(intro.headers.authorization).toBe(`Bearer ${acme.adminToken}`);
    expect(intro.headers['content-type']).toBe('application/json');
    expect(intro.body).toEqual({ token: value });
    await c.list();
    expect(lastTo('/api/keys', 'GET').headers['content-type']).toBeUndefined();
    await c.close();
  });

  it('sends no authorization at all without an admin token', async () => {
    const c = client({ adminToken: undefined });
    const f = await rejection(c.list());
    expect(f.status).toBe(401);
    expect(lastTo('/api/keys', 'GET').headers.authorization).toBeUndefined();
  });

  it('creates with the scopes, environment, lifetime and name asked for, and a fresh idempotency key when given none', async () => {
    const c = client();
    const made = await c.create({ scopes: ['reports:read'], environment: 'test', ttlSeconds: 3600, name: 'ci key' });
    values.push(made.value);
    const sent = lastTo('/api/keys');
    expect(sent.body).toEqual({ scope: ['reports:read'], environment: 'test', ttl_seconds: 3600, name: 'ci key' });
    expect(sent.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(made).toMatchObject({ scopes: ['reports:read'], environment: 'test', name: 'ci key', status: 'active', replayed: false });
    expect(Date.parse(made.expiresAt!) - Date.parse(made.createdAt!)).toBe(3600_000);
    const bare = await c.create({ scopes: ['reports:read'], environment: '', ttlSeconds: 0, name: '' });
    values.push(bare.value);
    expect(lastTo('/api/keys').body).toEqual({ scope: ['reports:read'] });
  });

  it('says when the issuer replayed a create (same idempotency key, same body)', async () => {
    const c = client();
    const first = await c.create({ scopes: ['reports:read'], idempotencyKey: 'idem-FAKE-client-1' });
    const again = await c.create({ scopes: ['reports:read'], idempotencyKey: 'idem-FAKE-client-1' });
    values.push(first.value);
    expect(first.replayed).toBe(false);
    expect(again).toMatchObject({ id: first.id, replayed: true });
  });

  it('repeats a create whose answer was lost with the same idempotency key: one credential, not two', async () => {
    const c = client();
    const before = acme.credentials.size;
    acme.answerNext({ status: 0, drop: true }, '/api/keys');
    const made = await c.create({ scopes: ['reports:read'] });
    values.push(made.value);
    const keys = acme.requests.filter((r) => r.path === '/api/keys' && r.method === 'POST').slice(-2);
    expect(keys[0]!.headers['idempotency-key']).toBe(keys[1]!.headers['idempotency-key']);
    expect(acme.credentials.size).toBe(before + 1);
  });

  it('does not repeat a create the issuer refused', async () => {
    const c = client();
    await c.getManifest();
    const before = acme.requests.length;
    const f = await rejection(c.create({ scopes: ['no:such-scope'] }));
    expect(f).toMatchObject({ status: 400, code: 'invalid_scope' });
    expect(acme.requests.length - before).toBe(1);
  });

  it('rotates with a narrowed scope, lifetime and name, addressing the id safely in the path', async () => {
    const { c: old } = minted({ scopes: ['reports:read', 'reports:write'] });
    const c = client();
    const made = await c.rotate(old.id, { scopes: ['reports:read'], ttlSeconds: 7200, name: 'renamed', idempotencyKey: 'idem-FAKE-client-2' });
    values.push(made.value);
    const sent = lastTo(`/api/keys/${old.id}/rotate`);
    expect(sent.body).toEqual({ scope: ['reports:read'], ttl_seconds: 7200, name: 'renamed' });
    expect(sent.headers['idempotency-key']).toBe('idem-FAKE-client-2');
    expect(made.rotatedFrom).toBe(old.id);
    const same = await c.rotate(made.id, { ttlSeconds: 0, name: '' });
    values.push(same.value);
    expect(lastTo(`/api/keys/${made.id}/rotate`).body).toEqual({});
    await rejection(c.rotate('a/b?c', {}));
    expect(acme.calls.at(-1)!.path).toBe('/api/keys/a%2Fb%3Fc/rotate');
  });

  it('refuses a rotation whose successor names another predecessor, and takes one that names none', async () => {
    const { c: old } = minted();
    const c = client();
    acme.answerNext(
      { status: 201, body: { id: 'key_new', value: 'acme_live_FAKE0123456789abcdefghij', rotated_from: 'key_someone_else' } },
      `/api/keys/${old.id}/rotate`,
    );
    const f = await rejection(c.rotate(old.id));
    expect(f.message).toContain(`replaces key_someone_else, not ${old.id}`);
    acme.answerNext(
      { status: 201, body: { id: 'key_new1', value: 'acme_live_FAKE0123456789abcdefghil', rotated_from: `key_${'k'.repeat(300)}` } },
      `/api/keys/${old.id}/rotate`,
    );
    expect((await rejection(c.rotate(old.id))).message).not.toContain('k'.repeat(100));
    acme.answerNext({ status: 201, body: { id: 'key_new2', value: 'acme_live_FAKE0123456789abcdefghik' } }, `/api/keys/${old.id}/rotate`);
    expect((await c.rotate(old.id)).rotatedFrom).toBeUndefined();
  });

  it('refuses a created credential without a value', async () => {
    acme.answerNext({ status: 201, body: { id: 'key_novalue', value: 12345 } }, '/api/keys');
    const f = await rejection(client().create({ scopes: ['reports:read'] }));
    expect(f.message).toContain('carries no credential value');
    expect(f.status).toBe(201);
  });

  it('revokes by value (RFC 7009 token) or by id', async () => {
    const a = minted();
    const b = minted();
    const c = client();
    await c.revoke({ value: a.value });
    expect(lastTo('/api/revoke').body).toEqual({ token: a.value });
    await c.revoke({ id: b.c.id });
    expect(lastTo('/api/revoke').body).toEqual({ id: b.c.id });
    expect(acme.credentials.get(a.c.id)!.status).toBe('revoked');
    expect(acme.credentials.get(b.c.id)!.status).toBe('revoked');
  });

  it('narrows scopes through {id}/scope when the issuer offers it', async () => {
    const { c: old } = minted({ scopes: ['reports:read', 'reports:write'] });
    const ops = ['discover', 'create', 'rotate', 'revoke', 'introspect', 'list', 'scope'];
    const info = await withManifest({ supported_operations: ops }, async () => {
      acme.answerNext({ status: 200, body: { id: old.id, scope: 'reports:read', status: 'active' } }, `/api/keys/${old.id}/scope`);
      return client().scope(old.id, ['reports:read']);
    });
    expect(lastTo(`/api/keys/${old.id}/scope`).body).toEqual({ scope: ['reports:read'] });
    expect(info).toMatchObject({ id: old.id, scopes: ['reports:read'], status: 'active' });
  });
});

describe('how it reads answers', () => {
  it('reads introspection: active, scopes, times, the credential id (never client_id), type and environment', async () => {
    const { c: key, value } = minted({ environment: 'test' });
    const seenIntro = await client().introspect(value);
    expect(seenIntro).toEqual({
      active: true,
      scopes: key.scopes,
      exp: Math.floor(Date.parse(key.expires_at!) / 1000),
      iat: Math.floor(Date.parse(key.created_at) / 1000),
      id: key.id,
      tokenType: 'api_key',
      environment: 'test',
    });
    acme.answerNext(
      { status: 200, body: { active: 'yes', scope: ' a  b ', exp: '1', iat: '2', credential_id: '', token_type: 1, environment: 2 } },
      '/api/introspect',
    );
    expect(await client().introspect(value)).toEqual({
      active: false,
      scopes: ['a', 'b'],
      exp: undefined,
      iat: undefined,
      id: undefined,
      tokenType: undefined,
      environment: undefined,
    });
    acme.answerNext({ status: 200, body: [{ active: true }] }, '/api/introspect');
    expect((await client().introspect(value)).active).toBe(false);
    acme.answerNext({ status: 200, raw: '' }, '/api/introspect');
    expect((await client().introspect(value)).active).toBe(false);
  });

  it('reads whoami, with defaults for what it leaves out', async () => {
    const { c: key, value } = minted({ scopes: ['reports:read', 'reports:write'], environment: 'test' });
    expect(await client().whoami(value)).toEqual({ id: key.id, scopes: key.scopes, environment: 'test', expiresAt: key.expires_at });
    acme.answerNext({ status: 200, body: { id: 7, scopes: 'reports:read', environment: 1, expires_at: 0 } }, '/api/me');
    expect(await client().whoami(value)).toEqual({ id: '', scopes: [], environment: undefined, expiresAt: null });
    acme.answerNext({ status: 200, body: { id: 'x', scopes: [1, 'b'] } }, '/api/me');
    expect((await client().whoami(value)).scopes).toEqual(['1', 'b']);
  });

  it('reads a credential, filling what the issuer left out and taking only known states', async () => {
    const { c: key } = minted({ name: 'reader', scopes: ['reports:read'] });
    const c = client();
    expect(await c.get(key.id)).toEqual({
      id: key.id,
      name: 'reader',
      scopes: ['reports:read'],
      environment: 'live',
      status: 'active',
      createdAt: key.created_at,
      expiresAt: key.expires_at,
      hint: key.hint,
      rotatedFrom: undefined,
    });
    for (const status of ['deactivated', 'revoked', 'expired']) {
      acme.answerNext({ status: 200, body: { id: key.id, status } }, `/api/keys/${key.id}`);
      expect((await c.get(key.id)).status).toBe(status);
    }
    acme.answerNext(
      { status: 200, body: { id: key.id, status: 'exploded', name: 3, scope: 'a  b', environment: 3, created_at: 1, expires_at: 1, hint: 1, rotated_from: 1 } },
      `/api/keys/${key.id}`,
    );
    expect(await c.get(key.id)).toEqual({
      id: key.id,
      name: undefined,
      scopes: ['a', 'b'],
      environment: undefined,
      status: 'active',
      createdAt: undefined,
      expiresAt: null,
      hint: undefined,
      rotatedFrom: undefined,
    });
    acme.answerNext({ status: 200, body: { id: key.id, scopes: 'not a list', rotated_from: 'key_before' } }, `/api/keys/${key.id}`);
    expect(await c.get(key.id)).toMatchObject({ scopes: [], rotatedFrom: 'key_before' });
  });

  it('lists credentials, and reads a list without `credentials` as empty', async () => {
    const { c: key } = minted();
    const c = client();
    expect((await c.list()).map((x) => x.id)).toContain(key.id);
    acme.answerNext({ status: 200, body: { credentials: 'none' } }, '/api/keys');
    expect(await c.list()).toEqual([]);
  });

  it('reads audit events for one credential or all of them', async () => {
    const { c: key } = minted();
    const c = client();
    acme.answerNext(
      {
        status: 200,
        body: {
          events: [
            { id: 'ev1', at: '2026-12-07T00:00:00Z', action: 'created', actor: 'dashboard', credential_id: key.id, detail: { via: 'ui' } },
            { id: 2, at: 3, action: 4, actor: 5, credential_id: 6, detail: 'x' },
          ],
        },
      },
      `/api/keys/${key.id}/events`,
    );
    expect(await withManifest({ supported_operations: ['discover', 'list', 'audit'] }, () => c.audit(key.id))).toEqual([
      { id: 'ev1', at: '2026-12-07T00:00:00Z', action: 'created', actor: 'dashboard', credentialId: key.id, detail: { via: 'ui' } },
      { id: '2', at: '3', action: '4', actor: '5', credentialId: undefined, detail: undefined },
    ]);
    acme.answerNext({ status: 200, body: { events: {} } }, '/api/audit');
    const all = await withManifest({ supported_operations: ['discover', 'list', 'audit'], audit_endpoint: `${acme.url}/api/audit` }, () => client().audit());
    expect(all).toEqual([]);
    expect(acme.calls.at(-1)).toEqual({ method: 'GET', path: '/api/audit' });
  });

  it('reports what the issuer can do from its manifest', async () => {
    const caps = await client().capabilities();
    expect(caps.operations).toMatchObject({ create: 'api', rotate: 'api', revoke: 'api' });
    expect(caps).toMatchObject({ idempotencyKeys: true, expiringCredentials: true, whoami: true, maxConcurrentCredentials: 5 });
    const bare = await withManifest(
      { supports_idempotency_keys: false, supports_expiring_credentials: undefined, whoami_endpoint: undefined, max_concurrent_credentials: undefined },
      () => client().capabilities(),
    );
    expect(bare).toMatchObject({ idempotencyKeys: false, expiringCredentials: false, whoami: false, maxConcurrentCredentials: null });
  });
});

describe('which credential a value is', () => {
  it('takes introspection’s credential_id over whoami’s id, without asking whoami', async () => {
    const { value } = minted();
    acme.answerNext({ status: 200, body: { active: true, credential_id: 'key_from_introspection' } }, '/api/introspect');
    const before = acme.requests.filter((r) => r.path === '/api/me').length;
    expect(await client().credentialId(value)).toBe('key_from_introspection');
    expect(acme.requests.filter((r) => r.path === '/api/me').length).toBe(before);
  });

  it('asks whoami when introspection names no credential_id', async () => {
    const { c: key, value } = minted();
    acme.answerNext({ status: 200, body: { active: true } }, '/api/introspect');
    expect(await client().credentialId(value)).toBe(key.id);
  });

  it('asks whoami when the manifest lists no introspection endpoint, and says nothing when whoami gives no id', async () => {
    const { c: key, value } = minted();
    expect(await withManifest({ introspection_endpoint: undefined }, () => client().credentialId(value))).toBe(key.id);
    acme.answerNext({ status: 200, body: { id: '' } }, '/api/me');
    expect(await withManifest({ introspection_endpoint: undefined }, () => client().credentialId(value))).toBeUndefined();
  });

  it('is undefined for a value the issuer refuses, or with no whoami either; an issuer failure is an error', async () => {
    const { value } = minted();
    acme.credentials.get(acme.byValue(value)!.id)!.status = 'revoked';
    expect(await client().credentialId(value)).toBeUndefined();
    acme.answerNext({ status: 200, body: { active: false } }, '/api/introspect');
    acme.answerNext({ status: 403, body: { error: 'insufficient_scope' } }, '/api/me');
    expect(await client().credentialId(value)).toBeUndefined();
    expect(
      await withManifest({ whoami_endpoint: undefined, supported_operations: ['discover', 'revoke'] }, () => client().credentialId(value)),
    ).toBeUndefined();
    acme.answerNext({ status: 200, body: { active: false } }, '/api/introspect');
    acme.answerNext({ status: 502, body: { error: 'bad_gateway' } }, '/api/me');
    expect((await rejection(client().credentialId(value))).status).toBe(502);
  });
});

describe('refusals and broken answers', () => {
  it('refuses an operation the manifest does not offer, pointing at the manual page or the dashboard', async () => {
    const manual = await withManifest({ supported_operations: ['discover', 'list'], manual_operations: { revoke: { url: `${acme.url}/manual/revoke` } } }, () =>
      client()
        .revoke({ id: 'key_x' })
        .catch((e) => e),
    );
    expect(manual).toBeInstanceOf(UnsupportedOperation);
    expect(manual.hint).toContain('/manual/revoke');
    const dash = await withManifest({ supported_operations: ['discover', 'list'] }, () =>
      client()
        .deactivate('key_x')
        .catch((e) => e),
    );
    expect(dash).toBeInstanceOf(UnsupportedOperation);
    expect(dash.hint).toContain('/dashboard');
    const noWhoami = await withManifest({ whoami_endpoint: undefined }, () =>
      client()
        .whoami('acme_live_FAKE0123456789abcdefghij')
        .catch((e) => e),
    );
    expect(noWhoami).toBeInstanceOf(UnsupportedOperation);
  });

  it('refuses an endpoint (and so the admin token) on another origin unless the user trusted it', async () => {
    const foreign = 'http://127.0.0.2:9/api/revoke';
    const f = await failure(withManifest({ revocation_endpoint: foreign }, () => client().revoke({ id: 'key_x' })));
    expect(f?.exitCode).toBe(6);
    expect(f?.message).toContain("manifest's revocation_endpoint (http://127.0.0.2:9)");
    expect(f?.message).toContain(`issuer's origin (${acme.url})`);
    expect(f?.hint).toContain('credctl.yaml');
    const w = await failure(withManifest({ whoami_endpoint: 'http://127.0.0.2:9/me' }, () => client().whoami('acme_live_FAKE0123456789abcdefghij')));
    expect(w?.message).toContain('whoami_endpoint');
    // A manifest handed in (already validated elsewhere) is checked all the same.
    const manifest = { ...(await client().getManifest()), revocation_endpoint: 'not a url at all' };
    const bad = await failure(client({ manifest }).revoke({ id: 'key_x' }));
    expect(bad?.message).toContain('(not a url at all)');
    const long = await failure(client({ manifest: { ...manifest, revocation_endpoint: `x${'y'.repeat(300)}` } }).revoke({ id: 'key_x' }));
    expect(long?.message).not.toContain('y'.repeat(100));
    // Trusted: the call is made there (nothing listens on that port: the call's own failure, not a refusal).
    const trusted = await withManifest({ revocation_endpoint: foreign }, () =>
      client({ trustedOrigins: ['http://127.0.0.2:9/'], timeoutMs: 2000 })
        .revoke({ id: 'key_x' })
        .catch((e) => e),
    );
    expect(trusted.message).toContain('POST http://127.0.0.2:9/api/revoke: connection refused');
  });

  it('strips trailing slashes from the endpoints it builds paths on', async () => {
    const { c: key } = minted();
    await withManifest({ credential_issuer_endpoint: `${acme.url}/api/keys//` }, () => client().get(key.id));
    expect(acme.calls.at(-1)).toEqual({ method: 'GET', path: `/api/keys/${key.id}` });
  });

  it('fails on a 2xx that is not JSON, and reads a non-JSON error by its status', async () => {
    const c = client();
    acme.answerNext({ status: 200, raw: '<html>ok</html>' }, '/api/keys');
    const f = await rejection(c.list());
    expect(f.message).toContain(`GET ${acme.url}/api/keys: answer is not JSON`);
    expect(f.status).toBe(200);
    acme.answerNext({ status: 502, raw: '<html>bad gateway</html>' }, '/api/keys');
    const g = await rejection(c.list());
    expect(g.message).toBe(`GET ${acme.url}/api/keys: HTTP 502`);
    expect(g.code).toBeUndefined();
    acme.answerNext({ status: 300, body: { moved: true } }, '/api/keys');
    expect((await rejection(c.list())).status).toBe(300);
    acme.answerNext({ status: 300, raw: '<html>moved</html>' }, '/api/keys');
    expect((await rejection(c.list())).message).toBe(`GET ${acme.url}/api/keys: HTTP 300`);
    // JSON null is no answer object: read as an empty one, never a crash.
    acme.answerNext({ status: 200, raw: 'null' }, '/api/introspect');
    expect((await c.introspect('acme_live_FAKE0123456789abcdefghij')).active).toBe(false);
  });

  it('masks the key and the admin token wherever an issuer echoes them, and bounds the message', async () => {
    const { value } = minted();
    const c = client();
    acme.answerNext({ status: 400, body: { error: 'invalid_request', error_description: `bad token ${value} with ${acme.adminToken}` } }, '/api/introspect');
    const f = await rejection(c.introspect(value));
    expect(f.message).not.toContain(value);
    expect(f.message).not.toContain(acme.adminToken);
    expect(f.message).toContain('invalid_request');
    acme.answerNext({ status: 400, body: { error: 'invalid_token', error_description: `revoked: ${value}` } }, '/api/revoke');
    expect((await rejection(c.revoke({ value }))).message).toContain('revoked: ');
    acme.answerNext({ status: 401, body: { error: 'invalid_token', error_description: `unknown key ${value}` } }, '/api/me');
    expect((await rejection(c.whoami(value))).message).toContain('unknown key ');
    acme.answerNext({ status: 400, body: { error: 'x'.repeat(280), error_description: 'y'.repeat(280) } }, '/api/keys');
    expect((await rejection(c.list())).message.length).toBeLessThanOrEqual(500);
  });

  it('waits out a 503 with Retry-After like a 429, but not a 500 that sends one', async () => {
    const c = client();
    acme.answerNext({ status: 503, body: { error: 'unavailable' }, headers: { 'retry-after': '0' } }, '/api/keys');
    expect(Array.isArray(await c.list())).toBe(true);
    acme.answerNext({ status: 500, body: { error: 'server_error' }, headers: { 'retry-after': '0' } }, '/api/keys');
    const f = await rejection(c.list());
    expect(f.retryAfterSeconds).toBeUndefined();
    expect(f.message).toBe(`GET ${acme.url}/api/keys: HTTP 500 server_error`);
  });

  it('gives up after three tries, saying it waited as asked', async () => {
    const c = client();
    await c.getManifest();
    const before = acme.requests.length;
    for (let i = 0; i < 3; i++) acme.answerNext({ status: 429, body: { error: 'too_many_requests' }, headers: { 'retry-after': '0' } }, '/api/keys');
    const f = await rejection(c.list());
    expect(acme.requests.length - before).toBe(3);
    expect(f.message).toContain('still refused after waiting as asked (0 s)');
    expect(f).toMatchObject({ status: 429, retryAfterSeconds: 0 });
  });

  it('waits out the budget exactly, for as long as asked', async () => {
    const c = client({ retryAfterBudgetSeconds: 1 });
    await c.getManifest();
    acme.answerNext({ status: 429, body: { error: 'too_many_requests' }, headers: { 'retry-after': '1' } }, '/api/keys');
    const started = Date.now();
    expect(Array.isArray(await c.list())).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    // The budget is spent: the next wait is not taken, and the error says the issuer asks for it.
    acme.answerNext({ status: 429, body: { error: 'too_many_requests' }, headers: { 'retry-after': '1' } }, '/api/keys');
    expect((await rejection(c.list())).message).toContain('the issuer asks to wait 1 s before trying again');
  });

  it('reads a large answer (a long list), up to 4 MiB', async () => {
    const credentials = Array.from({ length: 4000 }, (_, i) => ({ id: `key_${i}`, name: `key number ${i}`, scope: 'reports:read', status: 'active' }));
    acme.answerNext({ status: 200, body: { credentials } }, '/api/keys');
    expect(await client().list()).toHaveLength(4000);
  });

  it('does not fetch the permission schema a manifest names: discovery here needs the endpoints only', async () => {
    const { value } = minted();
    const before = acme.requests.filter((r) => r.path === '/permissions.json').length;
    const who = await withManifest({ permission_schema_url: `${acme.url}/permissions.json` }, () => client().whoami(value));
    expect(who.id).toBeTruthy();
    expect(acme.requests.filter((r) => r.path === '/permissions.json').length).toBe(before);
  });

  it('names the reference issuer `example` when told no provider', async () => {
    const f = await withManifest({ whoami_endpoint: undefined }, () =>
      new StandardClient({ issuer: acme.url }).whoami('acme_live_FAKE0123456789abcdefghij').catch((e) => e),
    );
    expect(f.message).toMatch(/^example does not support/);
  });

  it('waits exactly 30 s at most: a 31 s Retry-After fails at once, naming the wait', async () => {
    const c = client();
    await c.getManifest();
    acme.answerNext({ status: 429, body: { error: 'too_many_requests' }, headers: { 'retry-after': '31' } }, '/api/keys');
    const before = acme.requests.length;
    const f = await rejection(c.list());
    expect(acme.requests.length - before).toBe(1);
    expect(f.message).toContain('the issuer asks to wait 31 s before trying again');
  });

  it('leaves an http client it was given open when it closes', async () => {
    const http = new SafeHttp({ timeoutMs: 5000 });
    const c = client({ http });
    await c.list();
    await c.close();
    const again = client({ http });
    expect(Array.isArray(await again.list())).toBe(true);
    await http.close();
  });
});

describe('reading an issuer’s words', () => {
  it('reads Retry-After with surrounding spaces, and nothing else around the number', () => {
    expect(retryAfterSeconds(' 5 ')).toBe(5);
    expect(retryAfterSeconds('x5')).toBeUndefined();
    expect(retryAfterSeconds('5x')).toBeUndefined();
  });

  it('takes the first of error_description, detail, title that has words, on one line, and never repeats the code', () => {
    expect(problemOf({ error: 'e', error_description: '   ', detail: 'the detail' })).toStrictEqual({ code: 'e', description: 'the detail' });
    expect(problemOf({ error: ' bad ', error_description: 'too   many\n\nspaces ' })).toStrictEqual({ code: 'bad', description: 'too many spaces' });
    expect(problemOf({ error: 'invalid_token', error_description: 'invalid_token' })).toStrictEqual({ code: 'invalid_token' });
    expect(problemOf({ error: 'invalid_token' })).toStrictEqual({ code: 'invalid_token' });
  });
});

it('no key value or admin token appears in any error', () => {
  const text = JSON.stringify(seen);
  expect(seen.length).toBeGreaterThan(10);
  for (const v of [...values, acme.adminToken]) expect(text).not.toContain(v);
});
