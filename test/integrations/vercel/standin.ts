/**
 * Vercel REST API stand-in (see src/integrations/vercel/API.md): /v2/user, the token calls
 * (/v5/user/tokens/{id|current}, /v6/user/tokens, POST /v3/user/tokens, DELETE
 * /v3/user/tokens/{id}), Bearer auth with Vercel's 403 `forbidden` + `invalidToken` answer for a
 * token it does not accept, its `{ error: { code, message } }` envelope and X-RateLimit-* headers.
 */
import { randomBytes } from 'node:crypto';
import { bearerOf, startStandIn, type StandIn, type StandInAnswer, type StandInRequest } from '../standin.js';

export interface FakeVercelToken {
  id: string;
  name: string;
  userId: string;
  teamId?: string;
  expiresAt?: number;
  activeAt?: number;
}

export interface VercelStandIn extends StandIn {
  /** Live tokens by value. */
  tokens: Map<string, FakeVercelToken>;
  /**
   * The next `count` requests whose method and path match answer this instead (an answer Vercel
   * may give that the tokens above never produce: a 403 of another shape, a user without a name,
   * token metadata with odd scopes or times).
   */
  answerNext(method: string, path: string | RegExp, answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer), count?: number): void;
}

const USERS: Record<string, { username: string; email: string }> = {};
const err = (status: number, code: string, message: string, extra: Record<string, unknown> = {}): StandInAnswer => ({
  status,
  body: { error: { code, message, ...extra } },
});
const invalid = () => err(403, 'forbidden', 'Not authorized', { invalidToken: true });
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const newValue = () => `FAKE${[...randomBytes(20)].map((b) => ALNUM[b % ALNUM.length]).join('')}`;

export async function startVercel(
  tokens: Record<string, FakeVercelToken>,
  users: Record<string, { username: string; email: string }> = USERS,
): Promise<VercelStandIn> {
  const live = new Map(Object.entries(tokens));
  const created = Date.UTC(2026, 10, 1);
  const meta = (t: FakeVercelToken) => ({
    id: t.id,
    name: t.name,
    type: 'oauth2-token',
    origin: 'manual',
    scopes: [t.teamId ? { type: 'team', teamId: t.teamId, origin: 'manual', createdAt: created } : { type: 'user', origin: 'manual', createdAt: created }],
    ...(t.expiresAt ? { expiresAt: t.expiresAt } : {}),
    activeAt: t.activeAt ?? created,
    createdAt: created,
  });
  let used = 0;
  const scripted: { method: string; path: string | RegExp; answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer); left: number }[] = [];
  const server = await startStandIn({
    errorBody: (status, message) =>
      status === 429
        ? { error: { code: 'rate_limited', message: 'Rate limit exceeded', limit: { remaining: 0, reset: Math.floor(Date.now() / 1000) + 60, total: 100 } } }
        : { error: { code: status >= 500 ? 'internal_server_error' : 'bad_request', message } },
    rateLimitHeaders: {
      'retry-after': '0',
      'x-ratelimit-limit': '100',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60),
    },
    handle(req) {
      const i = scripted.findIndex((a) => a.method === req.method && (typeof a.path === 'string' ? req.path === a.path : a.path.test(req.path)));
      if (i >= 0) {
        const a = scripted[i]!;
        if (--a.left <= 0) scripted.splice(i, 1);
        return typeof a.answer === 'function' ? a.answer(req) : a.answer;
      }
      const value = bearerOf(req);
      const me = value ? live.get(value) : undefined;
      const rate = {
        'x-ratelimit-limit': '100',
        'x-ratelimit-remaining': String(Math.max(0, 100 - ++used)),
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60),
      };
      const answer = (a: StandInAnswer): StandInAnswer => ({ ...a, headers: { ...rate, ...a.headers } });
      if (!me || (me.expiresAt && me.expiresAt < Date.now())) return answer(invalid());
      if (req.method === 'GET' && req.path === '/v2/user') {
        const u = users[me.userId] ?? { username: me.userId, email: `${me.userId}@example.test` };
        return answer({
          status: 200,
          body: { user: { id: me.userId, username: u.username, email: u.email, name: u.username, defaultTeamId: me.teamId ?? null } },
        });
      }
      const one = /^\/v5\/user\/tokens\/([^/]+)$/.exec(req.path);
      if (req.method === 'GET' && one) {
        const id = decodeURIComponent(one[1]!);
        const t = id === 'current' ? me : [...live.values()].find((x) => x.id === id && x.userId === me.userId);
        return answer(t ? { status: 200, body: { token: meta(t) } } : err(404, 'not_found', 'Token not found'));
      }
      if (req.method === 'GET' && req.path === '/v6/user/tokens') {
        const mine = [...live.values()].filter((t) => t.userId === me.userId);
        return answer({ status: 200, body: { tokens: mine.map(meta), pagination: { count: mine.length, next: null, prev: null } } });
      }
      if (req.method === 'POST' && req.path === '/v3/user/tokens') {
        const name = req.body?.name;
        if (typeof name !== 'string' || !name) return answer(err(400, 'bad_request', 'Invalid request: missing required property `name`.'));
        const teamId = req.query.get('teamId') ?? undefined;
        if (me.teamId && teamId !== me.teamId)
          return answer(
            err(403, 'forbidden', `Not authorized: Trying to access resource under scope "${teamId ?? 'personal'}". You must re-authenticate to this scope.`),
          );
        const value2 = newValue();
        const t: FakeVercelToken = {
          id: randomBytes(32).toString('hex'),
          name,
          userId: me.userId,
          ...(teamId ? { teamId } : {}),
          ...(typeof req.body.expiresAt === 'number' ? { expiresAt: req.body.expiresAt } : {}),
        };
        live.set(value2, t);
        return answer({ status: 200, body: { token: meta(t), bearerToken: value2 } });
      }
      const del = /^\/v3\/user\/tokens\/([^/]+)$/.exec(req.path);
      if (req.method === 'DELETE' && del) {
        const id = decodeURIComponent(del[1]!);
        const entry = [...live].find(([, t]) => t.id === id && t.userId === me.userId);
        if (!entry) return answer(err(404, 'not_found', 'Token not found'));
        live.delete(entry[0]);
        return answer({ status: 200, body: { tokenId: id } });
      }
      return answer(err(404, 'not_found', 'The requested path was not found'));
    },
  });
  const answerNext = (method: string, path: string | RegExp, answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer), count = 1) =>
    void scripted.push({ method, path, answer, left: count });
  return Object.assign(server, { tokens: live, answerNext });
}
