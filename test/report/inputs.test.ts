import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/core/fingerprint.js';
import { runBlastRadius } from '../../src/commands/blast-radius.js';
import { liveFixture, type LiveFixture } from '../helpers/fixture-project.js';
import { startTestIssuer, type Issuer } from '../helpers/rotation-project.js';
import { runCli } from '../helpers/cli.js';

// Every way of saying what was exposed, each against the monorepo fixture made live.
let issuer: Issuer;
let fx: LiveFixture;
beforeAll(async () => {
  issuer = await startTestIssuer();
  fx = await liveFixture('monorepo-terraform-gitlab', issuer);
});
afterAll(async () => {
  await fx?.admin.close();
  await issuer?.close();
});

const names = (r: Awaited<ReturnType<typeof runBlastRadius>>) => r.report.items.map((i) => i.names[0]).sort();
const git = (root: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'Mallory', GIT_AUTHOR_EMAIL: 'm@example.test', GIT_COMMITTER_NAME: 'M', GIT_COMMITTER_EMAIL: 'm@example.test' },
  }).trim();

describe('blast-radius inputs', () => {
  it('--from-env: the values in the process environment', async () => {
    process.env.EXAMPLE_API_KEY = fx.key;
    try {
      const r = await runBlastRadius(fx.root, { fromEnv: true });
      expect(names(r)).toContain('EXAMPLE_API_KEY');
      expect(r.report.items.find((i) => i.names[0] === 'EXAMPLE_API_KEY')!.exposedVia).toEqual(['process environment']);
      expect(r.report.items.find((i) => i.names[0] === 'EXAMPLE_API_KEY')!.liveness.status).toBe('active');
    } finally {
      delete process.env.EXAMPLE_API_KEY;
    }
  });

  it('--repo-public: everything ever committed, deleted secrets included; --since narrows to later commits', async () => {
    const base = git(fx.root, 'rev-parse', 'HEAD');
    const old = 'sk_live_51FAKEdeletedLater9Qw3Er5Ty7Ui1';
    writeFileSync(join(fx.root, 'notes.txt'), `stripe=${old}\n`);
    git(fx.root, 'add', 'notes.txt');
    git(fx.root, 'commit', '-q', '-m', 'oops');
    git(fx.root, 'rm', '-q', 'notes.txt');
    git(fx.root, 'commit', '-q', '-m', 'remove');
    const all = await runBlastRadius(fx.root, { repoPublic: true, probe: false });
    const deleted = all.report.items.find((i) => i.id === fingerprint(old))!;
    expect(deleted.inGraph).toBe(false);
    expect(deleted.public).toBe(true);
    expect(deleted.exposedVia[0]).toMatch(/git history notes.txt:1 \(first in [0-9a-f]{8} by Mallory, deleted\)/);
    expect(names(all)).toEqual(expect.arrayContaining(['DATABASE_URL', 'EXAMPLE_API_KEY', 'STRIPE_SECRET_KEY']));
    const since = await runBlastRadius(fx.root, { since: git(fx.root, 'rev-parse', 'HEAD~1'), probe: false });
    expect(since.report.items.map((i) => i.id)).toEqual([fingerprint(old)]);
    void base;
  });

  it('--name and --credential', async () => {
    expect(names(await runBlastRadius(fx.root, { names: ['STRIPE_SECRET_KEY'], probe: false }))).toEqual(['STRIPE_SECRET_KEY']);
    const id = fingerprint(fx.key);
    const r = await runBlastRadius(fx.root, { credentials: [id.slice(0, 10)], probe: false });
    expect(r.report.items.map((i) => i.id)).toEqual([id]);
    await expect(runBlastRadius(fx.root, { credentials: ['fp_000000'], probe: false })).rejects.toThrow(/no credential fp_000000/);
  });

  it("--from-report: another scanner's findings start the recovery", async () => {
    const report = join(fx.root, '..', `gitleaks-${Date.now()}.json`);
    writeFileSync(report, JSON.stringify([{ RuleID: 'generic-api-key', File: '.env', StartLine: 3, Secret: fx.key }]));
    const r = await runBlastRadius(fx.root, { fromReport: [report] });
    expect(names(r)).toEqual(['EXAMPLE_API_KEY']);
    expect(r.report.items[0]!.exposedVia[0]).toBe('gitleaks: .env:3 (generic-api-key)');
  });

  it('--person: what a contractor could see, from credctl.yaml access', async () => {
    writeFileSync(
      join(fx.root, 'credctl.yaml'),
      `${(await import('node:fs')).readFileSync(join(fx.root, 'credctl.yaml'), 'utf8')}access:\n  contractor-jane: { files: [.env] }\n  auditor-bob: { names: [STRIPE_SECRET_KEY] }\n`,
    );
    expect(names(await runBlastRadius(fx.root, { person: 'contractor-jane', probe: false }))).toEqual(['DATABASE_URL', 'EXAMPLE_API_KEY', 'STRIPE_SECRET_KEY']);
    expect(names(await runBlastRadius(fx.root, { person: 'auditor-bob', probe: false }))).toEqual(['STRIPE_SECRET_KEY']);
    await expect(runBlastRadius(fx.root, { person: 'nobody', probe: false })).rejects.toThrow(/no access entry for nobody.*/);
  });

  it('refuses to guess when told nothing', async () => {
    await expect(runBlastRadius(fx.root, {})).rejects.toThrow(/say what was exposed/);
  });
});

describe('credctl blast-radius (CLI)', () => {
  const run = async (args: string[], input?: string) => {
    const r = await runCli(args, { cwd: fx.root, env: { ...process.env, NO_COLOR: '1' }, input: input ?? '' });
    return { status: r.code, stdout: r.stdout, stderr: r.stderr };
  };

  it('reads a pasted log from stdin, exits 1 with findings, and never prints the value', async () => {
    const r = await run(['blast-radius', '--leaked', '-', '--no-probe'], `build log\nEXAMPLE_API_KEY=${fx.key}\n`);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/EXAMPLE_API_KEY ccx_live_…\w{4}/);
    expect(r.stdout + r.stderr).not.toContain(fx.key);
  });

  it('exits 0 when nothing in the evidence is a credential, 2 on bad usage', async () => {
    expect((await run(['blast-radius', '--leaked', '-', '--no-probe'], 'nothing to see here\n')).status).toBe(0);
    expect((await run(['blast-radius'])).status).toBe(2);
    expect((await run(['blast-radius', '--name', 'X', '--format', 'pdf'])).status).toBe(2);
  });

  it('writes Markdown and JSON reports and a plan, none holding the value', async () => {
    const md = await run(['blast-radius', '--name', 'EXAMPLE_API_KEY', '--format', 'md', '--plan', 'recovery.yaml']);
    expect(md.stdout).toMatch(/^# Credential exposure report/);
    expect(md.stdout).toContain('| 1 | EXAMPLE_API_KEY `ccx_live_…');
    const json = JSON.parse((await run(['blast-radius', '--name', 'EXAMPLE_API_KEY', '--json'])).stdout);
    expect(json.items[0].access.scopes.map((s: { scope: string }) => s.scope)).toEqual(['events:read']);
    const plan = (await import('node:fs')).readFileSync(join(fx.root, 'recovery.yaml'), 'utf8');
    expect(plan).toContain('kind: RotationPlan');
    for (const text of [md.stdout, JSON.stringify(json), plan]) expect(text).not.toContain(fx.key);
  });
});
