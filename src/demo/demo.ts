import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { applyPlan, makePlan } from '../commands/rotate.js';
import { loadProject } from '../graph/project-context.js';
import type { EngineEvent } from '../apply/ports.js';
import { readLocalAudit } from '../audit/bundle.js';
import { parsePublicKey } from '../audit/keys.js';
import { verifyAudit } from '../audit/verify.js';
import { parseDotenv } from '../core/dotenv.js';
import { projectPaths } from '../core/paths.js';
import { redact } from '../core/redact.js';
import { startIssuer } from '../issuer/server.js';
import { StandardClient } from '../integrations/standard/client.js';
import { canLogin, loginFromUrl } from '../integrations/postgres/admin.js';
import { storeFor } from '../store/open.js';
import { acceptExposure, closeIncident, openIncident, verifyIncidentProof } from '../commands/incident.js';
import { openProject } from '../project/context.js';
import { grantTrust } from '../trust/gate.js';
import type { BlastReport } from '../report/model.js';
import type { Plan, RunSummary } from '../plan/types.js';
import { postgresBinDir, startPostgres, type LocalPostgres } from './postgres-cluster.js';
import { startGithubApi } from './vendors/github-api.js';
import { startVercelApi } from './vendors/vercel-api.js';
import { startAwsApi, type StandInKey } from './vendors/aws-api.js';

/**
 * `credctl demo`: a real leak-to-recovery run on a copy of fixtures/webapp-node.
 *
 * Everything is real except the vendors that cannot be reached from here: the reference issuer
 * (credctl's own server) mints the app's API key, a throwaway PostgreSQL cluster holds the app's
 * database role (when PostgreSQL is installed), and local stand-ins that speak GitHub's and
 * Vercel's documented APIs (sealed boxes included) hold the deploy copies. Then a CI log leaks
 * the environment, and the demo runs what a person would: blast radius, plan, apply, and the
 * checks that prove the recovery, ending with the audit log's verification.
 */
export interface DemoOptions {
  keep?: boolean;
  postgres?: boolean;
  /** Where narration goes (stderr when --json keeps stdout for the result). */
  say: (line: string) => void;
  onEvent?: (e: EngineEvent) => void;
  /** Called with the blast radius and the recovery plan before anything is rotated. */
  onBlastRadius?: (report: BlastReport, plan: Plan) => void;
}

export interface DemoCheck {
  ok: boolean;
  what: string;
}

export interface DemoResult {
  workspace: string;
  kept: boolean;
  exposed: number;
  credentialsRotated: number;
  oldCredentialsRevoked: number;
  oldCredentialsRefusedAfterRevoke: number;
  healthChecksPassed: number;
  healthChecksFailed: number;
  auditVerified: boolean;
  auditEntries: number;
  checks: DemoCheck[];
  manualFollowUps: { name: string; provider: string; why: string; url?: string }[];
  postgres: 'rotated' | 'skipped: PostgreSQL is not installed' | 'skipped: --no-postgres' | string;
  /** The demo runs as an incident: opened from the leak, closed with a proof, the proof verified offline. */
  incident: { id: string; opened: boolean; closed: boolean; proofVerified: boolean; accepted: number; proof: string; refusal?: string };
  report: BlastReport;
  run: RunSummary;
}

const FIXTURE_KEY = 'ccx_live_FAKEwebappN0de7hK2mP9qR4sT6vW8xY';
const FIXTURE_DB_PASSWORD = 'FAKEdevPass2024';
const REPO = 'acme/webapp';
const APP_SCOPES = ['events:read', 'events:write'];

function fixtureDir(): string {
  return fileURLToPath(new URL('../../fixtures/webapp-node/', import.meta.url));
}

/** Replace `from` with `to` in every text file of the workspace (the fixture's fake key → a live one). */
function replaceEverywhere(root: string, from: string, to: string): string[] {
  const changed: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === '.git' || name === '.credctl') continue;
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const text = readFileSync(full, 'utf8');
        if (text.includes(from)) {
          writeFileSync(full, text.split(from).join(to));
          changed.push(full.slice(root.length + 1));
        }
      }
    }
  };
  walk(root);
  return changed;
}

function git(root: string, ...args: string[]): void {
  execFileSync('git', args, {
    cwd: root,
    stdio: 'ignore',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Dev Eloper',
      GIT_AUTHOR_EMAIL: 'dev@example.test',
      GIT_COMMITTER_NAME: 'Dev Eloper',
      GIT_COMMITTER_EMAIL: 'dev@example.test',
    },
  });
}

function envValue(root: string, file: string, name: string): string | undefined {
  return parseDotenv(readFileSync(join(root, file), 'utf8')).values.get(name)?.value;
}

/** The running services of one demo: the issuer, the vendor stand-ins, maybe PostgreSQL. */
interface Services {
  issuer: Awaited<ReturnType<typeof startIssuer>>;
  admin: StandardClient;
  gh: Awaited<ReturnType<typeof startGithubApi>>;
  ghToken: string;
  vercel: Awaited<ReturnType<typeof startVercelApi>>;
  vercelToken: string;
  aws: Awaited<ReturnType<typeof startAwsApi>>;
  db?: LocalPostgres;
  postgres: DemoResult['postgres'];
}

/** The live values the demo planted, to check the recovery against from the outside. */
interface Planted {
  minted: { value: string };
  oldDbUrl: string;
  awsKey: StandInKey;
  awsAdmin: StandInKey;
}

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const say = opts.say;
  const ws = mkdtempSync(join(tmpdir(), 'credctl-demo-'));
  const closers: (() => Promise<void> | void)[] = [];
  const saved = { ...process.env };
  try {
    const { paths, store } = isolate(ws);
    const svc = await startServices(ws, opts, closers);
    const planted = await makeKeysLive(ws, svc, store);
    writeProject(ws, svc);
    say(`Workspace: ${ws} (a copy of fixtures/webapp-node, a git repository)`);
    say(
      "Trusted the workspace's credctl.yaml (the demo wrote it: its health check, issuer and admin tokens); in your own projects, `credctl trust` shows what it allows and asks.",
    );
    say(
      `Running: the reference issuer at ${svc.issuer.url}${svc.db ? `, PostgreSQL on 127.0.0.1:${svc.db.port}` : ''}, and local stand-ins for the GitHub, Vercel and AWS STS/IAM APIs (no network here; the AWS one checks SigV4 signatures).`,
    );
    const leakFile = leak(ws, planted.oldDbUrl);
    say('\nThe leak: a CI job ran `env | sort` and its public log shows the production keys (leak/ci-log.txt).\n');
    const recovery = await recover(ws, leakFile, svc, store, opts);
    const proof = await prove(ws, svc, planted, recovery.report, paths);
    const incident = await closeWithProof(ws, recovery.incidentId, recovery.report, recovery.run, paths);
    proof.checks.push({
      ok: incident.closed && incident.proofVerified,
      what: incident.closed
        ? `incident ${incident.id}: closed with a proof that verifies offline with only the audit public key${incident.proofVerified ? '' : ' (FAILED to verify)'}`
        : `incident ${incident.id}: could not close: ${incident.refusal}`,
    });
    return {
      workspace: ws,
      kept: Boolean(opts.keep),
      exposed: recovery.report.items.length,
      credentialsRotated: recovery.run.rotated.length,
      oldCredentialsRevoked: recovery.run.revoked.length,
      oldCredentialsRefusedAfterRevoke: recovery.run.refusedAfterRevoke.length,
      healthChecksPassed: recovery.run.healthChecksPassed,
      healthChecksFailed: recovery.run.healthChecksFailed,
      auditVerified: proof.auditVerified,
      auditEntries: proof.auditEntries,
      checks: proof.checks,
      manualFollowUps: recovery.manualFollowUps,
      postgres: svc.postgres,
      incident,
      report: recovery.report,
      run: recovery.run,
    };
  } finally {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    if (!opts.keep) rmSync(ws, { recursive: true, force: true });
  }
}

/** The project, its state and its store: all inside the workspace, nothing in your home. */
function isolate(ws: string) {
  cpSync(fixtureDir(), ws, { recursive: true });
  const keyFile = join(ws, '.credctl-demo-store.key');
  writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  process.env.CREDCTL_STORE = 'file';
  process.env.CREDCTL_KEY_FILE = keyFile;
  // The parsed-rules cache too (it would go to ~/.cache/credctl).
  process.env.CREDCTL_CACHE_DIR = join(ws, '.credctl-demo-cache');
  delete process.env.CREDCTL_STATE_DIR;
  process.env.CREDCTL_CONFIG_DIR = join(ws, '.credctl-demo-config');
  // The demo's keys are checked only at its local stand-ins: no vendor on the internet is asked.
  process.env.CREDCTL_OFFLINE = '1';
  const paths = projectPaths(ws);
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  return { paths, store: storeFor('file', paths) };
}

/** The reference issuer, stand-ins for GitHub, Vercel and AWS, and PostgreSQL when installed. */
async function startServices(ws: string, opts: DemoOptions, closers: (() => Promise<void> | void)[]): Promise<Services> {
  const issuer = await startIssuer({ port: 0, dataDir: join(ws, '.issuer-data') });
  closers.push(() => issuer.close());
  const admin = new StandardClient({ issuer: issuer.url, adminToken: issuer.adminToken });
  closers.push(() => admin.close());
  const ghToken = `ghp_${randomBytes(27).toString('base64url').replace(/[-_]/g, 'x').slice(0, 36)}`;
  const vercelToken = randomBytes(18).toString('base64url');
  const gh = await startGithubApi({ tokens: [ghToken], repos: [REPO] });
  closers.push(() => gh.close());
  const vercel = await startVercelApi({ tokens: [vercelToken], projects: [{ id: 'prj_webapp0001', name: 'webapp', teamId: 'team_acme0001' }] });
  closers.push(() => vercel.close());
  const aws = await startAwsApi({ account: '000011112222' });
  closers.push(() => aws.close());
  let postgres: DemoResult['postgres'] = opts.postgres === false ? 'skipped: --no-postgres' : 'skipped: PostgreSQL is not installed';
  let db: LocalPostgres | undefined;
  if (opts.postgres !== false && postgresBinDir()) {
    try {
      db = await startPostgres();
      closers.push(() => db!.stop());
      await seedDatabase(db);
      postgres = 'rotated';
    } catch (err) {
      postgres = `skipped: PostgreSQL did not start (${(err as Error).message.split('\n')[0]})`;
      db = undefined;
    }
  }
  return { issuer, admin, gh, ghToken, vercel, vercelToken, aws, ...(db ? { db } : {}), postgres };
}

/** The app's role and a table it reads, with the fixture's (fake) password. */
async function seedDatabase(db: LocalPostgres): Promise<void> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await c.query(`CREATE ROLE app LOGIN PASSWORD '${FIXTURE_DB_PASSWORD}'`);
  await c.query('CREATE DATABASE app OWNER app');
  await c.end();
  const appDb = new pg.Client({ connectionString: `postgres://app:${FIXTURE_DB_PASSWORD}@127.0.0.1:${db.port}/app` });
  await appDb.connect();
  await appDb.query('CREATE TABLE orders (id serial primary key, total_cents int)');
  await appDb.query('INSERT INTO orders (total_cents) VALUES (1299), (4500)');
  await appDb.end();
}

/** Make the fixture's keys live: a real (deliberately overbroad) key at the issuer, an AWS key, the deploy copies. */
async function makeKeysLive(ws: string, svc: Services, store: ReturnType<typeof storeFor>): Promise<Planted> {
  const minted = await svc.admin.create({ scopes: [...APP_SCOPES, 'keys:admin'], environment: 'live', name: 'webapp production' });
  replaceEverywhere(ws, FIXTURE_KEY, minted.value);
  if (svc.db) replaceEverywhere(ws, '@localhost:5432/app', `@127.0.0.1:${svc.db.port}/app`);
  const oldDbUrl = envValue(ws, '.env', 'DATABASE_URL')!;
  // AWS: the app's S3 uploader key, a two-part credential, and the IAM user credctl rotates with.
  svc.aws.addUser('webapp-uploads', { policies: ['AmazonS3FullAccess'], inline: ['invoices-bucket-write'] });
  svc.aws.addUser('credctl-rotator', { admin: true });
  const awsKey = svc.aws.addKey('webapp-uploads');
  const awsAdmin = svc.aws.addKey('credctl-rotator');
  appendFileSync(join(ws, '.env.production'), `AWS_ACCESS_KEY_ID=${awsKey.id}\nAWS_SECRET_ACCESS_KEY=${awsKey.secret}\n`);
  svc.gh.seedSecret(REPO, 'EXAMPLE_API_KEY', minted.value);
  svc.vercel.seedEnv('prj_webapp0001', { key: 'EXAMPLE_API_KEY', value: minted.value, type: 'encrypted', target: ['production', 'preview', 'development'] });
  await store.put('example/admin', svc.issuer.adminToken, ['current']);
  await store.put('github/token', svc.ghToken, ['current']);
  await store.put('vercel/token', svc.vercelToken, ['current']);
  if (svc.db) await store.put('postgres/admin', svc.db.url, ['current']);
  await store.put('aws/admin', `${awsAdmin.id}:${awsAdmin.secret}`, ['current']);
  return { minted, oldDbUrl, awsKey, awsAdmin };
}

/** The app's smoke tests, credctl.yaml, the git history, and the demo's trust in its own config. */
function writeProject(ws: string, svc: Services): void {
  // The app's own smoke tests, run by credctl with the new values before anything is revoked.
  mkdirSync(join(ws, 'scripts'), { recursive: true });
  writeFileSync(
    join(ws, 'scripts', 'smoke.mjs'),
    `// Does the app's key still do what the app needs? Read and send events.
const base = process.env.EXAMPLE_API_URL;
const auth = { authorization: 'Bearer ' + process.env.EXAMPLE_API_KEY, 'content-type': 'application/json' };
const sent = await fetch(base + '/v1/events', { method: 'POST', headers: auth, body: JSON.stringify({ type: 'smoke' }) });
const read = await fetch(base + '/v1/events', { headers: auth });
if (sent.status >= 300 || read.status !== 200) { console.error('events API answered', sent.status, read.status); process.exit(1); }
console.log('events API ok');
`,
  );
  writeFileSync(
    join(ws, 'scripts', 'db-smoke.cjs'),
    `// Can the app still read its orders?
const { Client } = require('pg');
const c = new Client({ connectionString: process.env.DATABASE_URL });
c.connect().then(() => c.query('SELECT count(*)::int AS n FROM orders')).then((r) => { console.log('orders:', r.rows[0].n); return c.end(); })
.catch((e) => { console.error('database check failed:', e.message); process.exit(1); });
`,
  );
  process.env.EXAMPLE_API_URL = svc.issuer.url;
  process.env.NODE_PATH = dirname(dirname(createRequire(import.meta.url).resolve('pg/package.json')));
  writeFileSync(
    join(ws, 'credctl.yaml'),
    [
      '# What the repository cannot say by itself. No values here, ever.',
      'project: { github: acme/webapp }',
      'providers:',
      `  example: { issuer: "${svc.issuer.url}", admin: "store:example/admin" }`,
      '  github: { admin: "store:github/token" }',
      '  vercel: { admin: "store:vercel/token" }',
      ...(svc.db ? ['  postgres: { admin: "store:postgres/admin" }'] : []),
      `  aws: { issuer: "${svc.aws.url}", admin: "store:aws/admin" }   # the IAM stand-in; ACCESS_KEY_ID:SECRET in the store`,
      'credentials:',
      '  EXAMPLE_API_KEY:',
      '    owner: platform-team',
      `    scopes: [${APP_SCOPES.join(', ')}]   # what the app needs; the old key also had keys:admin`,
      '    health:',
      '      - command: node scripts/smoke.mjs',
      '        env: [EXAMPLE_API_URL]          # health checks get only what they name, plus the new value',
      '  DATABASE_URL:',
      '    owner: platform-team',
      '    health:',
      '      - command: node scripts/db-smoke.cjs',
      '        env: [NODE_PATH]',
      '  STRIPE_SECRET_KEY: { owner: payments-team }',
      'access:',
      '  contractor-jane: { files: [.env], targets: [github-actions] }',
      'policy: { max_age: 90d }',
      '',
    ].join('\n'),
  );
  git(ws, 'init', '-q');
  git(ws, 'remote', 'add', 'origin', `git@github.com:${REPO}.git`);
  git(ws, 'add', '-A');
  git(ws, 'commit', '-q', '-m', 'webapp: initial import');

  // The demo wrote this credctl.yaml itself, so it trusts it, in its own config dir inside the
  // workspace (a real project is trusted by a person: `credctl trust`).
  const demoProject = openProject(ws);
  grantTrust(demoProject.root, demoProject.trust);
}

/** The leak: a CI job printed its environment into a public log. */
function leak(ws: string, oldDbUrl: string): string {
  // 4. The leak: a CI job printed its environment into a public log.
  mkdirSync(join(ws, 'leak'));
  const leakFile = join(ws, 'leak', 'ci-log.txt');
  const leakedNames = ['EXAMPLE_API_KEY', 'STRIPE_SECRET_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];
  const leakLines = [
    '2026-11-22T09:14:02Z ##[group]Run env | sort',
    ...leakedNames.map((n) => `${n}=${envValue(ws, '.env.production', n)}`),
    `DATABASE_URL=${oldDbUrl}`,
    'NODE_ENV=production',
    '##[endgroup]',
  ];
  writeFileSync(leakFile, leakLines.join('\n') + '\n');
  return leakFile;
}

/** Blast radius, a recovery plan for everything credctl can rotate through an API, and apply. */
async function recover(ws: string, leakFile: string, svc: Services, store: ReturnType<typeof storeFor>, opts: DemoOptions) {
  // 5. An incident: the blast radius of the leak, remembered. Then a recovery plan for everything
  // credctl can rotate through an API.
  const opened = await openIncident(ws, { leaked: [leakFile], title: 'A CI job printed the production environment in a public log' });
  const { report } = opened;
  if (!opened.incident) throw new Error('the demo leak exposed nothing: the fixture is broken');
  const incidentId = opened.incident.incident.id;
  const ctx = loadProject(ws);
  const rotatable = report.items.filter((i) => i.inGraph && i.rotation.strategy === 'api' && !i.rotation.note?.startsWith('rotated together')).map((i) => i.id);
  const plan: Plan = makePlan(ctx, { ids: rotatable });
  const manualFollowUps = report.items
    .filter((i) => !rotatable.includes(i.id) && !i.rotation.note?.startsWith('rotated together'))
    .map((i) => ({
      name: i.names[0] ?? i.redacted,
      provider: i.provider,
      why:
        i.provider === 'postgres'
          ? `PostgreSQL is not running in this demo (${svc.postgres}); with providers.postgres.admin set, credctl rotates it through SQL`
          : i.provider === 'generic' || i.provider === 'unknown'
            ? 'a shared secret with no issuer API: change it where it is defined, then everywhere it is used'
            : `${i.provider} offers no API to create a replacement`,
      ...(i.rotation.note && /^https?:/.test(i.rotation.note) ? { url: i.rotation.note } : {}),
    }));

  opts.onBlastRadius?.(report, plan);

  // 6. Apply: create, seal, inject everywhere, health-check, revoke, verify.
  const run = await applyPlan(plan, {
    yes: true,
    noInput: true,
    concurrency: 2,
    store,
    apiUrl: { 'github-actions': svc.gh.url, 'vercel-env': svc.vercel.url },
    onEvent: opts.onEvent,
  });
  return { report, plan, manualFollowUps, run, incidentId };
}

/**
 * 7. Close the incident with a proof. What only a person can do (a dashboard step) is accepted
 * with a reason that says exactly that, so the proof is honest about it; then credctl re-checks
 * with the providers and targets, records the close in the audit log and verifies the proof the
 * way an auditor would: offline, with only the public key.
 */
async function closeWithProof(ws: string, incidentId: string, report: BlastReport, run: RunSummary, paths: ReturnType<typeof projectPaths>) {
  const rotated = new Set(run.rotated);
  const partsOfRotated = new Set(report.items.filter((i) => i.rotation.partOf && rotated.has(i.rotation.partOf)).map((i) => i.id));
  let accepted = 0;
  for (const item of report.items) {
    if (rotated.has(item.id) || partsOfRotated.has(item.id)) continue;
    await acceptExposure(
      ws,
      incidentId,
      item.id,
      `demo only: a step for a person (see "Still to do by hand"); accepted so the demo can close, never in a real incident`,
    );
    accepted++;
  }
  const proof = join(ws, 'incident-proof.json');
  try {
    await closeIncident(ws, incidentId, proof, { noInput: true });
  } catch (err) {
    return { id: incidentId, opened: true, closed: false, proofVerified: false, accepted, proof, refusal: (err as Error).message };
  }
  let proofVerified = false;
  try {
    verifyIncidentProof(proof, readFileSync(paths.auditPub, 'utf8'));
    proofVerified = true;
  } catch {
    proofVerified = false;
  }
  return { id: incidentId, opened: true, closed: true, proofVerified, accepted, proof };
}

/** Proof, checked from the outside: the issuer, the database, the stand-ins, the audit log, the state. */
async function prove(ws: string, svc: Services, planted: Planted, report: BlastReport, paths: ReturnType<typeof projectPaths>) {
  // 7. Proof, checked from the outside.
  const checks: DemoCheck[] = [];
  const check = (ok: boolean, what: string) => checks.push({ ok, what });
  const whoami = async (value: string) => {
    const r = await fetch(`${svc.issuer.url}/v1/whoami`, { headers: { authorization: `Bearer ${value}` } });
    await r.arrayBuffer();
    return r.status;
  };
  const newKey = envValue(ws, '.env.production', 'EXAMPLE_API_KEY')!;
  check(newKey !== planted.minted.value && (await whoami(newKey)) === 200, `EXAMPLE_API_KEY: the new key ${redact(newKey)} works (whoami 200)`);
  check((await whoami(planted.minted.value)) === 401, `EXAMPLE_API_KEY: the leaked key ${redact(planted.minted.value)} is refused by the issuer (401)`);
  const scopes = ((await svc.admin.introspect(newKey)).scopes ?? []).sort();
  check(
    scopes.join(' ') === [...APP_SCOPES].sort().join(' '),
    `EXAMPLE_API_KEY: narrowed from ${[...APP_SCOPES, 'keys:admin'].join(', ')} to ${scopes.join(', ')}`,
  );
  check(
    svc.gh.secret(REPO, 'EXAMPLE_API_KEY')?.value === newKey,
    'GitHub Actions secret EXAMPLE_API_KEY holds the new key (the stand-in opened the sealed box)',
  );
  check(
    svc.vercel.envs('prj_webapp0001').find((e) => e.key === 'EXAMPLE_API_KEY')?.value === newKey,
    'Vercel env EXAMPLE_API_KEY holds the new key (a redeploy is needed to pick it up)',
  );
  const newAwsId = envValue(ws, '.env.production', 'AWS_ACCESS_KEY_ID');
  const newAwsSecret = envValue(ws, '.env.production', 'AWS_SECRET_ACCESS_KEY');
  const awsLive = svc.aws.keys('webapp-uploads');
  const awsItem = report.items.find((i) => i.provider === 'aws' && i.names.includes('AWS_SECRET_ACCESS_KEY'));
  check(
    awsItem?.liveness.status === 'active' && awsItem.identity?.principal === 'arn:aws:iam::000011112222:user/webapp-uploads',
    'AWS: blast radius verified the leaked key live through STS GetCallerIdentity, as IAM user webapp-uploads',
  );
  check(
    awsItem?.access.scopes.some((x) => x.scope === 'AmazonS3FullAccess') === true,
    `AWS: and read what it can reach: ${awsItem?.access.scopes.map((x) => x.scope).join(', ') ?? 'nothing'}`,
  );
  check(
    newAwsId !== planted.awsKey.id && awsLive.length === 1 && awsLive[0]!.id === newAwsId && awsLive[0]!.secret === newAwsSecret,
    `AWS: a new access key ${newAwsId?.slice(0, 8)}… (id and secret together) is in .env.production`,
  );
  check(!awsLive.some((k) => k.id === planted.awsKey.id), `AWS: the leaked key ${planted.awsKey.id.slice(0, 8)}… is deleted at IAM (DeleteAccessKey)`);
  if (svc.db) {
    const newDbUrl = envValue(ws, '.env', 'DATABASE_URL')!;
    check(
      newDbUrl !== planted.oldDbUrl && (await canLogin(newDbUrl, loginFromUrl(newDbUrl))),
      `DATABASE_URL: the new role ${loginFromUrl(newDbUrl).user} logs in and reads the orders`,
    );
    check(!(await canLogin(planted.oldDbUrl, loginFromUrl(planted.oldDbUrl))), 'DATABASE_URL: the leaked password no longer logs in');
  }
  const audit = readLocalAudit(paths);
  const verified = verifyAudit({ logText: audit.logText, checkpointsText: audit.checkpointsText, publicKey: parsePublicKey(audit.publicKeyPem) });
  check(verified.ok, `audit log: ${verified.entries} entries, hash chain, signatures and checkpoints verify`);
  const stateText = readdirSync(paths.stateDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), 'latin1'))
    .join('\n');
  const secrets = [planted.minted.value, newKey, planted.oldDbUrl, planted.awsKey.secret, newAwsSecret ?? '', planted.awsAdmin.secret].filter(Boolean);
  check(
    secrets.every((v) => !stateText.includes(v)),
    'no key appears in the graph, plans, journals or the audit log',
  );
  return { checks, auditVerified: verified.ok, auditEntries: verified.entries };
}
