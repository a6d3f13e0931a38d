import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inputError, remoteError } from '../../core/errors.js';

/**
 * PostgreSQL as a credential provider: login-role passwords, rotated with *alternating users*
 * (the strategy AWS Secrets Manager uses for databases) so there is no moment when the app's
 * password stops working before the new one is in every target (design promise 2).
 *
 *   create:  CREATE ROLE <base>_r<n> LOGIN PASSWORD '<new>' IN ROLE <base>
 *            The new role is a member of the *base* role, so it inherits every privilege the
 *            application had, and objects stay owned by the base role. The old role still works.
 *   revoke:  ALTER ROLE <old> NOLOGIN PASSWORD NULL, and end its sessions; the base role itself is never
 *            dropped (it owns the objects), a previous rotation's role is dropped.
 *   introspect: can this user:password log in right now?
 *
 * The credential value credctl tracks is the password; the connection URL the app reads is
 * rewritten around it (user and password replaced), see withCredentials().
 * Management needs an admin connection URL (a role with CREATEROLE), kept in the secret store.
 */
export interface PgLogin {
  user: string;
  password: string;
}

const ROTATED_SUFFIX = /_r\d+$/;
const IDENT = /^[a-z_][a-z0-9_]{0,50}$/;

export function baseRole(user: string): string {
  return user.replace(ROTATED_SUFFIX, '');
}

function quoteIdent(name: string): string {
  if (!IDENT.test(name)) throw inputError(`refusing PostgreSQL role name ${JSON.stringify(name)}: use lower-case letters, digits and _`);
  return `"${name}"`;
}

/** A password that survives every URL and .env context without quoting: base62 only. */
export function newPassword(): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const bytes = randomBytes(40);
  let out = '';
  for (const b of bytes) if (b < 248) out += alphabet[b % 62];
  return out.slice(0, 32);
}

async function withClient<T>(adminUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000, statement_timeout: 10000 });
  try {
    await client.connect();
  } catch (err) {
    throw remoteError(
      `cannot connect to PostgreSQL as the admin role: ${safePgMessage(err)}`,
      'Check the admin connection URL kept in the store (credctl.yaml providers.postgres.admin).',
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** pg's error messages can quote the connection string; keep only the server's words. */
function safePgMessage(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e?.code === 'ECONNREFUSED') return 'connection refused';
  if (e?.code === '28P01') return 'password authentication failed';
  return (e?.message ?? 'unknown error').replace(/postgres(?:ql)?:\/\/\S+/g, 'postgres://…');
}

/**
 * Create the replacement login for `oldUser`. Idempotent by `idempotencyKey`: the role name is
 * derived from it, and if that role already exists (a resumed run) its password is reset to a
 * fresh value, which is safe because nothing uses it yet.
 */
export async function createReplacement(adminUrl: string, oldUser: string, idempotencyKey: string): Promise<PgLogin> {
  const base = baseRole(oldUser);
  const n = parseInt(idempotencyKey.replace(/[^0-9a-f]/gi, '').slice(-7) || '1', 16) % 1_000_000;
  const user = `${base}_r${n}`;
  const password = newPassword();
  await withClient(adminUrl, async (c) => {
    const exists = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [user]);
    const pw = `'${password}'`; // base62 only: no quoting hazards
    if (exists.rowCount) await c.query(`ALTER ROLE ${quoteIdent(user)} LOGIN PASSWORD ${pw}`);
    else await c.query(`CREATE ROLE ${quoteIdent(user)} LOGIN PASSWORD ${pw} IN ROLE ${quoteIdent(base)}`);
  });
  return { user, password };
}

/** Stop `user` from logging in and end its sessions. Already revoked → nothing to do. */
export async function revokeLogin(adminUrl: string, user: string): Promise<'revoked' | 'already'> {
  return withClient(adminUrl, async (c) => {
    const r = await c.query('SELECT rolcanlogin FROM pg_roles WHERE rolname = $1', [user]);
    if (!r.rowCount || r.rows[0].rolcanlogin === false) return 'already';
    // NOLOGIN alone would let the leaked password work again after any `ALTER ROLE ... LOGIN`:
    // the password is cleared too, so the old role can never log in with it.
    await c.query(`ALTER ROLE ${quoteIdent(user)} NOLOGIN PASSWORD NULL`);
    await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()', [user]);
    return 'revoked';
  });
}

/**
 * Try to log in: 'ok', 'refused' (the server rejected the password or role), or 'unreachable'
 * (no answer: we learned nothing about the credential). The URL was found in a repository or a
 * leak, so it is pinned: only host, port, database and the login are used, at the address already
 * checked (index.ts); no query options (socket paths, key files).
 */
export async function loginStatus(url: string, login: PgLogin, pinned: { address: string }): Promise<'ok' | 'refused' | 'unreachable'> {
  const client = new pg.Client({ ...pinnedTarget(url, pinned.address), user: login.user, password: login.password, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return 'ok';
  } catch (err) {
    const code = (err as { code?: string }).code;
    // 28P01 invalid password, 28000 invalid authorization (e.g. NOLOGIN role)
    return code === '28P01' || code === '28000' ? 'refused' : 'unreachable';
  } finally {
    await client.end().catch(() => undefined);
  }
}

function pinnedTarget(url: string, address: string): { host: string; port: number; database?: string } {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  return { host: address, port: u.port ? Number(u.port) : 5432, ...(database ? { database } : {}) };
}

/** Can `login` connect right now? (introspection for a database: try it) */
export async function canLogin(url: string, login: PgLogin): Promise<boolean> {
  const client = new pg.Client({ connectionString: withCredentials(url, login), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The same connection URL with user and password replaced (the form the app reads). */
export function withCredentials(url: string, login: PgLogin): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw inputError('not a PostgreSQL connection URL');
  }
  u.username = encodeURIComponent(login.user);
  u.password = encodeURIComponent(login.password);
  return u.toString();
}

export function loginFromUrl(url: string): PgLogin {
  const u = new URL(url);
  return { user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
}
