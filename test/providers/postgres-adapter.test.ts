import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canLogin, createReplacement, loginFromUrl, revokeLogin, withCredentials } from '../../src/integrations/postgres/admin.js';
import { postgresBinDir, startPostgres, type TestPostgres } from '../helpers/postgres.js';

// Against a real PostgreSQL cluster: the replacement login must reach the same data as the
// old one, both must work side by side until revoke, and after revoke only the new one works.
const hasPg = postgresBinDir() !== null;
if (!hasPg && process.env.CI) throw new Error('PostgreSQL must be installed in CI (apt-get install postgresql)');

describe.skipIf(!hasPg)('postgres provider (alternating users)', () => {
  let db: TestPostgres;
  let appUrl: string;

  beforeAll(async () => {
    db = await startPostgres();
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query(`CREATE ROLE app LOGIN PASSWORD 'FAKEoldAppPassw0rd1234'`);
    await c.query('CREATE TABLE orders (id int)');
    await c.query('INSERT INTO orders VALUES (1), (2)');
    await c.query('GRANT SELECT ON orders TO app');
    await c.end();
    appUrl = `postgres://app:FAKEoldAppPassw0rd1234@127.0.0.1:${db.port}/postgres`;
  }, 60_000);
  afterAll(() => db?.stop());

  it('creates a replacement that reads the same data, keeps the old working until revoke, then refuses the old', async () => {
    const old = loginFromUrl(appUrl);
    const repl = await createReplacement(db.url, old.user, 'run1-fp_0123456789abcdef01234567');
    expect(repl.user).toMatch(/^app_r\d+$/);
    expect(repl.password).toMatch(/^[0-9A-Za-z]{32}$/);

    const c = new pg.Client({ connectionString: withCredentials(appUrl, repl) });
    await c.connect();
    const rows = await c.query('SELECT count(*)::int AS n FROM orders');
    expect(rows.rows[0].n).toBe(2);
    await c.end();

    expect(await canLogin(appUrl, old)).toBe(true);
    expect(await revokeLogin(db.url, old.user)).toBe('revoked');
    expect(await canLogin(appUrl, old)).toBe(false);
    expect(await canLogin(appUrl, repl)).toBe(true);
    // Revoking again finds it already done (idempotent for resumed runs).
    expect(await revokeLogin(db.url, old.user)).toBe('already');
  });

  it('is idempotent per key: a resumed create reuses the same role name', async () => {
    const a = await createReplacement(db.url, 'app', 'run2-fp_aaaaaaaaaaaaaaaaaaaaaaaa');
    const b = await createReplacement(db.url, 'app', 'run2-fp_aaaaaaaaaaaaaaaaaaaaaaaa');
    expect(b.user).toBe(a.user);
    expect(await canLogin(appUrl, b)).toBe(true);
  });

  it('reports a wrong admin password as one line without the URL', async () => {
    const bad = db.url.replace(encodeURIComponent(db.superPassword), 'wrong');
    await expect(createReplacement(bad, 'app', 'k')).rejects.toThrow(/cannot connect to PostgreSQL as the admin role: password authentication failed/);
    await expect(createReplacement(bad, 'app', 'k')).rejects.not.toThrow(/wrong/);
  });
});
