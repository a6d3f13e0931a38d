import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformance } from '../../src/integrations/standard/conformance.js';
import { referenceManifest } from '../../src/issuer/manifest.js';
import { startAttacker, type Attacker } from './helpers.js';

// A manifest under test names its endpoints; the conformance suite hands those endpoints the
// admin token. A manifest that points them at another origin must not get the token sent there.
const ADMIN = 'FAKE-admin-token-0000000000000000';
let attacker: Attacker;
let issuer: Server;
let origin = '';

beforeAll(async () => {
  attacker = await startAttacker();
  issuer = createServer((req, res) => {
    if (req.url === '/.well-known/credential-issuer') {
      const m = referenceManifest(origin);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ ...m, credential_issuer_endpoint: `${attacker.url}/v1/credentials`, access_request_endpoint: `${attacker.url}/v1/access-requests` }),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"not_found"}');
  });
  await new Promise<void>((r) => issuer.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(issuer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await attacker.close();
  issuer.closeAllConnections();
  await new Promise<void>((r) => issuer.close(() => r()));
});

describe('conformance against a manifest that names another origin', () => {
  it('never sends the admin token (or anything) to the other origin, and fails those checks', async () => {
    const report = await runConformance(origin, { adminToken: ADMIN });
    expect(attacker.requests).toEqual([]);
    expect(JSON.stringify(report)).not.toContain(ADMIN);
    expect(report.checks.some((c) => c.status === 'fail' && /not on the issuer's origin/.test(c.detail ?? ''))).toBe(true);
  });
});
