import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { postgresBinDir } from '../../src/demo/postgres-cluster.js';

// The README's first command: `credctl demo` must run a real leak-to-recovery and prove it.
const CLI = join(import.meta.dirname, '..', '..', 'bin', 'credctl');
const built = existsSync(join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js'));

function run(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

// Full values of the kinds the demo mints: an issuer key, or a connection URL with its password.
const FULL_SECRET = /ccx_(?:live|test)_[0-9A-Za-z]{32}|postgres(?:ql)?:\/\/[^\s:@/]+:[^\s@/…]+@/;

describe.skipIf(!built)('credctl demo', () => {
  it('--json: rotates, revokes, passes health checks, verifies the audit log, and leaks no value', async () => {
    const r = await run(['demo', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    const pg = postgresBinDir() !== null;
    // EXAMPLE_API_KEY, STRIPE_SECRET_KEY, DATABASE_URL, POSTGRES_PASSWORD, and the AWS key (id and secret).
    expect(result.exposed).toBe(6);
    expect(result.credentialsRotated).toBe(pg ? 3 : 2);
    expect(result.oldCredentialsRevoked).toBe(result.credentialsRotated);
    expect(result.oldCredentialsRefusedAfterRevoke).toBe(result.credentialsRotated);
    // AWS has no health check in the demo; the others each have one.
    expect(result.healthChecksPassed).toBe(result.credentialsRotated - 1);
    const aws = result.blastRadius.items.find((i: { names: string[] }) => i.names.includes('AWS_SECRET_ACCESS_KEY'));
    expect(aws).toMatchObject({ liveness: { status: 'active' }, identity: { principal: 'arn:aws:iam::000011112222:user/webapp-uploads' }, revocable: 'api' });
    expect(aws.access.scopes.map((s: { scope: string }) => s.scope)).toEqual(['AmazonS3FullAccess', 'invoices-bucket-write']);
    expect(result.auditVerified).toBe(true);
    // The story is an incident: opened from the leak, closed with a proof that verifies offline;
    // what only a person can do is accepted with a reason that says so, one per manual follow-up.
    expect(result.incident).toMatchObject({ opened: true, closed: true, proofVerified: true, accepted: result.manualFollowUps.length });
    expect(result.incident.id).toMatch(/^inc-/);
    expect(result.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
    expect(result.manualFollowUps.map((m: { name: string }) => m.name).sort()).toEqual(
      pg ? ['POSTGRES_PASSWORD', 'STRIPE_SECRET_KEY'] : ['DATABASE_URL', 'POSTGRES_PASSWORD', 'STRIPE_SECRET_KEY'],
    );
    // The two live keys with admin reach come first.
    expect(
      result.blastRadius.items
        .slice(0, 2)
        .map((i: { names: string[] }) => i.names[0])
        .sort(),
    ).toEqual(['AWS_SECRET_ACCESS_KEY', 'EXAMPLE_API_KEY']);
    expect(result.blastRadius.items.find((i: { names: string[] }) => i.names[0] === 'EXAMPLE_API_KEY').overbroad).toBe(true);
    expect(r.stdout).not.toMatch(FULL_SECRET);
    expect(r.stderr).not.toMatch(FULL_SECRET);
    expect(existsSync(result.workspace)).toBe(false);
  }, 120_000);

  it('human output opens with the blast radius and ends with the proof; nothing is left outside its temp dir', async () => {
    // As the README says: the demo touches nothing outside a temp dir. A fresh HOME and TMPDIR,
    // no XDG or credctl directories set: both must be empty again afterwards.
    const sandbox = mkdtempSync(join(tmpdir(), 'credctl-demo-sandbox-'));
    const home = join(sandbox, 'home');
    const tmp = join(sandbox, 'tmp');
    for (const d of [home, tmp]) mkdirSync(d);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(XDG_|CREDCTL_)/.test(k)));
    const r = await run(['demo', '--no-postgres'], { ...env, HOME: home, TMPDIR: tmp });
    try {
      expect(readdirSync(home, { recursive: true })).toEqual([]);
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      rmSync(sandbox, { recursive: true, force: true });
    }
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out.indexOf('1. An incident, and the blast radius')).toBeGreaterThan(-1);
    expect(out.indexOf('1. An incident, and the blast radius')).toBeLessThan(out.indexOf('2. Recovery'));
    expect(out.indexOf('2. Recovery')).toBeLessThan(out.indexOf('3. Proof'));
    expect(out).toMatch(/✓ EXAMPLE_API_KEY: the leaked key ccx_live_…\w{4} is refused by the issuer \(401\)/);
    expect(out).toContain('PostgreSQL part skipped: --no-postgres');
    expect(out).toMatch(/✓ incident inc-\S+: closed with a proof that verifies offline/);
    expect(out).toMatch(/^Incident inc-\S+: closed \(3 credential\(s\) accepted as steps for a person, which the proof says\); proof verified offline/m);
    expect(out).not.toMatch(FULL_SECRET);
  }, 120_000);
});
