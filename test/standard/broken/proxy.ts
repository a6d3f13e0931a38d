import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

/**
 * A deliberately broken issuer: a proxy in front of the reference issuer that breaks exactly one
 * behaviour, chosen by its hooks. Everything else is the reference's (its origin rewritten to the
 * proxy's), so a failing conformance run shows the suite noticed that one behaviour.
 */
export interface Exchange {
  method: string;
  /** Path and query, e.g. /v1/credentials/cred_x/rotate. */
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface Breakage {
  /** Change the request before it goes upstream, or answer it here. */
  request?: (req: Exchange, forward: (r: Exchange) => Promise<Reply>) => Promise<Reply | Exchange | undefined> | Reply | Exchange | undefined;
  /** Change the upstream answer. */
  response?: (req: Exchange, res: Reply) => Reply | undefined;
}

export interface BrokenIssuer {
  url: string;
  /** Every secret that passed through (values, access tokens, request secrets): canaries for the report. */
  secrets: Set<string>;
  close(): Promise<void>;
}

export async function brokenIssuer(upstream: string, breakage: Breakage): Promise<BrokenIssuer> {
  let self = '';
  const secrets = new Set<string>();
  const forward = async (r: Exchange): Promise<Reply> => {
    const headers = { ...r.headers };
    delete headers.host;
    delete headers['content-length'];
    const body = r.body.split(self).join(upstream);
    const up = await request(upstream + r.path, { method: r.method as 'GET', headers, body: body.length ? body : undefined });
    const text = (await up.body.text()).split(upstream).join(self);
    for (const m of text.matchAll(/"(?:value|access_token|request_secret)":"([^"]+)"/g)) secrets.add(m[1]!);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(up.headers))
      if (typeof v === 'string' && k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') out[k] = v;
    return { status: up.statusCode, headers: out, body: text };
  };
  const server: Server = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      let ex: Exchange = { method: req.method ?? 'GET', path: req.url ?? '/', headers, body: Buffer.concat(chunks).toString('utf8') };
      let reply: Reply | undefined;
      const changed = await breakage.request?.(ex, forward);
      if (changed && 'status' in changed) reply = changed;
      else if (changed) ex = changed;
      reply ??= await forward(ex);
      reply = breakage.response?.(ex, reply) ?? reply;
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body);
    } catch (err) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(err));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: self,
    secrets,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** JSON helpers for hooks. */
export const parse = (text: string): Record<string, unknown> => {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
