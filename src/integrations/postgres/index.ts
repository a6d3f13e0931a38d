import { refusedError } from '../../core/errors.js';
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
    const status = await pg.loginStatus(value, login);
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
