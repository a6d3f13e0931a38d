import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isTransientNetworkError, originOf, SafeHttp } from '../../src/net/http.js';

// The one HTTP client: what it refuses before connecting, what it follows, how much it reads,
// what it retries, and how each network failure reads (one phrase, exit 5, never a value).

const FAKE = 'sk_test_FAKE0123456789abcdefFAKE';

type Handler = (req: IncomingMessage, res: ServerResponse, hits: number) => void;
let handler: Handler = (_req, res) => res.end('ok');
let hits = 0;
let server: Server;
let base: string;
let port: number;
const clients: SafeHttp[] = [];
const client = (opts: ConstructorParameters<typeof SafeHttp>[0] = {}) => {
  const c = new SafeHttp(opts);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  server = createHttpServer((req, res) => {
    hits++;
    handler(req, res, hits);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  hits = 0;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const failure = async (p: Promise<unknown>) =>
  (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as { exitCode?: number; message: string; hint?: string; transient?: boolean };

describe('refused before any connection (exit 6)', () => {
  const noDns = { resolve: async (): Promise<string[]> => Promise.reject(new Error('no DNS wanted')) };

  it('a scheme other than https (or http to loopback)', async () => {
    for (const url of ['ftp://127.0.0.1/', 'file:///etc/passwd', 'gopher://127.0.0.1/']) {
      const e = await failure(client(noDns).request(url));
      expect(e).toMatchObject({ exitCode: 6, message: expect.stringContaining('only https URLs are allowed') });
    }
  });

  it('plain http to anything but loopback, by name or by what the name resolves to', async () => {
    expect(await failure(client(noDns).request('http://example.test/'))).toMatchObject({
      exitCode: 6,
      message: 'http://example.test: plain http is refused except for loopback; use https',
    });
    expect(await failure(client({ resolve: async () => ['127.0.0.1', '8.8.8.8'] }).request('http://api.localhost/'))).toMatchObject({
      exitCode: 6,
      message: 'http://api.localhost: api.localhost resolves to 8.8.8.8, not loopback; plain http refused',
    });
  });

  it('a cloud metadata host name', async () => {
    expect(await failure(client(noDns).request('https://metadata.google.internal/computeMetadata/v1/'))).toMatchObject({
      exitCode: 6,
      message: 'https://metadata.google.internal: refusing a cloud metadata host',
    });
  });

  it('a name resolving to a blocked address, naming the name, the address and why', async () => {
    expect(await failure(client({ resolve: async () => ['8.8.8.8', '169.254.169.254'] }).request('https://api.example.test/x'))).toMatchObject({
      exitCode: 6,
      message: 'https://api.example.test: api.example.test resolves to 169.254.169.254, a cloud metadata address; refused',
    });
    expect(await failure(client(noDns).request('https://169.254.169.254/'))).toMatchObject({
      message: 'https://169.254.169.254: 169.254.169.254, a cloud metadata address; refused',
    });
  });

  it('a private address unless its origin was trusted; trusted, it goes on to connect', async () => {
    const resolve = async () => ['10.0.0.7'];
    expect(await failure(client({ resolve }).request('https://db.example.test/'))).toMatchObject({
      exitCode: 6,
      message: 'https://db.example.test: db.example.test resolves to 10.0.0.7, a private (RFC 1918) address; refused',
      hint: expect.stringContaining('credctl trust'),
    });
    // Another origin on the same host is not the trusted one.
    expect((await failure(client({ resolve, trustedOrigins: ['https://db.example.test:8443'] }).request('https://db.example.test/'))).exitCode).toBe(6);
    // Trusted, the guard lets it through; the test suite runs with CREDCTL_OFFLINE=1, which then
    // stops it before connecting (loopback only), so that is the refusal seen here.
    const e = await failure(client({ resolve, trustedOrigins: ['https://db.example.test/any/path', 'not a url'] }).request('https://db.example.test/'));
    expect(e).toMatchObject({ exitCode: 6, message: 'https://db.example.test: not contacted (CREDCTL_OFFLINE=1: loopback only)' });
  });

  it('an unparsable URL or redirect target', async () => {
    expect(await failure(client().request('not a url'))).toMatchObject({ exitCode: 6, message: 'not a valid URL: "not a url"' });
  });
});

describe('CREDCTL_OFFLINE=1 (the demo and the test suite): loopback only', () => {
  it('a name is refused before any DNS query, unless the caller resolves names itself', async () => {
    expect(process.env.CREDCTL_OFFLINE).toBe('1');
    expect(await failure(client().request('https://api.example.test/v1'))).toMatchObject({
      exitCode: 6,
      message: 'https://api.example.test: not contacted (CREDCTL_OFFLINE=1: loopback only)',
    });
    // localhost names and literal addresses are judged as usual.
    handler = (_req, res) => res.end('here');
    expect((await client().request(`http://localhost:${port}/`)).body.toString()).toBe('here');
  });

  it('a name that resolves to loopback and elsewhere is refused', async () => {
    expect(await failure(client({ resolve: async () => ['127.0.0.1', '8.8.8.8'] }).request('https://mixed.example.test/'))).toMatchObject({
      exitCode: 6,
      message: 'https://mixed.example.test: not contacted (CREDCTL_OFFLINE=1: loopback only)',
    });
  });
});

describe('DNS', () => {
  it('a name that does not resolve, or resolves to nothing, is exit 5 and says which', async () => {
    const fails = client({
      resolve: async () => {
        throw Object.assign(new Error('queryA ENOTFOUND'), { code: 'ENOTFOUND' });
      },
    });
    expect(await failure(fails.request('https://nowhere.example.test/'))).toMatchObject({
      exitCode: 5,
      message: 'https://nowhere.example.test: cannot resolve nowhere.example.test (ENOTFOUND)',
    });
    expect(await failure(client({ resolve: async () => [] }).request('https://empty.example.test/'))).toMatchObject({
      exitCode: 5,
      message: 'https://empty.example.test: empty.example.test has no address',
    });
  });

  it('the connection goes only to the address that was checked, whatever the name', async () => {
    handler = (req, res) => res.end(`host=${req.headers.host}`);
    const asked: string[] = [];
    const http = client({
      resolve: async (name) => {
        asked.push(name);
        return ['127.0.0.1'];
      },
    });
    const r = await http.request(`http://api.localhost:${port}/who`);
    await http.request(`http://API.localhost:${port}/again`);
    expect(r.body.toString()).toBe(`host=api.localhost:${port}`);
    // Checked once per origin: the second call reuses the pinned connection.
    expect(asked).toEqual(['api.localhost']);
  });
});

describe('answers', () => {
  it('status, headers (repeated ones joined), body and the final URL', async () => {
    handler = (_req, res) => {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.writeHead(201, { 'x-one': 'v' });
      res.end('{"ok":true}');
    };
    const r = await client().request(`${base}/create`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(r).toMatchObject({ status: 201, url: `${base}/create` });
    expect(r.headers['x-one']).toBe('v');
    expect(r.headers['set-cookie']).toBe('a=1, b=2');
    expect(r.body.toString()).toBe('{"ok":true}');
  });

  it('a body over the limit is refused, whether declared or streamed, and not read whole', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': '2048' });
      res.end('x'.repeat(2048));
    };
    expect(await failure(client({ maxBodyBytes: 1024 }).request(`${base}/declared`))).toMatchObject({
      exitCode: 5,
      message: `GET ${base}/declared: response of 2048 bytes exceeds the 1024-byte limit`,
    });
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('x'.repeat(1000));
      res.end('y'.repeat(1000));
    };
    expect(await failure(client({ maxBodyBytes: 1024 }).request(`${base}/streamed`))).toMatchObject({
      exitCode: 5,
      message: `GET ${base}/streamed: response exceeds the 1024-byte limit; aborted`,
    });
    handler = (_req, res) => res.end('x'.repeat(1024));
    expect((await client({ maxBodyBytes: 1024 }).request(`${base}/exact`)).body.length).toBe(1024);
  });
});

describe('redirects', () => {
  it('same-origin redirects are followed, a few at most', async () => {
    handler = (req, res) => {
      const n = Number(req.url!.slice(1));
      if (n < 3) res.writeHead(302, { location: `/${n + 1}` }).end();
      else res.end(`at ${n}`);
    };
    const r = await client().request(`${base}/0`);
    expect(r.body.toString()).toBe('at 3');
    expect(r.url).toBe(`${base}/3`);
    expect(await failure(client({ maxRedirects: 2 }).request(`${base}/0`))).toMatchObject({ exitCode: 5, message: `${base}/2: more than 2 redirects` });
  });

  it('a redirect to another origin is refused (exit 6), and nothing is sent there', async () => {
    handler = (_req, res) => res.writeHead(307, { location: 'http://127.0.0.2:1/steal' }).end();
    expect(await failure(client().request(`${base}/go`, { headers: { authorization: `Bearer ${FAKE}` } }))).toMatchObject({
      exitCode: 6,
      message: `${base}/go redirects to another origin (http://127.0.0.2:1); refused`,
    });
  });

  it('a GET redirect without a Location names the method', async () => {
    handler = (_req, res) => res.writeHead(302).end();
    expect(await failure(client().request(`${base}/r`))).toMatchObject({ exitCode: 5, message: `GET ${base}/r: HTTP 302 redirect without a Location` });
  });

  it('a redirect without a Location is exit 5', async () => {
    for (const status of [301, 302, 303, 307, 308]) {
      handler = (_req, res) => res.writeHead(status).end();
      expect(await failure(client().request(`${base}/r`, { method: 'PUT', body: 'x' }))).toMatchObject({
        exitCode: 5,
        message: `PUT ${base}/r: HTTP ${status} redirect without a Location`,
      });
    }
  });
});

describe('retries, only when asked', () => {
  it('a 503 then a 200 is a 200 when retrying; without retry the 503 is the answer', async () => {
    handler = (_req, res, n) => (n === 1 ? res.writeHead(503).end('busy') : res.end('fine'));
    const retried = await client().request(`${base}/r`, { retry: { attempts: 3, backoffMs: 1 } });
    expect([retried.status, retried.body.toString(), hits]).toEqual([200, 'fine', 2]);
    hits = 0;
    const once = await client().request(`${base}/r`);
    expect([once.status, hits]).toEqual([503, 1]);
  });

  it('after the last attempt the last transient answer is returned with its body (not thrown)', async () => {
    handler = (_req, res) => res.writeHead(429, { 'retry-after': '0' }).end('{"error":"slow down"}');
    const r = await client().request(`${base}/limited`, { retry: { attempts: 3, backoffMs: 1 } });
    expect([r.status, r.body.toString(), hits]).toEqual([429, '{"error":"slow down"}', 3]);
  });

  it('a 500 is retried too', async () => {
    handler = (_req, res, n) => (n === 1 ? res.writeHead(500).end() : res.end('fine'));
    expect((await client().request(`${base}/r`, { retry: { attempts: 2, backoffMs: 1 } })).status).toBe(200);
  });

  it('Retry-After is honoured, in seconds or as a date, and capped', async () => {
    for (const after of ['1', () => new Date(Date.now() + 1500).toUTCString()]) {
      hits = 0;
      handler = (_req, res, n) => (n === 1 ? res.writeHead(503, { 'retry-after': typeof after === 'string' ? after : after() }).end() : res.end('fine'));
      const started = Date.now();
      const r = await client().request(`${base}/r`, { retry: { attempts: 2, backoffMs: 1 } });
      expect(r.status).toBe(200);
      // Waited what the server asked (an HTTP date has whole seconds), not the 1 ms backoff.
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    }
    // A server asking for an hour, or for nothing sensible, is not waited on that long.
    for (const after of ['3600', 'soon', '0', '-5']) {
      hits = 0;
      handler = (_req, res, n) => (n === 1 ? res.writeHead(429, { 'retry-after': after }).end() : res.end('fine'));
      const started = Date.now();
      expect((await client().request(`${base}/r`, { retry: { attempts: 2, backoffMs: 1 } })).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(after === '3600' ? 6_000 : 1_000);
    }
  }, 20_000);

  it('a 4xx other than 429 is an answer, not retried', async () => {
    handler = (_req, res) => res.writeHead(401).end();
    expect((await client().request(`${base}/x`, { retry: { attempts: 3, backoffMs: 1 } })).status).toBe(401);
    expect(hits).toBe(1);
  });

  it('a refused connection is retried, then reported as exit 5 and transient', async () => {
    const closed = await closedPort();
    const e = await failure(client().request(`http://127.0.0.1:${closed}/x`, { retry: { attempts: 2, backoffMs: 1 } }));
    expect(e).toMatchObject({ exitCode: 5, message: `GET http://127.0.0.1:${closed}/x: connection refused (is the server running?)` });
    expect(isTransientNetworkError(e)).toBe(true);
  });

  it('a refusal of ours is never retried', async () => {
    let resolved = 0;
    const http = client({
      resolve: async () => {
        resolved++;
        return ['169.254.169.254'];
      },
    });
    expect((await failure(http.request('https://x.example.test/', { retry: { attempts: 5, backoffMs: 1 } }))).exitCode).toBe(6);
    expect(resolved).toBe(1);
  });
});

describe('network failures read as one phrase, exit 5', () => {
  it('no answer in time', async () => {
    handler = () => undefined; // never answers
    const e = await failure(client({ timeoutMs: 150 }).request(`${base}/slow`));
    expect(e).toMatchObject({ exitCode: 5, message: `GET ${base}/slow: no complete answer within 150 ms (timed out)` });
    expect(isTransientNetworkError(e)).toBe(true);
  });

  it('the server closing the connection', async () => {
    handler = (req) => req.socket.destroy();
    const e = await failure(client().request(`${base}/reset`));
    expect(e).toMatchObject({ exitCode: 5, message: `GET ${base}/reset: connection closed by the server` });
    expect(isTransientNetworkError(e)).toBe(true);
  });

  it('headers too large, and a response that is not HTTP', async () => {
    handler = (_req, res) => res.writeHead(200, { 'x-big': 'a'.repeat(20 * 1024) }).end();
    const big = await failure(client().request(`${base}/big`));
    expect(big).toMatchObject({ exitCode: 5, message: `GET ${base}/big: response headers too large; refusing to read them` });
    expect(isTransientNetworkError(big)).toBe(false);
    for (const reply of ['NOT HTTP AT ALL\r\n\r\n', 'HTTP/1.1 200 OK\r\nBad Header\r\n\r\n', 'HTTP/1.1 abc OK\r\n\r\n']) {
      const garbage = await rawServer((s) => s.end(reply));
      const e = await failure(client().request(`http://127.0.0.1:${garbage.port}/`));
      expect(e).toMatchObject({ exitCode: 5, message: `GET http://127.0.0.1:${garbage.port}/: malformed HTTP response` });
      expect(isTransientNetworkError(e)).toBe(false);
      await garbage.close();
    }
  });

  it('a connection reset by the server', async () => {
    const rst = await rawServer((s) => s.resetAndDestroy());
    const e = await failure(client().request(`http://127.0.0.1:${rst.port}/x`));
    expect(e).toMatchObject({ exitCode: 5, message: `GET http://127.0.0.1:${rst.port}/x: connection closed by the server` });
    expect(isTransientNetworkError(e)).toBe(true);
    await rst.close();
  });

  it('any other failure keeps its own words', async () => {
    const e = await failure(client().request(`${base}/x`, { headers: { 'x-bad': 'line\nbreak' } }));
    expect(e.exitCode).toBe(5);
    expect(e.message).toMatch(new RegExp(`^GET ${base}/x: .*header`, 'i'));
  });

  it('the values the caller names never appear in an error', async () => {
    const closed = await closedPort();
    const e = await failure(client().request(`http://127.0.0.1:${closed}/keys/${FAKE}`, { secrets: [FAKE] }));
    expect(e.message).not.toContain(FAKE);
    const r = await failure(client().request(`http://127.0.0.1:${closed}/keys/${FAKE}`, { secrets: [FAKE], retry: { attempts: 2, backoffMs: 1 } }));
    expect(r.message).not.toContain(FAKE);
  });
});

it('a request names no method: it is a GET', async () => {
  let method = '';
  handler = (req, res) => {
    method = req.method!;
    res.end();
  };
  await client().request(`${base}/m`);
  expect(method).toBe('GET');
});

it('an unparsable URL is quoted, cut to 200 characters', async () => {
  const e = await failure(client().request(`not a url ${'x'.repeat(1000)}`));
  expect(e.exitCode).toBe(6);
  expect(e.message.length).toBeLessThan(240);
});

it('close() ends the connections it kept open', async () => {
  handler = (_req, res) => res.end('ok');
  const closed: Promise<void>[] = [];
  const onConnection = (socket: Socket) => closed.push(new Promise((r) => socket.once('close', () => r())));
  server.on('connection', onConnection);
  const http = new SafeHttp();
  await http.request(`${base}/keep`);
  await http.close();
  // Closed by the client now, not by the server's keep-alive timeout (5 s) later.
  const outcome = await Promise.race([Promise.all(closed).then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open'), 2_000))]);
  server.off('connection', onConnection);
  expect(outcome).toBe('closed');
  expect(closed.length).toBe(1);
});

it('isTransientNetworkError: only errors marked transient', () => {
  expect(isTransientNetworkError(undefined)).toBe(false);
  expect(isTransientNetworkError(new Error('x'))).toBe(false);
  expect(isTransientNetworkError(Object.assign(new Error('x'), { transient: true }))).toBe(true);
});

it('originOf: the origin of a URL, or undefined', () => {
  expect(originOf('https://api.example.test:8443/v1/x?y')).toBe('https://api.example.test:8443');
  expect(originOf('nope')).toBeUndefined();
});

async function closedPort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

async function rawServer(onConnect: (s: Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const s: TcpServer = createTcpServer((sock) => sock.once('data', () => onConnect(sock)));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { port: (s.address() as AddressInfo).port, close: () => new Promise((r) => s.close(() => r())) };
}
