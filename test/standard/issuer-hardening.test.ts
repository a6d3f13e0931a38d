import { chmodSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startIssuer } from '../../src/issuer/server.js';

// From the review of the 0.2 reference issuer: token grants are rate-limited per address (each
// mints a token and rewrites the state), and the SET signing key stays owner-only across restarts.
describe('reference issuer hardening', () => {
  it('answers 429 with Retry-After once an address has asked the token endpoint too often', async () => {
    const issuer = await startIssuer({ port: 0, dataDir: mkdtempSync(join(tmpdir(), 'credctl-issuer-')), rateLimitPerMinute: 1 });
    try {
      const ask = () =>
        fetch(`${issuer.url}/v1/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials&client_id=FAKE&client_secret=FAKE',
        });
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 11; i++) {
        const r = await ask();
        await r.arrayBuffer();
        statuses.push(r.status);
        if (r.status === 429) retryAfter = r.headers.get('retry-after');
      }
      expect(statuses.slice(0, 10).every((s) => s !== 429)).toBe(true);
      expect(statuses[10]).toBe(429);
      expect(Number(retryAfter)).toBeGreaterThan(0);
    } finally {
      await issuer.close();
    }
  });

  it('keeps the SET signing key owner-only, also when a restored copy came back readable', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'credctl-issuer-'));
    const key = join(dataDir, 'set-signing-key.jwk');
    await (await startIssuer({ port: 0, dataDir })).close();
    chmodSync(key, 0o644);
    await (await startIssuer({ port: 0, dataDir })).close();
    expect(statSync(key).mode & 0o777).toBe(0o600);
  });
});
