import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { discover } from '../../src/integrations/standard/discover.js';
import { startIssuer, type RunningIssuer } from '../../src/issuer/server.js';

/** A real local server whose behaviour each test sets. */
type Handler = (req: IncomingMessage, res: ServerResponse, origin: string) => void;
let handler: Handler = (_req, res) => res.end();
let server: Server;
let origin: string;
const sockets = new Set<import('node:net').Socket>();

const manifestFor = (o: string, extra: Record<string, unknown> = {}) => ({
  issuer: o,
  supported_operations: ['discover', 'create', 'revoke'],
  ...extra,
});

function json(res: ServerResponse, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

beforeAll(async () => {
  server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => handler(req, res, origin));
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  for (const s of sockets) s.destroy();
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

const opts = { timeoutMs: 1500, permissions: false } as const;

describe('discover: good manifests', () => {
  let issuer: RunningIssuer;
  let dataDir: string;
  let cacheDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'credctl-disc-'));
    cacheDir = mkdtempSync(join(tmpdir(), 'credctl-cache-'));
    issuer = await startIssuer({ port: 0, dataDir });
  });
  afterAll(async () => {
    await issuer.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('reads the reference issuer, its permissions, and revalidates from the ETag cache', async () => {
    const first = await discover(issuer.url, { cacheDir });
    expect(first.manifest.issuer).toBe(issuer.url);
    expect(first.manifest.supported_operations).toContain('rotate');
    expect(first.permissions?.scopes.map((s) => s.name)).toContain('events:read');
    expect(first.fromCache).toBe(false);
    const second = await discover(issuer.url, { cacheDir });
    expect(second.fromCache).toBe(true);
    expect(second.manifest).toEqual(first.manifest);
  });

  it('sends If-None-Match and follows a same-origin redirect', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'credctl-cache-'));
    const seen: (string | undefined)[] = [];
    handler = (req, res, o) => {
      if (req.url === '/.well-known/credential-issuer') {
        res.writeHead(302, { location: '/v2/manifest.json' });
        return res.end();
      }
      seen.push(req.headers['if-none-match'] as string | undefined);
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304);
        return res.end();
      }
      json(res, manifestFor(o), { etag: '"v1"' });
    };
    expect((await discover(origin, { ...opts, cacheDir: cache })).fromCache).toBe(false);
    expect((await discover(origin, { ...opts, cacheDir: cache })).fromCache).toBe(true);
    expect(seen).toEqual([undefined, '"v1"']);
    rmSync(cache, { recursive: true, force: true });
  });
});

describe('discover: the permission schema', () => {
  it('is fetched only from the issuer origin (found in review: any origin got a GET on every scan)', async () => {
    let fetched = 0;
    handler = (req, res, o) => {
      if (req.url !== '/.well-known/credential-issuer') fetched++;
      json(res, manifestFor(o, { permission_schema_url: 'http://localhost:9/perm.json' }));
    };
    const err = await discover(origin, { timeoutMs: 1500 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 5, message: expect.stringMatching(/permission_schema_url is on another origin than the issuer .*not fetched/) });
    expect(fetched).toBe(0);
  });
});

describe('discover: bad manifests give one clear error and a documented exit code', () => {
  const cases: [string, Handler, number, RegExp][] = [
    ['malformed JSON', (_q, res) => json(res, '{"issuer": "x",'), 3, /not valid JSON/],
    ['a JSON array', (_q, res) => json(res, '[]'), 3, /must be a JSON object, not array/],
    [
      'wrong types',
      (_q, res, o) => json(res, manifestFor(o, { supported_operations: 'create', supports_rotation: 'yes' })),
      3,
      /supported_operations: must be array, not string.*supports_rotation: must be boolean, not string/,
    ],
    [
      'an unknown operation',
      (_q, res, o) => json(res, manifestFor(o, { supported_operations: ['discover', 'create', 'revoke', 'rotat'] })),
      3,
      /supported_operations\[3\]: unknown operation "rotat"/,
    ],
    ['a missing issuer', (_q, res) => json(res, { supported_operations: [] }), 3, /missing required field "issuer"/],
    [
      'an issuer that is not the origin',
      (_q, res) => json(res, manifestFor('https://evil.example')),
      3,
      /issuer "https:\/\/evil.example" does not equal the origin it was fetched from/,
    ],
    [
      'an invalid credential pattern',
      (_q, res, o) => json(res, manifestFor(o, { credential_patterns: [{ name: 'x', regex: '([' }] })),
      3,
      /credential_patterns\[0\]\.regex: not a valid regular expression/,
    ],
    [
      'a non-JSON content type',
      (_q, res, o) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(JSON.stringify(manifestFor(o)));
      },
      5,
      /content type "text\/html", expected application\/json/,
    ],
    [
      'HTTP 500',
      (_q, res) => {
        res.writeHead(500);
        res.end('oops');
      },
      5,
      /HTTP 500, expected 200/,
    ],
    [
      'HTTP 404',
      (_q, res) => {
        res.writeHead(404);
        res.end();
      },
      5,
      /HTTP 404/,
    ],
    [
      'an oversized declared body',
      (_q, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(5 * 1024 * 1024) });
        res.write('{');
      },
      5,
      /exceeds the 262144-byte limit/,
    ],
    [
      'an endless body',
      (_q, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(16 * 1024, 0x20);
        const pump = () => {
          while (res.write(chunk)) {
            /* fill */
          }
          res.once('drain', pump);
        };
        res.write('{"issuer":');
        pump();
      },
      5,
      /exceeds the 262144-byte limit; aborted/,
    ],
    [
      'huge headers',
      (_q, res, o) => {
        res.writeHead(200, { 'content-type': 'application/json', 'x-junk': 'a'.repeat(40 * 1024) });
        res.end(JSON.stringify(manifestFor(o)));
      },
      5,
      /headers too large/,
    ],
    [
      'a server that never answers',
      () => {
        /* hold the request open */
      },
      5,
      /timed out/,
    ],
    [
      'a body that drips past the deadline',
      (_q, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const timer = setInterval(() => res.write(' '), 200);
        res.on('close', () => clearInterval(timer));
      },
      5,
      /timed out/,
    ],
    [
      'a redirect to another origin',
      (_q, res) => {
        res.writeHead(301, { location: 'http://127.0.0.2:1/.well-known/credential-issuer' });
        res.end();
      },
      6,
      /redirects to another origin \(http:\/\/127\.0\.0\.2:1\); refused/,
    ],
    [
      'a redirect loop',
      (_q, res) => {
        res.writeHead(302, { location: '/.well-known/credential-issuer' });
        res.end();
      },
      5,
      /more than 3 redirects/,
    ],
  ];

  for (const [name, h, code, message] of cases) {
    it(`${name} → exit ${code}`, async () => {
      handler = h;
      const err = (await discover(origin, opts).catch((e: unknown) => e)) as { exitCode: number; message: string };
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toMatch(message);
      expect(err.exitCode).toBe(code);
      expect(err.message).not.toContain('\n');
    });
  }
});

describe('discover: refused addresses (never contacted)', () => {
  // The resolver stands in for DNS so a name can point anywhere without a real lookup.
  const fakeDns = (table: Record<string, string[]>) => async (host: string) => table[host] ?? [];
  const refused: [string, RegExp, Record<string, string[]>?][] = [
    ['http://example.com', /plain http is refused except for loopback/],
    ['https://169.254.169.254', /cloud metadata address/],
    ['https://169.254.10.1', /link-local address/],
    ['https://[fe80::1]', /link-local address/],
    ['https://[fd00:ec2::254]', /cloud metadata address/],
    ['https://[::ffff:169.254.169.254]', /cloud metadata address/],
    ['https://metadata.google.internal', /cloud metadata host/],
    [
      'https://sneaky.example.test',
      /resolves to 169\.254\.169\.254, a cloud metadata address/,
      { 'sneaky.example.test': ['93.184.216.34', '169.254.169.254'] },
    ],
    ['http://localhost:9', /resolves to 10\.0\.0\.1, a private \(RFC 1918\) address; refused/, { localhost: ['10.0.0.1'] }],
    ['ftp://127.0.0.1', /only https URLs are allowed/],
  ];
  for (const [url, message, table] of refused) {
    it(`${url} → exit 6`, async () => {
      let asked = false;
      const err = (await discover(url, {
        ...opts,
        resolve: async (h) => {
          asked = true;
          return fakeDns(table ?? {})(h);
        },
      }).catch((e: unknown) => e)) as { exitCode: number; message: string };
      expect(err.message).toMatch(message);
      expect(err.exitCode).toBe(6);
      if (!table) expect(asked).toBe(false);
    });
  }
});
