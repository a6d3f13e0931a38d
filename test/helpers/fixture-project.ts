import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPaths } from '../../src/core/paths.js';
import { StandardClient } from '../../src/integrations/standard/client.js';
import { storeFor } from '../../src/store/open.js';
import type { SecretStore } from '../../src/store/types.js';
import type { Issuer } from './rotation-project.js';
import { trustProject } from './trust.js';

/**
 * A fixture project made live: copied into a temp git repo, its fake `ccx_live_` key replaced by
 * a real key minted at a test issuer, credctl.yaml pointing at that issuer, and a file store
 * holding the issuer's admin token (plus GitHub/Vercel tokens when given).
 */
export interface LiveFixture {
  root: string;
  key: string;
  fakeKey: string;
  store: SecretStore;
  admin: StandardClient;
}

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');

function replaceInTree(root: string, from: string, to: string): void {
  for (const name of readdirSync(root)) {
    if (name === '.git') continue;
    const full = join(root, name);
    if (statSync(full).isDirectory()) replaceInTree(full, from, to);
    else {
      const text = readFileSync(full, 'utf8');
      if (text.includes(from)) writeFileSync(full, text.split(from).join(to));
    }
  }
}

function findFakeKey(root: string): string {
  for (const name of readdirSync(root, { recursive: true }) as string[]) {
    const full = join(root, name);
    if (name.includes('.git') || statSync(full).isDirectory()) continue;
    const m = /ccx_live_[0-9A-Za-z]{32}/.exec(readFileSync(full, 'utf8'));
    if (m) return m[0];
  }
  throw new Error(`no ccx_live_ key in ${root}`);
}

export async function liveFixture(
  name: string,
  issuer: Issuer,
  options: { scopes?: string[]; tokens?: { github?: string; vercel?: string } } = {},
): Promise<LiveFixture> {
  const root = mkdtempSync(join(tmpdir(), `credctl-fx-${name}-`));
  cpSync(join(FIXTURES, name), root, { recursive: true });
  const admin = new StandardClient({ issuer: issuer.url, adminToken: issuer.adminToken });
  const created = await admin.create({ scopes: options.scopes ?? ['events:read'], environment: 'live', name });
  const fakeKey = findFakeKey(root);
  replaceInTree(root, fakeKey, created.value);
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: root,
      stdio: 'ignore',
      env: { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.test', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.test' },
    });
  git('init', '-q');
  git('remote', 'add', 'origin', `git@github.com:acme/${name}.git`);
  const config = join(root, 'credctl.yaml');
  const lines = ['providers:', `  example: { issuer: "${issuer.url}", admin: "store:example/admin" }`];
  if (options.tokens?.github) lines.push('  github: { admin: "store:github/token" }');
  if (options.tokens?.vercel) lines.push('  vercel: { admin: "store:vercel/token" }');
  appendFileSync(config, (existsSync(config) ? '\n' : '') + lines.join('\n') + '\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'import');
  trustProject(root);
  const home = mkdtempSync(join(tmpdir(), 'credctl-fx-home-'));
  const keyFile = join(home, 'store.key');
  writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  process.env.CREDCTL_STORE = 'file';
  process.env.CREDCTL_KEY_FILE = keyFile;
  const paths = projectPaths(root);
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  const store = storeFor('file', paths);
  await store.put('example/admin', issuer.adminToken, ['current']);
  if (options.tokens?.github) await store.put('github/token', options.tokens.github, ['current']);
  if (options.tokens?.vercel) await store.put('vercel/token', options.tokens.vercel, ['current']);
  return { root, key: created.value, fakeKey, store, admin };
}
