import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { usageError } from '../core/errors.js';
import * as io from '../core/io.js';
import { AccessRequests } from './access-requests.js';
import { CredentialOps } from './credentials.js';
import { IssuerCore, view, type Body } from './issuer-core.js';
import { sha256 } from './keys.js';
import { referenceManifest, referencePermissions } from './manifest.js';
import { HttpError, problemBody } from './problem.js';
import { ProtectedApi } from './protected-api.js';
import { RateLimiter } from './rate-limit.js';
import { SecurityEvents } from './security-events.js';
import { Signals } from './signals.js';
import { IssuerState } from './state.js';
import { TokenEndpoint } from './token-endpoint.js';

export { REFERENCE_ACCOUNT } from './manifest.js';

/**
 * The reference credential issuer: every operation of spec/credential-issuer.md on node:http,
 * plus a tiny protected API (/v1/whoami, /v1/events) that enforces scopes and expiry so a client
 * can prove that a credential works and what it reaches.
 *
 * Reading order: startIssuer → handle (the route table) → the operation, in credentials.ts,
 * access-requests.ts, token-endpoint.ts, signals.ts or protected-api.ts (all on issuer-core.ts).
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

/** $CREDCTL_ISSUER_DATA, else the XDG data directory: $XDG_DATA_HOME/credctl/issuer (~/.local/share/credctl/issuer). */
export const defaultDataDir = (): string =>
  process.env.CREDCTL_ISSUER_DATA ?? join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'credctl', 'issuer');

const LOOPBACK_HOSTS = /^(?:127(?:\.\d{1,3}){3}|::1|localhost)$/;

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
  private readonly core: IssuerCore;
  private readonly credentials: CredentialOps;
  private readonly access: AccessRequests;
  private readonly tokens: TokenEndpoint;
  private readonly signals: Signals;
  private readonly api: ProtectedApi;

  constructor(
    state: IssuerState,
    private readonly origin: string,
    sets: SecurityEvents,
    rateLimitPerMinute: number,
  ) {
    this.manifest = JSON.stringify(referenceManifest(origin), null, 2);
    this.permissions = JSON.stringify(referencePermissions(origin), null, 2);
    this.core = new IssuerCore(state, origin, sets);
    this.credentials = new CredentialOps(this.core, (res, status, body, headers) => this.send(res, status, body, headers));
    this.access = new AccessRequests(this.core, new RateLimiter(rateLimitPerMinute, 60_000));
    // Token grants: a higher ceiling than leak reports (a tool's normal use), still a ceiling.
    this.tokens = new TokenEndpoint(this.core, new RateLimiter(rateLimitPerMinute * 10, 60_000));
    this.signals = new Signals(this.core, new RateLimiter(rateLimitPerMinute, 60_000));
    this.api = new ProtectedApi(this.core);
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
      if (url.pathname === '/approve') return this.access.verificationPage(res, url.searchParams);
      if (v1 !== 'v1' || rest.length) throw new HttpError(404, 'not_found', `no route ${url.pathname}`);
      const route = `${method} ${collection}${id ? '/:id' : ''}${action ? `/${action}` : ''}`;
      switch (route) {
        case 'GET whoami':
          return this.send(res, 200, this.api.whoami(req));
        case 'GET events':
          return this.send(res, 200, this.api.readEvents(req));
        case 'POST events':
          return this.send(res, 201, this.api.writeEvent(req, await readBody(req)));
        case 'POST credentials':
          return await this.credentials.create(req, res, await readBody(req));
        case 'GET credentials':
          return this.send(res, 200, this.credentials.list(req, url.searchParams));
        case 'GET credentials/:id':
          this.core.authorize(req, 'read');
          return this.send(res, 200, view(this.core.find(id)));
        case 'POST credentials/:id/rotate':
          return await this.credentials.rotate(req, res, id, await readBody(req));
        case 'POST credentials/:id/scope':
          return this.send(res, 200, await this.credentials.scope(req, id, await readBody(req)));
        case 'POST credentials/:id/revoke':
          return this.send(res, 200, await this.credentials.setStatus(req, id, 'revoked'));
        case 'POST credentials/:id/deactivate':
          return this.send(res, 200, await this.credentials.setStatus(req, id, 'deactivated'));
        case 'POST credentials/:id/reactivate':
          return this.send(res, 200, await this.credentials.setStatus(req, id, 'active'));
        case 'GET credentials/:id/events':
          this.core.authorize(req, 'read');
          this.core.find(id);
          return this.send(res, 200, this.credentials.audit(url.searchParams, id));
        case 'GET jwks':
          return this.send(res, 200, this.core.sets.jwks, { 'cache-control': 'public, max-age=300' });
        case 'POST security-events':
          return this.send(res, 200, await this.signals.pollSets(this.core.receiverOf(req), await readBody(req)));
        case 'POST leak-reports':
          return this.send(res, 202, await this.signals.leakReport(req, await readBody(req)));
        case 'POST introspect':
          return this.send(res, 200, this.credentials.introspect(req, await readBody(req)));
        case 'POST revoke':
          return this.send(res, 200, await this.credentials.revokeByToken(req, await readBody(req)));
        case 'GET audit':
          this.core.authorize(req, 'read');
          return this.send(res, 200, this.credentials.audit(url.searchParams));
        case 'POST access-requests':
          return this.send(res, 201, await this.access.requestAccess(req, await readBody(req)));
        case 'GET access-requests':
          return this.send(res, 200, this.access.listRequests(req, url.searchParams));
        case 'GET access-requests/:id':
          return this.send(res, 200, await this.access.pickUp(req, id));
        case 'POST access-requests/:id/approve':
          return this.send(res, 200, await this.access.decide(req, id, 'approved', await readBody(req)));
        case 'POST access-requests/:id/deny':
          return this.send(res, 200, await this.access.decide(req, id, 'denied', await readBody(req)));
        case 'POST token':
          return this.send(res, 200, await this.tokens.token(req, await readBody(req)));
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
