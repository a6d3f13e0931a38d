import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHealthCheck } from '../../src/apply/health.js';
import { startIssuer } from '../../src/issuer/server.js';
import { classifyAddress } from '../../src/net/address-policy.js';
import { SafeHttp } from '../../src/net/http.js';
import { StandardClient } from '../../src/integrations/standard/client.js';
import { startAttacker, type Attacker } from './helpers.js';

// Promise 8: every request goes through one client that refuses what a hostile URL could reach.

let attacker: Attacker;
beforeAll(async () => {
  attacker = await startAttacker();
});
afterAll(async () => {
  await attacker.close();
});

describe('the address guard', () => {
  // Each of these routes to a cloud metadata service, a link-local or an otherwise unusable address.
  const BLOCKED = [
    'http://169.254.169.254/latest/meta-data/',
    'https://169.254.169.254/',
    'https://[::ffff:169.254.169.254]/',
    'https://[::ffff:a9fe:a9fe]/',
    'https://[64:ff9b::a9fe:a9fe]/',
    'https://[::a9fe:a9fe]/',
    'https://[2002:a9fe:a9fe::1]/',
    'https://100.100.100.200/',
    'https://[fd00:ec2::254]/',
    'https://[fe80::1]/',
    'https://0.0.0.0/',
    'https://[::]/',
    'https://255.255.255.255/',
    'https://224.0.0.1/',
    'https://[2001:0:4136:e378:8000:63bf:5601:5601]/', // Teredo, its client address is 169.254.169.254 (bits inverted)
    'https://metadata.google.internal/',
  ];
  it.each(BLOCKED)('%s is refused with exit 6 before any connection', async (url) => {
    const http = new SafeHttp({
      resolve: async () => {
        throw new Error('no DNS wanted');
      },
    });
    const err = (await http.request(url).catch((e: unknown) => e)) as { exitCode?: number; message: string };
    expect(err.exitCode).toBe(6);
  });

  it('private ranges (RFC 1918, CGNAT, unique-local) are refused over https unless that origin was trusted', async () => {
    for (const a of ['10.0.0.1', '172.16.5.4', '192.168.1.1', '100.64.0.1', 'fc00::1', 'fd12:3456::1']) expect(classifyAddress(a).class).toBe('private');
    for (const url of ['https://10.0.0.1/', 'https://192.168.1.1/', 'https://[fd12:3456::1]/']) {
      const err = (await new SafeHttp().request(url).catch((e: unknown) => e)) as { exitCode?: number; message: string };
      expect(err.exitCode).toBe(6);
      expect(err.message).toMatch(/private|unique-local/);
    }
    // A name that resolves to a private address is refused the same way.
    const viaDns = new SafeHttp({ resolve: async () => ['10.1.2.3'] });
    expect(((await viaDns.request('https://internal.example.test/').catch((e: unknown) => e)) as { exitCode?: number }).exitCode).toBe(6);
    expect(classifyAddress('64:ff9b::808:808').class).toBe('public');
    expect(classifyAddress('8.8.8.8').class).toBe('public');
    expect(classifyAddress('127.0.0.2').class).toBe('loopback');
  });

  it('plain http goes only to loopback', async () => {
    const err = (await new SafeHttp({ resolve: async () => ['93.184.216.34'] }).request('http://example.test/').catch((e: unknown) => e)) as {
      exitCode?: number;
    };
    expect(err.exitCode).toBe(6);
  });
});

describe('manifests', () => {
  it('an endpoint on another origin than the issuer is refused, and the admin token never goes there', async () => {
    let issuerUrl = '';
    const server: Server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          issuer: issuerUrl,
          supported_operations: ['discover', 'create', 'revoke', 'introspect'],
          credential_issuer_endpoint: `${attacker.url}/v1/credentials`,
          revocation_endpoint: `${attacker.url}/v1/revoke`,
          introspection_endpoint: `${attacker.url}/v1/introspect`,
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    issuerUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const before = attacker.requests.length;
    const client = new StandardClient({ issuer: issuerUrl, adminToken: 'FAKE-admin-token-never-sent' });
    const err = (await client.create({ scopes: [] }).catch((e: unknown) => e)) as { exitCode?: number; message: string };
    expect(err.exitCode).toBe(6);
    expect(err.message).toMatch(/not on the issuer's origin/);
    expect(attacker.requests.length).toBe(before);
    // Trusted explicitly (credctl.yaml names that origin and the user trusted it): allowed.
    const trusting = new StandardClient({ issuer: issuerUrl, adminToken: 'FAKE-admin-token', trustedOrigins: [attacker.url] });
    await trusting.introspect('ccx_live_FAKEvalue').catch(() => undefined);
    expect(attacker.requests.length).toBe(before + 1);
    await client.close();
    await trusting.close();
    await new Promise<void>((r) => server.close(() => r()));
  });
});

describe('answers too large', () => {
  it('an HTTP health check reading a huge body fails at the size limit instead of buffering it', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      let sent = 0;
      const pump = () => {
        while (sent < 600 && res.write(chunk)) sent++;
        if (sent >= 600) res.end();
        else res.once('drain', pump);
      };
      pump();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const before = process.memoryUsage().rss;
    const r = await runHealthCheck({ http: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, retries: 0 } }, {}, []);
    expect(r.passed).toBe(false);
    expect(r.reason).toMatch(/exceeds the \d+-byte limit/);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
    server.closeAllConnections();
    await new Promise<void>((res) => server.close(() => res()));
  });
});

describe('the reference issuer against browsers', () => {
  const raw = (url: string, opts: { method?: string; headers?: Record<string, string>; body?: string }) =>
    new Promise<number>((resolve, reject) => {
      const u = new URL(url);
      const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(opts.body);
    });

  it('refuses a foreign Host (DNS rebinding), a cross-site Origin and a text/plain POST', async () => {
    const issuer = await startIssuer({ port: 0, dataDir: mkdtempSync(join(tmpdir(), 'credctl-issuer-')) });
    try {
      const auth = { authorization: `Bearer ${issuer.adminToken}` };
      expect(await raw(`${issuer.url}/.well-known/credential-issuer`, {})).toBe(200);
      expect(await raw(`${issuer.url}/.well-known/credential-issuer`, { headers: { host: `evil.example:${new URL(issuer.url).port}` } })).toBe(421);
      const body = JSON.stringify({ scope: ['events:read'] });
      expect(
        await raw(`${issuer.url}/v1/credentials`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'text/plain', 'content-length': String(body.length) },
          body,
        }),
      ).toBe(415);
      expect(
        await raw(`${issuer.url}/v1/credentials`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json', origin: 'https://evil.example', 'content-length': String(body.length) },
          body,
        }),
      ).toBe(403);
      expect(
        await raw(`${issuer.url}/v1/credentials`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json', 'content-length': String(body.length) },
          body,
        }),
      ).toBe(201);
    } finally {
      await issuer.close();
    }
  });
});
