import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { projectPaths } from '../../src/core/paths.js';
import { startIssuer } from '../../src/issuer/server.js';
import { StandardClient } from '../../src/integrations/standard/client.js';
import { storeFor } from '../../src/store/open.js';
import type { SecretStore } from '../../src/store/types.js';
import { readLocalAudit } from '../../src/audit/bundle.js';
import { parsePublicKey } from '../../src/audit/keys.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { trustProject } from './trust.js';

/**
 * A real project to rotate: a git repo in a temp dir whose .env and deploy/app.env hold live
 * keys minted by a real reference issuer, a credctl.yaml naming the issuer and a health check,
 * and an encrypted file store (with its own key file) holding the issuer's admin token.
 */
export type Issuer = Awaited<ReturnType<typeof startIssuer>>;

export interface RotationProject {
  root: string;
  /** name → the value minted for it. */
  values: Record<string, string>;
  store: SecretStore;
  /** Environment for spawning the CLI against this project. */
  env: NodeJS.ProcessEnv;
  admin: StandardClient;
  whoami(value: string): Promise<number>;
  audit(): ReturnType<typeof verifyAudit>;
  read(file: string): string;
}

export async function startTestIssuer(): Promise<Issuer> {
  return startIssuer({ port: 0, dataDir: mkdtempSync(join(tmpdir(), 'credctl-issuer-')) });
}

export async function makeRotationProject(issuer: Issuer, options: { names?: string[]; health?: 'pass' | 'fail' | 'none' } = {}): Promise<RotationProject> {
  const names = options.names ?? ['EVENTS_API_KEY'];
  const root = mkdtempSync(join(tmpdir(), 'credctl-rotate-'));
  const home = mkdtempSync(join(tmpdir(), 'credctl-home-'));
  execFileSync('git', ['init', '-q', root]);
  const admin = new StandardClient({ issuer: issuer.url, adminToken: issuer.adminToken });
  const values: Record<string, string> = {};
  for (const name of names) {
    const created = await admin.create({ scopes: ['events:read', 'events:write'], environment: 'live', name });
    values[name] = created.value;
  }
  writeFileSync(join(root, '.env'), `# local development\n${names.map((n) => `${n}=${values[n]}`).join('\n')}\nPORT=3000\n`);
  mkdirSync(join(root, 'deploy'));
  writeFileSync(join(root, 'deploy', 'app.env'), names.map((n) => `export ${n}="${values[n]}"  # prod`).join('\n') + '\n');
  // The app's smoke test: every key it is given must be accepted by the issuer's protected API.
  writeFileSync(
    join(root, 'check.mjs'),
    `
const names = ${JSON.stringify(names)};
for (const n of names) {
  const v = process.env[n];
  if (!v) continue;
  const r = await fetch(${JSON.stringify(issuer.url)} + '/v1/whoami', { headers: { authorization: 'Bearer ' + v } });
  if (r.status !== 200) { console.error('whoami for ' + n + ' answered ' + r.status + ' with ' + v); process.exit(1); }
}
console.log('smoke ok with', names.map((n) => process.env[n]).join(','));
`,
  );
  const health = options.health ?? 'pass';
  const healthYaml = health === 'none' ? '' : `    health:\n      - command: ${health === 'pass' ? 'node check.mjs' : 'node -e "process.exit(3)"'}\n`;
  writeFileSync(
    join(root, 'credctl.yaml'),
    [
      'providers:',
      `  example: { issuer: ${issuer.url}, admin: "store:example/admin" }`,
      'credentials:',
      ...names.map((n) => `  ${n}:\n    owner: platform\n${healthYaml}`),
    ].join('\n') + '\n',
  );
  trustProject(root);
  const keyFile = join(home, 'store.key');
  writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  const env = { ...process.env, HOME: home, CREDCTL_STORE: 'file', CREDCTL_KEY_FILE: keyFile, NO_COLOR: '1', CI: 'true' };
  const paths = projectPaths(root);
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  const store = storeFor('file', paths, { env });
  await store.put('example/admin', issuer.adminToken, ['current']);
  return {
    root,
    values,
    store,
    env,
    admin,
    async whoami(value) {
      const r = await fetch(`${issuer.url}/v1/whoami`, { headers: { authorization: `Bearer ${value}` } });
      await r.arrayBuffer();
      return r.status;
    },
    audit() {
      const local = readLocalAudit(paths);
      return verifyAudit({ logText: local.logText, checkpointsText: local.checkpointsText, publicKey: parsePublicKey(local.publicKeyPem) });
    },
    read: (file) => readFileSync(join(root, file), 'utf8'),
  };
}

/** The value bound to `name` in a dotenv-style file (first match), for assertions. */
export function valueIn(text: string, name: string): string | undefined {
  const m = new RegExp(`^(?:export\\s+)?${name}=["']?([^"'\\s#]+)`, 'm').exec(text);
  return m?.[1];
}
