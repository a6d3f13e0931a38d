import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVercelApi, type VercelApiServer } from '../../src/demo/vendors/vercel-api.js';
import { verifyProof } from '../../src/incident/proof.js';
import { runCli } from '../helpers/cli.js';
import { liveFixture, type LiveFixture } from '../helpers/fixture-project.js';
import { startTestIssuer, valueIn, type Issuer } from '../helpers/rotation-project.js';
import { trustProject } from '../helpers/trust.js';

// Issue 14's acceptance, end to end on a realistic project: keys in .env files, compose, a
// Kubernetes Secret, GitHub Actions (no GitHub token: set by hand and confirmed) and Vercel.
// incident open → rotate (pauses at the manual place) → resume with the confirmation → every
// credential old-revoked → close with a proof → the proof verifies on a clean copy, and any
// changed byte fails with exit 4. No value appears in any output or file credctl wrote.
let issuer: Issuer;
let vercel: VercelApiServer;
let fx: LiveFixture;
const VERCEL_TOKEN = `FAKEvercel${randomBytes(8).toString('hex')}`;

beforeAll(async () => {
  issuer = await startTestIssuer();
  vercel = await startVercelApi({ tokens: [VERCEL_TOKEN], projects: [{ id: 'prj_webapp0001', name: 'webapp', teamId: 'team_acme0001' }] });
  // No GitHub token: Actions secrets cannot be written by credctl here.
  fx = await liveFixture('webapp-node', issuer, { scopes: ['events:read'], tokens: { vercel: VERCEL_TOKEN } });
  // Vercel's API at the stand-in, as trusted credctl.yaml says; a Kubernetes Secret holding the key.
  const config = readFileSync(join(fx.root, 'credctl.yaml'), 'utf8').replace(
    'vercel: { admin: "store:vercel/token" }',
    `vercel: { admin: "store:vercel/token", issuer: "${vercel.url}" }`,
  );
  writeFileSync(join(fx.root, 'credctl.yaml'), config);
  mkdirSync(join(fx.root, 'k8s'));
  writeFileSync(
    join(fx.root, 'k8s', 'secret.yaml'),
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: webapp\n  namespace: prod\ntype: Opaque\nstringData:\n  EXAMPLE_API_KEY: ${fx.key}\n`,
  );
  trustProject(fx.root);
  vercel.seedEnv('prj_webapp0001', { key: 'EXAMPLE_API_KEY', value: fx.key, type: 'encrypted', target: ['production', 'preview', 'development'] });
});
afterAll(async () => {
  await fx?.admin.close();
  await Promise.all([issuer?.close(), vercel?.close()]);
});

describe('an incident carried to a proof', () => {
  it('open, rotate with one place set by hand, every credential old-revoked, close, verify on a clean copy', async () => {
    const env = { ...process.env, NO_COLOR: '1', CI: 'true' };
    const outputs: string[] = [];
    const run = async (...args: string[]) => {
      const r = await runCli(args, { cwd: fx.root, env });
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    const session = valueIn(readFileSync(join(fx.root, '.env'), 'utf8'), 'SESSION_SECRET')!;
    const secrets = [fx.key, session, VERCEL_TOKEN];
    // The leak: a paste of production settings.
    writeFileSync(join(fx.root, 'leak.txt'), `EXAMPLE_API_KEY=${fx.key}\nSESSION_SECRET=${session}\n`);

    const opened = await run('incident', 'open', '--leaked', 'leak.txt', '--title', 'production settings pasted in a support ticket', '--json');
    expect(opened.code, opened.stderr).toBe(1);
    const id = JSON.parse(opened.stdout).incident.id as string;
    const states = async () =>
      Object.fromEntries(
        JSON.parse((await run('incident', 'status', id, '--json')).stdout).incidents[0].credentials.map((c: { names: string[]; state: string }) => [
          c.names[0],
          c.state,
        ]),
      );
    expect(await states()).toEqual({ EXAMPLE_API_KEY: 'exposed', SESSION_SECRET: 'exposed' });

    // Rotate: everything credctl can write is written; the Actions secret waits for a person.
    const plan = JSON.parse((await run('rotate', 'EXAMPLE_API_KEY', 'SESSION_SECRET', '--dry-run', '--json')).stdout);
    const example = plan.credentials.find((c: { names: string[] }) => c.names[0] === 'EXAMPLE_API_KEY');
    const targets = example.steps.filter((s: { action: string }) => s.action === 'inject').map((s: { target: { type: string } }) => s.target.type);
    expect(targets).toEqual(expect.arrayContaining(['dotenv', 'k8s-secret', 'vercel-env']));
    const manual = example.steps.filter((s: { action: string }) => s.action === 'manual-inject');
    expect(manual.map((s: { target: { type: string } }) => s.target.type)).toEqual(['github-actions']);
    const key = manual[0].manual.confirmKey as string;
    expect(plan.credentials.find((c: { names: string[] }) => c.names[0] === 'SESSION_SECRET').strategy).toBe('generate');

    const paused = await run('rotate', 'EXAMPLE_API_KEY', 'SESSION_SECRET', '--yes', '--no-input');
    expect(paused.code, paused.stderr).toBe(6);
    const runId = /apply --resume (\S+)/.exec(paused.stdout + paused.stderr)?.[1];
    expect(runId).toBeDefined();
    const midway = await states();
    expect(midway.EXAMPLE_API_KEY).toBe('replacement-created');
    const status = await run('incident', 'status', id);
    expect(status.stdout, status.stdout).toContain(`--confirm-manual ${key}`);

    // The person sets the Actions secret by hand, then confirms it.
    const resumed = await run('apply', '--resume', runId!, '--confirm-manual', key, '--yes', '--no-input');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await states()).toEqual({ EXAMPLE_API_KEY: 'old-revoked', SESSION_SECRET: 'old-revoked' });
    const fresh = valueIn(readFileSync(join(fx.root, '.env.production'), 'utf8'), 'EXAMPLE_API_KEY')!;
    secrets.push(fresh, valueIn(readFileSync(join(fx.root, '.env'), 'utf8'), 'SESSION_SECRET')!);
    expect(readFileSync(join(fx.root, 'k8s', 'secret.yaml'), 'utf8')).toContain(fresh);
    expect(vercel.envs('prj_webapp0001').find((e) => e.key === 'EXAMPLE_API_KEY')?.value).toBe(fresh);

    const closed = await run('incident', 'close', id, '--proof', 'proof.json', '--no-input');
    expect(closed.code, closed.stderr).toBe(0);
    expect(closed.stdout, closed.stdout).toMatch(/EXAMPLE_API_KEY: old refused, new live;.*GitHub Actions.*: confirmed-by-hand/);
    expect((await run('status', '--no-probe', '--json')).stdout).not.toContain('incident-open');

    // On a clean copy elsewhere, with only the proof and the published key.
    const elsewhere = mkdtempSync(join(tmpdir(), 'credctl-auditor-'));
    cpSync(join(fx.root, 'proof.json'), join(elsewhere, 'proof.json'));
    cpSync(join(fx.root, '.credctl', 'audit.pub'), join(elsewhere, 'audit.pub'));
    const verified = await runCli(['incident', 'verify', 'proof.json', '--pubkey', 'audit.pub', '--json'], {
      cwd: elsewhere,
      env: { ...env, HOME: elsewhere },
    });
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, incident: id, credentials: 2, pinnedKey: true });
    const bytes = readFileSync(join(elsewhere, 'proof.json'));
    const pub = readFileSync(join(elsewhere, 'audit.pub'), 'utf8');
    const tampered = join(elsewhere, 'tampered.json');
    for (let at = 0; at < bytes.length; at += Math.max(1, Math.floor(bytes.length / 120))) {
      const copy = Buffer.from(bytes);
      copy[at] = copy[at] === 0x20 ? 0x09 : copy[at]! ^ 0x04;
      writeFileSync(tampered, copy);
      expect(() => verifyProof(tampered, pub), `byte ${at}`).toThrow(expect.objectContaining({ exitCode: 4 }));
    }

    const written = [readFileSync(join(fx.root, 'proof.json'), 'utf8'), readFileSync(join(fx.root, '.credctl', 'audit.jsonl'), 'utf8')];
    written.push(readFileSync(join(fx.root, '.credctl', 'incidents', id, 'incident.json'), 'utf8'));
    for (const s of secrets) for (const text of [...outputs, ...written]) expect(text.includes(s)).toBe(false);
    appendFileSync(join(fx.root, '.credctl', 'done'), '');
  }, 120_000);
});
