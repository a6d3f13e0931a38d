import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPaths } from '../../src/core/paths.js';
import { storeFor } from '../../src/store/open.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { trustProject } from '../helpers/trust.js';
import { startAcmeIssuer, type AcmeIssuer } from './independent-issuer/acme-issuer.js';

/**
 * Issue 17's done-when: an issuer credctl has never heard of ("Acme Analytics", written outside
 * src/ in test/standard/independent-issuer/) is named in credctl.yaml by its issuer URL alone,
 * and credctl scans its keys by the manifest's patterns, reports them live, and rotates them
 * through `/rotate`, with no value in any output.
 */
let acme: AcmeIssuer;
beforeAll(async () => {
  acme = await startAcmeIssuer();
});
afterAll(async () => acme?.close());

const DAY_MS = 86_400_000;

interface AcmeProject {
  root: string;
  env: NodeJS.ProcessEnv;
  cacheDir: string;
  value: string;
  oldId: string;
}

async function acmeProject(options: { trust?: boolean; yaml?: string } = {}): Promise<AcmeProject> {
  const root = mkdtempSync(join(tmpdir(), 'credctl-acme-'));
  const home = mkdtempSync(join(tmpdir(), 'credctl-acme-home-'));
  const cacheDir = join(home, 'cache');
  execFileSync('git', ['init', '-q', root]);
  // A key with a 30-day lifetime, as Acme's dashboard would make it.
  const { c, value } = acme.mintKey({ scopes: ['reports:read', 'reports:write'], ttlSeconds: 30 * 86_400, name: 'reporting' });
  writeFileSync(join(root, '.env'), `ACME_API_KEY=${value}\nPORT=3000\n`);
  mkdirSync(join(root, 'src'));
  writeFileSync(join(root, 'src', 'report.js'), 'export const key = process.env.ACME_API_KEY;\n');
  writeFileSync(join(root, 'credctl.yaml'), options.yaml ?? `providers:\n  acme: { issuer: ${acme.url}, admin: "store:acme/admin" }\n`);
  const keyFile = join(home, 'store.key');
  writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    CREDCTL_CACHE_DIR: cacheDir,
    CREDCTL_STORE: 'file',
    CREDCTL_KEY_FILE: keyFile,
    NO_COLOR: '1',
    CI: 'true',
  };
  if (options.trust !== false) trustProject(root, env);
  const paths = projectPaths(root);
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  await storeFor('file', paths, { env }).put('acme/admin', acme.adminToken, ['current']);
  return { root, env, cacheDir, value, oldId: c.id };
}

function expectNoValue(runs: CliRun[], values: string[]): void {
  for (const run of runs) for (const v of values) expect(run.stdout + run.stderr).not.toContain(v);
}

describe('zero-code onboarding of an issuer credctl has never heard of', () => {
  it('scans by the manifest patterns, reports the key live, and rotates it through /rotate with the old lifetime', async () => {
    const p = await acmeProject();
    const runs: CliRun[] = [];
    const cli = async (args: string[]) => {
      const run = await runCli(args, { cwd: p.root, env: p.env });
      runs.push(run);
      return run;
    };

    const providers = await cli(['providers', 'list', '--json']);
    expect(providers.code, providers.stderr).toBe(0);
    const acmeEntry = (
      JSON.parse(providers.stdout) as { providers: { id: string; name: string; integration: string; source: string; capabilities: Record<string, string> }[] }
    ).providers.find((x) => x.id === 'acme');
    expect(acmeEntry).toMatchObject({
      name: 'Acme Analytics',
      integration: 'standard',
      source: 'published',
      capabilities: { verify: 'api', rotate: 'api', revoke: 'api' },
    });

    const scan = await cli(['scan', p.root, '--format', 'json']);
    expect(scan.code, scan.stderr).toBe(1);
    const findings = (JSON.parse(scan.stdout) as { findings: { ruleId: string; provider: string; file: string }[] }).findings;
    expect(findings.filter((f) => f.file.endsWith('.env'))).toEqual([expect.objectContaining({ provider: 'acme', ruleId: 'acme-issuer-pattern-0' })]);

    const blast = await cli(['blast-radius', '--leaked', '.env', '--json']);
    expect(blast.stderr).not.toMatch(/not trusted/);
    const item = (JSON.parse(blast.stdout) as { items: { provider: string; liveness: { status: string } }[] }).items.find((i) => i.provider === 'acme');
    expect(item?.liveness.status).toBe('active');

    const planFile = join(p.root, 'plan.yaml');
    const plan = await cli(['plan', '--project', '-o', planFile]);
    expect(plan.code, plan.stderr).toBe(0);
    const planText = readFileSync(planFile, 'utf8');
    expect(planText).toContain('acme');
    const apply = await cli(['apply', planFile, '--yes', '--no-input', '--json']);
    expect(apply.code, apply.stderr + apply.stdout).toBe(0);

    // The issuer saw the rotation, not a create: POST .../keys/<old id>/rotate.
    expect(acme.calls).toContainEqual({ method: 'POST', path: `/api/keys/${p.oldId}/rotate` });
    expect(acme.events).toContainEqual(expect.objectContaining({ action: 'rotated', credential_id: p.oldId }));
    const fresh = /^ACME_API_KEY=(\S+)$/m.exec(readFileSync(join(p.root, '.env'), 'utf8'))![1]!;
    expect(fresh).toMatch(/^acme_live_[0-9A-Za-z]{32}$/);
    expect(fresh).not.toBe(p.value);
    const newKey = acme.byValue(fresh)!;
    expect(newKey.rotated_from).toBe(p.oldId);
    expect(newKey.scopes.sort()).toEqual(['reports:read', 'reports:write']);
    // The old key's 30-day lifetime, not the create default of 365 days.
    expect(Date.parse(newKey.expires_at!) - Date.parse(newKey.created_at)).toBe(30 * DAY_MS);
    expect(newKey.status).toBe('active');
    expect(acme.byValue(p.value)!.status).toBe('revoked');

    expectNoValue(runs, [p.value, fresh, acme.adminToken]);
    expect(planText).not.toContain(p.value);
  });

  it('without `rotate` in supported_operations, creates a replacement with the old scopes and revokes the old', async () => {
    acme.patchManifest({ supported_operations: ['discover', 'create', 'revoke', 'introspect', 'list', 'deactivate', 'reactivate'] });
    try {
      const p = await acmeProject();
      const created = acme.calls.filter((c) => c.method === 'POST' && c.path === '/api/keys').length;
      const planFile = join(p.root, 'plan.yaml');
      expect((await runCli(['plan', '--project', '-o', planFile], { cwd: p.root, env: p.env })).code).toBe(0);
      const apply = await runCli(['apply', planFile, '--yes', '--no-input'], { cwd: p.root, env: p.env });
      expect(apply.code, apply.stderr).toBe(0);
      expect(acme.calls.filter((c) => c.method === 'POST' && c.path === '/api/keys').length).toBe(created + 1);
      expect(acme.calls).not.toContainEqual({ method: 'POST', path: `/api/keys/${p.oldId}/rotate` });
      const fresh = /^ACME_API_KEY=(\S+)$/m.exec(readFileSync(join(p.root, '.env'), 'utf8'))![1]!;
      expect(acme.byValue(fresh)!.scopes.sort()).toEqual(['reports:read', 'reports:write']);
      expect(acme.byValue(p.value)!.status).toBe('revoked');
      expectNoValue([apply], [p.value, fresh]);
    } finally {
      acme.patchManifest({});
    }
  });

  it('uses the cached manifest when the issuer cannot be reached, and says so', async () => {
    const other = await startAcmeIssuer();
    const p = await acmeProject({ yaml: `providers:\n  acme: { issuer: ${other.url} }\n` });
    expect((await runCli(['providers', 'list'], { cwd: p.root, env: p.env })).stdout).toContain('Acme Analytics');
    await other.close();
    // Within its freshness window the cache is used without asking: no message. Past it, asked.
    expect((await runCli(['providers', 'list'], { cwd: p.root, env: p.env })).stderr).toBe('');
    const { readdirSync, writeFileSync } = await import('node:fs');
    for (const name of readdirSync(join(p.cacheDir, 'issuers'))) {
      const file = join(p.cacheDir, 'issuers', name);
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), fetched_at: new Date(Date.now() - 11 * 60_000).toISOString() }));
    }
    const offline = await runCli(['providers', 'list'], { cwd: p.root, env: p.env });
    expect(offline.code).toBe(0);
    expect(offline.stdout).toContain('Acme Analytics');
    expect(offline.stderr).toMatch(/providers\.acme: the issuer could not be reached; using its cached manifest/);
    // Without a cache: one line, and the command goes on without the provider.
    const fresh = await runCli(['providers', 'list'], { cwd: p.root, env: { ...p.env, CREDCTL_CACHE_DIR: join(p.cacheDir, 'empty') } });
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).not.toContain('Acme Analytics');
    expect(fresh.stderr).toMatch(/providers\.acme: the issuer could not be reached and no manifest is cached \(.+\); its keys are not recognised this run/);
  });

  it('offline (CREDCTL_OFFLINE=1) a remote issuer is a warning, not a failure; a forbidden address is refused (exit 6)', async () => {
    const offline = await acmeProject({ yaml: 'providers:\n  acme: { issuer: https://api.acme.example }\n' });
    const run = await runCli(['providers', 'list'], { cwd: offline.root, env: { ...offline.env, CREDCTL_OFFLINE: '1' } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /^credctl: credctl\.yaml: providers\.acme: the issuer could not be reached and no manifest is cached \(.*CREDCTL_OFFLINE=1.*\)/m,
    );
    const metadata = await acmeProject({ yaml: 'providers:\n  acme: { issuer: https://169.254.169.254 }\n' });
    const refused = await runCli(['providers', 'list'], { cwd: metadata.root, env: metadata.env });
    expect(refused.code).toBe(6);
  });

  it('caches the manifest: used as is for 10 minutes, then revalidated by ETag (304 uses the cache)', async () => {
    const p = await acmeProject();
    const before = acme.calls.filter((c) => c.path === '/.well-known/credential-issuer').length;
    const notModified = acme.stats.notModified;
    const first = await runCli(['providers', 'list'], { cwd: p.root, env: p.env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^acme\s+Acme Analytics\s+api\s+api\s+api\s+api\s+standard\s+published/m);
    const cached = readFileSync(join(p.cacheDir, 'issuers', (await import('node:fs')).readdirSync(join(p.cacheDir, 'issuers'))[0]!), 'utf8');
    expect(JSON.parse(cached)).toMatchObject({ url: `${acme.url}/.well-known/credential-issuer`, etag: expect.stringMatching(/^"/) });
    // Within the freshness window: no call at all (a scan or a hook does not ask every time).
    const second = await runCli(['providers', 'list'], { cwd: p.root, env: p.env });
    expect(second.stdout).toContain('Acme Analytics');
    expect(acme.calls.filter((c) => c.path === '/.well-known/credential-issuer').length).toBe(before + 1);
    // Eleven minutes later: revalidated with If-None-Match, and the 304 uses the cache.
    const file = join(p.cacheDir, 'issuers', (await import('node:fs')).readdirSync(join(p.cacheDir, 'issuers'))[0]!);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    (await import('node:fs')).writeFileSync(file, JSON.stringify({ ...doc, fetched_at: new Date(Date.now() - 11 * 60_000).toISOString() }));
    const third = await runCli(['providers', 'list'], { cwd: p.root, env: p.env });
    expect(third.stdout).toContain('Acme Analytics');
    expect(acme.calls.filter((c) => c.path === '/.well-known/credential-issuer').length).toBe(before + 2);
    expect(acme.stats.notModified).toBe(notModified + 1);
    const show = await runCli(['providers', 'show', 'acme'], { cwd: p.root, env: p.env });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('Acme Analytics (acme)');
    expect(show.stdout).toMatch(/integration src\/integrations\/standard\//);
    expect(show.stdout).toMatch(/can\s+verify api, analyze api, rotate api \(overlap\), revoke api/);
  });

  it('never contacts the issuer of an untrusted credctl.yaml', async () => {
    const p = await acmeProject({ trust: false });
    const before = acme.calls.length;
    const list = await runCli(['providers', 'list', '--json'], { cwd: p.root, env: p.env });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).not.toContain('"acme"');
    const scan = await runCli(['scan', p.root, '--format', 'json', '--no-graph'], { cwd: p.root, env: p.env });
    const findings = (JSON.parse(scan.stdout) as { findings: { provider: string }[] }).findings;
    expect(findings.some((f) => f.provider === 'acme')).toBe(false);
    expect(acme.calls.length).toBe(before);
  });

  it('refuses a manifest pattern that is not anchored or can backtrack: one line naming the provider and pattern index, exit 3', async () => {
    const cases: [string, RegExp][] = [
      ['acme_live_[0-9A-Za-z]{32}', /credential_patterns\[1\]: regex must be anchored/],
      ['^(a+)+$', /credential_patterns\[1\]: regex (?:can backtrack catastrophically|repeats a part that itself repeats)/],
      ['^(acme)_\\1$', /credential_patterns\[1\]: regex uses a backreference/],
      ['^(?=acme)acme_[a-z]{8}$', /credential_patterns\[1\]: regex uses lookaround/],
      [`^acme_${'a'.repeat(520)}$`, /credential_patterns\[1\]: regex is 527 characters; at most 512/],
    ];
    try {
      for (const [regex, message] of cases) {
        acme.patchManifest({
          credential_patterns: [
            { name: 'fine', regex: '^acme_live_[0-9A-Za-z]{32}$' },
            { name: 'hostile', regex },
          ],
        });
        const p = await acmeProject();
        const run = await runCli(['scan', p.root, '--no-graph'], { cwd: p.root, env: p.env });
        expect(run.code).toBe(3);
        expect(run.stderr.split('\n')[0]).toMatch(/^credctl: credctl\.yaml: providers\.acme/);
        expect(run.stderr).toMatch(message);
        expect(run.stderr).not.toContain(p.value);
      }
    } finally {
      acme.patchManifest({});
    }
  });
});
