/**
 * GitHub REST API stand-in (see src/integrations/github/API.md): /user, /user/repos,
 * /user/installations, /installation/repositories, DELETE /installation/token,
 * POST /credentials/revoke and POST /app/installations/{id}/access_tokens, with GitHub's auth
 * rules, headers and error bodies. App JWTs are checked with real RS256 verification.
 */
import { createPublicKey, randomBytes, verify as verifySignature, type KeyObject } from 'node:crypto';
import { bearerOf, startStandIn, type StandIn, type StandInAnswer, type StandInRequest } from '../standin.js';

export interface FakeRepo {
  full_name: string;
  permissions: { admin: boolean; maintain?: boolean; push: boolean; triage?: boolean; pull: boolean };
}

export interface FakeToken {
  login: string;
  id: number;
  /** Classic and OAuth tokens: the X-OAuth-Scopes value. Absent for fine-grained and app tokens. */
  scopes?: string;
  /** "2027-01-31 12:00:00 UTC", GitHub's header format. */
  expires?: string;
  repos?: FakeRepo[];
  /** ghu_ tokens: installations with their permissions. */
  installations?: { id: number; account: { login: string }; permissions: Record<string, string> }[];
}

export interface FakeApp {
  /** Client id or numeric app id (either is accepted as `iss`). */
  ids: string[];
  publicKeyPem: string;
  installations: Record<string, { account: string; permissions: Record<string, string>; repositories: string[] }>;
}

export interface GithubStandIn extends StandIn {
  tokens: Map<string, FakeToken>;
  revoked: Set<string>;
  /** Revocation requests seen (each a list of credentials), to assert what was sent. */
  revocations: string[][];
  /**
   * The next request to `path` gets this answer instead of the stand-in's own (an answer GitHub
   * could send but the stand-in's state does not produce: a body missing a field, a Link header).
   */
  answerNext(path: string, answer: StandInAnswer): void;
}

const DOCS = 'https://docs.github.com/rest';
const error = (status: number, message: string, extra: Record<string, unknown> = {}): StandInAnswer => ({
  status,
  body: { message, documentation_url: DOCS, status: String(status), ...extra },
});
const REVOKE_LIMIT_PER_HOUR = 60;
const MAX_CREDENTIALS_PER_CALL = 1000;

function rateHeaders(used: number): Record<string, string> {
  return {
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': String(5000 - used),
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    'x-ratelimit-used': String(used),
    'x-ratelimit-resource': 'core',
  };
}

function tokenOf(req: StandInRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h === 'string' && /^token /i.test(h)) return h.slice(6).trim();
  return bearerOf(req);
}

function b64json(part: string): any {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** GitHub's JWT checks: RS256 signed by the app key, iss known, exp in the future and at most 10 minutes after iat. */
function appFromJwt(jwt: string, apps: FakeApp[], keys: Map<FakeApp, KeyObject>): FakeApp | string {
  const [h, p, s] = jwt.split('.');
  if (!h || !p || !s) return 'A JSON web token could not be decoded';
  const header = b64json(h);
  const payload = b64json(p);
  if (header?.alg !== 'RS256' || !payload) return 'A JSON web token could not be decoded';
  const app = apps.find((a) => a.ids.includes(String(payload.iss)));
  if (!app) return `Integration not found`;
  if (!verifySignature('sha256', Buffer.from(`${h}.${p}`), keys.get(app)!, Buffer.from(s, 'base64url'))) return 'A JSON web token could not be decoded';
  const now = Math.floor(Date.now() / 1000);
  if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number') return "Missing 'issued at' or 'expiration time' claim";
  if (payload.exp - payload.iat > 600) return "'Expiration time' claim ('exp') is too far in the future";
  if (payload.exp < now) return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
  if (payload.iat > now + 60) return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
  return app;
}

export async function startGithub(tokens: Record<string, FakeToken>, apps: FakeApp[] = []): Promise<GithubStandIn> {
  const live = new Map(Object.entries(tokens));
  const revoked = new Set<string>();
  const revocations: string[][] = [];
  const installationTokens = new Map<string, { installation: string; repositories: string[]; account: string; expires: string }>();
  const keys = new Map(apps.map((a) => [a, createPublicKey(a.publicKeyPem)] as const));
  let used = 0;
  let revokeCalls = 0;
  const canned: { path: string; answer: StandInAnswer }[] = [];

  const user = (req: StandInRequest): FakeToken | StandInAnswer => {
    const t = tokenOf(req);
    if (!t || revoked.has(t)) return error(401, 'Bad credentials');
    if (t.startsWith('ghs_')) return installationTokens.has(t) ? error(403, 'Resource not accessible by integration') : error(401, 'Bad credentials');
    return live.get(t) ?? error(401, 'Bad credentials');
  };
  const withHeaders = (a: StandInAnswer, extra: Record<string, string> = {}): StandInAnswer => ({
    ...a,
    headers: { ...rateHeaders(++used), ...extra, ...a.headers },
  });
  const repoJson = (r: FakeRepo) => ({
    id: r.full_name.length,
    name: r.full_name.split('/')[1],
    full_name: r.full_name,
    owner: { login: r.full_name.split('/')[0] },
    private: true,
    permissions: r.permissions,
  });

  const server = await startStandIn({
    errorBody: (status, message) => ({
      message: status === 429 ? 'API rate limit exceeded for user ID 1.' : message,
      documentation_url: DOCS,
      status: String(status),
    }),
    rateLimitHeaders: {
      'retry-after': '0',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60),
      'x-ratelimit-resource': 'core',
    },
    handle(req) {
      const c = canned.findIndex((a) => a.path === req.path);
      if (c >= 0) return canned.splice(c, 1)[0]!.answer;
      if (req.headers['x-github-api-version'] && req.headers['x-github-api-version'] !== '2022-11-28' && req.headers['x-github-api-version'] !== '2026-03-10') {
        return error(400, `API version ${String(req.headers['x-github-api-version'])} is not supported.`);
      }
      if (req.method === 'GET' && req.path === '/user') {
        const u = user(req);
        if ('status' in u) return withHeaders(u);
        const headers: Record<string, string> = {};
        if (u.scopes !== undefined) headers['x-oauth-scopes'] = u.scopes;
        if (u.scopes !== undefined) headers['x-accepted-oauth-scopes'] = '';
        if (u.expires) headers['github-authentication-token-expiration'] = u.expires;
        return withHeaders({ status: 200, body: { login: u.login, id: u.id, node_id: `U_FAKE${u.id}`, type: 'User', site_admin: false } }, headers);
      }
      if (req.method === 'GET' && req.path === '/user/repos') {
        const u = user(req);
        if ('status' in u) return withHeaders(u);
        return withHeaders({ status: 200, body: (u.repos ?? []).map(repoJson) });
      }
      if (req.method === 'GET' && req.path === '/user/installations') {
        const t = tokenOf(req) ?? '';
        const u = user(req);
        if ('status' in u) return withHeaders(u);
        if (!t.startsWith('ghu_'))
          return withHeaders(error(403, 'You must authenticate with an access token authorized to a GitHub App in order to list installations'));
        return withHeaders({ status: 200, body: { total_count: u.installations?.length ?? 0, installations: u.installations ?? [] } });
      }
      if (req.method === 'GET' && req.path === '/installation/repositories') {
        const t = tokenOf(req) ?? '';
        const inst = installationTokens.get(t);
        if (!inst || revoked.has(t))
          return withHeaders(
            t && live.has(t) && !revoked.has(t)
              ? error(403, 'This endpoint requires you to be authenticated as a GitHub App installation.')
              : error(401, 'Bad credentials'),
          );
        const repos = inst.repositories.map((name) => ({
          id: name.length,
          name,
          full_name: `${inst.account}/${name}`,
          owner: { login: inst.account },
          private: true,
        }));
        return withHeaders(
          {
            status: 200,
            body: { total_count: repos.length, repository_selection: 'selected', repositories: repos.slice(0, Number(req.query.get('per_page') ?? 30)) },
          },
          { 'github-authentication-token-expiration': inst.expires },
        );
      }
      if (req.method === 'DELETE' && req.path === '/installation/token') {
        const t = tokenOf(req) ?? '';
        if (!installationTokens.has(t) || revoked.has(t)) return error(401, 'Bad credentials');
        revoked.add(t);
        return { status: 204 };
      }
      if (req.method === 'POST' && req.path === '/credentials/revoke') {
        if (req.headers.authorization) return error(403, 'This endpoint does not accept authenticated requests.');
        if (++revokeCalls > REVOKE_LIMIT_PER_HOUR)
          return error(422, 'Validation Failed', { errors: [{ resource: 'Credential', code: 'custom', message: 'The endpoint has been spammed.' }] });
        const list = req.body?.credentials;
        if (!Array.isArray(list) || list.length === 0 || list.length > MAX_CREDENTIALS_PER_CALL || !list.every((c: unknown) => typeof c === 'string')) {
          return error(422, 'Validation Failed', { errors: [{ resource: 'Credential', field: 'credentials', code: 'invalid' }] });
        }
        revocations.push(list);
        for (const c of list as string[]) if (!c.startsWith('ghs_')) revoked.add(c);
        return { status: 202, body: {} };
      }
      const m = /^\/app\/installations\/([^/]+)\/access_tokens$/.exec(req.path);
      if (req.method === 'POST' && m) {
        const jwt = bearerOf(req);
        if (!jwt) return error(401, 'A JSON web token could not be decoded');
        const app = appFromJwt(jwt, apps, keys);
        if (typeof app === 'string') return error(401, app);
        const installation = app.installations[m[1]!];
        if (!installation) return error(404, 'Not Found');
        const asked: Record<string, string> = req.body?.permissions ?? installation.permissions;
        const order = ['read', 'write', 'admin'];
        for (const [name, level] of Object.entries(asked)) {
          const has = installation.permissions[name];
          if (!has || order.indexOf(level) > order.indexOf(has)) return error(422, 'The permissions requested are not granted to this installation.');
        }
        const names: string[] | undefined = req.body?.repositories;
        if (names && names.length > 500) return error(422, 'Too many repositories: the maximum is 500.');
        if (names?.some((n) => !installation.repositories.includes(n)))
          return error(422, 'There is at least one repository that does not exist or is not accessible to the parent installation.');
        const token = `ghs_FAKE${randomBytes(16).toString('hex').slice(0, 32)}`;
        const expiresAt = new Date(Date.now() + 3600_000);
        installationTokens.set(token, {
          installation: m[1]!,
          repositories: names ?? installation.repositories,
          account: installation.account,
          expires: `${expiresAt.toISOString().slice(0, 19).replace('T', ' ')} UTC`,
        });
        return {
          status: 201,
          body: {
            token,
            expires_at: expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
            permissions: asked,
            repository_selection: names ? 'selected' : 'all',
            ...(names ? { repositories: names.map((n) => ({ name: n, full_name: `${installation.account}/${n}` })) } : {}),
          },
        };
      }
      return error(404, 'Not Found');
    },
  });
  const answerNext = (path: string, answer: StandInAnswer) => void canned.push({ path, answer });
  return Object.assign(server, { tokens: live, revoked, revocations, answerNext });
}
