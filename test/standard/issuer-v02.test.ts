import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuer, REFERENCE_ACCOUNT, type RunningIssuer } from '../../src/issuer/server.js';
import { CAEP_CREDENTIAL_CHANGE, RISC_CREDENTIAL_COMPROMISE } from '../../src/issuer/security-events.js';

// What spec 0.2 added to the reference issuer: credential_id, /rotate defaults and overlap,
// pagination, the client-credentials grant, leak reports, and signed security events.
let dataDir: string;
let issuer: RunningIssuer;

async function call(method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await request(issuer.url + path, {
    method: method as 'GET',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, json: text ? JSON.parse(text) : undefined, text };
}
const admin = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => call(method, path, issuer.adminToken, body, headers);
const create = async (body: Record<string, unknown>) => (await admin('POST', '/v1/credentials', body)).json;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'credctl-issuer02-'));
  issuer = await startIssuer({ port: 0, dataDir });
});
afterAll(async () => {
  await issuer.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('reference issuer, spec 0.2', () => {
  it('introspection names the credential in credential_id; client_id is the owning account', async () => {
    const c = await create({ scope: ['events:read'] });
    const info = (await admin('POST', '/v1/introspect', { token: c.value })).json;
    expect(info).toMatchObject({ active: true, credential_id: c.id, client_id: REFERENCE_ACCOUNT });
    await admin('POST', '/v1/revoke', { id: c.id });
    expect((await admin('POST', '/v1/introspect', { token: c.value })).json).toEqual({ active: false });
  });

  it('/rotate keeps the old lifetime and scopes, and honours overlap_seconds', async () => {
    const old = await create({ scope: ['events:write', 'keys:read'], ttl_seconds: 30 * 86400 });
    const next = (await admin('POST', `/v1/credentials/${old.id}/rotate`, {})).json;
    expect(next.rotated_from).toBe(old.id);
    expect(next.scopes).toEqual(['events:write', 'keys:read']);
    const lifetime = Date.parse(next.expires_at) - Date.parse(next.created_at);
    expect(Math.abs(lifetime - 30 * 86400_000)).toBeLessThan(2000);
    expect((await admin('POST', '/v1/introspect', { token: old.value })).json.active).toBe(true);

    const rolled = (await admin('POST', `/v1/credentials/${next.id}/rotate`, { overlap_seconds: 0 })).json;
    expect((await admin('POST', '/v1/introspect', { token: next.value })).json).toEqual({ active: false });
    const graced = (await admin('POST', `/v1/credentials/${rolled.id}/rotate`, { overlap_seconds: 60 })).json;
    const oldExp = (await admin('GET', `/v1/credentials/${rolled.id}`)).json.expires_at;
    expect(Date.parse(oldExp) - Date.now()).toBeLessThanOrEqual(60_000);
    expect(graced.rotated_from).toBe(rolled.id);
    const audit = (await admin('GET', `/v1/credentials/${old.id}/events`)).json.events.map((e: { action: string }) => e.action);
    expect(audit).toContain('rotated');
    expect((await admin('POST', `/v1/credentials/${old.id}/rotate`, { overlap_seconds: -1 })).json.error).toBe('invalid_request');
  });

  it('scopes idempotency keys to the principal: the same key from another caller is a new request', async () => {
    const other = await create({ scope: ['keys:admin'] });
    const key = 'FAKE-idem-0123456789-abc';
    const a = await admin('POST', '/v1/credentials', { scope: ['events:read'] }, { 'idempotency-key': key });
    const b = await call('POST', '/v1/credentials', other.value, { scope: ['events:read'] }, { 'idempotency-key': key });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.json.id).not.toBe(a.json.id);
    const replay = await admin('POST', '/v1/credentials', { scope: ['events:read'] }, { 'idempotency-key': key });
    expect(replay.status).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json.id).toBe(a.json.id);
  });

  it('paginates list and audit with limit and cursor', async () => {
    for (let i = 0; i < 3; i++) await create({ scope: ['events:read'], name: `page-${i}` });
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { json: { credentials: { id: string }[]; next_cursor: string | null } } = await admin(
        'GET',
        `/v1/credentials?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.json.credentials.length).toBeLessThanOrEqual(2);
      for (const c of page.json.credentials) seen.add(c.id);
      cursor = page.json.next_cursor;
      pages += 1;
    } while (cursor && pages < 100);
    const all = (await admin('GET', '/v1/credentials')).json.credentials;
    expect(seen.size).toBe(all.length);
    expect(pages).toBeGreaterThan(1);
    expect((await admin('GET', '/v1/audit?limit=1')).json.next_cursor).toEqual(expect.any(String));
    expect((await admin('GET', '/v1/credentials?cursor=bogus')).json.error).toBe('invalid_request');
  });

  it('issues management access tokens by the client-credentials grant, never wider than the client', async () => {
    const client = await create({ scope: ['keys:admin'] });
    const basic = Buffer.from(`${client.id}:${client.value}`).toString('base64');
    const form = (body: Record<string, string>, auth?: string) =>
      request(`${issuer.url}/v1/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(auth ? { authorization: auth } : {}) },
        body: new URLSearchParams(body).toString(),
      }).then(async (r) => ({ status: r.statusCode, headers: r.headers, json: (await r.body.json()) as Record<string, string> }));
    const token = await form({ grant_type: 'client_credentials', scope: 'keys:read' }, `Basic ${basic}`);
    expect(token.status).toBe(200);
    expect(token.json).toMatchObject({ token_type: 'Bearer', scope: 'keys:read' });
    expect((await call('GET', '/v1/credentials', token.json.access_token)).status).toBe(200);
    expect((await call('POST', '/v1/credentials', token.json.access_token, { scope: ['events:read'] })).status).toBe(403);
    const post = await form({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.value });
    expect(post.json.scope).toBe('keys:admin');
    const bad = await form({ grant_type: 'client_credentials', client_id: client.id, client_secret: 'ccx_live_FAKE0000000000000000000000000000' });
    expect(bad.status).toBe(401);
    expect(bad.json.error).toBe('invalid_client');
    const reader = await create({ scope: ['events:read'] });
    const wider = await form({ grant_type: 'client_credentials', client_id: reader.id, client_secret: reader.value, scope: 'keys:admin' });
    expect(wider.json.error).toBe('invalid_scope');
  });

  it('takes leak reports without credentials: 202 whatever was sent, revokes a known key, signs a RISC event', async () => {
    const leaked = await create({ scope: ['events:read'] });
    const unknown = await call('POST', '/v1/leak-reports', undefined, { token: 'ccx_live_FAKE0000000000000000000000000000' });
    const known = await call('POST', '/v1/leak-reports', undefined, { tokens: [leaked.value], source_url: 'https://example.com/paste' });
    expect(unknown.status).toBe(202);
    expect(known.status).toBe(202);
    expect(known.json).toEqual(unknown.json);
    expect((await admin('POST', '/v1/introspect', { token: leaked.value })).json).toEqual({ active: false });
    const actions = (await admin('GET', `/v1/credentials/${leaked.id}/events`)).json.events.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['compromise_reported', 'revoked']));

    const jwks = createLocalJWKSet((await call('GET', '/v1/jwks')).json);
    const pollRes = await admin('POST', '/v1/security-events', { maxEvents: 1000 });
    expect(pollRes.status, pollRes.text).toBe(200);
    const polled = pollRes.json as { sets: Record<string, string> };
    const payloads = await Promise.all(
      Object.values(polled.sets).map(async (t) => (await jwtVerify(t, jwks, { issuer: issuer.url, typ: 'secevent+jwt' })).payload),
    );
    const about = payloads.filter((p) => (p.sub_id as { id: string }).id === leaked.id);
    expect(about.some((p) => RISC_CREDENTIAL_COMPROMISE in (p.events as object))).toBe(true);
    expect(about.some((p) => CAEP_CREDENTIAL_CHANGE in (p.events as object))).toBe(true);
    expect(JSON.stringify(payloads)).not.toContain(leaked.value);
    const ackRes = await admin('POST', '/v1/security-events', { ack: Object.keys(polled.sets) });
    expect(ackRes.status, ackRes.text).toBe(200);
    const acked = ackRes.json;
    expect(Object.keys(acked.sets)).toEqual([]);
    expect((await call('POST', '/v1/security-events', undefined, {})).status).toBe(401);
  });

  it('rate-limits leak reports with 429 and Retry-After', async () => {
    let last = { status: 0, headers: {} as Record<string, unknown>, json: undefined as unknown };
    for (let i = 0; i < 40 && last.status !== 429; i++) last = await call('POST', '/v1/leak-reports', undefined, { token: `FAKE-${i}` });
    expect(last.status).toBe(429);
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
    expect((last.json as { error: string }).error).toBe('too_many_requests');
  });
});
