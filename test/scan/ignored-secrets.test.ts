import { afterAll, describe, expect, it } from 'vitest';
import { scanPaths } from '../../src/scan/engine.js';
import { listScanFiles } from '../../src/scan/files.js';
import { formatResult } from '../../src/scan/format.js';
import { holdsSecretsByNature } from '../../src/scan/secret-files.js';
import { cleanup, commit, fake, git, gitRepo, testRulesDir, write } from './helpers.js';

// A default scan reads what an attacker with the checkout would find: git-ignored files that hold
// secrets by nature (.env, keys, kubeconfigs ...), but not ignored bulk folders, and it says for
// each finding whether the file is committed, untracked or ignored (on this machine only).
afterAll(cleanup);

function project(): string {
  const d = gitRepo();
  write(d, '.gitignore', '.env\n.env.*\nnode_modules/\ndist/\nsecrets/\n*.log\n');
  write(d, 'src/app.js', `const key = "${fake.stripe(1)}";\n`);
  commit(d, 'app');
  write(d, 'scratch.js', `const key = "${fake.stripe(2)}";\n`);
  write(d, '.env', `STRIPE_SECRET_KEY=${fake.stripe(3)}\n`);
  write(d, '.env.production', `GITHUB_TOKEN=${fake.github(4)}\n`);
  write(d, 'secrets/deploy/kubeconfig', `token: x\nSTRIPE_SECRET_KEY=${fake.stripe(5)}\n`);
  write(d, 'secrets/notes.txt', `STRIPE_SECRET_KEY=${fake.stripe(6)}\n`);
  write(d, 'node_modules/pkg/.env', `STRIPE_SECRET_KEY=${fake.stripe(7)}\n`);
  write(d, 'dist/.env', `STRIPE_SECRET_KEY=${fake.stripe(8)}\n`);
  write(d, 'debug.log', `STRIPE_SECRET_KEY=${fake.stripe(9)}\n`);
  return d;
}

describe('scan of a git work tree', () => {
  it('also reads ignored files that hold secrets by nature, never ignored bulk folders', () => {
    const d = project();
    const listing = listScanFiles(d);
    expect(listing.files).toEqual(['.env', '.env.production', '.gitignore', 'scratch.js', 'secrets/deploy/kubeconfig', 'src/app.js']);
    expect(Object.fromEntries(listing.status!)).toMatchObject({
      'src/app.js': 'committed',
      '.gitignore': 'committed',
      'scratch.js': 'untracked',
      '.env': 'ignored',
      '.env.production': 'ignored',
      'secrets/deploy/kubeconfig': 'ignored',
    });
  });

  it('marks each finding committed, untracked or ignored, in every output format', async () => {
    const d = project();
    const r = await scanPaths({ paths: [d], base: d, rulesDir: testRulesDir(), workers: 1 });
    const byFile = Object.fromEntries(r.findings.map((f) => [f.file, f.git]));
    expect(byFile).toEqual({
      'src/app.js': 'committed',
      'scratch.js': 'untracked',
      '.env': 'ignored',
      '.env.production': 'ignored',
      'secrets/deploy/kubeconfig': 'ignored',
    });
    expect(formatResult(r, 'table')).toMatch(/\.env:1:\d+ .*ignored \(local only\)/);
    expect(formatResult(r, 'table')).toMatch(/src\/app\.js:1:\d+ .*committed/);
    expect(
      JSON.parse(formatResult(r, 'json'))
        .findings.map((f: { git: string }) => f.git)
        .sort(),
    ).toEqual(['committed', 'ignored', 'ignored', 'ignored', 'untracked']);
    expect(formatResult(r, 'jsonl')).toContain('"git":"ignored"');
    const sarif = JSON.parse(formatResult(r, 'sarif'));
    expect(sarif.runs[0].results.map((x: { properties: { git: string } }) => x.properties.git)).toContain('ignored');
  });

  it('outside git or with --no-ignore, reads everything and marks nothing', async () => {
    const d = project();
    const r = await scanPaths({ paths: [d], base: d, rulesDir: testRulesDir(), workers: 1, noIgnore: true });
    expect(r.findings.map((f) => f.file)).toContain('node_modules/pkg/.env');
    expect(r.findings.every((f) => f.git === undefined)).toBe(true);
  });

  it('leaves a tracked file deleted from the work tree out', () => {
    const d = project();
    git(d, 'rm', '-q', '--cached', 'src/app.js');
    expect(listScanFiles(d).status!.get('src/app.js')).toBe('untracked');
  });
});

describe('files that hold secrets by nature', () => {
  it('are env files, keys, package-manager and cloud CLI credentials, kubeconfigs, Secret manifests', () => {
    for (const p of [
      '.env',
      '.env.local',
      'config/prod.env',
      '.npmrc',
      '.netrc',
      '.pgpass',
      '.git-credentials',
      '.docker/config.json',
      '.dockercfg',
      'kubeconfig',
      'cluster.kubeconfig',
      '.kube/config',
      '.aws/credentials',
      'gcp-service-account.json',
      'server.key',
      'tls.pem',
      'keys/deploy.ppk',
      'id_ed25519',
      'k8s/db-secret.yaml',
      'terraform.tfvars',
      'terraform.tfstate',
      '.pypirc',
      'config/master.key',
    ]) {
      expect(holdsSecretsByNature(p), p).toBe(true);
    }
  });
  it('are not public keys, ordinary config or code', () => {
    for (const p of ['id_ed25519.pub', 'README.md', 'src/env.ts', 'config.yaml', 'package.json', 'environment.ts'])
      expect(holdsSecretsByNature(p), p).toBe(false);
  });
});
