import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redact } from '../../src/core/redact.js';
import { runCli } from '../helpers/cli.js';
import { startFaultProxy, type FaultProxy } from '../servers/fault-proxy.js';
import { trustProject } from '../helpers/trust.js';
import { makeRotationProject, startTestIssuer, valueIn, type Issuer, type RotationProject } from '../helpers/rotation-project.js';
import { revokePlace } from '../../src/apply/context.js';
import { fingerprint } from '../../src/core/fingerprint.js';

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

describe('a credential only a person can replace, under --no-input', () => {
  it('is refused before anything changes with exit 6 (not a failed run, 7), naming the paste needed and where', async () => {
    const p = await makeRotationProject(issuer, { health: 'none' });
    // No admin credential for the issuer: the replacement is made by hand and pasted.
    const yaml = join(p.root, 'credctl.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace(', admin: "store:example/admin"', ''));
    trustProject(p.root);
    const r = await runCli(['rotate', '--project', '--yes', '--no-input', '--root', p.root], { cwd: p.root, env: p.env });
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toMatch(
      /input needed under --no-input: the new EVENTS_API_KEY \(example\) must be created by hand.* and pasted at a prompt; nothing was changed/,
    );
    expect(r.stderr).toMatch(/Run it on a terminal without --no-input/);
    expect(r.stdout).toBe('');
    // Nothing was run: no journal, the old key untouched.
    expect((await runCli(['apply', '--list-runs', '--root', p.root], { cwd: p.root, env: p.env })).stdout).toBe('');
    expect(p.read('.env')).toContain(p.values.EVENTS_API_KEY!);
  });
});

describe('progress of a run', () => {
  it('names the target of every inject (type, place, env name), so each line is distinct', async () => {
    const p = await makeRotationProject(issuer, { names: ['EVENTS_API_KEY', 'BILLING_API_KEY'], health: 'pass' });
    const r = await runCli(['rotate', '--project', '--yes', '--no-input', '--concurrency', '1', '--root', p.root], { cwd: p.root, env: p.env });
    expect(r.code, r.stderr).toBe(0);
    const injects = r.stderr.split('\n').filter((l) => / inject/.test(l));
    expect(injects).toHaveLength(4);
    expect(new Set(injects).size).toBe(4);
    for (const name of ['EVENTS_API_KEY', 'BILLING_API_KEY']) {
      expect(injects).toContain(`  ✓ ${name} inject ${name} into dotenv .env: written, verified`);
      expect(injects).toContain(`  ✓ ${name} inject ${name} into dotenv deploy/app.env: written, verified`);
    }
    for (const v of Object.values(p.values)) expect(r.stdout + r.stderr).not.toContain(v);
  });
});

describe('a failed health check', () => {
  it('shows the last lines of its output, with every secret value of the run masked (canaries)', async () => {
    const p = await makeRotationProject(issuer, { health: 'none' });
    const old = p.values.EVENTS_API_KEY!;
    // A check that prints the new value (plain and base64), the old one and the admin token, then fails.
    writeFileSync(join(p.root, 'old.txt'), old);
    writeFileSync(join(p.root, 'admin.txt'), issuer.adminToken);
    writeFileSync(
      join(p.root, 'smoke.mjs'),
      [
        "import { readFileSync } from 'node:fs';",
        "for (let i = 0; i < 30; i++) console.log('warming up ' + i);",
        'const v = process.env.EVENTS_API_KEY;',
        "console.log('connecting with ' + v + ' (base64 ' + Buffer.from(v).toString('base64') + ')');",
        "console.log('old key ' + readFileSync('old.txt', 'utf8') + ', admin ' + readFileSync('admin.txt', 'utf8'));",
        "console.error('payments API said 401: invalid key');",
        'process.exit(1);',
      ].join('\n'),
    );
    const yaml = join(p.root, 'credctl.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8') + '    health:\n      - command: node smoke.mjs\n        retries: 0\n');
    trustProject(p.root);
    const r = await runCli(['rotate', '--project', '--yes', '--no-input', '--root', p.root], { cwd: p.root, env: p.env });
    expect(r.code, r.stderr).toBe(7);
    const created = (await p.store.versions('EVENTS_API_KEY')).at(-1)!;
    const fresh = (await p.store.get('EVENTS_API_KEY', { version: created.version }))!;
    expect(fresh).not.toBe(old);
    // Canaries: no value, in any form the check printed it, reaches the terminal.
    for (const v of [fresh, old, issuer.adminToken, Buffer.from(fresh).toString('base64')]) {
      expect(r.stdout).not.toContain(v);
      expect(r.stderr).not.toContain(v);
    }
    expect(r.stderr).toMatch(/✗ EVENTS_API_KEY health: health check failed: exit code 1/);
    expect(r.stderr).toContain('its output (last lines, secret values masked):');
    expect(r.stderr).toContain(`│ connecting with ${redact(fresh)} (base64 ${redact(Buffer.from(fresh).toString('base64'))})`);
    expect(r.stderr).toContain(`│ old key ${redact(old)}, admin ${redact(issuer.adminToken)}`);
    expect(r.stderr).toContain('│ payments API said 401: invalid key');
    // Trimmed to the last lines.
    const shown = r.stderr.split('\n').filter((l) => l.includes('│ '));
    expect(shown.length).toBeLessThanOrEqual(8);
    expect(r.stderr).not.toContain('warming up 0');
    // Shown, not kept: the journal and the audit log hold the reason only.
    const state = readFileSync(join(p.root, '.credctl', 'audit.jsonl'), 'utf8');
    expect(state).not.toContain('connecting with');
  });
});

/** A project whose health check fails at once (no retries), its issuer reached through a fault proxy. */
async function failingProject(opts: { healthFails: boolean }): Promise<{ p: RotationProject; proxy: FaultProxy }> {
  const p = await makeRotationProject(issuer, { health: 'none' });
  const proxy = await startFaultProxy(issuer.url);
  const yaml = join(p.root, 'credctl.yaml');
  let text = readFileSync(yaml, 'utf8').split(issuer.url).join(proxy.url);
  if (opts.healthFails) text += '    health:\n      - command: node -e "process.exit(3)"\n        retries: 0\n';
  writeFileSync(yaml, text);
  trustProject(p.root);
  return { p, proxy };
}

const rotate = (p: RotationProject, ...more: string[]) =>
  runCli(['rotate', '--project', '--yes', '--no-input', '--root', p.root, ...more], { cwd: p.root, env: p.env });

describe('the run summary says what happened to each failed credential', () => {
  it('rolled back: the old value is back everywhere', async () => {
    const { p, proxy } = await failingProject({ healthFails: true });
    try {
      const r = await rotate(p);
      expect(r.code, r.stderr).toBe(7);
      expect(r.stdout).toMatch(/rotated: 0 {3}failed: 1 \(rolled back: 1\) {3}skipped: 0/);
      const id = fingerprint(p.values.EVENTS_API_KEY!);
      expect(r.stdout).toContain(`✗ EVENTS_API_KEY ${id}: failed (rolled back): health check failed: exit code 3`);
      expect(r.stdout).not.toMatch(/STILL LIVE|not rolled back/);
      expect(valueIn(p.read('.env'), 'EVENTS_API_KEY')).toBe(p.values.EVENTS_API_KEY);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('not rolled back: the new value is live everywhere and the old one not revoked yet (as the message above says)', async () => {
    const { p, proxy } = await failingProject({ healthFails: false });
    try {
      proxy.injectFault({ kind: 'status', status: 500, count: 50, match: { path: '/v1/revoke' } });
      const r = await rotate(p);
      expect(r.code, r.stderr).toBe(7);
      expect(r.stdout).toMatch(/failed: 1 \(new value live, not rolled back: 1\)/);
      expect(r.stdout).not.toMatch(/\(rolled back/);
      expect(r.stdout).toMatch(/✗ EVENTS_API_KEY fp_\w+: failed \(new value live, not rolled back\): .*the old one is NOT revoked yet/);
      const fresh = valueIn(p.read('.env'), 'EVENTS_API_KEY')!;
      expect(fresh).not.toBe(p.values.EVENTS_API_KEY);
      expect(await p.whoami(fresh)).toBe(200);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('--json carries the state of each failure', async () => {
    const { p, proxy } = await failingProject({ healthFails: true });
    try {
      const r = await rotate(p, '--json');
      expect(r.code, r.stderr).toBe(7);
      const summary = JSON.parse(r.stdout);
      expect(summary.failed).toMatchObject([{ id: fingerprint(p.values.EVENTS_API_KEY!), name: 'EVENTS_API_KEY', state: 'rolled-back' }]);
      expect(summary.failed[0].leftover).toBeUndefined();
    } finally {
      await proxy.close();
    }
  }, 60_000);
});

describe('a replacement credctl created and could not revoke while rolling back', () => {
  it('is named (redacted form and id) with the place to delete it by hand, and is indeed still live', async () => {
    const { p, proxy } = await failingProject({ healthFails: true });
    try {
      proxy.injectFault({ kind: 'status', status: 500, count: 50, match: { path: '/v1/revoke' } });
      const r = await rotate(p);
      expect(r.code, r.stderr).toBe(7);
      const version = (await p.store.versions('EVENTS_API_KEY')).at(-1)!;
      const fresh = (await p.store.get('EVENTS_API_KEY', { version: version.version }))!;
      expect(fresh).not.toBe(p.values.EVENTS_API_KEY);
      expect(r.stdout).toContain(`failed (rolled back): health check failed: exit code 3`);
      expect(r.stdout).toMatch(
        new RegExp(
          `! the replacement credctl created \\(${redact(fresh).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, id [\\w-]+\\) could not be revoked \\(.*\\) and is STILL LIVE, in no target: delete it by hand at credctl reference issuer \\(${proxy.url}\\)`,
        ),
      );
      expect(await p.whoami(fresh)).toBe(200);
      for (const v of [fresh, p.values.EVENTS_API_KEY!]) expect(r.stdout + r.stderr).not.toContain(v);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('points a GitHub token to the tokens settings page', () => {
    const place = revokePlace({ provider: 'github' } as never, { providers: {} } as never);
    expect(place).toMatch(/^GitHub: https:\/\/github\.com\/settings\/tokens/);
  });
});

describe('the store after a rollback', () => {
  it('labels the undone replacement rolled-back, not pending, and store versions/list show it', async () => {
    const { p, proxy } = await failingProject({ healthFails: true });
    try {
      expect((await rotate(p)).code).toBe(7);
      const versions = await p.store.versions('EVENTS_API_KEY');
      expect(versions.map((v) => v.labels)).toEqual([['current'], ['rolled-back']]);
      const shown = await runCli(['store', 'versions', 'EVENTS_API_KEY'], { cwd: p.root, env: p.env });
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toMatch(/^v2 .* rolled-back$/m);
      expect(shown.stdout).not.toContain('pending');
      const list = await runCli(['store', 'list'], { cwd: p.root, env: p.env });
      expect(list.stdout).toMatch(/EVENTS_API_KEY .*rolled-back/);
      // A person cannot put a new version straight into that state.
      const put = await runCli(['store', 'put', 'X', '--label', 'rolled-back'], { cwd: p.root, env: p.env, input: 'FAKE-0123456789' });
      expect(put.code).toBe(3);
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
