import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, runCredctl, fake, tempDir, write } from './helpers.js';

// Public-by-design values (a Firebase web config's API key, an Algolia search key) are reported as
// information: shown, marked info in every format, never a failing exit code or a blocked commit.
afterAll(cleanup);

const FIREBASE = `const firebaseConfig = {\n  apiKey: "AIzaSyFAKEq8Hd2kLp0Zr7VbN3xTy9wXa1b2c3d",\n  authDomain: "fake-app.firebaseapp.com",\n};\n`;

describe('informational findings', () => {
  it('are reported with severity info and do not fail the scan', async () => {
    const d = tempDir();
    write(d, 'web/firebase.js', FIREBASE);
    const r = await runCredctl(['scan', d, '--json', '--no-graph']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.findings).toHaveLength(1);
    expect(doc.findings[0]).toMatchObject({ ruleId: 'google-firebase-web-api-key', severity: 'info' });
    expect(doc.stats).toMatchObject({ findings: 0, informational: 1 });
    expect(r.stderr).toMatch(/no credentials found \(and 1 public by design, shown as info\)/);
    const table = await runCredctl(['scan', d, '--no-graph']);
    expect(table.stdout).toContain('google-firebase-web-api-key (info)');
    const sarif = JSON.parse((await runCredctl(['scan', d, '--format', 'sarif', '--no-graph'])).stdout);
    expect(sarif.runs[0].results[0].level).toBe('note');
  });

  it('leave a real secret beside them failing the scan as before', async () => {
    const d = tempDir();
    write(d, 'web/firebase.js', FIREBASE);
    write(d, 'server/.env', `STRIPE_SECRET_KEY=${fake.stripe(11)}\n`);
    const r = await runCredctl(['scan', d, '--json', '--no-graph']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).stats).toMatchObject({ findings: 1, informational: 1 });
  });

  it('a Google API key with no public-client context stays a secret', async () => {
    const d = tempDir();
    write(d, 'server/maps.py', 'GOOGLE_MAPS_SERVER_KEY = "AIzaSyFAKEq8Hd2kLp0Zr7VbN3xTy9wXa1b2c3d"\n');
    const r = await runCredctl(['scan', d, '--json', '--no-graph']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings[0]).toMatchObject({ ruleId: 'google-api-key' });
    expect(JSON.parse(r.stdout).findings[0].severity).toBeUndefined();
  });
});
