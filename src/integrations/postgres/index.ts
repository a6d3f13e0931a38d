import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { refusedError } from '../../core/errors.js';
import { classifyAddress, isLoopbackAddress } from '../../net/address-policy.js';
import type { Integration, IntegrationContext, RotationProvider } from '../types.js';
import * as pg from './admin.js';

/**
 * PostgreSQL login roles, spoken to in SQL (admin.ts): there is no vendor API. The credential is
 * a connection URL (what the app reads as DATABASE_URL); its replacement is the same URL with a
 * second login role of the same group and a new password (alternating users), so the old URL
 * keeps working until revoke makes its role NOLOGIN with no password.
 *   verify   a login attempt with the URL itself
 *   rotate   alternating users, with the admin connection URL from the store
 */
function loginOf(value: string): pg.PgLogin {
  try {
    return pg.loginFromUrl(value);
  } catch {
    throw refusedError('this PostgreSQL credential is not a connection URL; rotate a bare password by hand');
  }
}

/**
 * Where a login attempt may go. The URL comes from a repository or a leak, so its host is
 * resolved and checked like any address credctl contacts (src/net/address-policy.ts): metadata,
 * link-local and reserved addresses are refused, CREDCTL_OFFLINE allows loopback only, and the
 * connection is pinned to the address checked. A socket path (`host=/…`) is not tried.
 */
async function checkedAddress(url: string): Promise<{ address: string } | { refused: string }> {
  let host: string;
  try {
    // Stryker disable next-line Regex: a URL's hostname holds brackets only around an IPv6 literal, one at each end
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return { refused: 'not a connection URL credctl can try' };
  }
  if (!host) return { refused: 'a socket connection is not tried' };
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    return { refused: `${host} does not resolve` };
  }
  for (const address of addresses) {
    const verdict = classifyAddress(address);
    if (verdict.class === 'blocked') return { refused: `not contacted: ${host} is ${address}, ${verdict.reason}` };
    if (process.env.CREDCTL_OFFLINE === '1' && !isLoopbackAddress(address)) return { refused: `${host}: not contacted (CREDCTL_OFFLINE=1: loopback only)` };
  }
  return addresses[0] ? { address: addresses[0] } : { refused: `${host} has no address` };
}

function rotationProvider(_cred: unknown, ctx: IntegrationContext): RotationProvider {
  return {
    async identify({ oldValue }) {
      return loginOf(oldValue).user;
    },
    async create({ oldValue, oldId, idempotencyKey }) {
      if (!oldValue) throw refusedError('the old connection URL is not in the store');
      const login = await pg.createReplacement(await ctx.adminSecret(), oldId ?? loginOf(oldValue).user, idempotencyKey);
      return { value: pg.withCredentials(oldValue, login), id: login.user };
    },
    async revoke({ value, id }) {
      return pg.revokeLogin(await ctx.adminSecret(), id ?? loginOf(value).user);
    },
    async isActive({ value }) {
      return pg.canLogin(value, loginOf(value));
    },
  };
}

const postgres: Integration = {
  id: 'postgres',
  title: 'PostgreSQL (SQL, no vendor API)',
  config: [{ key: 'admin', secret: true, required: true, description: 'a connection URL (store:<entry>) of a role that may CREATE ROLE and ALTER ROLE' }],
  async verify({ value }) {
    let login: pg.PgLogin;
    try {
      login = pg.loginFromUrl(value);
    } catch {
      return { status: 'unknown', reason: 'not a connection URL credctl can try' };
    }
    const target = await checkedAddress(value);
    if ('refused' in target) return { status: 'unknown', reason: target.refused };
    const status = await pg.loginStatus(value, login, target);
    if (status === 'unreachable') return { status: 'unknown', reason: 'the database did not answer' };
    return status === 'ok'
      ? { status: 'live', reason: 'it logged in just now', identity: { principal: login.user, kind: 'login role' } }
      : { status: 'dead', reason: 'the server refuses it', identity: { principal: login.user, kind: 'login role' } };
  },
  revoke: {
    needsAdmin: true,
    warning: 'the login role is made NOLOGIN with no password: every connection using it is refused from now on',
    async run({ value }, ctx) {
      return pg.revokeLogin(await ctx.adminSecret(), loginOf(value).user);
    },
  },
  rotate: {
    strategy: 'alternating-users',
    summary: 'a second login role in the same group with a new password; the old role is made NOLOGIN once nothing uses it',
    provider: rotationProvider,
  },
};

export default postgres;
