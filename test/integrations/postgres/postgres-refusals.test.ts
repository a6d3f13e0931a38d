import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { newPassword, revokeLogin } from '../../../src/integrations/postgres/admin.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { classifyAddress } from '../../../src/net/address-policy.js';
import { contextFor, credctlRejection } from '../context.js';
import { startRefusingServer, type RefusingServer } from './refusing-server.js';

// What credctl makes of a PostgreSQL server's refusal (a stand-in server, refusing-server.ts):
// the server's words are shown without any connection URL they quote; a login attempt goes to
// an address that is neither loopback nor blocked when credctl is not offline. And the passwords
// credctl makes are drawn evenly from their alphabet. Passwords here are fake and say so.
const postgres = integrationNamed('postgres')!;
let server: RefusingServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("the admin connection's refusal", () => {
  it("shows the server's words with every connection URL in them cut, whichever scheme it is written with", async () => {
    server = await startRefusingServer(
      '127.0.0.1',
      '3D000',
      'database "shop" does not exist (asked by postgres://admin:FAKEadminPw0123@db.example/shop; see postgresql://ops:FAKEopsPw0123@db.example/ops)',
    );
    const err = await credctlRejection(revokeLogin(`postgres://admin:FAKEadminPw0123@127.0.0.1:${server.port}/shop`, 'app'));
    expect(err.exitCode).toBe(ExitCode.Remote);
    // The server's words are kept; each URL, up to the next space, is shown as postgres://….
    expect(err.message).toContain('database "shop" does not exist (asked by postgres://… see postgres://…');
    for (const secret of ['FAKEadminPw0123', 'FAKEopsPw0123', 'admin:', 'ops:']) expect(err.message).not.toContain(secret);
  });
});

/** An address of this machine that is neither loopback nor blocked (a private one), if it has one. */
function reachableNonLoopback(): string | undefined {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (!a.internal && !a.address.startsWith('fe80:') && classifyAddress(a.address).class !== 'blocked') return a.address;
  return undefined;
}
const ownAddress = reachableNonLoopback();

describe('verify when credctl is not offline', () => {
  it.skipIf(!ownAddress)('tries a private address that is not loopback, and hears its refusal', async () => {
    server = await startRefusingServer(ownAddress!, '28P01', 'password authentication failed for user "app"');
    const host = ownAddress!.includes(':') ? `[${ownAddress}]` : ownAddress!;
    const offline = process.env.CREDCTL_OFFLINE;
    delete process.env.CREDCTL_OFFLINE;
    try {
      const v = await postgres.verify!({ value: `postgres://app:FAKEpgPw0123@${host}:${server.port}/app` }, contextFor('postgres', ''));
      expect(v).toEqual({ status: 'dead', reason: 'the server refuses it', identity: { principal: 'app', kind: 'login role' } });
      expect(server.connections).toBeGreaterThan(0);
    } finally {
      process.env.CREDCTL_OFFLINE = offline;
    }
  });
});

describe('the passwords credctl makes', () => {
  it('draw every character of the base62 alphabet about equally often (no modulo bias)', () => {
    const counts = new Map<string, number>();
    const passwords = 20_000;
    for (let i = 0; i < passwords; i++) for (const c of newPassword()) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // 10,323 of each expected, with a standard deviation near 100: 5% either way is 5 deviations.
    // A byte taken modulo 62 without dropping 248..255 makes '0'..'7' about 20% more frequent.
    const expected = (passwords * 32) / 62;
    for (const [c, n] of counts) expect(Math.abs(n - expected) / expected, c).toBeLessThan(0.05);
  });
});
