import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * Fault injection shared by the local vendor API servers.
 *
 *   server.injectFault({ kind: 'status', status: 500 })                  next request → 500
 *   server.injectFault({ kind: 'hang', count: 2 })                        next 2 requests never answered
 *   server.injectFault({ kind: 'reset', match: { method: 'PUT' } })       next PUT: connection destroyed
 *   server.injectFault({ kind: 'malformed', match: { path: /public-key/ } })  truncated JSON body, status 200
 *   server.injectFault({ kind: 'reset', phase: 'after' })                 request is APPLIED, then the
 *                                                                          connection is reset (lost reply)
 *
 * `phase: 'before'` (default) fails the request without touching state; `phase: 'after'` lets the
 * request change state and then loses or garbles the answer: the case a client must resume from.
 * Faults are consumed in order; `count` defaults to 1; `match.path` is a substring or RegExp of the
 * request path (query included).
 */
export type FaultKind = 'status' | 'hang' | 'reset' | 'malformed';

export interface FaultSpec {
  kind: FaultKind;
  /** For kind 'status': the status to answer (default 500). */
  status?: number;
  count?: number;
  phase?: 'before' | 'after';
  match?: { method?: string; path?: string | RegExp };
}

interface ActiveFault extends FaultSpec {
  remaining: number;
}

export class FaultQueue {
  private faults: ActiveFault[] = [];

  push(spec: FaultSpec): void {
    this.faults.push({ ...spec, remaining: spec.count ?? 1 });
  }

  clear(): void {
    this.faults = [];
  }

  get pending(): number {
    return this.faults.reduce((n, f) => n + f.remaining, 0);
  }

  /** Takes the first fault matching this request and phase, if any. */
  take(req: IncomingMessage, phase: 'before' | 'after'): FaultSpec | undefined {
    const path = req.url ?? '';
    const i = this.faults.findIndex((f) => {
      if ((f.phase ?? 'before') !== phase || f.remaining <= 0) return false;
      if (f.match?.method && f.match.method.toUpperCase() !== req.method) return false;
      const p = f.match?.path;
      if (p !== undefined && !(typeof p === 'string' ? path.includes(p) : p.test(path))) return false;
      return true;
    });
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    f.remaining--;
    if (f.remaining <= 0) this.faults.splice(i, 1);
    return f;
  }
}

/** Carry out a fault on the response. Returns true when the response was handled (or abandoned). */
export function applyFault(fault: FaultSpec, req: IncomingMessage, res: ServerResponse, hung: Set<ServerResponse>): void {
  switch (fault.kind) {
    case 'status': {
      const status = fault.status ?? 500;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `injected fault ${status}`, error: { code: 'injected', message: `injected fault ${status}` } }));
      return;
    }
    case 'hang':
      hung.add(res);
      return;
    case 'reset':
      req.socket.destroy();
      return;
    case 'malformed':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"key_id": "01234", "ke');
      return;
  }
}

export function readBody(req: IncomingMessage, limit = 1 << 20): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number | 'fault';
  /** The Authorization header as sent, so tests can check which token was used. */
  authorization?: string;
}

export interface HandledResponse {
  status: number;
  body?: unknown;
}

/**
 * The request loop both vendor stand-ins share: record the request, apply a 'before' fault or
 * run the handler, then apply an 'after' fault (state already changed, answer lost) or answer
 * with the handler's JSON. A handler that throws is the vendor's 500, in the vendor's shape.
 */
export function serveWithFaults(
  handle: (req: IncomingMessage) => Promise<HandledResponse>,
  options: { faults: FaultQueue; hung: Set<ServerResponse>; requests: RecordedRequest[]; serverError: unknown },
): (req: IncomingMessage, res: ServerResponse) => void {
  const send = (res: ServerResponse, status: number, body: unknown) => {
    if (body === undefined) {
      res.writeHead(status);
      res.end();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  return (req, res) => {
    const record: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', status: 'fault', authorization: req.headers.authorization };
    options.requests.push(record);
    const before = options.faults.take(req, 'before');
    if (before) {
      applyFault(before, req, res, options.hung);
      return;
    }
    handle(req).then(
      (out) => {
        const after = options.faults.take(req, 'after');
        if (after) {
          applyFault(after, req, res, options.hung);
          return;
        }
        record.status = out.status;
        send(res, out.status, out.body);
      },
      () => {
        record.status = 500;
        send(res, 500, options.serverError);
      },
    );
  };
}

/** Stop a stand-in: drop the connections a 'hang' fault holds open, then close the server. */
export async function closeStandIn(server: Server, hung: Set<ServerResponse>): Promise<void> {
  for (const r of hung) r.destroy();
  hung.clear();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
