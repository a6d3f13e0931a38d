import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/core/fingerprint.js';
import { BIN as CLI, runCli } from '../helpers/cli.js';
import { makeRotationProject, startTestIssuer, valueIn, type Issuer, type RotationProject } from '../helpers/rotation-project.js';
import { trustIfValid } from '../helpers/trust.js';

/**
 * Promise 5 across every command: distinctive fake values are planted everywhere a project can
 * hold one (.env, a malformed .env with an unquoted multi-line PEM, a k8s Secret in base64 and in
 * stringData, a compose file, source code, a JSON file with a syntax error next to a key, git
 * history, stdin, the process environment, a gitleaks report), plus the real secrets of the run
 * (the issuer's admin token, the store's key file and passphrase, the minted keys and the keys
 * rotation creates). Then every command runs in every output format, on happy and failure paths
 * (stale plan, failing health check, unreachable issuer, wrong passphrase, malformed credctl.yaml
 * holding a value), some with CREDCTL_DEBUG=1, and no canary may appear in stdout, stderr, or any
 * file credctl wrote: not whole, not as any 12-character piece of its secret part, not in base64
 * or URL-encoded.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const built = existsSync(join(ROOT, 'dist', 'cli', 'main.js'));

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Random alphanumerics: each run's canaries are new, so nothing can match by accident. */
function rand(n: number, alphabet = ALNUM): string {
  const bytes = randomBytes(n);
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[bytes[i]! % alphabet.length];
  return out;
}

interface Canary {
  label: string;
  value: string;
  /** The part that must never show (the value minus its public prefix). */
  secret: string;
}

const canaries: Canary[] = [];
function plant(label: string, prefix: string, secret: string): string {
  canaries.push({ label, value: prefix + secret, secret });
  return prefix + secret;
}
function addSecret(label: string, value: string): void {
  if (value && !canaries.some((c) => c.value === value)) canaries.push({ label, value, secret: value });
}

/** Every form of a canary that must not appear, mapped to the canary it belongs to. */
function forbiddenForms(list: Canary[]): { windows: Map<string, string>; whole: [string, string][] } {
  const windows = new Map<string, string>();
  const whole: [string, string][] = [];
  for (const c of list) {
    for (const line of c.secret.split(/\r?\n/)) {
      for (let i = 0; i + 12 <= line.length; i++) windows.set(line.slice(i, i + 12), c.label);
    }
    const b64 = Buffer.from(c.value).toString('base64');
    const forms = [c.value, b64, b64.replace(/=+$/, ''), Buffer.from(c.value).toString('base64url'), encodeURIComponent(c.value), encodeURIComponent(c.secret)];
    for (const f of new Set(forms)) if (f.length >= 8) whole.push([f, c.label]);
  }
  return { windows, whole };
}

interface Output {
  where: string;
  text: string;
}

/** Each leak as "canary in where: …context…" (empty when clean). */
function findLeaks(outputs: Output[], list: Canary[] = canaries): string[] {
  const { windows, whole } = forbiddenForms(list);
  const leaks: string[] = [];
  for (const o of outputs) {
    const seen = new Set<string>();
    const report = (label: string, at: number, len: number) => {
      if (seen.has(label)) return;
      seen.add(label);
      leaks.push(`${label} in ${o.where}: «${o.text.slice(at, at + len)}» in …${o.text.slice(Math.max(0, at - 60), at + len + 20).replace(/\n/g, '\\n')}…`);
    };
    for (const [form, label] of whole) {
      const at = o.text.indexOf(form);
      if (at !== -1) report(label, at, form.length);
    }
    for (let i = 0; i + 12 <= o.text.length; i++) {
      const label = windows.get(o.text.slice(i, i + 12));
      if (label) report(label, i, 12);
    }
  }
  return leaks;
}

function expectClean(outputs: Output[], list: Canary[] = canaries): void {
  expect(outputs.length).toBeGreaterThan(0);
  expect(findLeaks(outputs, list)).toEqual([]);
}

/** Every file under a directory, as outputs (binary files too: a value is bytes either way). */
function filesUnder(dir: string, skip: (path: string) => boolean = () => false): Output[] {
  if (!existsSync(dir)) return [];
  const out: Output[] = [];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const full = join(dir, name);
    if (skip(full) || !statSync(full).isFile()) continue;
    out.push({ where: full, text: readFileSync(full, 'latin1') });
  }
  return out;
}

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  outputs: Output[];
}

/**
 * Run the CLI in this process (test/helpers/cli.ts), which also hosts the issuer it talks to;
 * its stdout and stderr are captured per run.
 */
async function cli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; exemptStdout?: boolean } = {}): Promise<RunResult> {
  const { code: status, stdout, stderr } = await runCli(args, { cwd: opts.cwd ?? p.root, env: opts.env ?? p.env, input: opts.input ?? '' });
  const label = `credctl ${args.join(' ')}`;
  const outputs: Output[] = [{ where: `${label} [stderr]`, text: stderr }];
  if (!opts.exemptStdout) outputs.push({ where: `${label} [stdout]`, text: stdout });
  return { status, stdout, stderr, outputs };
}

/** Outputs of every run and every file credctl wrote outside .credctl/, for the final sweep. */
const everything: Output[] = [];
const writtenFiles: string[] = [];
type Run = { args: string[]; env?: NodeJS.ProcessEnv; input?: string; cwd?: string };
/**
 * Run commands in the order given (in-process runs take turns, so `parallel` only bounds how many
 * wait at once), each checked for an internal error and a stack trace; their outputs are returned
 * and kept for the final sweep.
 */
async function runAll(list: Run[], expectStatus?: (args: string[], status: number | null, stderr: string) => void, parallel = 3): Promise<Output[]> {
  const results: RunResult[] = new Array(list.length);
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const i = next++;
      const item = list[i]!;
      results[i] = await cli(item.args, { env: item.env, input: item.input, cwd: item.cwd });
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, list.length) }, worker));
  const outs: Output[] = [];
  list.forEach((item, i) => {
    const r = results[i]!;
    expect(r.status, `${item.args.join(' ')}: ${r.stderr}`).not.toBe(70);
    expect(r.stderr, item.args.join(' ')).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
    expectStatus?.(item.args, r.status, r.stderr);
    expectVersionedJson(item.args, r);
    outs.push(...r.outputs);
  });
  everything.push(...outs);
  return outs;
}
/**
 * Every JSON document a command prints opens with the credctl version that wrote it (one place
 * makes them all: jsonDocument in src/core/output.ts); lists are named, never bare arrays.
 */
let versionedJsonSeen = 0;
function expectVersionedJson(args: string[], r: RunResult): void {
  const asJson = args.includes('--json') || args.some((a, i) => a === '--format' && args[i + 1] === 'json');
  if (!asJson || !r.stdout.trim() || (r.status !== 0 && r.status !== 1)) return;
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  expect(Object.keys(doc)[0], args.join(' ')).toBe('credctlVersion');
  expect(doc.credctlVersion).toBe(VERSION);
  versionedJsonSeen++;
}
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function written(file: string): Output {
  writtenFiles.push(file);
  return { where: file, text: readFileSync(file, 'latin1') };
}

const gitEnv = { GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.test', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.test' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...gitEnv } }).trim();

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

let issuer: Issuer;
let p: RotationProject;
let debugEnv: NodeJS.ProcessEnv;
let stdinCanary: string;
let envCanary: string;
let adminTokenFile: string;
let goodYaml: string;
let plantedFp: string;
const NAMES = ['EVENTS_API_KEY', 'BILLING_API_KEY'];

beforeAll(async () => {
  issuer = await startTestIssuer();
  p = await makeRotationProject(issuer, { names: NAMES });
  debugEnv = { ...p.env, CREDCTL_DEBUG: '1' };
  for (const n of NAMES) addSecret(`minted ${n}`, p.values[n]!);
  addSecret('issuer admin token', issuer.adminToken);
  addSecret('store key file', readFileSync(p.env.CREDCTL_KEY_FILE!, 'utf8').trim());

  const stripe = plant('.env STRIPE_SECRET_KEY', 'sk_live_51FAKE', rand(30));
  const ghp = plant('.env GITHUB_TOKEN', 'ghp_', `FAKE${rand(32)}`);
  appendFileSync(join(p.root, '.env'), `STRIPE_SECRET_KEY=${stripe}\nGITHUB_TOKEN=${ghp}\n`);

  // A malformed .env: an unquoted multi-line PEM (only its first line parses as the value).
  const pemBody = Array.from({ length: 6 }, () => `MIIE${rand(60, ALNUM + '+/')}`).join('\n');
  const pemBodyMarked = pemBody.replace(/^MIIE/, 'MIIEFAKE');
  plant('.env.production unquoted PEM body', '-----BEGIN PRIVATE KEY-----\n', `${pemBodyMarked}`);
  writeFileSync(
    join(p.root, '.env.production'),
    `NODE_ENV=production\nTLS_PRIVATE_KEY=-----BEGIN PRIVATE KEY-----\n${pemBodyMarked}\n-----END PRIVATE KEY-----\nLOG_LEVEL=info\n`,
  );

  // A k8s Secret: one value base64 in data, one in stringData, and a Deployment consuming them.
  const rk = plant('k8s Secret data (base64)', 'rk_live_51FAKE', rand(30));
  const openai = plant('k8s Secret stringData', 'sk-proj-FAKE', rand(44));
  mkdirSync(join(p.root, 'k8s'));
  writeFileSync(
    join(p.root, 'k8s', 'secret.yaml'),
    [
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      '  name: app-secrets',
      'type: Opaque',
      'data:',
      `  STRIPE_RESTRICTED_KEY: ${Buffer.from(rk).toString('base64')}`,
      'stringData:',
      `  OPENAI_API_KEY: ${openai}`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(p.root, 'k8s', 'deployment.yaml'),
    [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: api',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '        - name: api',
      '          image: api:1',
      '          env:',
      '            - name: OPENAI_API_KEY',
      '              valueFrom:',
      '                secretKeyRef: { name: app-secrets, key: OPENAI_API_KEY }',
      '',
    ].join('\n'),
  );

  // Compose: a database URL with a password (URL-encoding matters) and a key inline.
  const dbpw = plant('compose DATABASE_URL password', '', `FAKE${rand(20)}`);
  const sendgrid = plant('compose SENDGRID_API_KEY', 'SG.', `FAKE${rand(18)}.${rand(43)}`);
  writeFileSync(
    join(p.root, 'docker-compose.yml'),
    [
      'services:',
      '  web:',
      '    image: node:20',
      '    env_file: .env',
      '    environment:',
      `      DATABASE_URL: postgres://app:${dbpw}@db:5432/app`,
      `      SENDGRID_API_KEY: ${sendgrid}`,
      '  db:',
      '    image: postgres:16',
      '',
    ].join('\n'),
  );

  // Source code with hard-coded keys.
  const slack = plant('source code slack token', 'xoxb-', `1234567890-1234567890-FAKE${rand(24)}`);
  const akia = plant('source code AWS key id', 'AKIA', `FAKE${rand(12, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`);
  const awsSecret = plant('source code AWS secret', '', `FAKE${rand(36, ALNUM + '/+')}`);
  const anthropic = plant('source code anthropic key', 'sk-ant-api03-', `FAKE${rand(90)}`);
  mkdirSync(join(p.root, 'src'));
  writeFileSync(
    join(p.root, 'src', 'app.js'),
    [
      `const slack = "${slack}";`,
      `const aws = { accessKeyId: "${akia}" };`,
      `const aws_secret_access_key = "${awsSecret}";`,
      `const anthropic = '${anthropic}';`,
      'fetch(url, { headers: { authorization: process.env.EVENTS_API_KEY } });',
      '',
    ].join('\n'),
  );

  // JSON files with a syntax error right next to a key: a missing comma, and an unquoted value.
  const jsonKey = plant('settings.json (missing comma)', 'sk_live_51FAKE', rand(30));
  const jsonBare = plant('broken.json (unquoted value)', 'sk_live_51FAKE', rand(30));
  mkdirSync(join(p.root, 'config'));
  writeFileSync(join(p.root, 'config', 'settings.json'), `{\n  "stripeKey": "${jsonKey}"\n  "region": "eu"\n}\n`);
  writeFileSync(join(p.root, 'config', 'broken.json'), `{"apiKey": ${jsonBare}, "n": 1}\n`);
  // vercel.json is the JSON file the graph parses: a value left unquoted breaks it.
  const vercelBare = plant('vercel.json (unquoted value)', 'sk_live_51FAKE', rand(30));
  writeFileSync(join(p.root, 'vercel.json'), `{\n  "env": {\n    "STRIPE_SECRET_KEY": ${vercelBare}\n  }\n}\n`);

  // Who could see what, for blast-radius --person.
  appendFileSync(join(p.root, 'credctl.yaml'), 'access:\n  contractor-jane: { files: [.env, .env.production] }\npolicy:\n  max_age: 1d\n');
  trustIfValid(p.root);
  goodYaml = p.read('credctl.yaml');

  // Git history: a key committed, then deleted.
  const old = plant('git history (deleted)', 'ghp_', `FAKE${rand(32)}`);
  git(p.root, 'add', '-A');
  git(p.root, 'commit', '-q', '-m', 'import');
  writeFileSync(join(p.root, 'notes.txt'), `temporary token ${old}\n`);
  git(p.root, 'add', 'notes.txt');
  git(p.root, 'commit', '-q', '-m', 'oops');
  git(p.root, 'rm', '-q', 'notes.txt');
  git(p.root, 'commit', '-q', '-m', 'remove');
  plantedFp = fingerprint(stripe);

  stdinCanary = plant('stdin', 'sk_live_51FAKE', rand(30));
  envCanary = plant('process environment', 'sk_live_51FAKE', rand(30));

  const tokenDir = mkdtempSync(join(tmpdir(), 'credctl-canary-token-'));
  adminTokenFile = join(tokenDir, 'admin-token');
  writeFileSync(adminTokenFile, issuer.adminToken, { mode: 0o600 });
}, 60_000);

afterAll(async () => {
  await p?.admin.close();
  await issuer?.close();
});

describe.skipIf(!built)('promise 5: no value in any output of any command', () => {
  it('the canaries are really in the project (the test can fail)', () => {
    const planted = findLeaks([
      { where: '.env', text: p.read('.env') },
      { where: 'k8s', text: p.read('k8s/secret.yaml') },
    ]);
    expect(planted.join('\n')).toContain('.env STRIPE_SECRET_KEY');
    expect(planted.join('\n')).toContain('k8s Secret data (base64)');
    expect(planted.join('\n')).toContain('minted EVENTS_API_KEY');
  });

  it('scan: project, history, staged, stdin, every format, baseline, debug', async () => {
    const stdin = `deploy log\nSTRIPE_SECRET_KEY=${stdinCanary}\nTOKEN="${stdinCanary}"\n`;
    const runs: Run[] = [
      { args: ['scan'] },
      { args: ['scan', '--json'] },
      { args: ['scan', '--format', 'jsonl'] },
      { args: ['scan', '--format', 'sarif'] },
      { args: ['scan', '--history', '--format', 'json'], env: debugEnv },
      { args: ['scan', '--history', '--format', 'sarif'] },
      { args: ['scan', '--history'] },
      { args: ['scan', '--format', 'junit'] },
      { args: ['scan', '--history', '--format', 'junit'] },
      { args: ['scan', '-'], input: stdin },
      { args: ['scan', '-', '--format', 'jsonl'], input: stdin },
      { args: ['scan', '-', '--format', 'sarif'], input: stdin, env: debugEnv },
    ];
    runs.push({ args: ['scan', '--no-ignore', '--no-graph', '--json'], env: debugEnv });
    runs.push({ args: ['scan', '.env.production', 'config/settings.json', 'config/broken.json', 'k8s', '--format', 'sarif'] });
    runs.push({ args: ['scan', 'does-not-exist.env'], env: debugEnv });
    runs.push({ args: ['scan', '--baseline', 'config/broken.json'], env: debugEnv });
    const outs = await runAll(runs);
    // The scan saw what was planted (so its silence about the values means something).
    const json = JSON.parse(outs.find((o) => o.where === 'credctl scan --json [stdout]')!.text) as { findings: { fingerprint?: string; id?: string }[] };
    expect(JSON.stringify(json)).toContain(plantedFp);

    // Staged: a new file with a key, staged.
    const staged = plant('staged file', 'sk_live_51FAKE', rand(30));
    writeFileSync(join(p.root, 'staged.env'), `NEW_KEY=${staged}\n`);
    git(p.root, 'add', 'staged.env');
    const stagedOuts = await runAll([[], ['--format', 'sarif']].map((f) => ({ args: ['scan', '--staged', ...f] })));
    expect(stagedOuts.map((o) => o.text).join('\n')).toContain('staged.env');
    git(p.root, 'rm', '-q', '--cached', 'staged.env');

    // Baseline: a file credctl writes.
    const base = await runAll([{ args: ['scan', '--update-baseline'] }, { args: ['scan', '--json'] }], undefined, 1);
    expectClean([...outs, ...stagedOuts, ...base, written(join(p.root, '.credctl-baseline.json'))]);
  }, 60_000);

  it('hook: install, the hook blocking a commit, uninstall', async () => {
    const outs = await runAll([{ args: ['hook', 'install', '--json'] }]);
    const blocked = plant('commit blocked by the hook', 'ghp_', `FAKE${rand(32)}`);
    writeFileSync(join(p.root, 'leak.txt'), `token=${blocked}\n`);
    git(p.root, 'add', 'leak.txt');
    const commit = await new Promise<Output[]>((resolve) => {
      const child = spawn('git', ['commit', '-q', '-m', 'leak'], { cwd: p.root, env: { ...p.env, ...gitEnv } });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('close', (status) => {
        expect(status).not.toBe(0);
        resolve([{ where: 'git commit (pre-commit hook)', text: out }]);
      });
    });
    expect(commit[0]!.text).toContain('leak.txt');
    git(p.root, 'rm', '-q', '--cached', 'leak.txt');
    const un = await runAll([{ args: ['hook', 'uninstall'] }, { args: ['hook', 'install'] }, { args: ['hook', 'uninstall', '--json'] }], undefined, 1);
    everything.push(...commit);
    expectClean([...outs, ...commit, ...un]);
  });

  it('graph and where: every format', async () => {
    const outs = await runAll([
      { args: ['graph'] },
      { args: ['graph', '--json'] },
      { args: ['graph', '--format', 'dot'] },
      { args: ['graph', '--format', 'mermaid'] },
      { args: ['graph', p.root, '--full', '--no-ignore', '--format', 'json'], env: debugEnv },
      { args: ['where', 'STRIPE_SECRET_KEY'] },
      { args: ['where', 'OPENAI_API_KEY', '--json'] },
      { args: ['where', plantedFp.slice(0, 12)] },
      { args: ['where', '.env.production', '--json'] },
      { args: ['where', 'k8s/secret.yaml'] },
      { args: ['where', 'NOPE_NOT_HERE'], env: debugEnv },
    ]);
    // The malformed files were read and warned about (by file:line, without their text).
    expect(outs.map((o) => o.text).join('\n')).toMatch(/vercel\.json:\d+/);
    expectClean([...outs, written(join(p.root, '.credctl', 'graph.json'))]);
  });

  it('discover, providers and issuer: serve, mint, conformance, unreachable', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const outs = await runAll([
      { args: ['discover', issuer.url] },
      { args: ['discover', issuer.url, '--no-cache', '--json'] },
      { args: ['discover', down], env: debugEnv },
      { args: ['providers', 'list', '--json'] },
      { args: ['providers', 'show', 'example'] },
      { args: ['providers', 'show', 'example', '--discover', '--json'] },
      { args: ['issuer', 'conformance', issuer.url, '--admin-token-file', adminTokenFile] },
      { args: ['issuer', 'conformance', down, '--admin-token-file', adminTokenFile], env: debugEnv },
      { args: ['issuer', 'mint', '--url', down, '--admin-token-file', adminTokenFile, '--scope', 'events:read'], env: debugEnv },
      { args: ['issuer', 'mint', '--url', issuer.url, '--admin-token-file', p.env.CREDCTL_KEY_FILE!, '--scope', 'events:read'], env: debugEnv },
    ]);
    // mint prints a value by design: its stdout is exempt, but the value is a secret everywhere else.
    const minted: Output[] = [];
    for (const args of [
      ['--scope', 'events:read'],
      ['--scope', 'events:read', '--json', '--ttl', '1h'],
    ]) {
      const r = await cli(['issuer', 'mint', '--url', issuer.url, '--admin-token-file', adminTokenFile, ...args], { exemptStdout: true });
      expect(r.status, r.stderr).toBe(0);
      const value = /ccx_live_[0-9A-Za-z]+/.exec(r.stdout)![0];
      addSecret(`issuer mint ${args.join(' ')}`, value);
      minted.push(...r.outputs);
    }
    everything.push(...minted);

    // serve: the ready line and anything else it says before it is stopped.
    const data = mkdtempSync(join(tmpdir(), 'credctl-canary-serve-'));
    const served = await new Promise<Output[]>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'issuer', 'serve', '--port', '0', '--data', data], { env: p.env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.includes('\n')) child.kill('SIGTERM');
      });
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', () =>
        resolve([
          { where: 'issuer serve [stdout]', text: stdout },
          { where: 'issuer serve [stderr]', text: stderr },
        ]),
      );
    });
    expect(served[0]!.text).toMatch(/^\{/);
    addSecret('served issuer admin token', readFileSync(join(data, 'admin-token'), 'utf8').trim());
    everything.push(...served);
    expectClean([...outs, ...minted, ...served]);
  }, 60_000);

  it('store: status, put, list, versions, get (stderr), rm, wrong passphrase and key file', async () => {
    const put = plant('store put (stdin)', 'sk_live_51FAKE', rand(30));
    const outs = await runAll(
      [
        { args: ['store', 'status', '--json'] },
        { args: ['store', 'put', 'CANARY_KEY', '--no-input'], input: `${put}\n` },
        { args: ['store', 'put', 'CANARY_KEY', '--no-input', '--json', '--label', 'pending'], input: put },
        { args: ['store', 'put', 'CANARY_KEY', '--no-input', '--label', 'bogus'], input: put, env: debugEnv },
        { args: ['store', 'list', '--all'] },
        { args: ['store', 'versions', 'CANARY_KEY', '--json'] },
        { args: ['store', 'get', 'NOPE'], env: debugEnv },
      ],
      undefined,
      1,
    );
    // get to a pipe prints the value by design; only its stderr is checked.
    const got = await cli(['store', 'get', 'CANARY_KEY', '--label', 'current'], { exemptStdout: true });
    expect(got.stdout.trim()).toBe(put);
    const rm = await runAll(
      [{ args: ['store', 'rm', 'CANARY_KEY', '--yes', '--no-input', '--json'] }, { args: ['store', 'rm', 'CANARY_KEY', '--no-input'] }],
      undefined,
      1,
    );
    everything.push(...got.outputs);

    // A passphrase store in its own project, opened with the wrong passphrase and a wrong key file.
    const other = mkdtempSync(join(tmpdir(), 'credctl-canary-pass-'));
    git(other, 'init', '-q');
    const passphrase = plant('store passphrase', '', `FAKE-pass-${rand(24)}`);
    const wrongPass = plant('wrong passphrase', '', `FAKE-wrong-${rand(24)}`);
    const wrongKey = mkdtempSync(join(tmpdir(), 'credctl-canary-key-'));
    const wrongKeyFile = join(wrongKey, 'store.key');
    const wrongKeyHex = randomBytes(32).toString('hex');
    writeFileSync(wrongKeyFile, wrongKeyHex, { mode: 0o600 });
    addSecret('wrong key file', wrongKeyHex);
    const base: NodeJS.ProcessEnv = { ...p.env };
    delete base.CREDCTL_KEY_FILE;
    const pass = await runAll(
      [
        { args: ['store', 'put', 'OTHER', '--no-input'], input: put, cwd: other, env: { ...base, CREDCTL_PASSPHRASE: passphrase } },
        { args: ['store', 'list'], cwd: other, env: { ...base, CREDCTL_PASSPHRASE: wrongPass, CREDCTL_DEBUG: '1' } },
        { args: ['store', 'versions', 'OTHER', '--json'], cwd: other, env: { ...base, CREDCTL_PASSPHRASE: wrongPass } },
        { args: ['store', 'list', '--json'], cwd: other, env: { ...base, CREDCTL_KEY_FILE: wrongKeyFile, CREDCTL_DEBUG: '1' } },
        { args: ['audit', 'show'], cwd: p.root, env: { ...p.env, CREDCTL_KEY_FILE: wrongKeyFile } },
        { args: ['rotate', 'EVENTS_API_KEY', '--yes', '--no-input'], cwd: p.root, env: { ...p.env, CREDCTL_KEY_FILE: wrongKeyFile, CREDCTL_DEBUG: '1' } },
      ],
      (args, status, stderr) => {
        if (args[1] === 'list' || args[1] === 'versions') expect(status, `${args.join(' ')}: ${stderr}`).toBe(8);
        if (args[0] === 'rotate') expect([7, 8], stderr).toContain(status);
      },
      1,
    );
    const wrongGet = await cli(['store', 'get', 'OTHER'], { cwd: other, env: { ...base, CREDCTL_PASSPHRASE: wrongPass }, exemptStdout: false });
    expect(wrongGet.status).toBe(8);
    everything.push(...wrongGet.outputs);
    expectClean([...outs, ...got.outputs, ...rm, ...pass, ...wrongGet.outputs, ...filesUnder(join(other, '.credctl'), (f) => f.endsWith('store.enc.json'))]);
    // The passphrase store itself holds nothing in clear either.
    expectClean(filesUnder(join(other, '.credctl')));
  }, 60_000);

  it('blast-radius, inventory and status: every input, every format, report and plan files', async () => {
    const out = mkdtempSync(join(tmpdir(), 'credctl-canary-out-'));
    const report = join(out, 'gitleaks.json');
    const sarifIn = join(out, 'scanner.sarif');
    writeFileSync(
      report,
      JSON.stringify([
        {
          RuleID: 'stripe-access-token',
          File: '.env',
          StartLine: 3,
          Secret: canaries.find((c) => c.label === '.env STRIPE_SECRET_KEY')!.value,
          Match: `STRIPE_SECRET_KEY=${canaries.find((c) => c.label === '.env STRIPE_SECRET_KEY')!.value}`,
        },
      ]),
    );
    writeFileSync(sarifIn, '{"version": "2.1.0", "runs": [ {"results": [ ' + `"${stdinCanary}" ]}`);
    const fromEnv = { ...p.env, LEAKED_STRIPE_KEY: envCanary, EVENTS_API_KEY: p.values.EVENTS_API_KEY };
    const runs: Run[] = [];
    // Each input in two or three formats; each format with several inputs.
    const formats = [['--format', 'terminal'], ['--json'], ['--format', 'md'], ['--format', 'html']];
    formats.forEach((f, i) => {
      if (i % 2 === 0) runs.push({ args: ['blast-radius', '--leaked', '.env', ...f] });
      if (i % 2 === 1)
        runs.push({
          args: ['blast-radius', '--leaked', '-', '--no-probe', ...f],
          input: `ci log\nSTRIPE_SECRET_KEY=${stdinCanary}\nEVENTS_API_KEY=${p.values.EVENTS_API_KEY}\n`,
        });
    });
    runs.push(
      { args: ['blast-radius', '--from-env', '--no-probe', '--format', 'md'], env: fromEnv },
      { args: ['blast-radius', '--repo-public', '--no-probe', '--json'], env: debugEnv },
    );
    runs.push(
      { args: ['blast-radius', '--leaked', '.env.production', '--leaked', 'config/settings.json', '--leaked', 'config/broken.json', '--json', '--no-probe'] },
      { args: ['blast-radius', '--leaked', 'k8s/secret.yaml', '--leaked', 'docker-compose.yml', '--leaked', 'src/app.js', '--format', 'md', '--no-probe'] },
      { args: ['blast-radius', '--name', 'EVENTS_API_KEY', '--name', 'OPENAI_API_KEY', '--json'] },
      { args: ['blast-radius', '--credential', plantedFp.slice(0, 10), '--format', 'md', '--no-probe'] },
      { args: ['blast-radius', '--from-report', report, '--json', '--no-probe'] },
      { args: ['blast-radius', '--from-report', sarifIn, '--no-probe'], env: debugEnv },
      { args: ['blast-radius', '--person', 'contractor-jane', '--format', 'html', '--no-probe'] },
      { args: ['blast-radius', '--since', git(p.root, 'rev-parse', 'HEAD~2'), '--json', '--no-probe'] },
      { args: ['blast-radius', '--leaked', 'missing.log'], env: debugEnv },
      { args: ['blast-radius', '--leaked', '.env', '--format', 'md', '-o', join(out, 'report.md'), '--plan', join(out, 'recovery.yaml')] },
      { args: ['blast-radius', '--repo-public', '--format', 'html', '-o', join(out, 'report.html'), '--no-probe'] },
      { args: ['blast-radius', '--from-env', '--json', '-o', join(out, 'report.json'), '--no-probe'], env: fromEnv },
    );
    runs.push(
      { args: ['inventory'] },
      { args: ['inventory', '--json', '--no-probe'] },
      { args: ['inventory', '--format', 'html', '-o', join(out, 'inventory.html')] },
    );
    runs.push({ args: ['status'] }, { args: ['status', '--no-probe', '--json'], env: debugEnv });
    const outs = await runAll(runs);
    const all = outs.map((o) => o.text).join('\n');
    expect(all).toContain('gitleaks: .env:3'); // the other scanner's report was read
    expect(all).toMatch(/sk_live_…\w{4}/); // values are shown, redacted
    const files = readdirSync(out)
      .filter((f) => f !== 'gitleaks.json' && f !== 'scanner.sarif')
      .map((f) => written(join(out, f)));
    expect(files.length).toBe(5);
    expectClean([...outs, ...files]);
  }, 90_000);

  it('plan, apply, stale plan, rotate with a failing health check, rollback, list runs', async () => {
    const out = mkdtempSync(join(tmpdir(), 'credctl-canary-plan-'));
    const planFile = join(out, 'plan.yaml');
    const first = await runAll(
      [
        { args: ['plan', '--name', 'EVENTS_API_KEY', '--out', planFile] },
        { args: ['plan', '--project', '--json'] },
        { args: ['plan', '--credential', plantedFp.slice(0, 12)] },
        { args: ['plan', '--name', 'NOPE'], env: debugEnv },
        { args: ['rotate', '--project', '--dry-run', '--json'] },
        { args: ['apply', planFile, '--no-input'] },
      ],
      undefined,
      1,
    );
    const applied = await runAll([{ args: ['apply', planFile, '--yes', '--no-input', '--json'], env: debugEnv }], (_a, status, stderr) =>
      expect(status, stderr).toBe(0),
    );
    const newEvents = valueIn(p.read('.env'), 'EVENTS_API_KEY')!;
    expect(newEvents).not.toBe(p.values.EVENTS_API_KEY);
    addSecret('rotated EVENTS_API_KEY (new)', newEvents);
    addSecret('rotated EVENTS_API_KEY in deploy/app.env', valueIn(p.read('deploy/app.env'), 'EVENTS_API_KEY')!);

    // The same plan again: stale, refused.
    const stale = await runAll([{ args: ['apply', planFile, '--yes', '--no-input', '--json'], env: debugEnv }], (_a, status) => expect(status).toBe(6));
    // A plan file that is not a plan.
    const bad = join(out, 'bad.yaml');
    writeFileSync(bad, `kind: RotationPlan\nsteps: [${stdinCanary}\n`);
    const badPlan = await runAll([{ args: ['apply', bad, '--yes', '--no-input'], env: debugEnv }], (_a, status) => expect(status).toBe(3));

    // Rotate BILLING with a health check that fails: rolled back, the new key revoked.
    // The check echoes the new value on stdout and stderr, as a careless smoke script would.
    writeFileSync(
      join(p.root, 'fail.mjs'),
      "const v = process.env.BILLING_API_KEY;\nconsole.log('trying key', v);\nconsole.error('rejected: Bearer ' + v);\nconsole.error('b64 ' + Buffer.from(v).toString('base64') + ' url ' + encodeURIComponent(v));\nprocess.exit(3);\n",
    );
    writeFileSync(
      join(p.root, 'credctl.yaml'),
      goodYaml.replace(/(BILLING_API_KEY:\n    owner: platform\n    health:\n      - command: )node check.mjs/, '$1node fail.mjs'),
    );
    trustIfValid(p.root);
    expect(p.read('credctl.yaml')).toContain('node fail.mjs');
    const failed = await runAll([{ args: ['rotate', 'BILLING_API_KEY', '--yes', '--no-input', '--json'], env: debugEnv }], (_a, status, stderr) =>
      expect(status, stderr).toBe(7),
    );
    writeFileSync(join(p.root, 'credctl.yaml'), goodYaml);
    trustIfValid(p.root);
    // Every value the store ever sealed (the failed runs' new keys included) is a secret.
    for (const name of NAMES) {
      for (const v of await p.store.versions(name)) addSecret(`store ${name} v${v.version}`, (await p.store.get(name, { version: v.version }))!);
    }

    const later = await runAll(
      [
        { args: ['apply', '--list-runs'] },
        { args: ['apply', '--list-runs', '--json'] },
        { args: ['rollback', 'EVENTS_API_KEY', '--yes', '--no-input', '--json'] },
        { args: ['rollback', 'BILLING_API_KEY', '--yes', '--no-input'], env: debugEnv },
        { args: ['apply', '--resume', 'no-such-run', '--yes', '--no-input'] },
      ],
      undefined,
      1,
    );
    // A rotation with a grace period: the old key deactivated, listed, then deleted by finalize.
    const graced = await runAll([{ args: ['rotate', 'EVENTS_API_KEY', '--grace', '3d', '--yes', '--no-input'], env: debugEnv }], (_a, status, stderr) =>
      expect(status, stderr).toBe(0),
    );
    for (const v of await p.store.versions('EVENTS_API_KEY'))
      addSecret(`store EVENTS_API_KEY v${v.version}`, (await p.store.get('EVENTS_API_KEY', { version: v.version }))!);
    const finalized = await runAll(
      [{ args: ['finalize', '--dry-run'] }, { args: ['finalize', '--dry-run', '--json'] }, { args: ['status', '--no-probe', '--json'] }],
      (_a, status) => expect([0, 1]).toContain(status),
    );
    const deleted = await runAll([{ args: ['finalize', '--force', '--yes', '--json'], env: debugEnv }], (_a, status, stderr) => expect(status, stderr).toBe(0));
    expect(JSON.parse(deleted.find((o) => o.where.endsWith('[stdout]'))!.text).deleted).toHaveLength(1);
    expectClean([...first, ...applied, ...stale, ...badPlan, ...failed, ...later, ...graced, ...finalized, ...deleted, written(planFile)]);
  }, 90_000);

  it('unreachable issuer: rotate, blast-radius, inventory, status, providers', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    writeFileSync(join(p.root, 'credctl.yaml'), goodYaml.replace(issuer.url, down));
    trustIfValid(p.root);
    try {
      const outs = await runAll([
        { args: ['rotate', 'EVENTS_API_KEY', '--yes', '--no-input', '--json'], env: debugEnv },
        { args: ['blast-radius', '--leaked', '.env'], env: debugEnv },
        { args: ['inventory', '--json'] },
        { args: ['status'], env: debugEnv },
        { args: ['providers', 'show', 'example', '--discover'] },
      ]);
      expectClean(outs);
    } finally {
      writeFileSync(join(p.root, 'credctl.yaml'), goodYaml);
      trustIfValid(p.root);
    }
  }, 60_000);

  it('a malformed credctl.yaml holding a value: one clear error, no value', async () => {
    const v = plant('credctl.yaml (pasted value)', 'sk_live_51FAKE', rand(30));
    const variants = [
      `${goodYaml}  STRIPE_SECRET_KEY: ${v}\n`, // a value where a mapping belongs
      goodYaml.replace('admin: "store:example/admin"', `admin: "${v}"`), // a value instead of store:
      `${goodYaml}token: "${v}\n`, // unterminated quote
      `${goodYaml}token: ${v}: x\n`, // nested compact mapping
      `${goodYaml}token: [${v}\n`, // unterminated flow sequence
      `${goodYaml}\ttoken: ${v}\n`, // tab indentation
      `${goodYaml}policy:\n  max_age: ${v}\n`, // duplicate key, bad duration
    ];
    const commands: Run[] = [
      { args: ['graph', '--json'] },
      { args: ['status', '--no-probe'], env: debugEnv },
      { args: ['plan', '--project'] },
      { args: ['inventory', '--no-probe', '--json'] },
      { args: ['blast-radius', '--name', 'EVENTS_API_KEY', '--no-probe'] },
      { args: ['rotate', 'EVENTS_API_KEY', '--yes', '--no-input'], env: debugEnv },
      { args: ['scan', '--json'] },
    ];
    const outs: Output[] = [];
    try {
      // Each variant meets two of the commands, in turn, so each command meets two variants.
      for (const [i, text] of variants.entries()) {
        writeFileSync(join(p.root, 'credctl.yaml'), text);
        trustIfValid(p.root);
        outs.push(...(await runAll([0, 3].map((k) => commands[(i + k) % commands.length]!))));
      }
    } finally {
      writeFileSync(join(p.root, 'credctl.yaml'), goodYaml);
      trustIfValid(p.root);
    }
    expect(outs.map((o) => o.text).join('\n')).toMatch(/credctl\.yaml/);
    expectClean(outs);
  }, 90_000);

  // LEAK: the `yaml` package's YAML.parse() reports warnings (an unresolved tag, an unknown
  // directive) through process.emitWarning(), which Node prints to stderr with a code frame of the
  // offending line: the value on that line is printed in full. credctl.yaml is parsed with
  // YAML.parse in src/config/credctl-yaml.ts (loadCredctlYaml), so
  // scan/graph/status/plan/inventory/blast-radius all would print it.
  it('a credctl.yaml line with an unknown YAML tag and a value is not echoed to stderr', async () => {
    const v = `sk_live_51FAKE${rand(30)}`;
    const list: Canary[] = [{ label: 'credctl.yaml tagged value', value: v, secret: v.slice('sk_live_'.length) }];
    writeFileSync(join(p.root, 'credctl.yaml'), `${goodYaml.replace('  EVENTS_API_KEY:\n    owner: platform', `  EVENTS_API_KEY:\n    owner: !vault ${v}`)}`);
    trustIfValid(p.root);
    try {
      const outs: Output[] = [];
      for (const args of [['status', '--no-probe'], ['graph'], ['plan', '--project'], ['scan']]) outs.push(...(await cli(args)).outputs);
      expectClean(outs, list);
    } finally {
      writeFileSync(join(p.root, 'credctl.yaml'), goodYaml);
      trustIfValid(p.root);
    }
  });

  // LEAK: a value pasted where a NAME belongs is echoed. `store put <value>` accepts a
  // credential-shaped string as the entry name (src/store/metadata.ts NAME_RE allows it) and then
  // prints it in full: `stored <value> v1 ...` (src/commands/store.ts, put) and every
  // `store list` row; the name is also kept in clear in .credctl/store.enc.json's metadata. The
  // audit log already redacts such a name (sk_live_…xxxx), so the intent is clear.
  it('a value given to store put as the NAME is not printed back', async () => {
    const v = `sk_live_51FAKE${rand(30)}`;
    const list: Canary[] = [{ label: 'value as store name', value: v, secret: v.slice('sk_live_'.length) }];
    const dir = mkdtempSync(join(tmpdir(), 'credctl-canary-name-'));
    git(dir, 'init', '-q');
    const env: NodeJS.ProcessEnv = { ...p.env, CREDCTL_PASSPHRASE: `FAKE-${rand(20)}` };
    delete env.CREDCTL_KEY_FILE;
    const outs: Output[] = [];
    for (const args of [
      ['store', 'put', v, '--no-input'],
      ['store', 'list'],
      ['store', 'list', '--json'],
    ])
      outs.push(...(await cli(args, { cwd: dir, env, input: 'FAKEsomething' })).outputs);
    expectClean(outs, list);
  });

  // LEAK: a leaked key pasted as a query (the natural thing after a leak: "where is this used?")
  // is echoed on stderr and, for blast-radius, written into the report: `where` (src/graph/query.ts
  // "nothing in the graph matches <query>"), `plan --name` / `rotate` ("no credential bound to
  // <name> in the usage graph"), `blast-radius --name` ("Evidence: name <value>" in the report
  // and its -o file), `scan <path>` (the missing path). None recognises it as a value to redact.
  it('a leaked value pasted as a query or name is not echoed', async () => {
    const v = `sk_live_51FAKE${rand(30)}`;
    const list: Canary[] = [{ label: 'value as query', value: v, secret: v.slice('sk_live_'.length) }];
    const out = mkdtempSync(join(tmpdir(), 'credctl-canary-query-'));
    const outs: Output[] = [];
    for (const args of [
      ['where', v],
      ['plan', '--name', v],
      ['rotate', v, '--dry-run'],
      ['scan', v],
      ['blast-radius', '--name', v, '--no-probe', '--format', 'md', '-o', join(out, 'r.md')],
    ]) {
      outs.push(...(await cli(args)).outputs);
    }
    for (const f of readdirSync(out)) outs.push({ where: join(out, f), text: readFileSync(join(out, f), 'utf8') });
    expectClean(outs, list);
  });

  it('audit: show, verify, export, a tampered copy', async () => {
    const out = mkdtempSync(join(tmpdir(), 'credctl-canary-audit-'));
    const bundle = join(out, 'bundle.json');
    const exported = await runAll([{ args: ['audit', 'export', '--out', bundle, '--json'] }], (_a, status, stderr) => expect(status, stderr).toBe(0));
    const outs = await runAll(
      [
        { args: ['audit', 'show'] },
        { args: ['audit', 'show', '--json', '--credential', 'EVENTS_API_KEY', '--since', '1d'] },
        { args: ['audit', 'verify'] },
        { args: ['audit', 'verify', '--bundle', bundle, '--json'] },
        { args: ['audit', 'verify', '--bundle', join(p.root, '.env')], env: debugEnv },
        { args: ['audit', 'verify', '--pubkey', join(p.root, '.env')], env: debugEnv },
      ],
      (args, status, stderr) => {
        if (args[1] === 'verify' && (args.length === 2 || args[3] === bundle)) expect(status, stderr).toBe(0); // the log itself verifies
      },
    );
    outs.push(...exported);
    // A tampered bundle: an entry's details replaced by a canary.
    const tampered = join(out, 'tampered.json');
    const original = readFileSync(bundle, 'utf8');
    const edited = original.replace(/(\\?"outcome\\?":\s*\\?")ok/, `$1${stdinCanary}`);
    expect(edited).not.toBe(original);
    writeFileSync(tampered, edited);
    const bad = await runAll([{ args: ['audit', 'verify', '--bundle', tampered, '--json'], env: debugEnv }], (_a, status) => expect(status).toBe(4));
    expectClean([...outs, ...bad, written(bundle)]);
  });

  it('demo: its own keys appear nowhere but its targets', async () => {
    const r = await cli(['demo', '--json', '--no-postgres', '--keep'], { cwd: tmpdir() });
    expect(r.status, r.stderr).toBe(0);
    const list: Canary[] = [];
    for (const run of [r]) {
      const ws = /credctl-demo-[A-Za-z0-9]+/.exec(run.stdout + run.stderr)![0];
      const root = join(tmpdir(), ws);
      for (const f of ['.env', '.env.production', 'leak/ci-log.txt', '.issuer-data/admin-token', '.credctl-demo-store.key']) {
        const file = join(root, f);
        if (!existsSync(file)) continue;
        for (const line of readFileSync(file, 'utf8').split('\n')) {
          const value =
            /^(?:export\s+)?[A-Z_]+=["']?([^"'\s#]{12,})/.exec(line)?.[1] ?? (/(admin-token|store\.key)$/.test(f) && /^\S{32,}$/.test(line) ? line : undefined);
          if (!value || value.startsWith('pk_')) continue; // a publishable key is public
          // An AWS access key id is an identifier, declared a credential part (shown like a key id
          // in the AWS console and CloudTrail); its secret beside it is checked like every value.
          if (/^(?:export\s+)?AWS_ACCESS_KEY_ID=/.test(line)) continue;
          // In a connection URL only the password is secret (user, host and port are shown).
          const password = /^[a-z]+:\/\/[^:/@]+:([^@]+)@/.exec(value)?.[1];
          if (password) list.push({ label: `demo ${f} URL password`, value: password, secret: password });
          else list.push({ label: `demo ${f}`, value, secret: value.replace(/^ccx_live_|^sk_live_|^sk_test_/, '') });
        }
      }
      expect(list.some((c) => c.value.startsWith('ccx_live_'))).toBe(true);
      expectClean([...r.outputs, ...filesUnder(join(root, '.credctl'))], list);
    }
  }, 60_000);

  it('the final sweep: every output and every file in .credctl/ against every secret, the rotated ones included', () => {
    for (const name of NAMES) addSecret(`${name} now in .env`, valueIn(p.read('.env'), name)!);
    const state = filesUnder(join(p.root, '.credctl'));
    // The state really holds what promise 5 is about: a graph, journals, plans, an audit log.
    const names = state.map((s) => s.where);
    expect(names.some((n) => n.endsWith('graph.json'))).toBe(true);
    expect(names.some((n) => n.endsWith('journal.jsonl'))).toBe(true);
    expect(names.some((n) => n.endsWith('audit.jsonl'))).toBe(true);
    expect(new Set(writtenFiles).size).toBeGreaterThan(5);
    expect(everything.length).toBeGreaterThan(150);
    // The JSON documents checked along the way (expectVersionedJson) were many and varied.
    expect(versionedJsonSeen).toBeGreaterThan(20);
    expectClean([...everything, ...state, ...writtenFiles.map((f) => ({ where: f, text: readFileSync(f, 'latin1') }))]);
  });
});
