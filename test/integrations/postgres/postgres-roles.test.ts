/**
 * The PostgreSQL integration against a real throwaway cluster (test/helpers/postgres.ts): what
 * verify says for a live role, a wrong password, a NOLOGIN role and a closed port; the name and
 * membership of each replacement role; that revoke clears the password and ends the old role's
 * sessions; the rotation provider's steps; and the role names it refuses to put into SQL. No
 * password appears in anything a test got back.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseRole, createReplacement, loginFromUrl, newPassword, revokeLogin, withCredentials } from '../../../src/integrations/postgres/admin.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { RotationSubject } from '../../../src/integrations/types.js';
import { postgresBinDir, startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { contextFor, keptAnswers } from '../context.js';

const hasPg = postgresBinDir() !== null;
if (!hasPg && process.env.CI) throw new Error('PostgreSQL must be installed in CI (apt-get install postgresql)');

const PASSWORD = 'FAKEpgRolesPassw0rd0123';
const postgres = integrationNamed('postgres')!;
const { seen, keep, failure } = keptAnswers();
const CRED: RotationSubject = { id: 'fp', names: ['DATABASE_URL'], provider: 'postgres' };

describe('role names and passwords, without a server', () => {
  it('the base role drops only a trailing _r<digits>', () => {
    expect(baseRole('app_r12')).toBe('app');
    expect(baseRole('app_r1_r2')).toBe('app_r1');
    for (const same of ['app', 'app_r', 'app_rx', 'app_r12x', 'app_r12_x', 'r12']) expect(baseRole(same)).toBe(same);
  });

  it('a new password is 32 base62 characters, different each time', () => {
    const made = Array.from({ length: 50 }, newPassword);
    for (const p of made) expect(p).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(new Set(made).size).toBe(50);
    expect(new Set(made.join('')).size).toBeGreaterThan(55);
  });

  it('the URL keeps host, port and database, with user and password encoded', () => {
    const url = withCredentials('postgres://old:FAKEold@db.example:6543/shop?sslmode=require', { user: 'app r1', password: 'FAKE@/:pw' });
    expect(url).toBe('postgres://app%20r1:FAKE%40%2F%3Apw@db.example:6543/shop?sslmode=require');
    expect(loginFromUrl(url)).toEqual({ user: 'app r1', password: 'FAKE@/:pw' });
    expect(() => withCredentials('not a url', { user: 'a', password: 'b' })).toThrow(
      expect.objectContaining({ exitCode: 3, message: 'not a PostgreSQL connection URL' }),
    );
  });

  it('a value that is not a connection URL is unknown to verify and refused by revoke and rotate', async () => {
    const ctx = contextFor('postgres', '', { admin: 'postgres://admin:FAKE@127.0.0.1:9/postgres' });
    expect(keep(await postgres.verify!({ value: PASSWORD }, ctx))).toEqual({ status: 'unknown', reason: 'not a connection URL credctl can try' });
    const revoked = await failure(postgres.revoke!.run({ value: PASSWORD }, ctx));
    expect(revoked).toMatchObject({ exitCode: 6, message: 'this PostgreSQL credential is not a connection URL; rotate a bare password by hand' });
    const p = postgres.rotate!.provider(CRED, ctx);
    expect(await failure(p.identify({ oldValue: PASSWORD, binding: '' }))).toMatchObject({ exitCode: 6 });
    expect(await failure(p.create({ credential: CRED, idempotencyKey: 'k' }))).toMatchObject({
      exitCode: 6,
      message: 'the old connection URL is not in the store',
    });
  });

  it('an address that does not resolve, or a bracketed IPv6 loopback on a closed port, is unknown without a login', async () => {
    const ctx = contextFor('postgres', '');
    const unresolved = keep(await postgres.verify!({ value: `postgres://app:${PASSWORD}@no-such-host.invalid:5432/app` }, ctx));
    expect(unresolved).toEqual({ status: 'unknown', reason: 'no-such-host.invalid does not resolve' });
    const v6 = keep(await postgres.verify!({ value: `postgres://app:${PASSWORD}@[::1]:9/app` }, ctx));
    expect(v6).toEqual({ status: 'unknown', reason: 'the database did not answer' });
  });
});

describe.skipIf(!hasPg)('against a real cluster', () => {
  let db: TestPostgres;
  let admin: pg.Client;
  const urlFor = (user: string, password = PASSWORD, database = 'postgres') => `postgres://${user}:${password}@127.0.0.1:${db.port}/${database}`;
  const ctx = () => contextFor('postgres', '', { admin: db.url });
  const canLog = async (user: string) =>
    (await admin.query('SELECT rolcanlogin, rolpassword IS NULL AS nopw FROM pg_authid WHERE rolname = $1', [user])).rows[0];
  const memberOf = async (user: string) =>
    (
      await admin.query(
        'SELECT b.rolname FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = $1',
        [user],
      )
    ).rows.map((r) => r.rolname);

  beforeAll(async () => {
    db = await startPostgres();
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    for (const role of ['shop', 'billing', 'ledger', 'reports']) await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD}'`);
    await admin.query('CREATE ROLE locked NOLOGIN');
  }, 60_000);
  afterAll(async () => {
    await admin?.end();
    db?.stop();
    const text = JSON.stringify(seen);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(db.superPassword);
  });

  it('verify: a role that logs in is live and named; a wrong password or a NOLOGIN role is dead; a closed port unknown', async () => {
    const live = keep(await postgres.verify!({ value: urlFor('shop') }, ctx()));
    expect(live).toEqual({ status: 'live', reason: 'it logged in just now', identity: { principal: 'shop', kind: 'login role' } });
    const wrong = keep(await postgres.verify!({ value: urlFor('shop', 'FAKEwrongPassw0rd') }, ctx()));
    expect(wrong).toEqual({ status: 'dead', reason: 'the server refuses it', identity: { principal: 'shop', kind: 'login role' } });
    await admin.query(`ALTER ROLE locked PASSWORD '${PASSWORD}'`);
    expect(keep(await postgres.verify!({ value: urlFor('locked') }, ctx())).status).toBe('dead');
    const closed = keep(await postgres.verify!({ value: `postgres://shop:${PASSWORD}@127.0.0.1:9/postgres` }, ctx()));
    expect(closed).toEqual({ status: 'unknown', reason: 'the database did not answer' });
  });

  it('verify connects only to the address it checked, with the database the URL names, ignoring query options', async () => {
    const host = keep(await postgres.verify!({ value: `postgres://shop:${PASSWORD}@127.0.0.1:${db.port}/postgres?host=/nonexistent&options=-c%20x` }, ctx()));
    expect(host.status).toBe('live');
    const missingDb = keep(await postgres.verify!({ value: urlFor('shop', PASSWORD, 'no_such_db') }, ctx()));
    expect(missingDb.status).toBe('unknown');
    await admin.query('CREATE DATABASE "shop data"');
    const encoded = keep(await postgres.verify!({ value: urlFor('shop', PASSWORD, 'shop%20data') }, ctx()));
    expect(encoded.status).toBe('live');
  });

  it('a replacement is <base>_r<n>, n from the last seven hex digits of the key, a member of the base role', async () => {
    const repl = await createReplacement(db.url, 'billing', 'run-fp_0000000000abcdef');
    expect(repl.user).toBe(`billing_r${0xabcdef % 1_000_000}`);
    expect(await memberOf(repl.user)).toEqual(['billing']);
    const next = await createReplacement(db.url, repl.user, 'zzz');
    expect(next.user).toBe('billing_r1');
    expect(await memberOf('billing_r1')).toEqual(['billing']);
    const live = keep(await postgres.verify!({ value: withCredentials(urlFor('billing'), next) }, ctx()));
    expect(live).toMatchObject({ status: 'live', identity: { principal: 'billing_r1' } });
  });

  it('a resumed create resets the same role to a new password: the earlier one stops working', async () => {
    const a = await createReplacement(db.url, 'ledger', 'resume-0000001');
    const b = await createReplacement(db.url, 'ledger', 'resume-0000001');
    expect(b.user).toBe(a.user);
    expect(b.password).not.toBe(a.password);
    expect(keep(await postgres.verify!({ value: withCredentials(urlFor('ledger'), a) }, ctx())).status).toBe('dead');
    expect(keep(await postgres.verify!({ value: withCredentials(urlFor('ledger'), b) }, ctx())).status).toBe('live');
    expect(await memberOf(a.user)).toEqual(['ledger']);
  });

  it('revoke makes the role NOLOGIN with no password, ends its open sessions, and is "already" after', async () => {
    const session = new pg.Client({ connectionString: urlFor('reports') });
    await session.connect();
    session.on('error', () => undefined);
    expect(await postgres.revoke!.run({ value: urlFor('reports') }, ctx())).toBe('revoked');
    expect(await canLog('reports')).toEqual({ rolcanlogin: false, nopw: true });
    await expect(session.query('SELECT 1')).rejects.toThrow();
    await session.end().catch(() => undefined);
    // Even given LOGIN back, the leaked password no longer opens it.
    await admin.query('ALTER ROLE reports LOGIN');
    expect(keep(await postgres.verify!({ value: urlFor('reports') }, ctx())).status).toBe('dead');
    await admin.query('ALTER ROLE reports NOLOGIN');
    expect(await postgres.revoke!.run({ value: urlFor('reports') }, ctx())).toBe('already');
    expect(await revokeLogin(db.url, 'no_such_role')).toBe('already');
    expect(postgres.revoke!.needsAdmin).toBe(true);
  });

  it('the rotation provider: names the old role, creates a working URL for a new one, checks and revokes by id', async () => {
    const p = postgres.rotate!.provider(CRED, ctx());
    const old = urlFor('shop');
    expect(await p.identify({ oldValue: old, binding: '' })).toBe('shop');
    const made = await p.create({ credential: CRED, oldValue: old, oldId: 'shop', idempotencyKey: 'rot-00000abc' });
    expect(made.id).toBe(`shop_r${0xabc}`);
    expect(made.value).toMatch(new RegExp(`^postgres://shop_r${0xabc}:[0-9A-Za-z]{32}@127\\.0\\.0\\.1:${db.port}/postgres$`));
    expect(await p.isActive!({ value: made.value })).toBe(true);
    expect(await p.isActive!({ value: urlFor('shop', 'FAKEwrongPassw0rd') })).toBe(false);
    const byValue = await p.create({ credential: CRED, oldValue: urlFor('shop_r2748'), idempotencyKey: 'rot-00000abd' });
    expect(byValue.id).toBe(`shop_r${0xabd}`);
    expect(await memberOf(byValue.id!)).toEqual(['shop']);
    expect(await p.revoke({ value: old, id: made.id, mode: 'revoke' })).toBe('revoked');
    expect(await canLog(made.id!)).toEqual({ rolcanlogin: false, nopw: true });
    expect(await canLog('shop')).toEqual({ rolcanlogin: true, nopw: false });
    expect(await p.revoke({ value: byValue.value, mode: 'revoke' })).toBe('revoked');
    expect((await canLog(byValue.id!)).rolcanlogin).toBe(false);
    keep([made, byValue].map((m) => m.id));
  });

  it('refuses a role name it cannot quote safely: the role is left as it was', async () => {
    const odd = ['Shop', 'shop-app', '1shop', 'shop";drop', `s${'h'.repeat(51)}`];
    for (const user of odd) await admin.query(`CREATE ROLE "${user.replaceAll('"', '""')}" LOGIN PASSWORD '${PASSWORD}'`);
    for (const user of odd) {
      const err = await failure(revokeLogin(db.url, user));
      expect(err, user).toEqual({
        exitCode: 3,
        message: `refusing PostgreSQL role name ${JSON.stringify(user)}: use lower-case letters, digits and _`,
        hint: undefined,
      });
      expect((await canLog(user)).rolcanlogin, user).toBe(true);
    }
    const longest = `s${'h'.repeat(50)}`;
    await admin.query(`CREATE ROLE ${longest} LOGIN PASSWORD '${PASSWORD}'`);
    expect(await revokeLogin(db.url, longest)).toBe('revoked');
    const err = await failure(createReplacement(db.url, 'Shop', 'k1'));
    expect(err).toMatchObject({ exitCode: 3, message: 'refusing PostgreSQL role name "Shop_r1": use lower-case letters, digits and _' });
    expect(await memberOf('Shop_r1')).toEqual([]);
  });

  it('an admin URL that cannot connect is one exit-5 line with its reason, never the URL', async () => {
    const refused = await failure(createReplacement(`postgres://postgres:${encodeURIComponent(db.superPassword)}@127.0.0.1:9/postgres`, 'shop', 'k'));
    expect(refused).toEqual({
      exitCode: 5,
      message: 'cannot connect to PostgreSQL as the admin role: connection refused',
      hint: 'Check the admin connection URL kept in the store (credctl.yaml providers.postgres.admin).',
    });
    const nodb = await failure(revokeLogin(db.url.replace(/\/postgres$/, '/no_such_db'), 'shop'));
    expect(nodb).toMatchObject({ exitCode: 5, message: 'cannot connect to PostgreSQL as the admin role: database "no_such_db" does not exist' });
  });
});
