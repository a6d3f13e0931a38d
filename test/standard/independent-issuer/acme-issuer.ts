import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * "Acme Analytics": a small credential issuer written from spec/credential-issuer.md and
 * /work/notes/std-02-decisions.md only, on node:http and node:crypto, sharing no code with
 * src/issuer (the reference issuer). It stands in for a vendor credctl has never heard of: no
 * providers/acme/ folder, no rules, nothing in src/ names it. Everything credctl learns about it
 * comes from its manifest.
 *
 * Keys look like `acme_live_` + 32 base62 characters. They are made at run time by this test
 * server and mean nothing anywhere else. Values are kept only as SHA-256 hashes.
 *
 * Test knobs: `calls` (every request's method and path; `requests` adds its headers and body), `throttle(path, n, seconds)` (the next n
 * requests to that path answer 429 with Retry-After), and `manifestPatch` (members merged into the
 * manifest, e.g. a hostile credential pattern), and `answerNext(answer, path?)` (the next request,
 * to that path if given, gets this answer instead: the shapes a real issuer's own state never
 * produces, such as a 2xx that is not JSON or a created credential without its value).
 */
export interface AcmeCredential {
  id: string;
  name: string;
  scopes: string[];
  environment: string;
  status: 'active' | 'deactivated' | 'revoked' | 'expired';
  hint: string;
  created_at: string;
  expires_at: string | null;
  created_by: string;
  rotated_from?: string;
  revoked_at?: string;
}

/** An answer a test scripts: a status, a JSON body or raw text, and headers. */
export interface ScriptedAnswer {
  status: number;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  /** Close the connection without answering (an answer lost on the way). */
  drop?: boolean;
}

export interface AcmeEvent {
  id: string;
  at: string;
  action: string;
  actor: string;
  credential_id?: string;
  detail?: Record<string, unknown>;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SCOPES = ['reports:read', 'reports:write', 'keys:admin'];
const DAY = 86_400;

function base62(n: number): string {
  let out = '';
  while (out.length < n) for (const b of randomBytes(n)) if (b < 248 && out.length < n) out += BASE62[b % 62];
  return out;
}

const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');

export async function startAcmeIssuer() {
  const adminToken = `acme_admin_${base62(32)}`;
  const credentials = new Map<string, AcmeCredential>();
  const byHash = new Map<string, string>();
  const events: AcmeEvent[] = [];
  const idempotency = new Map<string, { bodyHash: string; status: number; answer: Record<string, unknown> }>();
  const calls: { method: string; path: string }[] = [];
  /** Each request with its headers, and its JSON body once read (what a client sent, for tests to check). */
  const requests: { method: string; path: string; headers: IncomingMessage['headers']; body?: Record<string, unknown> }[] = [];
  const stats = { notModified: 0 };
  const throttles = new Map<string, { left: number; seconds: number }>();
  let manifestPatch: Record<string, unknown> = {};
  const scripted: { answer: ScriptedAnswer; path?: string }[] = [];
  let origin = '';

  const manifest = () => ({
    issuer: origin,
    spec_version: '0.2',
    display_name: 'Acme Analytics',
    service_documentation: `${origin}/docs`,
    dashboard_url: `${origin}/dashboard`,
    credential_issuer_endpoint: `${origin}/api/keys`,
    introspection_endpoint: `${origin}/api/introspect`,
    revocation_endpoint: `${origin}/api/revoke`,
    whoami_endpoint: `${origin}/api/me`,
    supported_operations: ['discover', 'create', 'rotate', 'revoke', 'introspect', 'list', 'deactivate', 'reactivate'],
    supported_credential_types: ['api_key'],
    auth_methods: ['admin_token'],
    scopes_supported: SCOPES,
    environments_supported: ['live', 'test'],
    supports_expiring_credentials: true,
    supports_rotation: true,
    supports_revocation: true,
    supports_deactivation: true,
    supports_idempotency_keys: true,
    secret_shown_once: true,
    max_concurrent_credentials: 5,
    revocation_latency_seconds: 0,
    max_ttl_seconds: 400 * DAY,
    rotation_strategy: 'overlap',
    credential_patterns: [
      { name: 'Acme Analytics live key', regex: '^acme_live_[0-9A-Za-z]{32}$', kind: 'api_key', environment: 'live' },
      { name: 'Acme Analytics test key', regex: '^acme_test_[0-9A-Za-z]{32}$', kind: 'api_key', environment: 'test' },
    ],
    ...manifestPatch,
  });
  const manifestEtag = () => `"${sha256(JSON.stringify(manifest())).slice(0, 16)}"`;

  const record = (action: string, actor: string, credential_id?: string, detail?: Record<string, unknown>) =>
    events.push({ id: randomUUID(), at: new Date().toISOString(), action, actor, ...(credential_id ? { credential_id } : {}), ...(detail ? { detail } : {}) });

  /** RFC 9457 problem details that keep the 0.1 `error` code (decision 4). */
  function problem(res: ServerResponse, status: number, error: string, detail?: string, headers: Record<string, string> = {}) {
    const body = {
      type: `${origin}/problems/${error}`,
      title: error.replace(/_/g, ' '),
      status,
      error,
      ...(detail ? { detail, error_description: detail } : {}),
    };
    res.writeHead(status, { 'content-type': 'application/problem+json', ...headers });
    res.end(JSON.stringify(body));
  }
  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  function live(c: AcmeCredential): AcmeCredential {
    if (c.status === 'active' && c.expires_at && Date.parse(c.expires_at) <= Date.now()) c.status = 'expired';
    return c;
  }
  function mint(input: { scopes: string[]; environment: string; ttlSeconds: number | null; name: string; rotatedFrom?: string }) {
    const value = `acme_${input.environment}_${base62(32)}`;
    const now = new Date();
    const c: AcmeCredential = {
      id: `key_${base62(12)}`,
      name: input.name,
      scopes: input.scopes,
      environment: input.environment,
      status: 'active',
      hint: `acme_${input.environment}_...${value.slice(-4)}`,
      created_at: now.toISOString(),
      expires_at: input.ttlSeconds === null ? null : new Date(now.getTime() + input.ttlSeconds * 1000).toISOString(),
      created_by: 'admin',
      ...(input.rotatedFrom ? { rotated_from: input.rotatedFrom } : {}),
    };
    credentials.set(c.id, c);
    byHash.set(sha256(value), c.id);
    return { c, value };
  }
  const byValue = (v: string) => {
    const id = byHash.get(sha256(v));
    return id ? live(credentials.get(id)!) : undefined;
  };

  const isAdmin = (req: IncomingMessage) => {
    const got = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const a = Buffer.from(sha256(got));
    return timingSafeEqual(a, Buffer.from(sha256(adminToken)));
  };

  async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > 64 * 1024) throw Object.assign(new Error('too large'), { status: 413 });
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text) return {};
    if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw Object.assign(new Error('not an object'), { status: 400 });
    return parsed as Record<string, unknown>;
  }

  const scopeList = (v: unknown): string[] | undefined =>
    v === undefined ? undefined : Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(' ').filter(Boolean) : [];

  /** POST with Idempotency-Key: the same key and body answer the same credential (value included, sealed nowhere: kept in memory for the test). */
  function idempotent(
    req: IncomingMessage,
    res: ServerResponse,
    body: Record<string, unknown>,
    scope: string,
    make: () => { status: number; answer: Record<string, unknown> },
  ) {
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string') {
      const made = make();
      return send(res, made.status, made.answer);
    }
    const slot = `${scope}\0${key}`;
    const bodyHash = sha256(JSON.stringify(body));
    const seen = idempotency.get(slot);
    if (seen) {
      if (seen.bodyHash !== bodyHash) return problem(res, 422, 'idempotency_key_reused', 'this Idempotency-Key was used with another body');
      return send(res, 200, seen.answer, { 'idempotent-replayed': 'true' });
    }
    const made = make();
    if (made.status < 300) idempotency.set(slot, { bodyHash, ...made });
    return send(res, made.status, made.answer);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname;
    calls.push({ method: req.method ?? 'GET', path });
    const request: (typeof requests)[number] = { method: req.method ?? 'GET', path, headers: req.headers };
    requests.push(request);
    const next = scripted.findIndex((s) => !s.path || s.path === path);
    if (next >= 0) {
      const { answer } = scripted.splice(next, 1)[0]!;
      if (answer.drop) return void req.socket.destroy();
      if (req.method === 'POST') request.body = await readBody(req).catch(() => undefined);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      return res.end(answer.raw ?? (answer.body === undefined ? '' : JSON.stringify(answer.body)));
    }
    const throttle = throttles.get(path);
    if (throttle && throttle.left > 0) {
      throttle.left--;
      return problem(res, 429, 'too_many_requests', 'slow down', { 'retry-after': String(throttle.seconds) });
    }
    if (req.method === 'GET' && path === '/.well-known/credential-issuer') {
      const etag = manifestEtag();
      if (req.headers['if-none-match'] === etag) {
        stats.notModified++;
        res.writeHead(304, { etag });
        return res.end();
      }
      return send(res, 200, manifest(), { etag, 'cache-control': 'max-age=300' });
    }
    if (req.method === 'GET' && path === '/api/me') {
      const value = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const c = value ? byValue(value) : undefined;
      if (c?.status !== 'active') return problem(res, 401, 'invalid_token', 'the key is not active', { 'www-authenticate': 'Bearer error="invalid_token"' });
      return send(res, 200, { id: c.id, scopes: c.scopes, environment: c.environment, expires_at: c.expires_at });
    }
    if (!path.startsWith('/api/')) return problem(res, 404, 'not_found');
    if (!isAdmin(req)) return problem(res, 401, 'invalid_token', 'management calls need the admin token', { 'www-authenticate': 'Bearer realm="acme"' });
    const body = req.method === 'POST' ? await readBody(req) : {};
    request.body = body;

    if (req.method === 'POST' && path === '/api/introspect') {
      const c = typeof body.token === 'string' ? byValue(body.token) : undefined;
      if (c?.status !== 'active') return send(res, 200, { active: false });
      return send(res, 200, {
        active: true,
        credential_id: c.id,
        client_id: 'acme-account-1', // the owning account, RFC 7662's meaning: never the key's id
        sub: 'acme-account-1',
        scope: c.scopes.join(' '),
        token_type: 'api_key',
        environment: c.environment,
        iat: Math.floor(Date.parse(c.created_at) / 1000),
        ...(c.expires_at ? { exp: Math.floor(Date.parse(c.expires_at) / 1000) } : {}),
        iss: origin,
      });
    }
    if (req.method === 'POST' && path === '/api/revoke') {
      const c = typeof body.token === 'string' ? byValue(body.token) : typeof body.id === 'string' ? credentials.get(body.id) : undefined;
      if (c && c.status !== 'revoked') {
        c.status = 'revoked';
        c.revoked_at = new Date().toISOString();
        record('revoked', 'admin', c.id);
      }
      return send(res, 200, {});
    }
    if (path === '/api/keys') {
      if (req.method === 'GET') return send(res, 200, { credentials: [...credentials.values()].map(live) });
      if (req.method !== 'POST') return problem(res, 405, 'invalid_request');
      const scopes = scopeList(body.scope) ?? [];
      if (!scopes.length || scopes.some((s) => !SCOPES.includes(s))) return problem(res, 400, 'invalid_scope', 'unknown or missing scope');
      const environment = body.environment === 'test' ? 'test' : 'live';
      const ttl = typeof body.ttl_seconds === 'number' ? Math.min(body.ttl_seconds, 400 * DAY) : 365 * DAY;
      return idempotent(req, res, body, 'create', () => {
        const { c, value } = mint({ scopes, environment, ttlSeconds: ttl, name: typeof body.name === 'string' ? body.name : 'key' });
        record('created', 'admin', c.id);
        return { status: 201, answer: { ...c, value } };
      });
    }
    const m = /^\/api\/keys\/([^/]+)(?:\/(rotate|deactivate|reactivate))?$/.exec(path);
    const c = m ? credentials.get(decodeURIComponent(m[1]!)) : undefined;
    if (!m || !c) return problem(res, 404, 'not_found', 'no such key');
    live(c);
    if (req.method === 'GET' && !m[2]) return send(res, 200, c);
    if (req.method !== 'POST' || !m[2]) return problem(res, 405, 'invalid_request');
    if (m[2] === 'rotate') {
      if (c.status !== 'active') return problem(res, 409, 'conflict', 'only an active key can be rotated');
      const narrowed = scopeList(body.scope);
      if (narrowed?.some((s) => !c.scopes.includes(s))) return problem(res, 400, 'invalid_scope', 'a rotation may only narrow scopes');
      // Decision 2: the old key's lifetime unless asked otherwise, capped by max_ttl_seconds.
      const oldLifetime = c.expires_at ? Math.round((Date.parse(c.expires_at) - Date.parse(c.created_at)) / 1000) : null;
      const ttl = typeof body.ttl_seconds === 'number' ? body.ttl_seconds : oldLifetime;
      return idempotent(req, res, body, `rotate:${c.id}`, () => {
        const made = mint({
          scopes: narrowed ?? c.scopes,
          environment: c.environment,
          ttlSeconds: ttl === null ? null : Math.min(ttl, 400 * DAY),
          name: c.name,
          rotatedFrom: c.id,
        });
        record('rotated', 'admin', c.id, { new_credential_id: made.c.id });
        if (typeof body.overlap_seconds === 'number' && body.overlap_seconds === 0) {
          c.status = 'revoked';
          c.revoked_at = new Date().toISOString();
          record('revoked', 'admin', c.id);
        }
        return { status: 201, answer: { ...made.c, value: made.value } };
      });
    }
    if (c.status === 'revoked') return problem(res, 409, 'conflict', 'a revoked key cannot change');
    c.status = m[2] === 'deactivate' ? 'deactivated' : 'active';
    record(m[2] === 'deactivate' ? 'deactivated' : 'reactivated', 'admin', c.id);
    return send(res, 200, c);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: { status?: number }) => {
      if (!res.headersSent) problem(res, err.status ?? 400, 'invalid_request', 'the request could not be read');
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    adminToken,
    calls,
    requests,
    stats,
    events,
    credentials,
    /** A key made directly (as the vendor's dashboard would), returned once. */
    mintKey(input: { scopes?: string[]; environment?: 'live' | 'test'; ttlSeconds?: number | null; name?: string } = {}) {
      const made = mint({
        scopes: input.scopes ?? ['reports:read'],
        environment: input.environment ?? 'live',
        ttlSeconds: input.ttlSeconds === undefined ? 30 * DAY : input.ttlSeconds,
        name: input.name ?? 'key',
      });
      record('created', 'dashboard', made.c.id);
      return made;
    },
    byValue,
    throttle(path: string, times: number, seconds: number) {
      throttles.set(path, { left: times, seconds });
    },
    answerNext(answer: ScriptedAnswer, path?: string) {
      scripted.push({ answer, path });
    },
    patchManifest(patch: Record<string, unknown>) {
      manifestPatch = patch;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type AcmeIssuer = Awaited<ReturnType<typeof startAcmeIssuer>>;
