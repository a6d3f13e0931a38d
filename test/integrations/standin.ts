/**
 * The frame every vendor stand-in is built on: a real HTTP server on 127.0.0.1 (port 0) that
 * records each request, parses its body (JSON or form), and can be told to misbehave the way
 * the vendor does: an error status with the vendor's own error body, a rate limit with its
 * headers, a body that is not JSON, a hang. Each stand-in (test/integrations/<id>/standin.ts)
 * supplies the routes, the auth rules and `errorBody(status, message)` in the vendor's shape,
 * from the vendor's published API reference.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Raw body text. */
  text: string;
  /** JSON body, or the form fields of an urlencoded body, or undefined. */
  body: any;
}

export interface StandInAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send this text as is (a non-JSON body). */
  raw?: string;
}

export type Misbehaviour = { kind: 'status'; status: number; message?: string; headers?: Record<string, string> } | { kind: 'malformed' } | { kind: 'hang' };

export interface StandIn {
  url: string;
  /** Every request received, in order (method, path, headers). */
  requests: StandInRequest[];
  /** The next `count` requests (matching `path` when given) misbehave. */
  misbehave(m: Misbehaviour, opts?: { count?: number; path?: string | RegExp }): void;
  close(): Promise<void>;
}

export interface StandInSpec {
  /** Routes and auth: answer one request. Throwing answers 500 with errorBody. */
  handle(req: StandInRequest): StandInAnswer | Promise<StandInAnswer>;
  /** The vendor's error body for a status (used for injected errors and thrown handlers). */
  errorBody(status: number, message: string): unknown;
  /** Headers the vendor sends with a 429 (Retry-After, X-RateLimit-*). */
  rateLimitHeaders?: Record<string, string>;
}

export async function startStandIn(spec: StandInSpec): Promise<StandIn> {
  const requests: StandInRequest[] = [];
  const queue: { m: Misbehaviour; left: number; path?: string | RegExp }[] = [];
  const hung = new Set<ServerResponse>();

  const send = (res: ServerResponse, a: StandInAnswer) => {
    if (a.raw !== undefined) {
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(a.raw);
      return;
    }
    if (a.body === undefined) {
      res.writeHead(a.status, a.headers);
      res.end();
      return;
    }
    res.writeHead(a.status, { 'content-type': 'application/json; charset=utf-8', ...a.headers });
    res.end(JSON.stringify(a.body));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: any;
      const type = req.headers['content-type'] ?? '';
      if (text && type.includes('json')) {
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
      } else if (text && type.includes('x-www-form-urlencoded')) {
        body = Object.fromEntries(new URLSearchParams(text));
      }
      const r: StandInRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, text, body };
      requests.push(r);
      const i = queue.findIndex((q) => !q.path || (typeof q.path === 'string' ? r.path.includes(q.path) : q.path.test(r.path)));
      if (i >= 0) {
        const q = queue[i]!;
        if (--q.left <= 0) queue.splice(i, 1);
        if (q.m.kind === 'hang') {
          hung.add(res);
          return;
        }
        if (q.m.kind === 'malformed') {
          send(res, { status: 200, raw: '{"ok": tru' });
          return;
        }
        const headers = { ...(q.m.status === 429 ? (spec.rateLimitHeaders ?? { 'retry-after': '0' }) : {}), ...q.m.headers };
        send(res, { status: q.m.status, body: spec.errorBody(q.m.status, q.m.message ?? `injected ${q.m.status}`), headers });
        return;
      }
      Promise.resolve()
        .then(() => spec.handle(r))
        .then(
          (a) => send(res, a),
          (err) => send(res, { status: 500, body: spec.errorBody(500, (err as Error).message) }),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    misbehave(m, opts = {}) {
      queue.push({ m, left: opts.count ?? 1, path: opts.path });
    },
    async close() {
      for (const r of hung) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The bearer token of a request, or undefined. */
export function bearerOf(req: StandInRequest): string | undefined {
  const h = req.headers.authorization;
  return typeof h === 'string' && /^bearer /i.test(h) ? h.slice(7).trim() : undefined;
}

/** The user and password of an HTTP Basic request, or undefined. */
export function basicOf(req: StandInRequest): { user: string; password: string } | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string' || !/^basic /i.test(h)) return undefined;
  const text = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const at = text.indexOf(':');
  return at < 0 ? undefined : { user: text.slice(0, at), password: text.slice(at + 1) };
}
