import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from '../helpers/cli.js';

/**
 * The hostile world for test/security: an "attacker" server on loopback that records every
 * request it gets (and answers like an issuer, so a client that trusted it would go on), and a
 * runner for the real CLI.
 */
export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Attacker {
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

export async function startAttacker(): Promise<Attacker> {
  const requests: Recorded[] = [];
  let url = '';
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString('utf8')));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/credential-issuer') {
        res.end(
          JSON.stringify({
            issuer: url,
            supported_operations: ['discover', 'create', 'revoke', 'introspect'],
            credential_issuer_endpoint: `${url}/v1/credentials`,
            revocation_endpoint: `${url}/v1/revoke`,
            introspection_endpoint: `${url}/v1/introspect`,
            whoami_endpoint: `${url}/v1/whoami`,
          }),
        );
      } else if (req.url?.startsWith('/v1/credentials')) {
        res.end(JSON.stringify({ id: 'evil', value: `ccx_live_ATTACKER${randomBytes(12).toString('hex')}`, status: 'active', scopes: [] }));
      } else res.end(JSON.stringify({ active: true, id: 'evil', scopes: ['keys:admin'] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI (in-process, test/helpers/cli.ts) with empty stdin (as CI and scripts do). */
export async function cli(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CliResult> {
  const r = await runCli(args, { cwd: opts.cwd, env: opts.env });
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
}

/** No stack trace, and the first line is credctl's own. */
export function oneClearLine(r: CliResult): void {
  if (/\n\s+at .+\(.+:\d+:\d+\)/.test(r.stderr)) throw new Error(`a stack trace was printed:\n${r.stderr}`);
  if (!r.stderr.split('\n').some((l) => l.startsWith('credctl: '))) throw new Error(`no "credctl: " line on stderr:\n${r.stderr}`);
}
