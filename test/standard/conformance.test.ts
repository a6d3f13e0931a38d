import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuer, type RunningIssuer } from '../../src/issuer/server.js';
import { profileLine, runConformance } from '../../src/integrations/standard/conformance.js';
import { brokenIssuer, parse } from './broken/proxy.js';

let dataDir: string;
let issuer: RunningIssuer;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'credctl-conf-'));
  issuer = await startIssuer({ port: 0, dataDir, rateLimitPerMinute: 10_000 });
});
afterAll(async () => {
  await issuer.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A proxy in front of the reference issuer that can misbehave in one chosen way. */
async function proxy(mutate: (path: string, body: string) => string): Promise<{ url: string; close: () => Promise<void> }> {
  let self = '';
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = { ...req.headers } as Record<string, string>;
    delete headers.host;
    const up = await request(issuer.url + req.url, { method: req.method as 'GET', headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
    const text = (await up.body.text()).split(issuer.url).join(self);
    const out = mutate(req.url ?? '', text);
    const h = { ...up.headers } as Record<string, string>;
    delete h['content-length'];
    res.writeHead(up.statusCode, h);
    res.end(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: self, close: () => new Promise((r) => server.close(() => r())) };
}

describe('conformance suite', () => {
  it('passes every check against the reference issuer and revokes what it created', async () => {
    const report = await runConformance(issuer.url, { adminToken: issuer.adminToken });
    const failed = report.checks.filter((c) => c.status !== 'pass');
    expect(failed).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.checks.length).toBeGreaterThanOrEqual(27);
    const list = await request(`${issuer.url}/v1/credentials?status=active`, { headers: { authorization: `Bearer ${issuer.adminToken}` } });
    const body = (await list.body.json()) as { credentials: { name: string }[] };
    expect(body.credentials.filter((c) => c.name === 'conformance')).toEqual([]);
  });

  it('skips management checks without an admin token, saying so, but still checks the documents and 401s', async () => {
    const report = await runConformance(issuer.url);
    expect(report.passed).toBe(true);
    const skipped = report.checks.filter((c) => c.status === 'skip');
    expect(skipped.length).toBeGreaterThanOrEqual(12);
    for (const c of skipped) expect(c.detail, c.name).toBe('needs --admin-token-file');
    expect(report.checks.find((c) => c.name.startsWith('manifest validates'))?.status).toBe('pass');
    expect(report.checks.find((c) => c.name.startsWith('every 401'))?.status).toBe('pass');
  });

  it('reports a profile: every module of the reference passes; a manifest without a module says "not offered"', async () => {
    const report = await runConformance(issuer.url, { adminToken: issuer.adminToken });
    expect(profileLine(report.profile)).toBe(
      'core: pass, rotation: pass, deactivation: pass, access-requests: pass, exchange: pass, audit: pass, events: pass, leak-report: pass',
    );
    const p = await proxy((path, body) => {
      if (path !== '/.well-known/credential-issuer' || !body) return body;
      const m = JSON.parse(body) as Record<string, unknown>;
      delete m.events_endpoint;
      delete m.conformance_profile;
      return JSON.stringify(m);
    });
    const partial = await runConformance(p.url, { adminToken: issuer.adminToken });
    await p.close();
    expect(partial.profile.events).toBe('not offered');
    expect(partial.profile.core).toBe('pass');
    expect(partial.checks.find((c) => c.module === 'events')).toMatchObject({ status: 'skip', detail: 'not offered by the manifest' });
  });

  it('fails an issuer whose list leaks credential values', async () => {
    let lastValue = '';
    const p = await proxy((path, body) => {
      const m = /"value":"(ccx_[A-Za-z0-9_]+)"/.exec(body);
      if (m) lastValue = m[1]!;
      if (path.startsWith('/v1/credentials') && !path.includes('/', 16) && lastValue)
        return body.replace('"credentials":[', `"credentials":[{"id":"x","leak":"${lastValue}"},`);
      return body;
    });
    const report = await runConformance(p.url, { adminToken: issuer.adminToken });
    await p.close();
    expect(report.passed).toBe(false);
    const leak = report.checks.find((c) => c.name === 'list never returns values')!;
    expect(leak.status).toBe('fail');
    expect(leak.detail).toMatch(/contains \d credential value/);
    expect(JSON.stringify(report)).not.toContain(lastValue);
  });

  it('fails an issuer whose manifest names another origin', async () => {
    const p = await proxy((path, body) =>
      path === '/.well-known/credential-issuer' ? body.replace(/"issuer": "[^"]+"/, '"issuer": "https://elsewhere.example"') : body,
    );
    const report = await runConformance(p.url, { adminToken: issuer.adminToken });
    await p.close();
    expect(report.passed).toBe(false);
    expect(report.checks.find((c) => c.name.startsWith('issuer equals'))?.status).toBe('fail');
  });

  it('tests a path-based issuer (RFC 8414 3.1) at /.well-known/credential-issuer/<path>, and fails one that names the bare origin', async () => {
    const tenant = (issuerSuffix: string) =>
      brokenIssuer(issuer.url, {
        request: async (req, forward) => {
          if (req.path === '/.well-known/credential-issuer')
            return { status: 404, headers: { 'content-type': 'application/json' }, body: '{"error":"not_found"}' };
          if (req.path !== '/.well-known/credential-issuer/eu/acme') return undefined;
          const res = await forward({ ...req, path: '/.well-known/credential-issuer', headers: {} });
          const m = parse(res.body);
          // The reference signs its SETs as the bare origin, which this stand-in tenant cannot re-sign: no events here.
          const { events_endpoint: _e, conformance_profile: _p, ...rest } = m;
          return { ...res, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...rest, issuer: `${m.issuer}${issuerSuffix}` }) };
        },
      });
    const good = await tenant('/eu/acme');
    const report = await runConformance(`${good.url}/eu/acme`, { adminToken: issuer.adminToken });
    await good.close();
    expect(report.issuer).toBe(`${good.url}/eu/acme`);
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    const bad = await tenant('');
    const wrong = await runConformance(`${bad.url}/eu/acme/`, { adminToken: issuer.adminToken });
    await bad.close();
    expect(wrong.checks.find((c) => c.name.startsWith('issuer equals'))?.status).toBe('fail');
  });
});
