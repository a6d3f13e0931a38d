import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuer, type RunningIssuer } from '../../src/issuer/server.js';
import { runCli } from '../helpers/cli.js';

// `credctl issuer conformance` prints each check, the totals, and the profile line; without an
// admin token the skips say so.
let work: string;
let issuer: RunningIssuer;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'credctl-conf-cli-'));
  issuer = await startIssuer({ port: 0, dataDir: join(work, 'issuer'), rateLimitPerMinute: 10_000 });
});
afterAll(async () => {
  await issuer.close();
  rmSync(work, { recursive: true, force: true });
});

const run = (args: string[]) => runCli(args, { cwd: work, env: { ...process.env, CREDCTL_STATE_DIR: join(work, '.credctl'), NO_COLOR: '1' } });

describe('credctl issuer conformance (output)', () => {
  it('ends with the profile line; with the admin token every module passes', async () => {
    const r = await run(['issuer', 'conformance', issuer.url, '--admin-token-file', issuer.adminTokenFile]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\n.*: \d+ passed, 0 failed, 0 skipped\n/);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(
      'profile: core: pass, rotation: pass, deactivation: pass, access-requests: pass, exchange: pass, audit: pass, events: pass, leak-report: pass',
    );
    expect(r.stdout + r.stderr).not.toContain(issuer.adminToken);
  });

  it('without an admin token, skips say "needs --admin-token-file" and core reads partial and the other modules skipped', async () => {
    const r = await run(['issuer', 'conformance', issuer.url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/skip {2}create returns id, value and scopes \(needs --admin-token-file\)/);
    expect(r.stdout).not.toMatch(/not declared/);
    expect(r.stdout).toMatch(/profile: core: partial, rotation: skipped/);
  });
});
