import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { usageError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import { looksLikeCredential, newCredentialValue, newId, newRequestSecret, seal, secretEquals, sha256, unseal, type Environment } from './keys.js';
import { referenceManifest, referencePermissions } from './manifest.js';
import { expandScopes, isNarrowerOrEqual, parseScopeList, REFERENCE_SCOPES } from './scopes.js';
import { IssuerState, type AccessRequestRecord, type CredentialRecord } from './state.js';
import { HttpError, invalidToken, problemBody, tooMany } from './problem.js';
import { paginate } from './paginate.js';
import { RateLimiter } from './rate-limit.js';
import { SecurityEvents } from './security-events.js';
import { newUserCode } from './user-code.js';
import * as io from '../core/io.js';

/**
 * The reference credential issuer: every operation of spec/credential-issuer.md on node:http,
 * plus a tiny protected API (/v1/whoami, /v1/events) that enforces scopes and expiry so a client
 * can prove that a credential works and what it reaches.
 *
 * Reading order: startIssuer → handle (the route table) → one function per operation.
 */
export interface IssuerOptions {
  port?: number;
  host?: string;
  dataDir?: string;
  /** Unauthenticated calls (leak reports, access requests) allowed per address per minute; default 30. */
  rateLimitPerMinute?: number;
}

export interface RunningIssuer {
  url: string;
  adminToken: string;
  adminTokenFile: string;
  dataDir: string;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
const MAX_TTL_SECONDS = 365 * 24 * 3600;
const DEFAULT_REQUEST_TTL = 3600;
const MAX_REQUEST_TTL = 24 * 3600;
const MAX_PENDING_REQUESTS = 1000;
/** RFC 8628 expires_in: how long a request waits for a decision. */
const ACCESS_REQUEST_EXPIRY = 15 * 60;
const EVENTS_KEPT = 1000;
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const CLIENT_CREDENTIALS = 'client_credentials';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** RFC 8693 subject_token_type values this issuer accepts for its keys. */
const SUBJECT_TOKEN_TYPES = [ACCESS_TOKEN_TYPE, 'urn:credctl:token-type:api_key'];
/** Management access tokens from the client-credentials grant live an hour at most. */
const ACCESS_TOKEN_TTL = 3600;
/** RFC 8628: the requester polls no faster than this. */
const POLL_INTERVAL_SECONDS = 5;
/** RFC 7662 `client_id`: the account that owns every credential of this single-account issuer. */
export const REFERENCE_ACCOUNT = 'acct_reference';

/** $CREDCTL_ISSUER_DATA, else the XDG data directory: $XDG_DATA_HOME/credctl/issuer (~/.local/share/credctl/issuer). */
export const defaultDataDir = (): string =>
  process.env.CREDCTL_ISSUER_DATA ?? join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'credctl', 'issuer');

const LOOPBACK_HOSTS = /^(?:127(?:\.\d{1,3}){3}|::1|localhost)$/;

type Body = Record<string, unknown>;

export async function startIssuer(options: IssuerOptions = {}): Promise<RunningIssuer> {
  const host = options.host ?? '127.0.0.1';
  // Plain HTTP carrying credentials must not leave the machine.
  if (!LOOPBACK_HOSTS.test(host)) throw usageError(`--host ${host} is not a loopback address; the reference issuer serves plain HTTP on loopback only`);
  const state = new IssuerState(options.dataDir ?? defaultDataDir());
  const server = createServer({ maxHeaderSize: 16 * 1024 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        reject(usageError(`port ${options.port} on ${host} is already in use`, 'Pass another --port, or --port 0 for any free one.'));
      else if (err.code === 'EACCES') reject(usageError(`not allowed to listen on port ${options.port}`, 'Use a port above 1023.'));
      else reject(err);
    });
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const issuer = new Issuer(state, origin, await SecurityEvents.open(state.dataDir, origin), options.rateLimitPerMinute ?? 30);
  server.on('request', (req, res) => void issuer.handle(req, res));
  return {
    url: origin,
    adminToken: state.adminToken,
    adminTokenFile: state.adminTokenFile,
    dataDir: state.dataDir,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

class Issuer {
  private readonly manifest: string;
  private readonly permissions: string;
  private readonly appEvents: Record<Environment, Body[]> = { live: [], test: [] };
  /** Unauthenticated endpoints: per remote address. */
  private readonly leakReports: RateLimiter;
  private readonly accessRequests: RateLimiter;
  /** Idempotency keys whose first request has not been answered yet. */
  private readonly inFlight = new Set<string>();
  /** Last pick-up poll per access request, for RFC 8628 slow_down. */
  private readonly lastPoll = new Map<string, number>();

  constructor(
    private readonly state: IssuerState,
    private readonly origin: string,
    private readonly sets: SecurityEvents,
    rateLimitPerMinute: number,
  ) {
    this.leakReports = new RateLimiter(rateLimitPerMinute, 60_000);
    this.accessRequests = new RateLimiter(rateLimitPerMinute, 60_000);
    this.manifest = JSON.stringify(referenceManifest(origin), null, 2);
    this.permissions = JSON.stringify(referencePermissions(origin), null, 2);
  }

  /**
   * A browser page can reach a loopback server too: through DNS rebinding (a name that resolves
   * to 127.0.0.1, sent with its own Host) or a cross-site POST with a "simple" content type. So
   * the Host must be this server's own, a request a browser marks as coming from another origin
   * is refused, and bodies are JSON (forms only where RFC 7662/7009/8693 clients send them).
   */
  private checkRequest(req: IncomingMessage, route: string): void {
    const port = new URL(this.origin).port;
    const host = (req.headers.host ?? '').toLowerCase();
    const allowed = [new URL(this.origin).host, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`];
    if (!allowed.includes(host)) throw new HttpError(421, 'invalid_request', 'this server answers only to its own loopback address (Host header)');
    const from = req.headers.origin;
    if (from !== undefined && from !== 'null' && !allowed.some((h) => from === `http://${h}`))
      throw new HttpError(403, 'access_denied', 'cross-origin requests are refused');
    if (from === 'null') throw new HttpError(403, 'access_denied', 'cross-origin requests are refused');
    if (req.method === 'POST') {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const formOk = route === 'POST introspect' || route === 'POST revoke' || route === 'POST token' || route === 'POST leak-reports';
      const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
      if (hasBody && type !== 'application/json' && !(formOk && type === 'application/x-www-form-urlencoded')) {
        throw new HttpError(415, 'invalid_request', `send the body as application/json${formOk ? ' (or a form)' : ''}`);
      }
    }
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', this.origin);
      const [, v1, collection, id, action, ...rest] = url.pathname.split('/');
      const method = req.method ?? 'GET';
      this.checkRequest(req, `${method} ${collection}${id ? '/:id' : ''}${action ? `/${action}` : ''}`);
      if (url.pathname === '/.well-known/credential-issuer') return this.document(req, res, this.manifest);
      if (url.pathname === '/.well-known/credential-permissions') return this.document(req, res, this.permissions);
      if (url.pathname === '/approve') return this.verificationPage(res, url.searchParams);
      if (v1 !== 'v1' || rest.length) throw new HttpError(404, 'not_found', `no route ${url.pathname}`);
      const route = `${method} ${collection}${id ? '/:id' : ''}${action ? `/${action}` : ''}`;
      switch (route) {
        case 'GET whoami':
          return this.send(res, 200, this.whoami(req));
        case 'GET events':
          return this.send(res, 200, this.readEvents(req));
        case 'POST events':
          return this.send(res, 201, this.writeEvent(req, await readBody(req)));
        case 'POST credentials':
          return await this.create(req, res, await readBody(req));
        case 'GET credentials':
          return this.send(res, 200, this.list(req, url.searchParams));
        case 'GET credentials/:id':
          this.authorize(req, 'read');
          return this.send(res, 200, view(this.find(id)));
        case 'POST credentials/:id/rotate':
          return await this.rotate(req, res, id, await readBody(req));
        case 'POST credentials/:id/scope':
          return this.send(res, 200, await this.scope(req, id, await readBody(req)));
        case 'POST credentials/:id/revoke':
          return this.send(res, 200, await this.setStatus(req, id, 'revoked'));
        case 'POST credentials/:id/deactivate':
          return this.send(res, 200, await this.setStatus(req, id, 'deactivated'));
        case 'POST credentials/:id/reactivate':
          return this.send(res, 200, await this.setStatus(req, id, 'active'));
        case 'GET credentials/:id/events':
          this.authorize(req, 'read');
          this.find(id);
          return this.send(res, 200, this.audit(url.searchParams, id));
        case 'GET jwks':
          return this.send(res, 200, this.sets.jwks, { 'cache-control': 'public, max-age=300' });
        case 'POST security-events':
          return this.send(res, 200, await this.pollSets(this.receiverOf(req), await readBody(req)));
        case 'POST leak-reports':
          return this.send(res, 202, await this.leakReport(req, await readBody(req)));
        case 'POST introspect':
          return this.send(res, 200, this.introspect(req, await readBody(req)));
        case 'POST revoke':
          return this.send(res, 200, await this.revokeByToken(req, await readBody(req)));
        case 'GET audit':
          this.authorize(req, 'read');
          return this.send(res, 200, this.audit(url.searchParams));
        case 'POST access-requests':
          return this.send(res, 201, await this.requestAccess(req, await readBody(req)));
        case 'GET access-requests':
          return this.send(res, 200, this.listRequests(req, url.searchParams));
        case 'GET access-requests/:id':
          return this.send(res, 200, await this.pickUp(req, id));
        case 'POST access-requests/:id/approve':
          return this.send(res, 200, await this.decide(req, id, 'approved', await readBody(req)));
        case 'POST access-requests/:id/deny':
          return this.send(res, 200, await this.decide(req, id, 'denied', await readBody(req)));
        case 'POST token':
          return this.send(res, 200, await this.token(req, await readBody(req)));
        default:
          throw new HttpError(404, 'not_found', `no route ${method} ${url.pathname}`);
      }
    } catch (err) {
      if (err instanceof HttpError) return this.problem(res, err);
      // Never echo internals (they could hold a request body); the operator sees the message on stderr.
      io.err().write(`credctl issuer: ${(err as Error)?.message ?? String(err)}\n`);
      return this.problem(res, new HttpError(500, 'server_error', 'internal error'));
    }
  }

  // ---- plumbing ---------------------------------------------------------------------------

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.headersSent) return;
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
    res.end(JSON.stringify(body));
  }

  /** RFC 9457 problem details, keeping the 0.1 {error, error_description} members. */
  private problem(res: ServerResponse, err: HttpError): void {
    if (res.headersSent) return;
    res.writeHead(err.status, { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...err.headers });
    res.end(JSON.stringify(problemBody(err.status, err.code, err.message)));
  }

  private document(req: IncomingMessage, res: ServerResponse, text: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method_not_allowed', 'use GET', { allow: 'GET, HEAD' });
    const etag = `"${sha256(text).slice(0, 32)}"`;
    const headers = { etag, 'cache-control': 'public, max-age=60', 'content-type': 'application/json' };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : text);
  }

  private now(): number {
    return Date.now();
  }

  /** Active = not revoked or deactivated, not expired, and (for exchanged tokens) its parent still active. */
  private isActive(c: CredentialRecord, depth = 0): boolean {
    if (c.status !== 'active') return false;
    if (c.expires_at && Date.parse(c.expires_at) <= this.now()) return false;
    if (c.derived_from) {
      const parent = this.state.credentials.get(c.derived_from);
      return depth < 8 && parent !== undefined && this.isActive(parent, depth + 1);
    }
    return true;
  }

  private credentialFromBearer(req: IncomingMessage): CredentialRecord | undefined {
    const token = bearer(req);
    if (!token) return undefined;
    const c = this.state.byHash.get(sha256(token));
    return c && this.isActive(c) ? c : undefined;
  }

  /** The protected API's gate: an active credential, holding `scope` when one is needed. */
  private requireCredential(req: IncomingMessage, scope?: string): CredentialRecord {
    const c = this.credentialFromBearer(req);
    if (!c) throw invalidToken('missing, unknown, expired, deactivated or revoked credential', bearer(req) !== undefined);
    if (scope && !expandScopes(c.scopes, REFERENCE_SCOPES).has(scope)) {
      throw new HttpError(403, 'insufficient_scope', `this credential lacks the ${scope} scope`, {
        'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"`,
      });
    }
    c.last_used_at = new Date(this.now()).toISOString();
    return c;
  }

  /** Management calls: the admin token, or a credential holding keys:admin (keys:read for reads). */
  private authorize(req: IncomingMessage, level: 'read' | 'admin'): string {
    const token = bearer(req);
    if (token && secretEquals(token, this.state.adminToken)) return 'admin';
    if (token && looksLikeCredential(token)) return `credential:${this.requireCredential(req, level === 'admin' ? 'keys:admin' : 'keys:read').id}`;
    throw invalidToken('management calls need Authorization: Bearer <admin token or keys:admin credential or access token>', token !== undefined);
  }

  /** A SET receiver: the admin, or the root credential behind a credential or access token. */
  private receiverOf(req: IncomingMessage): string {
    const actor = this.authorize(req, 'read');
    if (!actor.startsWith('credential:')) return actor;
    let c = this.state.credentials.get(actor.slice('credential:'.length));
    for (let i = 0; i < 8 && c?.derived_from; i++) c = this.state.credentials.get(c.derived_from);
    return `credential:${c?.id ?? actor}`;
  }

  private find(id: string): CredentialRecord {
    const c = this.state.credentials.get(id);
    if (!c) throw new HttpError(404, 'not_found', `no credential ${id}`);
    return c;
  }

  /** Pending SET signatures: a poll waits for them, so an event is never missed by a racing poll. */
  private signing: Promise<void>[] = [];

  /** One audit event, and the matching Security Event Token when the change is one receivers care about. */
  private event(action: string, actor: string, ids: { credential_id?: string; request_id?: string }, detail?: Body): void {
    this.state.record({ id: newId('evt'), at: new Date(this.now()).toISOString(), action, actor, ...ids, ...(detail ? { detail } : {}) });
    const id = ids.credential_id;
    if (!id) return;
    const change = CHANGE_TYPES[action];
    const signed =
      action === 'compromise_reported'
        ? this.sets.compromise(id, { reason_admin: { en: 'a leaked credential was reported' } })
        : change
          ? this.sets.credentialChange(id, change, { x_credctl_action: action, ...(detail?.replacement ? { x_credctl_replacement: detail.replacement } : {}) })
          : undefined;
    if (signed) this.signing.push(signed.catch((err: unknown) => void io.err().write(`credctl issuer: cannot sign an event: ${(err as Error).message}\n`)));
  }

  private scopesFrom(value: unknown, required: boolean): string[] | undefined {
    if (value === undefined && !required) return undefined;
    const scopes = parseScopeList(value);
    if (!scopes || scopes.length === 0) throw new HttpError(400, 'invalid_scope', 'scope must be a non-empty list (array or space-separated string)');
    const unknown = scopes.filter((s) => !REFERENCE_SCOPES.some((d) => d.name === s));
    if (unknown.length) throw new HttpError(400, 'invalid_scope', `unknown scope ${unknown.map((s) => `"${s}"`).join(', ')}`);
    return scopes;
  }

  /** Expiry from ttl_seconds or expires_at (ISO 8601); null = never expires. */
  private expiryFrom(body: Body, fallback: string | null = null): string | null {
    if (body.ttl_seconds !== undefined) {
      const ttl = body.ttl_seconds;
      if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS) {
        throw new HttpError(400, 'invalid_request', `ttl_seconds must be an integer from 1 to ${MAX_TTL_SECONDS}`);
      }
      return new Date(this.now() + ttl * 1000).toISOString();
    }
    if (body.expires_at !== undefined) {
      const at = typeof body.expires_at === 'string' ? Date.parse(body.expires_at) : NaN;
      if (Number.isNaN(at) || at <= this.now()) throw new HttpError(400, 'invalid_request', 'expires_at must be a future ISO 8601 time');
      return new Date(at).toISOString();
    }
    return fallback;
  }

  private mint(fields: Omit<CredentialRecord, 'id' | 'hash' | 'hint' | 'status' | 'created_at'>): { record: CredentialRecord; value: string } {
    const value = newCredentialValue(fields.environment);
    const record: CredentialRecord = {
      id: newId('cred'),
      ...fields,
      hash: sha256(value),
      hint: redact(value),
      status: 'active',
      created_at: new Date(this.now()).toISOString(),
    };
    this.state.addCredential(record);
    return { record, value };
  }

  /**
   * Idempotency-Key: the same key and body replays the first answer (same credential, same value,
   * 200 + Idempotent-Replayed); the same key with another body is 422. The value is kept sealed
   * under the key itself, which the issuer stores only as a hash, for 24 hours.
   */
  private async idempotent(
    req: IncomingMessage,
    res: ServerResponse,
    principal: string,
    operation: string,
    body: Body,
    produce: () => { record: CredentialRecord; value: string },
  ): Promise<void> {
    const key = req.headers['idempotency-key'];
    if (key === undefined) {
      const { record, value } = produce();
      await this.state.persist();
      return this.send(res, 201, { ...view(record), value });
    }
    if (typeof key !== 'string' || key.length < 16 || key.length > 255) {
      throw new HttpError(400, 'invalid_request', 'Idempotency-Key must be 16 to 255 characters (use a random UUID)');
    }
    // The key's scope is the authenticated principal and the endpoint: two callers never collide.
    const keyHash = sha256(`idempotency\0${principal}\0${operation}\0${key}`);
    const bodyHash = sha256(`${operation}\0${canonicalJson(body)}`);
    const previous = this.state.idempotency.get(keyHash);
    if (this.inFlight.has(keyHash)) {
      throw new HttpError(409, 'conflict', 'a request with this Idempotency-Key is still being processed; retry shortly', { 'retry-after': '1' });
    }
    if (previous) {
      if (previous.operation !== operation || previous.body_hash !== bodyHash) {
        throw new HttpError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with a different request');
      }
      const record = this.find(previous.credential_id);
      const value = unseal(previous.sealed, key, 'idempotency');
      return this.send(res, 200, { ...view(record), ...(value ? { value } : {}) }, { 'idempotent-replayed': 'true' });
    }
    const { record, value } = produce();
    this.state.idempotency.set(keyHash, {
      key_hash: keyHash,
      operation,
      body_hash: bodyHash,
      credential_id: record.id,
      sealed: seal(value, key, 'idempotency'),
      created_at: record.created_at,
    });
    this.inFlight.add(keyHash);
    try {
      await this.state.persist();
    } finally {
      this.inFlight.delete(keyHash);
    }
    return this.send(res, 201, { ...view(record), value });
  }

  // ---- operations -------------------------------------------------------------------------

  private async create(req: IncomingMessage, res: ServerResponse, body: Body): Promise<void> {
    const actor = this.authorize(req, 'admin');
    const scopes = this.scopesFrom(body.scope ?? body.scopes, true)!;
    const environment = body.environment ?? 'live';
    if (environment !== 'live' && environment !== 'test') throw new HttpError(400, 'invalid_request', 'environment must be "live" or "test"');
    if (body.name !== undefined && (typeof body.name !== 'string' || body.name.length > 200)) {
      throw new HttpError(400, 'invalid_request', 'name must be a string of at most 200 characters');
    }
    const expires_at = this.expiryFrom(body);
    await this.idempotent(req, res, actor, 'create', body, () => {
      const minted = this.mint({ name: (body.name as string | undefined) ?? '', scopes, environment, expires_at, created_by: actor });
      this.event('created', actor, { credential_id: minted.record.id }, { scopes, environment, expires_at });
      return minted;
    });
  }

  private list(req: IncomingMessage, query: URLSearchParams): Body {
    this.authorize(req, 'read');
    const status = query.get('status');
    const environment = query.get('environment');
    const all = [...this.state.credentials.values()]
      .map((c) => view(c, this.isActive(c)))
      .filter((c) => (!status || c.status === status) && (!environment || c.environment === environment));
    const { page, next_cursor } = paginate(all, query);
    return { credentials: page, next_cursor };
  }

  private async rotate(req: IncomingMessage, res: ServerResponse, id: string, body: Body): Promise<void> {
    const actor = this.authorize(req, 'admin');
    const old = this.find(id);
    if (old.status === 'revoked') throw new HttpError(409, 'conflict', `${id} is revoked; create a new credential instead`);
    const scopes = this.scopesFrom(body.scope ?? body.scopes, false) ?? old.scopes;
    if (!isNarrowerOrEqual(scopes, old.scopes, REFERENCE_SCOPES)) {
      throw new HttpError(400, 'invalid_scope', 'a rotation may keep or narrow the scopes, never widen them');
    }
    // Keep the old credential's lifetime (not its remaining time) unless told otherwise, capped.
    const lifetime = old.expires_at ? Math.min(Date.parse(old.expires_at) - Date.parse(old.created_at), MAX_TTL_SECONDS * 1000) : undefined;
    const expires_at = this.expiryFrom(body, lifetime ? new Date(this.now() + lifetime).toISOString() : null);
    const overlap = body.overlap_seconds;
    if (overlap !== undefined && (typeof overlap !== 'number' || !Number.isInteger(overlap) || overlap < 0 || overlap > MAX_TTL_SECONDS)) {
      throw new HttpError(400, 'invalid_request', `overlap_seconds must be an integer from 0 to ${MAX_TTL_SECONDS}`);
    }
    await this.idempotent(req, res, actor, `rotate:${id}`, body, () => {
      const minted = this.mint({
        name: typeof body.name === 'string' ? body.name : old.name,
        scopes,
        environment: old.environment,
        expires_at,
        created_by: actor,
        rotated_from: old.id,
      });
      this.event('rotated', actor, { credential_id: old.id }, { replacement: minted.record.id, ...(overlap !== undefined ? { overlap_seconds: overlap } : {}) });
      this.event('created', actor, { credential_id: minted.record.id }, { scopes, rotated_from: old.id, expires_at });
      this.endOverlap(old, overlap, actor);
      return minted;
    });
  }

  /** overlap_seconds: absent = the old stays until revoked; 0 = revoked now; N = it expires in N seconds. */
  private endOverlap(old: CredentialRecord, overlap: number | undefined, actor: string): void {
    if (overlap === undefined) return;
    if (overlap === 0) {
      old.status = 'revoked';
      old.revoked_at = new Date(this.now()).toISOString();
      this.event('revoked', actor, { credential_id: old.id }, { reason: 'rotated' });
      return;
    }
    const until = this.now() + overlap * 1000;
    if (!old.expires_at || Date.parse(old.expires_at) > until) {
      old.expires_at = new Date(until).toISOString();
      this.event('expiry_shortened', actor, { credential_id: old.id }, { expires_at: old.expires_at, reason: 'rotated' });
    }
  }

  /** Down-scoping in place (RFC 8693's rule: never wider than granted). */
  private async scope(req: IncomingMessage, id: string, body: Body): Promise<Body> {
    const actor = this.authorize(req, 'admin');
    const c = this.find(id);
    const scopes = this.scopesFrom(body.scope ?? body.scopes, true)!;
    if (c.status === 'revoked') throw new HttpError(409, 'conflict', `${id} is revoked`);
    if (!isNarrowerOrEqual(scopes, c.scopes, REFERENCE_SCOPES)) {
      throw new HttpError(400, 'invalid_scope', 'scope can only narrow a credential; create or request a new one to widen');
    }
    this.event('scoped', actor, { credential_id: id }, { from: c.scopes, to: scopes });
    c.scopes = scopes;
    await this.state.persist();
    return view(c, this.isActive(c));
  }

  private async setStatus(req: IncomingMessage, id: string, to: 'active' | 'deactivated' | 'revoked'): Promise<Body> {
    const actor = this.authorize(req, 'admin');
    const c = this.find(id);
    if (c.status !== to) {
      if (c.status === 'revoked') throw new HttpError(409, 'conflict', `${id} is revoked; revocation cannot be undone`);
      const at = new Date(this.now()).toISOString();
      if (to === 'revoked') c.revoked_at = at;
      if (to === 'deactivated') c.deactivated_at = at;
      if (to === 'active') delete c.deactivated_at;
      c.status = to;
      this.event(to === 'active' ? 'reactivated' : to, actor, { credential_id: id });
      await this.state.persist();
    }
    return view(c, this.isActive(c));
  }

  /**
   * RFC 7009: 200 whether or not the token was known, so the endpoint cannot be used to probe.
   * Management callers may revoke any credential; a holder may revoke the credential it presents.
   */
  private async revokeByToken(req: IncomingMessage, body: Body): Promise<Body> {
    const self = typeof body.token === 'string' && bearer(req) === body.token ? this.credentialFromBearer(req) : undefined;
    const actor = self ? `credential:${self.id}` : this.authorize(req, 'admin');
    const c =
      typeof body.token === 'string'
        ? this.state.byHash.get(sha256(body.token))
        : typeof body.id === 'string'
          ? this.state.credentials.get(body.id)
          : undefined;
    if (body.token === undefined && body.id === undefined) throw new HttpError(400, 'invalid_request', 'give token (the value) or id');
    if (c && c.status !== 'revoked') {
      c.status = 'revoked';
      c.revoked_at = new Date(this.now()).toISOString();
      this.event('revoked', actor, { credential_id: c.id });
      await this.state.persist();
    }
    return {};
  }

  /** RFC 7662. An inactive token gets exactly {active:false}: no hint why. */
  private introspect(req: IncomingMessage, body: Body): Body {
    this.authorize(req, 'read');
    if (typeof body.token !== 'string') throw new HttpError(400, 'invalid_request', 'token is required');
    const c = this.state.byHash.get(sha256(body.token));
    if (!c || !this.isActive(c)) return { active: false };
    return {
      active: true,
      credential_id: c.id,
      scope: c.scopes.join(' '),
      client_id: REFERENCE_ACCOUNT,
      sub: c.id,
      token_type: 'api_key',
      iat: Math.floor(Date.parse(c.created_at) / 1000),
      ...(c.expires_at ? { exp: Math.floor(Date.parse(c.expires_at) / 1000) } : {}),
      iss: this.origin,
      environment: c.environment,
      name: c.name,
    };
  }

  private audit(query: URLSearchParams, credentialId?: string): Body {
    const id = credentialId ?? query.get('credential_id');
    const events = this.state.events.filter((e) => !id || e.credential_id === id);
    const { page, next_cursor } = paginate(events, query);
    return { events: page, next_cursor };
  }

  // ---- access requests (RFC 8628 manner): request → pending → approve/deny → one pick-up

  private async requestAccess(req: IncomingMessage, body: Body): Promise<Body> {
    const wait = this.accessRequests.take(req.socket.remoteAddress ?? '');
    if (wait !== undefined) throw tooMany('too many access requests from this address', wait);
    const pending = [...this.state.requests.values()].filter((r) => r.status === 'pending').length;
    if (pending >= MAX_PENDING_REQUESTS) throw tooMany('too many pending access requests', 60);
    const scopes = this.scopesFrom(body.scope ?? body.scopes, true)!;
    const ttl = body.ttl_seconds ?? DEFAULT_REQUEST_TTL;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_REQUEST_TTL) {
      throw new HttpError(400, 'invalid_request', `ttl_seconds must be an integer from 1 to ${MAX_REQUEST_TTL}`);
    }
    const environment = body.environment ?? 'test';
    if (environment !== 'live' && environment !== 'test') throw new HttpError(400, 'invalid_request', 'environment must be "live" or "test"');
    if (typeof body.requester !== 'string' || !body.requester || body.requester.length > 200) {
      throw new HttpError(400, 'invalid_request', 'requester (who or what asks, e.g. "agent:claude") is required');
    }
    const secret = newRequestSecret();
    const request: AccessRequestRecord = {
      id: newId('areq'),
      requester: body.requester,
      reason: typeof body.reason === 'string' ? body.reason.slice(0, 1000) : '',
      scopes,
      environment,
      ttl_seconds: ttl,
      status: 'pending',
      created_at: new Date(this.now()).toISOString(),
      expires_at: new Date(this.now() + ACCESS_REQUEST_EXPIRY * 1000).toISOString(),
      user_code: newUserCode(),
      secret_hash: sha256(secret),
    };
    this.state.requests.set(request.id, request);
    this.event('access_requested', `requester:${request.requester}`, { request_id: request.id }, { scopes, ttl_seconds: ttl });
    await this.state.persist();
    const verification = `${this.origin}/approve`;
    return {
      ...requestView(request),
      request_secret: secret,
      poll_url: `${this.origin}/v1/access-requests/${request.id}`,
      verification_uri: verification,
      verification_uri_complete: `${verification}?user_code=${encodeURIComponent(request.user_code!)}`,
      interval: POLL_INTERVAL_SECONDS,
      expires_in: ACCESS_REQUEST_EXPIRY,
    };
  }

  /** Approvers list requests (`?status=pending`) with management authentication. */
  private listRequests(req: IncomingMessage, query: URLSearchParams): Body {
    this.authorize(req, 'read');
    const status = query.get('status');
    const all = [...this.state.requests.values()].map((r) => requestView(r, this.requestExpired(r))).filter((r) => !status || r.status === status);
    const { page, next_cursor } = paginate(all, query);
    return { requests: page, next_cursor };
  }

  private requestExpired(r: AccessRequestRecord): boolean {
    return r.status === 'pending' && r.expires_at !== undefined && Date.parse(r.expires_at) <= this.now();
  }

  private async decide(req: IncomingMessage, id: string, to: 'approved' | 'denied', body: Body): Promise<Body> {
    const actor = this.authorize(req, 'admin');
    const r = this.state.requests.get(id);
    if (!r) throw new HttpError(404, 'not_found', `no access request ${id}`);
    if (this.requestExpired(r)) throw new HttpError(409, 'conflict', `access request ${id} has expired`);
    if (r.status !== 'pending') throw new HttpError(409, 'conflict', `access request ${id} is already ${r.status}`);
    if (to === 'approved') {
      // The approver may grant less than asked, never more.
      const scopes = this.scopesFrom(body.scope ?? body.scopes, false) ?? r.scopes;
      if (!isNarrowerOrEqual(scopes, r.scopes, REFERENCE_SCOPES)) throw new HttpError(400, 'invalid_scope', 'approval cannot grant more than was requested');
      if (body.ttl_seconds !== undefined) {
        if (typeof body.ttl_seconds !== 'number' || !Number.isInteger(body.ttl_seconds) || body.ttl_seconds < 1 || body.ttl_seconds > r.ttl_seconds) {
          throw new HttpError(400, 'invalid_request', `ttl_seconds must be an integer from 1 to the requested ${r.ttl_seconds}`);
        }
        r.ttl_seconds = body.ttl_seconds;
      }
      r.scopes = scopes;
    }
    r.status = to;
    r.decided_at = new Date(this.now()).toISOString();
    this.event(to === 'approved' ? 'access_approved' : 'access_denied', actor, { request_id: id }, { scopes: r.scopes, ttl_seconds: r.ttl_seconds });
    await this.state.persist();
    return requestView(r);
  }

  /**
   * The requester polls with its request secret, as an RFC 8628 device polls the token endpoint:
   * 400 authorization_pending / slow_down / access_denied / expired_token until approved, then
   * the credential exactly once (it is minted at that moment, so its value is never stored, and
   * its lifetime counts from the approval); later polls get 400 invalid_grant. Approvers (with
   * management authentication) read the request instead.
   */
  private async pickUp(req: IncomingMessage, id: string): Promise<Body> {
    const r = this.state.requests.get(id);
    const token = bearer(req);
    const isRequester = r !== undefined && token !== undefined && secretEquals(sha256(token), r.secret_hash);
    if (!isRequester) {
      this.authorize(req, 'read');
      if (!r) throw new HttpError(404, 'not_found', `no access request ${id}`);
      return requestView(r, this.requestExpired(r));
    }
    if (r.status === 'pending') {
      if (this.requestExpired(r)) throw new HttpError(400, 'expired_token', 'the access request expired before anyone approved it');
      const last = this.lastPoll.get(r.id);
      this.lastPoll.set(r.id, this.now());
      if (last !== undefined && this.now() - last < POLL_INTERVAL_SECONDS * 1000) {
        throw new HttpError(400, 'slow_down', `poll at most every ${POLL_INTERVAL_SECONDS} seconds`);
      }
      throw new HttpError(400, 'authorization_pending', 'not approved yet; poll again after the interval');
    }
    if (r.status === 'denied') throw new HttpError(400, 'access_denied', 'the access request was denied');
    if (r.status === 'delivered') throw new HttpError(400, 'invalid_grant', 'the credential was already picked up');
    const expiresAt = Date.parse(r.decided_at!) + r.ttl_seconds * 1000;
    if (expiresAt <= this.now()) throw new HttpError(400, 'expired_token', 'the approved credential expired before it was picked up');
    const { record, value } = this.mint({
      name: `access request ${r.id} (${r.requester})`,
      scopes: r.scopes,
      environment: r.environment,
      expires_at: new Date(expiresAt).toISOString(),
      created_by: `access_request:${r.id}`,
    });
    r.status = 'delivered';
    r.credential_id = record.id;
    this.lastPoll.delete(r.id);
    this.event('created', `requester:${r.requester}`, { credential_id: record.id, request_id: r.id }, { scopes: r.scopes, expires_at: record.expires_at });
    await this.state.persist();
    return { ...requestView(r), credential: { ...view(record), value } };
  }

  /** verification_uri: where a person lands with a user code; approval itself is a management call. */
  private verificationPage(res: ServerResponse, query: URLSearchParams): void {
    const code = query.get('user_code') ?? '';
    const r = [...this.state.requests.values()].find((x) => x.user_code === code.toUpperCase());
    const text = r
      ? `Access request ${r.user_code} (${r.status}). Approve it with POST ${this.origin}/v1/access-requests/${r.id}/approve using management authentication.\n`
      : 'Enter the user code shown by the requester: /approve?user_code=XXXX-XXXX\n';
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(text);
  }

  // ---- the token endpoint: client credentials (management access tokens) and token exchange

  private async token(req: IncomingMessage, body: Body): Promise<Body> {
    if (body.grant_type === CLIENT_CREDENTIALS) return this.clientCredentials(req, body);
    if (body.grant_type === TOKEN_EXCHANGE) return this.exchange(body);
    throw new HttpError(400, 'unsupported_grant_type', `grant_type must be ${CLIENT_CREDENTIALS} or ${TOKEN_EXCHANGE}`);
  }

  /**
   * RFC 6749 4.4: the client is a credential (client_id = its id, client_secret = its value)
   * holding the management scope; it gets a short-lived access token with the scopes asked for,
   * never more than it holds. client_secret_basic or client_secret_post.
   */
  private async clientCredentials(req: IncomingMessage, body: Body): Promise<Body> {
    let clientId: string | undefined;
    let secret: string | undefined;
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        clientId = decodeURIComponent(decoded.slice(0, colon));
        secret = decodeURIComponent(decoded.slice(colon + 1));
      }
    } else if (typeof body.client_id === 'string' && typeof body.client_secret === 'string') {
      clientId = body.client_id;
      secret = body.client_secret;
    }
    const client = secret !== undefined ? this.state.byHash.get(sha256(secret)) : undefined;
    if (!client || client.id !== clientId || !this.isActive(client) || client.derived_from) {
      throw new HttpError(401, 'invalid_client', 'client authentication failed', { 'www-authenticate': 'Basic realm="credctl-issuer"' });
    }
    const scopes = this.scopesFrom(body.scope, false) ?? client.scopes;
    if (!isNarrowerOrEqual(scopes, client.scopes, REFERENCE_SCOPES)) throw new HttpError(400, 'invalid_scope', 'an access token cannot be wider than its client');
    const { record, value, expires } = this.derive(client, scopes, ACCESS_TOKEN_TTL, `client_credentials:${client.id}`);
    this.event('created', `credential:${client.id}`, { credential_id: record.id }, { scopes, derived_from: client.id, grant: CLIENT_CREDENTIALS });
    await this.state.persist();
    return { access_token: value, token_type: 'Bearer', expires_in: Math.round((expires - this.now()) / 1000), scope: scopes.join(' ') };
  }

  /** RFC 8693 token exchange for down-scoping: never wider, never longer-lived than the subject. */
  private async exchange(body: Body): Promise<Body> {
    if (typeof body.subject_token !== 'string') throw new HttpError(400, 'invalid_request', 'subject_token is required');
    if (typeof body.subject_token_type !== 'string' || !SUBJECT_TOKEN_TYPES.includes(body.subject_token_type)) {
      throw new HttpError(400, 'invalid_request', `subject_token_type is required: ${SUBJECT_TOKEN_TYPES.join(' or ')}`);
    }
    const parent = this.state.byHash.get(sha256(body.subject_token));
    if (!parent || !this.isActive(parent)) throw new HttpError(400, 'invalid_grant', 'subject_token is not an active credential');
    const scopes = this.scopesFrom(body.scope, false) ?? parent.scopes;
    if (!isNarrowerOrEqual(scopes, parent.scopes, REFERENCE_SCOPES))
      throw new HttpError(400, 'invalid_scope', 'an exchanged credential cannot be wider than its subject');
    const asked = Number(body.ttl_seconds);
    const ttl = Number.isInteger(asked) && asked > 0 ? Math.min(asked, MAX_REQUEST_TTL) : DEFAULT_REQUEST_TTL;
    const { record, value, expires } = this.derive(parent, scopes, ttl, `token_exchange:${parent.id}`);
    this.event('created', `credential:${parent.id}`, { credential_id: record.id }, { scopes, derived_from: parent.id });
    await this.state.persist();
    return {
      access_token: value,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: Math.round((expires - this.now()) / 1000),
      scope: scopes.join(' '),
      credential_id: record.id,
    };
  }

  /** A child credential that expires no later than its parent and stops working when it does. */
  private derive(parent: CredentialRecord, scopes: string[], ttlSeconds: number, createdBy: string) {
    let expires = this.now() + ttlSeconds * 1000;
    if (parent.expires_at) expires = Math.min(expires, Date.parse(parent.expires_at));
    const minted = this.mint({
      name: `derived from ${parent.id}`,
      scopes,
      environment: parent.environment,
      expires_at: new Date(expires).toISOString(),
      created_by: createdBy,
      derived_from: parent.id,
    });
    return { ...minted, expires };
  }

  // ---- leaks and security events

  /**
   * Anyone who finds a key may report it, without credentials (GitHub's credential revocation
   * API is the precedent). The answer is the same whatever was sent, so it cannot be used to
   * test keys; a known active key is revoked and the report recorded.
   */
  private async leakReport(req: IncomingMessage, body: Body): Promise<Body> {
    const wait = this.leakReports.take(req.socket.remoteAddress ?? '');
    if (wait !== undefined) throw tooMany('too many leak reports from this address', wait);
    const tokens = typeof body.token === 'string' ? [body.token] : Array.isArray(body.tokens) ? body.tokens : undefined;
    if (!tokens || tokens.length === 0 || tokens.length > 100 || !tokens.every((t) => typeof t === 'string' && t.length <= 1000)) {
      throw new HttpError(400, 'invalid_request', 'give token (a string) or tokens (1 to 100 strings)');
    }
    const source = typeof body.source_url === 'string' ? body.source_url.slice(0, 2000) : undefined;
    let changed = false;
    for (const token of tokens as string[]) {
      const c = this.state.byHash.get(sha256(token));
      if (!c || c.status === 'revoked') continue;
      changed = true;
      c.status = 'revoked';
      c.revoked_at = new Date(this.now()).toISOString();
      this.event('compromise_reported', 'leak_report', { credential_id: c.id }, source ? { source_url: source } : undefined);
      this.event('revoked', 'leak_report', { credential_id: c.id }, { reason: 'compromise_reported' });
    }
    if (changed) await this.state.persist();
    return { received: tokens.length };
  }

  /** RFC 8936 poll: `{ack?, maxEvents?}` → `{sets: {jti: SET}, moreAvailable}`. */
  private async pollSets(receiver: string, body: Body): Promise<Body> {
    const ack = Array.isArray(body.ack) ? body.ack.filter((a): a is string => typeof a === 'string') : [];
    const max = Number.isInteger(body.maxEvents) && (body.maxEvents as number) >= 0 ? Math.min(body.maxEvents as number, 1000) : 100;
    const pending = this.signing;
    this.signing = [];
    await Promise.all(pending);
    return this.sets.poll(receiver, ack, max);
  }

  // ---- the protected API ------------------------------------------------------------------

  private whoami(req: IncomingMessage): Body {
    const c = this.requireCredential(req);
    return { id: c.id, name: c.name, scopes: c.scopes, environment: c.environment, expires_at: c.expires_at };
  }

  private readEvents(req: IncomingMessage): Body {
    const c = this.requireCredential(req, 'events:read');
    return { events: this.appEvents[c.environment] };
  }

  private writeEvent(req: IncomingMessage, body: Body): Body {
    const c = this.requireCredential(req, 'events:write');
    if (typeof body.type !== 'string' || !body.type) throw new HttpError(400, 'invalid_request', 'type is required');
    const event = { id: newId('ev'), type: body.type.slice(0, 200), data: body.data ?? null, at: new Date(this.now()).toISOString(), by: c.id };
    const list = this.appEvents[c.environment];
    list.push(event);
    if (list.length > EVENTS_KEPT) list.splice(0, list.length - EVENTS_KEPT);
    return { id: event.id };
  }
}

/** What the issuer shows about a credential: never the value, never its hash. */
function view(c: CredentialRecord, active?: boolean): Body & { status: string; environment: string } {
  const expired = active === false && c.status === 'active';
  return {
    id: c.id,
    name: c.name,
    scopes: c.scopes,
    environment: c.environment,
    status: expired ? 'expired' : c.status,
    hint: c.hint,
    created_at: c.created_at,
    expires_at: c.expires_at,
    created_by: c.created_by,
    ...(c.rotated_from ? { rotated_from: c.rotated_from } : {}),
    ...(c.derived_from ? { derived_from: c.derived_from } : {}),
    ...(c.deactivated_at ? { deactivated_at: c.deactivated_at } : {}),
    ...(c.revoked_at ? { revoked_at: c.revoked_at } : {}),
    ...(c.last_used_at ? { last_used_at: c.last_used_at } : {}),
  };
}

function requestView(r: AccessRequestRecord, expired = false): Body {
  const { secret_hash: _secret, ...rest } = r;
  return expired ? { ...rest, status: 'expired' } : rest;
}

/** Audit actions that are CAEP credential-change events, and their change_type. */
const CHANGE_TYPES: Record<string, 'create' | 'revoke' | 'update'> = {
  created: 'create',
  rotated: 'update',
  scoped: 'update',
  deactivated: 'update',
  reactivated: 'update',
  expiry_shortened: 'update',
  revoked: 'revoke',
};

function bearer(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Body)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A JSON object or an application/x-www-form-urlencoded body (RFC 7662/7009 clients send forms). */
async function readBody(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'invalid_request', `request body over ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid_request', 'body is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new HttpError(400, 'invalid_request', 'body must be a JSON object');
  return parsed as Body;
}
