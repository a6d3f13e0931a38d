/**
 * GitLab REST API v4 stand-in (see src/integrations/gitlab/API.md): personal access token
 * self-inform, self-rotate (with reuse detection: rotating a revoked token revokes its whole
 * family), self-revoke, and GET /user, with GitLab's scope checks and error bodies.
 * `answerNext` scripts an answer its tokens never produce (a body without an id, a 200 to DELETE).
 */
import { randomBytes } from 'node:crypto';
import { bearerOf, startStandIn, type StandIn, type StandInAnswer, type StandInRequest } from '../standin.js';

export interface GitLabToken {
  id: number;
  name: string;
  scopes: string[];
  userId: number;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revoked: boolean;
  family: number;
}

export interface GitLabStandIn extends StandIn {
  tokens: Map<string, GitLabToken>;
  /** Add a token for a user; returns its value. */
  add(value: string, t: Partial<GitLabToken> & { scopes: string[]; userId: number }): string;
  /** The next `count` requests of `method` to `path` (from /api/v4) get this answer. */
  answerNext(method: string, path: string, answer: StandInAnswer, count?: number): void;
}

const UNAUTHORIZED = { status: 401, body: { message: '401 Unauthorized' } };
const READ_SCOPES = ['api', 'read_api'];

export async function startGitLab(users: Record<number, { username: string; name: string; bot?: boolean }>): Promise<GitLabStandIn> {
  const tokens = new Map<string, GitLabToken>();
  let nextId = 100;
  const today = () => new Date().toISOString().slice(0, 10);
  const view = (t: GitLabToken) => ({
    id: t.id,
    name: t.name,
    revoked: t.revoked,
    created_at: t.createdAt,
    description: null,
    scopes: t.scopes,
    user_id: t.userId,
    last_used_at: t.lastUsedAt,
    active: !t.revoked && !(t.expiresAt && t.expiresAt < today()),
    expires_at: t.expiresAt,
  });
  const insufficient = (scopes: string[]) => ({
    status: 403,
    body: {
      error: 'insufficient_scope',
      error_description: 'The request requires higher privileges than provided by the access token.',
      scope: scopes.join(' '),
    },
  });

  /** The token of a request (PRIVATE-TOKEN or Bearer), whether valid or not. */
  const presented = (req: StandInRequest) => {
    const h = req.headers['private-token'];
    return typeof h === 'string' ? h : bearerOf(req);
  };
  const scripted: { method: string; path: string; answer: StandInAnswer; left: number }[] = [];
  const usable = (t: GitLabToken | undefined): t is GitLabToken => !!t && view(t).active;

  const standIn = await startStandIn({
    errorBody: (status, message) => (status === 429 ? 'Retry later' : { message: status === 500 ? '500 Internal Server Error' : `${status} ${message}` }),
    rateLimitHeaders: {
      'retry-after': '0',
      'ratelimit-limit': '2000',
      'ratelimit-observed': '2001',
      'ratelimit-remaining': '0',
      'ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60),
      'ratelimit-resettime': new Date(Date.now() + 60_000).toUTCString(),
    },
    handle(req) {
      if (!req.path.startsWith('/api/v4/')) return { status: 404, body: { message: '404 Not Found' } };
      const path = req.path.slice('/api/v4'.length);
      const i = scripted.findIndex((a) => a.method === req.method && a.path === path);
      if (i >= 0) {
        const a = scripted[i]!;
        if (--a.left <= 0) scripted.splice(i, 1);
        return a.answer;
      }
      const value = presented(req);
      const token = value ? tokens.get(value) : undefined;

      if (req.method === 'POST' && path === '/personal_access_tokens/self/rotate') {
        if (token && token.revoked) {
          // Reuse detection: a revoked token used to rotate revokes every token of its family.
          for (const t of tokens.values()) if (t.family === token.family) t.revoked = true;
          return UNAUTHORIZED;
        }
        if (!usable(token)) return UNAUTHORIZED;
        if (!token.scopes.includes('api') && !token.scopes.includes('self_rotate')) return { status: 403, body: { message: '403 Forbidden' } };
        const expiresAt = typeof req.body?.expires_at === 'string' ? req.body.expires_at : new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
        if (!/^\d{4}-\d{2}-\d{2}$/.test(expiresAt)) return { status: 400, body: { message: { expires_at: ['is invalid'] } } };
        token.revoked = true;
        const fresh: GitLabToken = { ...token, id: nextId++, createdAt: new Date().toISOString(), expiresAt, lastUsedAt: null, revoked: false };
        const newValue = `glpat-${randomBytes(15).toString('base64url')}`;
        tokens.set(newValue, fresh);
        return { status: 200, body: { ...view(fresh), token: newValue } };
      }

      if (!usable(token)) return UNAUTHORIZED;
      token.lastUsedAt = new Date().toISOString();

      if (req.method === 'DELETE' && path === '/personal_access_tokens/self') {
        token.revoked = true;
        return { status: 204 };
      }
      if (req.method === 'GET' && path === '/personal_access_tokens/self') {
        if (!token.scopes.some((s) => READ_SCOPES.includes(s))) return insufficient(READ_SCOPES);
        return { status: 200, body: view(token) };
      }
      if (req.method === 'GET' && path === '/user') {
        if (!token.scopes.some((s) => [...READ_SCOPES, 'read_user'].includes(s))) return insufficient([...READ_SCOPES, 'read_user']);
        const u = users[token.userId];
        if (!u) return { status: 404, body: { message: '404 User Not Found' } };
        return {
          status: 200,
          body: { id: token.userId, username: u.username, name: u.name, state: 'active', bot: !!u.bot, web_url: `https://gitlab.example/${u.username}` },
        };
      }
      return { status: 404, body: { message: '404 Not Found' } };
    },
  });

  return Object.assign(standIn, {
    tokens,
    add(value: string, t: Partial<GitLabToken> & { scopes: string[]; userId: number }) {
      const id = nextId++;
      tokens.set(value, { id, name: 'ci', createdAt: '2026-11-01T10:00:00.000Z', expiresAt: null, lastUsedAt: null, revoked: false, family: id, ...t });
      return value;
    },
    answerNext(method: string, path: string, answer: StandInAnswer, count = 1) {
      scripted.push({ method, path, answer, left: count });
    },
  });
}
