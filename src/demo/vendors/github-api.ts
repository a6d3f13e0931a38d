/**
 * A local server speaking the GitHub REST API for Actions secrets, for tests. Real HTTP on
 * 127.0.0.1, port 0. It holds a real Curve25519 keypair per repository (and per environment),
 * serves the public key, and OPENS every sealed box with the private key, so a test can assert the
 * exact value that arrived. It enforces what GitHub does: `Authorization: Bearer <token>` (401
 * "Bad credentials" otherwise), `Accept: application/vnd.github+json` and
 * `X-GitHub-Api-Version: 2022-11-28` (400 otherwise, stricter than GitHub so clients are kept
 * honest), the JSON shapes, 201 on create / 204 on update, 404 for unknown repos, secrets and
 * environments, 403 for read-only tokens writing, 422 for bad bodies or a stale key_id.
 *
 * Endpoints:
 *   GET /repos/{o}/{r}/actions/secrets/public-key            → 200 { key_id, key }
 *   GET /repos/{o}/{r}/actions/secrets/{name}                → 200 { name, created_at, updated_at } | 404
 *   PUT /repos/{o}/{r}/actions/secrets/{name}                { encrypted_value, key_id } → 201 {} | 204
 *   the same under /repos/{o}/{r}/environments/{env}/secrets/...
 *
 * Test API:
 *   const gh = await startGithubApi({ tokens: ['ghp_FAKE...'], repos: ['acme/api'] });
 *   gh.url                                   base URL for TargetDeps.apiUrl['github-actions']
 *   gh.secret('acme/api', 'NAME', env?)      → { value, created_at, updated_at } | undefined (decrypted)
 *   gh.seedSecret('acme/api', 'NAME', value, env?)  put a secret as if someone else had
 *   gh.rotateKey('acme/api')                 new keypair + key_id (old key_id → 422)
 *   gh.addToken(token, { readOnly?, repos? })
 *   gh.injectFault(spec)                     see ./faults.ts (500 / hang / reset / malformed, before or after applying)
 *   gh.requests                              every request: method, path, status, authorization
 *   gh.tick(seconds)                         move the server clock forward (updated_at has 1 s resolution)
 *   await gh.close()
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadSodium } from '../../integrations/github-actions/sodium.js';
import { closeStandIn, FaultQueue, readBody, serveWithFaults, type FaultSpec, type RecordedRequest } from './faults.js';

interface KeyPair {
  keyId: string;
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

interface StoredSecret {
  value: string;
  created_at: string;
  updated_at: string;
}

interface Scope {
  key: KeyPair;
  secrets: Map<string, StoredSecret>;
}

interface TokenInfo {
  readOnly: boolean;
  repos: Set<string> | '*';
}

export interface GithubApiServer {
  url: string;
  secret(repo: string, name: string, environment?: string): StoredSecret | undefined;
  seedSecret(repo: string, name: string, value: string, environment?: string): void;
  rotateKey(repo: string, environment?: string): void;
  addToken(token: string, opts?: { readOnly?: boolean; repos?: string[] }): void;
  addRepo(repo: string, environments?: string[]): void;
  injectFault(spec: FaultSpec): void;
  readonly faults: FaultQueue;
  requests: RecordedRequest[];
  tick(seconds: number): void;
  close(): Promise<void>;
}

export interface GithubApiOptions {
  tokens: string[];
  repos: string[];
  /** Deployment environments per repo, e.g. { 'acme/api': ['production'] }. */
  environments?: Record<string, string[]>;
}

export async function startGithubApi(opts: GithubApiOptions): Promise<GithubApiServer> {
  const sodium = await loadSodium();
  let keyCounter = 1000;
  let clockOffsetMs = 0;
  const now = () => new Date(Date.now() + clockOffsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const newKey = (): KeyPair => {
    const kp = sodium.crypto_box_keypair();
    return { keyId: String(++keyCounter) + '568250167242549743', publicKey: kp.publicKey, privateKey: kp.privateKey };
  };
  const scopes = new Map<string, Scope>();
  const scopeKey = (repo: string, env?: string) => `${repo.toLowerCase()}#${env ?? ''}`;
  const addRepo = (repo: string, envs: string[] = []) => {
    scopes.set(scopeKey(repo), { key: newKey(), secrets: new Map() });
    for (const e of envs) scopes.set(scopeKey(repo, e), { key: newKey(), secrets: new Map() });
  };
  for (const r of opts.repos) addRepo(r, opts.environments?.[r]);
  const tokens = new Map<string, TokenInfo>();
  for (const t of opts.tokens) tokens.set(t, { readOnly: false, repos: '*' });

  const faults = new FaultQueue();
  const hung = new Set<ServerResponse>();
  const requests: RecordedRequest[] = [];

  const message = (msg: string) => ({ message: msg, documentation_url: 'https://docs.github.com/rest' });

  async function handle(req: IncomingMessage): Promise<{ status: number; body?: unknown }> {
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer (.+)$/.exec(auth);
    const token = m ? tokens.get(m[1]!) : undefined;
    if (!token) return { status: 401, body: message('Bad credentials') };
    if (req.headers.accept !== 'application/vnd.github+json') return { status: 400, body: message('Accept must be application/vnd.github+json') };
    if (req.headers['x-github-api-version'] !== '2022-11-28') return { status: 400, body: message('X-GitHub-Api-Version must be 2022-11-28') };

    const url = new URL(req.url ?? '/', 'http://x');
    const p = /^\/repos\/([^/]+)\/([^/]+)\/(?:actions|environments\/([^/]+))\/secrets\/([^/]+)$/.exec(url.pathname);
    if (!p) return { status: 404, body: message('Not Found') };
    const repo = `${decodeURIComponent(p[1]!)}/${decodeURIComponent(p[2]!)}`;
    const env = p[3] !== undefined ? decodeURIComponent(p[3]) : undefined;
    const leaf = decodeURIComponent(p[4]!);
    if (token.repos !== '*' && !token.repos.has(repo.toLowerCase())) return { status: 404, body: message('Not Found') };
    const scope = scopes.get(scopeKey(repo, env));
    if (!scope) return { status: 404, body: message('Not Found') };

    if (leaf === 'public-key') {
      if (req.method !== 'GET') return { status: 404, body: message('Not Found') };
      return { status: 200, body: { key_id: scope.key.keyId, key: sodium.to_base64(scope.key.publicKey, sodium.base64_variants.ORIGINAL) } };
    }
    const name = leaf.toUpperCase();
    if (req.method === 'GET') {
      const s = scope.secrets.get(name);
      if (!s) return { status: 404, body: message('Not Found') };
      return { status: 200, body: { name, created_at: s.created_at, updated_at: s.updated_at } };
    }
    if (req.method === 'PUT') {
      if (token.readOnly) return { status: 403, body: message('Resource not accessible by integration') };
      if (!/^[A-Z_][A-Z0-9_]*$/.test(name) || name.startsWith('GITHUB_')) return { status: 422, body: message('Invalid secret name') };
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return { status: 415, body: message('Unsupported Media Type') };
      let body: { encrypted_value?: unknown; key_id?: unknown };
      try {
        body = JSON.parse(await readBody(req)) as typeof body;
      } catch {
        return { status: 400, body: message('Problems parsing JSON') };
      }
      if (typeof body.key_id !== 'string') return { status: 422, body: message('Invalid request.\n\n"key_id" wasn\'t supplied.') };
      if (typeof body.encrypted_value !== 'string') return { status: 422, body: message('Invalid request.\n\n"encrypted_value" wasn\'t supplied.') };
      if (body.key_id !== scope.key.keyId) return { status: 422, body: message('Bad key_id') };
      let value: string;
      try {
        const sealed = sodium.from_base64(body.encrypted_value, sodium.base64_variants.ORIGINAL);
        value = sodium.to_string(sodium.crypto_box_seal_open(sealed, scope.key.publicKey, scope.key.privateKey));
      } catch {
        return { status: 422, body: message('Bad encrypted_value: cannot be decrypted with the repository key') };
      }
      const t = now();
      const existing = scope.secrets.get(name);
      scope.secrets.set(name, { value, created_at: existing?.created_at ?? t, updated_at: t });
      return existing ? { status: 204 } : { status: 201, body: {} };
    }
    return { status: 404, body: message('Not Found') };
  }

  const server: Server = createServer(serveWithFaults(handle, { faults, hung, requests, serverError: message('Server Error') }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const scopeOrThrow = (repo: string, env?: string) => {
    const s = scopes.get(scopeKey(repo, env));
    if (!s) throw new Error(`no repo ${repo}${env ? ` env ${env}` : ''} on the test server`);
    return s;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    secret: (repo, name, env) => {
      const s = scopes.get(scopeKey(repo, env))?.secrets.get(name.toUpperCase());
      return s ? { ...s } : undefined;
    },
    seedSecret: (repo, name, value, env) => {
      const t = now();
      scopeOrThrow(repo, env).secrets.set(name.toUpperCase(), { value, created_at: t, updated_at: t });
    },
    rotateKey: (repo, env) => {
      scopeOrThrow(repo, env).key = newKey();
    },
    addToken: (token, o = {}) => {
      tokens.set(token, { readOnly: o.readOnly ?? false, repos: o.repos ? new Set(o.repos.map((r) => r.toLowerCase())) : '*' });
    },
    addRepo,
    injectFault: (spec) => faults.push(spec),
    faults,
    requests,
    tick: (seconds) => {
      clockOffsetMs += seconds * 1000;
    },
    close: () => closeStandIn(server, hung),
  };
}
