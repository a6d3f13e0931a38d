import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { applyFault, FaultQueue, readBody, type FaultSpec } from '../../src/demo/vendors/faults.js';

/**
 * A transparent reverse proxy on 127.0.0.1 that injects faults (see faults.ts) between credctl
 * and a real upstream server, e.g. the reference issuer. It rewrites the upstream origin to its
 * own in response bodies, so a manifest fetched through it names the proxy as the issuer.
 *
 *   const proxy = await startFaultProxy(issuer.url);
 *   proxy.injectFault({ kind: 'status', status: 503, count: 2, match: { path: '/v1/credentials' } });
 */
export interface FaultProxy {
  url: string;
  injectFault(spec: FaultSpec): void;
  /** Requests seen, in order: method, path and what happened. */
  log: { method: string; path: string; outcome: string }[];
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const up = new URL(upstream);
  const faults = new FaultQueue();
  const hung = new Set<ServerResponse>();
  const log: FaultProxy['log'] = [];
  let self = '';

  const forward = async (req: IncomingMessage, res: ServerResponse, body: string, after?: FaultSpec) => {
    const upReq = request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: { ...req.headers, host: up.host } }, (upRes) => {
      const chunks: Buffer[] = [];
      upRes.on('data', (c: Buffer) => chunks.push(c));
      upRes.on('end', () => {
        if (after) {
          log.push({ method: req.method!, path: req.url!, outcome: `applied, then ${after.kind}` });
          applyFault(after, req, res, hung);
          return;
        }
        const text = Buffer.concat(chunks).toString('utf8').split(up.origin).join(self);
        const headers = { ...upRes.headers };
        delete headers['content-length'];
        delete headers.etag;
        res.writeHead(upRes.statusCode ?? 502, headers);
        res.end(text);
        log.push({ method: req.method!, path: req.url!, outcome: String(upRes.statusCode) });
      });
    });
    upReq.on('error', () => res.destroy());
    upReq.end(body);
  };

  const server = createServer(async (req, res) => {
    const body = await readBody(req).catch(() => '');
    const before = faults.take(req, 'before');
    if (before) {
      log.push({ method: req.method!, path: req.url!, outcome: `fault ${before.kind}${before.status ? ` ${before.status}` : ''}` });
      applyFault(before, req, res, hung);
      return;
    }
    await forward(req, res, body, faults.take(req, 'after'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  self = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: self,
    injectFault: (spec) => faults.push(spec),
    log,
    close: () =>
      new Promise((resolve) => {
        for (const r of hung) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
