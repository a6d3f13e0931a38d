import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startGithubApi, type GithubApiServer } from '../../src/demo/vendors/github-api.js';
import { startVercelApi, type VercelApiServer } from '../../src/demo/vendors/vercel-api.js';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan, makePlan } from '../../src/commands/rotate.js';
import { loadProject } from '../../src/graph/project-context.js';
import { fingerprint } from '../../src/core/fingerprint.js';
import { wiredProviders } from '../../src/integrations/providers.js';
import { inventory, renderInventoryHtml, renderInventoryMarkdown } from '../../src/report/inventory.js';
import { dueItems } from '../../src/report/status.js';
import { liveFixture, type LiveFixture } from '../helpers/fixture-project.js';
import { startTestIssuer, type Issuer } from '../helpers/rotation-project.js';
import { trustProject } from '../helpers/trust.js';
import { runCli } from '../helpers/cli.js';

let issuer: Issuer;
let fx: LiveFixture;
let gh: GithubApiServer;
let vercel: VercelApiServer;
const GH_TOKEN = `ghp_FAKE${randomBytes(16).toString('hex')}`;
const VERCEL_TOKEN = `FAKEvercel${randomBytes(8).toString('hex')}`;
const DAY = 86_400_000;

/** Fold everything into the first commit, dated `daysAgo`, so git blame says the values are that old. */
function backdate(root: string, daysAgo: number): void {
  const date = new Date(Date.now() - daysAgo * DAY).toISOString();
  execFileSync('git', ['add', '-A'], { cwd: root });
  execFileSync('git', ['commit', '-q', '--amend', '--no-edit', `--date=${date}`], {
    cwd: root,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'T',
      GIT_AUTHOR_EMAIL: 't@example.test',
      GIT_COMMITTER_NAME: 'T',
      GIT_COMMITTER_EMAIL: 't@example.test',
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    },
  });
}

const jwt = (exp: number) => {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: 'svc-FAKE', exp })}.${randomBytes(32).toString('base64url')}`;
};

beforeAll(async () => {
  issuer = await startTestIssuer();
  fx = await liveFixture('webapp-node', issuer, { scopes: ['events:read'], tokens: { github: GH_TOKEN, vercel: VERCEL_TOKEN } });
  writeFileSync(join(fx.root, 'CODEOWNERS'), '*       @acme/platform\n.env*   @acme/payments\n');
  appendFileSync(join(fx.root, 'credctl.yaml'), 'credentials:\n  EXAMPLE_API_KEY: { owner: platform-team }\npolicy: { max_age: 90d, expiry_warning: 14d }\n');
  trustProject(fx.root);
  // A service token whose JWT expired yesterday, written 200 days ago.
  appendFileSync(join(fx.root, '.env'), `SERVICE_JWT=${jwt(Math.floor(Date.now() / 1000) - 86400)}\n`);
  backdate(fx.root, 200);
  gh = await startGithubApi({ tokens: [GH_TOKEN], repos: ['acme/webapp-node'] });
  vercel = await startVercelApi({ tokens: [VERCEL_TOKEN], projects: [{ id: 'prj_webapp0001', name: 'webapp', teamId: 'team_acme0001' }] });
});
afterAll(async () => {
  await fx?.admin.close();
  await Promise.all([issuer?.close(), gh?.close(), vercel?.close()]);
});

const inv = async () => {
  const ctx = loadProject(fx.root);
  return {
    ctx,
    items: await inventory({
      root: fx.root,
      auditFile: ctx.paths.audit,
      graph: ctx.graph,
      settings: ctx.settings,
      providers: wiredProviders({ overrides: { example: issuer.url } }),
    }),
  };
};

describe('inventory', () => {
  it('lists every credential with owner, live scopes, use, age and how to replace it, never a value', async () => {
    const { items } = await inv();
    const byName = new Map(items.map((i) => [i.names[0], i]));
    expect(items.map((i) => i.names[0]).sort()).toEqual(
      ['DATABASE_URL', 'EXAMPLE_API_KEY', 'POSTGRES_PASSWORD', 'SERVICE_JWT', 'SESSION_SECRET', 'STRIPE_SECRET_KEY', 'STRIPE_SECRET_KEY'].sort(),
    );
    const example = byName.get('EXAMPLE_API_KEY')!;
    expect(example.owner).toBe('platform-team');
    expect(example.scopes).toEqual([{ scope: 'events:read', description: expect.stringContaining('Read events'), risk: 'read' }]);
    expect(example.targets).toContain('GitHub Actions secret EXAMPLE_API_KEY of acme/webapp-node');
    expect(example.lastWritten?.source).toBe('git');
    expect(Date.now() - Date.parse(example.lastWritten!.at)).toBeGreaterThan(199 * DAY);
    expect(example.replace).toMatch(/^credctl rotate EXAMPLE_API_KEY \(through the credctl reference issuer API\)$/);
    expect(byName.get('SESSION_SECRET')!.owner).toBe('@acme/payments');
    expect(byName.get('STRIPE_SECRET_KEY')!.replace).toMatch(/dashboard\.stripe\.com/);
    const md = renderInventoryMarkdown(items);
    const html = renderInventoryHtml(items);
    for (const text of [md, html, JSON.stringify(items)]) expect(text).not.toContain(fx.key);
    expect(md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Credential')).length).toBe(items.length);
  });

  it("credctl inventory (CLI) shows each credential's live scopes from its provider, never a value", async () => {
    const r = await runCli(['inventory', '--json'], { cwd: fx.root });
    expect(r.code, r.stderr).toBe(0);
    const items = JSON.parse(r.stdout).credentials as { names: string[]; scopes: unknown }[];
    const example = items.find((i) => i.names[0] === 'EXAMPLE_API_KEY')!;
    expect(example.scopes).toEqual([{ scope: 'events:read', description: expect.stringContaining('Read events'), risk: 'read' }]);
    expect(r.stdout).not.toContain(fx.key);
  });

  it('records when credctl last rotated a credential', async () => {
    const ctx = loadProject(fx.root);
    gh.seedSecret('acme/webapp-node', 'EXAMPLE_API_KEY', fx.key);
    vercel.seedEnv('prj_webapp0001', { key: 'EXAMPLE_API_KEY', value: fx.key, type: 'encrypted', target: ['production', 'preview', 'development'] });
    const summary = await applyPlan(makePlan(ctx, { names: ['EXAMPLE_API_KEY'] }), {
      yes: true,
      noInput: true,
      concurrency: 1,
      store: fx.store,
      onEvent: () => undefined,
      apiUrl: { 'github-actions': gh.url, 'vercel-env': vercel.url },
    });
    expect(summary.failed).toEqual([]);
    expect(summary.rotated).toHaveLength(1);
    const fresh = /EXAMPLE_API_KEY=(\S+)/.exec(readFileSync(join(fx.root, '.env.production'), 'utf8'))![1]!;
    const { items } = await inv();
    const example = items.find((i) => i.id === fingerprint(fresh))!;
    expect(Date.now() - Date.parse(example.lastRotated!)).toBeLessThan(60_000);
    expect(example.lastWritten).toBeUndefined();
  });
});

describe('status', () => {
  it('flags overdue rotation, an expired JWT and a certificate about to expire', async () => {
    const certDir = join(fx.root, 'certs');
    if (!existsSync(certDir)) mkdirSync(certDir);
    const ok = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '5',
      '-subj',
      '/CN=api.example.test',
      '-keyout',
      join(certDir, 'tls.key'),
      '-out',
      join(certDir, 'tls.crt'),
    ]);
    expect(ok.status).toBe(0);
    const { ctx, items } = await inv();
    const due = dueItems({ root: fx.root, items, maxAgeDays: ctx.settings.policy.maxAgeDays, expiryWarningDays: ctx.settings.policy.expiryWarningDays });
    const line = (d: (typeof due)[number]) => `${d.reason} ${d.what.split(' ')[0]}`;
    expect(due.map(line)).toEqual(
      expect.arrayContaining(['expired SERVICE_JWT', 'expires-soon certificate', 'rotation-overdue STRIPE_SECRET_KEY', 'rotation-overdue SERVICE_JWT']),
    );
    // EXAMPLE_API_KEY was rotated moments ago by credctl: not overdue.
    expect(due.some((d) => d.what.startsWith('EXAMPLE_API_KEY'))).toBe(false);
    expect(due.find((d) => d.kind === 'certificate')!.file).toBe('certs/tls.crt');
  });

  it('exits 1 when something is due and 0 when nothing is (CLI)', async () => {
    const due = await runCli(['status', '--no-probe', '--json'], { cwd: fx.root });
    expect(due.code).toBe(1);
    expect(JSON.parse(due.stdout).due.length).toBeGreaterThan(0);
    expect(due.stdout).not.toContain(fx.key);
    const empty = mkdtempSync(join(tmpdir(), 'credctl-empty-'));
    execFileSync('git', ['init', '-q'], { cwd: empty });
    const clean = await runCli(['status', '--no-probe'], { cwd: empty });
    expect(clean.stdout).toMatch(/^Nothing due: 0 credential/);
    expect(clean.code).toBe(0);
  });
});
