/**
 * The safe client at its edges, beyond http.test.ts: without CREDCTL_OFFLINE a name is looked up
 * (the loopback-only rule is for the demo and the test suite alone), a Retry-After that is not a
 * finite number of seconds is not waited on, and a server that never completes the TCP handshake
 * is a connection timeout (exit 5, transient), not a hang until the total deadline, and one
 * that drops the connection while a body is sent is a closed connection, worth another try.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { CredctlError } from '../../src/core/errors.js';
import { isTransientNetworkError, SafeHttp } from '../../src/net/http.js';

let server: Server;
let base: string;
let hits = 0;
const clients: SafeHttp[] = [];
const client = (opts: ConstructorParameters<typeof SafeHttp>[0] = {}) => {
  const c = new SafeHttp(opts);
  clients.push(c);
  return c;
};
async function failure(p: Promise<unknown>): Promise<CredctlError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CredctlError);
  return e as CredctlError;
}

beforeAll(async () => {
  server = createServer((_req, res) => (++hits === 1 ? res.writeHead(503, { 'retry-after': 'Infinity' }).end() : res.end('fine')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  vi.restoreAllMocks();
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

it('without CREDCTL_OFFLINE=1 a name is looked up, not refused as offline', async () => {
  const was = process.env.CREDCTL_OFFLINE;
  process.env.CREDCTL_OFFLINE = '0';
  try {
    const e = await failure(client().request('https://credctl-no-such-host.invalid/v1'));
    expect(e.message).toContain('credctl-no-such-host.invalid');
    expect(e.message).not.toContain('CREDCTL_OFFLINE');
  } finally {
    process.env.CREDCTL_OFFLINE = was;
  }
});

it('a Retry-After of Infinity is not waited on (it is no number of seconds)', async () => {
  hits = 0;
  const timers = vi.spyOn(globalThis, 'setTimeout');
  expect((await client().request(`${base}/r`, { retry: { attempts: 2, backoffMs: 1 } })).status).toBe(200);
  expect(hits).toBe(2);
  // The retry waits its 1 ms backoff; the 5 s cap on Retry-After is never slept (other timers are undici's own).
  expect(timers.mock.calls.map((c) => c[1] ?? 0).filter((ms) => ms >= 4000)).toEqual([]);
});

it('a server that never answers the TLS handshake is a connection timeout: exit 5, transient', async () => {
  // It accepts the TCP connection and then says nothing, so the TLS handshake never completes.
  const sockets: Socket[] = [];
  const silent = createTcpServer((socket) => sockets.push(socket.on('error', () => {})));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as AddressInfo).port;
  try {
    const e = await failure(client({ connectTimeoutMs: 300, timeoutMs: 10_000 }).request(`https://127.0.0.1:${port}/x`));
    expect(e).toMatchObject({ exitCode: 5, message: `GET https://127.0.0.1:${port}/x: connection timed out` });
    expect(isTransientNetworkError(e)).toBe(true);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((r) => silent.close(r));
  }
}, 20_000);

it('a server that drops the connection while a large body is being sent is a closed connection: exit 5, transient', async () => {
  // The write after the server closed fails with EPIPE on loopback.
  const dropping = createTcpServer((socket) => {
    socket.on('error', () => {});
    socket.destroy();
  });
  await new Promise<void>((r) => dropping.listen(0, '127.0.0.1', r));
  const port = (dropping.address() as AddressInfo).port;
  try {
    const e = await failure(client().request(`http://127.0.0.1:${port}/upload`, { method: 'POST', body: 'x'.repeat(8 * 1024 * 1024) }));
    expect(e).toMatchObject({ exitCode: 5, message: `POST http://127.0.0.1:${port}/upload: connection closed by the server` });
    expect(isTransientNetworkError(e)).toBe(true);
  } finally {
    await new Promise((r) => dropping.close(r));
  }
});
