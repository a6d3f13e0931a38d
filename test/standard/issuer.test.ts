import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuer, type RunningIssuer } from '../../src/issuer/server.js';
import { StandardClient, IssuerResponseError } from '../../src/integrations/standard/client.js';

const KEY_RE = /^ccx_(live|test)_[0-9A-Za-z]{32}$/;

let dataDir: string;
let issuer: RunningIssuer;
let client: StandardClient;

async function call(method: string, path: string, token?: string, body?: unknown) {
  const res = await request(issuer.url + path, {
    method: method as 'GET',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, json: text ? JSON.parse(text) : undefined, text };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'credctl-issuer-'));
  issuer = await startIssuer({ port: 0, dataDir });
  client = new StandardClient({ issuer: issuer.url, adminToken: issuer.adminToken });
});

afterAll(async () => {
  await client.close();
  await issuer.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('reference issuer', () => {
  it('keeps its admin token in a 0600 file and stores only hashes of values', async () => {
    expect(statSync(issuer.adminTokenFile).mode & 0o777).toBe(0o600);
    const created = await client.create({ scopes: ['events:read'], environment: 'test', name: 'hash check' });
    expect(created.value).toMatch(KEY_RE);
    expect(created.value.startsWith('ccx_test_')).toBe(true);
    for (const file of readdirSync(dataDir)) {
      expect(readFileSync(join(dataDir, file), 'utf8')).not.toContain(created.value);
    }
    expect(statSync(join(dataDir, 'state.json')).mode & 0o777).toBe(0o600);
  });

  it('enforces scopes and expiry on the protected API', async () => {
    const reader = await client.create({ scopes: ['events:read'] });
    const writer = await client.create({ scopes: ['events:write'] });
    expect((await call('GET', '/v1/whoami', reader.value)).json).toMatchObject({ id: reader.id, scopes: ['events:read'] });
    expect((await call('GET', '/v1/events', reader.value)).status).toBe(200);
    const denied = await call('POST', '/v1/events', reader.value, { type: 'x' });
    expect(denied.status).toBe(403);
    expect(denied.json.error).toBe('insufficient_scope');
    expect(denied.headers['www-authenticate']).toContain('insufficient_scope');
    // events:write implies events:read
    expect((await call('POST', '/v1/events', writer.value, { type: 'deploy' })).status).toBe(201);
    expect((await call('GET', '/v1/events', writer.value)).json.events.at(-1).type).toBe('deploy');
    expect((await call('GET', '/v1/whoami', 'ccx_live_FAKE0000000000000000000000000000')).status).toBe(401);

    const shortLived = await client.create({ scopes: ['events:read'], ttlSeconds: 1 });
    expect((await call('GET', '/v1/whoami', shortLived.value)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await call('GET', '/v1/whoami', shortLived.value)).status).toBe(401);
    expect((await client.introspect(shortLived.value)).active).toBe(false);
    expect((await client.list()).find((c) => c.id === shortLived.id)?.status).toBe('expired');
  });

  it('rotates with same or narrower scopes; the old key works until revoked', async () => {
    const old = await client.create({ scopes: ['events:write', 'keys:read'] });
    const next = await client.rotate(old.id, { scopes: ['events:read'] });
    expect(next.id).not.toBe(old.id);
    expect(next.rotatedFrom).toBe(old.id);
    expect(next.scopes).toEqual(['events:read']);
    expect((await client.introspect(old.value)).active).toBe(true);
    expect((await client.introspect(next.value)).active).toBe(true);
    await expect(client.rotate(old.id, { scopes: ['keys:admin'] })).rejects.toMatchObject({ status: 400, code: 'invalid_scope' });
    await client.revoke({ id: old.id });
    expect((await call('GET', '/v1/whoami', old.value)).status).toBe(401);
    expect((await call('GET', '/v1/whoami', next.value)).status).toBe(200);
    const events = await client.audit(old.id);
    expect(events.map((e) => e.action)).toEqual(['created', 'rotated', 'revoked']);
  });

  it('replays an idempotent create and rejects a reused key with another body', async () => {
    const key = 'conformance-FAKE-key-0001';
    const a = await client.create({ scopes: ['events:read'], idempotencyKey: key });
    const b = await client.create({ scopes: ['events:read'], idempotencyKey: key });
    expect(b.id).toBe(a.id);
    expect(b.value).toBe(a.value);
    expect(b.replayed).toBe(true);
    await expect(client.create({ scopes: ['events:write'], idempotencyKey: key })).rejects.toMatchObject({ status: 422, code: 'idempotency_key_reused' });
  });

  it('deactivates reversibly and revokes for good; RFC 7009 revoke answers 200 for unknown tokens', async () => {
    const c = await client.create({ scopes: ['events:read'] });
    expect((await client.deactivate(c.id)).status).toBe('deactivated');
    expect((await call('GET', '/v1/whoami', c.value)).status).toBe(401);
    expect((await client.reactivate(c.id)).status).toBe('active');
    expect((await call('GET', '/v1/whoami', c.value)).status).toBe(200);
    await client.revoke({ value: c.value });
    expect((await client.introspect(c.value)).active).toBe(false);
    await expect(client.reactivate(c.id)).rejects.toMatchObject({ status: 409 });
    expect((await call('POST', '/v1/revoke', issuer.adminToken, { token: 'ccx_live_FAKEunknown000000000000000000000' })).status).toBe(200);
  });

  it('never lists values and answers errors as problem details that keep {error, error_description}', async () => {
    const c = await client.create({ scopes: ['events:read'] });
    const list = await call('GET', '/v1/credentials', issuer.adminToken);
    expect(list.text).not.toContain(c.value);
    expect(list.json.credentials.find((x: { id: string }) => x.id === c.id).hint).toMatch(/^ccx_live_…/);
    const noAuth = await call('GET', '/v1/credentials');
    expect(noAuth.status).toBe(401);
    expect(noAuth.headers['content-type']).toBe('application/problem+json');
    expect(noAuth.headers['www-authenticate']).toBe('Bearer realm="credctl-issuer"');
    expect(noAuth.json).toEqual({
      type: 'https://credctl.dev/spec/problems/invalid_token',
      title: 'Unauthorized',
      status: 401,
      detail: expect.any(String),
      error: 'invalid_token',
      error_description: noAuth.json.detail,
    });
    const badToken = await call('GET', '/v1/credentials', 'ccadm_FAKE0123456789');
    expect(badToken.headers['www-authenticate']).toBe('Bearer realm="credctl-issuer", error="invalid_token"');
    const bad = await call('POST', '/v1/credentials', issuer.adminToken, { scope: ['nope:read'] });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('invalid_scope');
    expect((await call('GET', '/v1/credentials/cred_missing', issuer.adminToken)).json.error).toBe('not_found');
  });

  it('lets a keys:admin credential manage keys, and keys:read only read', async () => {
    const admin = await client.create({ scopes: ['keys:admin'] });
    const reader = await client.create({ scopes: ['keys:read'] });
    expect((await call('POST', '/v1/credentials', admin.value, { scope: ['events:read'] })).status).toBe(201);
    expect((await call('GET', '/v1/credentials', reader.value)).status).toBe(200);
    expect((await call('POST', '/v1/credentials', reader.value, { scope: ['events:read'] })).status).toBe(403);
  });

  it('runs an access request as RFC 8628 does: pending, slow_down, approve, one pick-up with TTL, then invalid_grant', async () => {
    const asked = await call('POST', '/v1/access-requests', undefined, {
      requester: 'agent:test',
      scope: 'events:read events:write',
      ttl_seconds: 1800,
      reason: 'read analytics',
    });
    expect(asked.status).toBe(201);
    expect(asked.json).toMatchObject({ status: 'pending', interval: 5, expires_in: 900, verification_uri: `${issuer.url}/approve` });
    expect(asked.json.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(asked.json.verification_uri_complete).toBe(`${issuer.url}/approve?user_code=${asked.json.user_code}`);
    const secret = asked.json.request_secret as string;
    expect((await call('GET', `/v1/access-requests/${asked.json.id}`, secret)).json.error).toBe('authorization_pending');
    expect((await call('GET', `/v1/access-requests/${asked.json.id}`, secret)).json.error).toBe('slow_down');
    const pending = await call('GET', '/v1/access-requests?status=pending', issuer.adminToken);
    expect(pending.json.requests.map((r: { id: string }) => r.id)).toContain(asked.json.id);
    expect(pending.text).not.toContain(secret);
    expect((await call('GET', '/v1/access-requests?status=pending')).status).toBe(401);
    const approved = await call('POST', `/v1/access-requests/${asked.json.id}/approve`, issuer.adminToken, { scope: ['events:read'], ttl_seconds: 600 });
    expect(approved.json.status).toBe('approved');
    const picked = await call('GET', `/v1/access-requests/${asked.json.id}`, secret);
    expect(picked.json.status).toBe('delivered');
    expect(picked.json.credential.value).toMatch(KEY_RE);
    expect(picked.json.credential.scopes).toEqual(['events:read']);
    const ttl = Date.parse(picked.json.credential.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
    expect((await call('GET', '/v1/whoami', picked.json.credential.value)).status).toBe(200);
    const again = await call('GET', `/v1/access-requests/${asked.json.id}`, secret);
    expect(again.status).toBe(400);
    expect(again.json.error).toBe('invalid_grant');
    expect(again.text).not.toContain(picked.json.credential.value);

    const other = await call('POST', '/v1/access-requests', undefined, { requester: 'agent:test', scope: ['keys:admin'] });
    expect((await call('POST', `/v1/access-requests/${other.json.id}/deny`, issuer.adminToken)).json.status).toBe('denied');
    const denied = await call('GET', `/v1/access-requests/${other.json.id}`, other.json.request_secret);
    expect(denied.json.error).toBe('access_denied');
  });

  it('down-scopes by RFC 8693 token exchange; the child dies with its parent', async () => {
    const parent = await client.create({ scopes: ['events:write'] });
    const res = await request(`${issuer.url}/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: parent.value,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        scope: 'events:read',
      }).toString(),
    });
    const child = (await res.body.json()) as { access_token: string; scope: string };
    expect(res.statusCode).toBe(200);
    expect(child.scope).toBe('events:read');
    const noType = await call('POST', '/v1/token', undefined, {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: parent.value,
    });
    expect(noType.status).toBe(400);
    expect(noType.json.error).toBe('invalid_request');
    const wider = await call('POST', '/v1/token', undefined, {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: child.access_token,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      scope: 'events:write',
    });
    expect(wider.json.error).toBe('invalid_scope');
    expect((await call('GET', '/v1/whoami', child.access_token)).status).toBe(200);
    await client.revoke({ id: parent.id });
    expect((await call('GET', '/v1/whoami', child.access_token)).status).toBe(401);
  });

  it('serves its documents with an ETag and answers 304 to If-None-Match', async () => {
    const first = await call('GET', '/.well-known/credential-issuer');
    expect(first.status).toBe(200);
    expect(first.json.issuer).toBe(issuer.url);
    const etag = first.headers.etag as string;
    const res = await request(`${issuer.url}/.well-known/credential-issuer`, { headers: { 'if-none-match': etag } });
    await res.body.dump();
    expect(res.statusCode).toBe(304);
  });

  it('survives a restart with every credential and its state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'credctl-issuer-restart-'));
    const first = await startIssuer({ port: 0, dataDir: dir });
    const c1 = new StandardClient({ issuer: first.url, adminToken: first.adminToken });
    const kept = await c1.create({ scopes: ['events:read'], idempotencyKey: 'restart-FAKE-key-000001' });
    const gone = await c1.create({ scopes: ['events:read'] });
    await c1.revoke({ id: gone.id });
    await c1.close();
    await first.close();

    const second = await startIssuer({ port: 0, dataDir: dir });
    expect(second.adminToken).toBe(first.adminToken);
    const c2 = new StandardClient({ issuer: second.url, adminToken: second.adminToken });
    expect((await c2.introspect(kept.value)).active).toBe(true);
    expect((await c2.introspect(gone.value)).active).toBe(false);
    const replay = await c2.create({ scopes: ['events:read'], idempotencyKey: 'restart-FAKE-key-000001' });
    expect(replay.id).toBe(kept.id);
    expect((await c2.audit(gone.id)).map((e) => e.action)).toEqual(['created', 'revoked']);
    await c2.close();
    await second.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Concurrency, not speed (speed is for `npm run bench`): 100 of each call at once, none lost.
  it('handles 100 credentials × create/introspect/rotate/revoke at once', async () => {
    const made = await Promise.all(Array.from({ length: 100 }, (_, i) => client.create({ scopes: ['events:read'], name: `bench ${i}` })));
    await Promise.all(made.map((c) => client.introspect(c.value)));
    const rotated = await Promise.all(made.map((c) => client.rotate(c.id)));
    await Promise.all(made.map((c) => client.revoke({ id: c.id })));
    expect(new Set(made.map((c) => c.id)).size).toBe(100);
    expect(rotated.map((c) => c.rotatedFrom)).toEqual(made.map((c) => c.id));
    expect(await Promise.all(made.map((c) => client.introspect(c.value).then((i) => i.active)))).toEqual(made.map(() => false));
  });

  it('refuses to start on a state file it cannot read, without touching it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'credctl-issuer-bad-'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'state.json'), '{"credentials": [');
    await expect(startIssuer({ port: 0, dataDir: dir })).rejects.toThrow(/not valid JSON; refusing to start|refusing to start/);
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe('{"credentials": [');
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers management errors through the client as IssuerResponseError with exit code 5', async () => {
    const anonymous = new StandardClient({ issuer: issuer.url });
    const err = await anonymous.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IssuerResponseError);
    expect((err as IssuerResponseError).exitCode).toBe(5);
    expect((err as IssuerResponseError).status).toBe(401);
    await anonymous.close();
  });
});
