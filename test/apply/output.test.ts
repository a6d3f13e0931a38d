import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeRotationProject, startTestIssuer, type Issuer } from '../helpers/rotation-project.js';

// What a rotation tells the person running it, through the real CLI in-process against a real
// reference issuer: enough to act on without reading the journal, and never a secret value.
let issuer: Issuer;
beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(async () => issuer?.close());

describe('asking to review a plan', () => {
  it('shows the plan it asks to be reviewed (stderr), when it cannot ask and refuses (exit 6)', async () => {
    const p = await makeRotationProject(issuer, { health: 'none' });
    const r = await runCli(['rotate', '--project', '--no-input', '--root', p.root], { cwd: p.root, env: p.env });
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/needs confirmation/);
    expect(r.stderr).toMatch(/Review the plan above, then re-run with --yes/);
    // The plan itself: the credential, and every place the new value would be written.
    expect(r.stderr).toMatch(/Rotation plan .*1 credential/);
    expect(r.stderr).toMatch(/EVENTS_API_KEY into dotenv \.env/);
    expect(r.stderr).toMatch(/EVENTS_API_KEY into dotenv deploy\/app\.env/);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain(p.values.EVENTS_API_KEY!);
    expect(await p.whoami(p.values.EVENTS_API_KEY!)).toBe(200);
  });
});
