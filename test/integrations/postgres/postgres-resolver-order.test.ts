import { createServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startRefusingServer, type RefusingServer } from './refusing-server.js';

// verify tries the first address the system's resolver gives, in the resolver's own order (which
// follows the system's address preferences, RFC 6724): it does not reorder IPv4 first. The name
// below stands for a host with both kinds of address; the resolver is replaced for it only, and
// answers as Node's does: in its own order when asked for `verbatim`, IPv4 first otherwise.
const BOTH = 'both-families.fake.test';
vi.mock('node:dns/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:dns/promises')>();
  const lookup = (async (host: string, opts: { all?: boolean; verbatim?: boolean }) => {
    if (host !== BOTH) return real.lookup(host, opts as never);
    const v6First = [
      { address: '::1', family: 6 },
      { address: '127.0.0.1', family: 4 },
    ];
    return opts.verbatim ? v6First : [...v6First].reverse();
  }) as typeof real.lookup;
  return { ...real, lookup, default: { ...real, lookup } };
});

const { default: postgres } = await import('../../../src/integrations/postgres/index.js');

async function ipv6Loopback(): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(0, '::1', () => probe.close(() => resolve(true)));
  });
}
const hasIpv6 = await ipv6Loopback();

let server: RefusingServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('the address verify tries', () => {
  it.skipIf(!hasIpv6)("is the resolver's first, here IPv6 loopback, where the server listens", async () => {
    server = await startRefusingServer('::1', '28P01', 'password authentication failed for user "app"');
    const v = await postgres.verify!({ value: `postgres://app:FAKEpgPw0123@${BOTH}:${server.port}/app` }, {} as never);
    expect(v).toMatchObject({ status: 'dead', reason: 'the server refuses it' });
    expect(server.connections).toBe(1);
  });
});
