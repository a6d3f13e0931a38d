/**
 * Sentry web API stand-in (see src/integrations/sentry/API.md): the /api/0/ root with Sentry's
 * answer for a bearer token (scopes, and the user for user tokens), tokens kept only as SHA-256
 * hashes the way Sentry stores them, {"detail": ...} errors and the X-Sentry-Rate-Limit-* headers
 * on every answer. The token endpoints refuse tokens, as the real ones do (session only).
 * `answerNext` scripts an answer the tokens here never produce (a user without a username, odd scopes).
 */
import { createHash } from 'node:crypto';
import { bearerOf, startStandIn, type StandIn, type StandInAnswer } from '../standin.js';

export interface FakeSentryToken {
  scopes: string[];
  user?: { id: string; username: string; name: string; email: string };
  expired?: boolean;
}

const hash = (value: string) => createHash('sha256').update(value).digest('hex');

const RATE = {
  'x-sentry-rate-limit-limit': '40',
  'x-sentry-rate-limit-remaining': '39',
  'x-sentry-rate-limit-reset': '1796644801',
  'x-sentry-rate-limit-concurrentlimit': '25',
  'x-sentry-rate-limit-concurrentremaining': '24',
};

export interface SentryStandIn extends StandIn {
  revokeByHash(value: string): void;
  /** Answer as a server that ignores the Authorization header (a proxy stripping it): auth null. */
  ignoreAuth: boolean;
  /** The next `count` requests to `path` get this answer (one Sentry may give but the stand-in's tokens never produce). */
  answerNext(path: string, answer: StandInAnswer, count?: number): void;
}

export async function startSentry(tokens: Record<string, FakeSentryToken>): Promise<SentryStandIn> {
  // Settable switches, read by the handler at request time.
  const flags = { ignoreAuth: false };
  const byHash = new Map(Object.entries(tokens).map(([value, t]) => [hash(value), t]));
  const scripted: { path: string; answer: StandInAnswer; left: number }[] = [];
  const api = await startStandIn({
    errorBody: (status, message) => ({
      detail: status === 429 ? 'You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds' : message,
    }),
    rateLimitHeaders: { ...RATE, 'x-sentry-rate-limit-remaining': '0' },
    handle(req) {
      const i = scripted.findIndex((a) => a.path === req.path);
      if (i >= 0) {
        const a = scripted[i]!;
        if (--a.left <= 0) scripted.splice(i, 1);
        return { ...a.answer, headers: { ...RATE, ...a.answer.headers } };
      }
      const bearer = flags.ignoreAuth ? undefined : bearerOf(req);
      const token = bearer === undefined ? undefined : byHash.get(hash(bearer));
      if (bearer !== undefined && !token) return { status: 401, headers: RATE, body: { detail: 'Invalid token' } };
      if (token?.expired) return { status: 401, headers: RATE, body: { detail: 'Token expired' } };
      if (req.path === '/api/0/' && req.method === 'GET') {
        return {
          status: 200,
          headers: RATE,
          body: { version: '0', auth: token ? { scopes: token.scopes } : null, user: token?.user ? { ...token.user, isActive: true, has2fa: true } : null },
        };
      }
      if (req.path.startsWith('/api/0/api-tokens/') || /\/org-auth-tokens\//.test(req.path)) {
        return { status: 401, headers: RATE, body: { detail: 'Authentication credentials were not provided.' } };
      }
      return { status: 404, headers: RATE, body: { detail: 'The requested resource does not exist' } };
    },
  });
  const out = Object.assign(api, {
    revokeByHash: (value: string) => void byHash.delete(hash(value)),
    answerNext: (path: string, answer: StandInAnswer, count = 1) => void scripted.push({ path, answer, left: count }),
  }) as SentryStandIn;
  Object.defineProperty(out, 'ignoreAuth', { get: () => flags.ignoreAuth, set: (v: boolean) => void (flags.ignoreAuth = v) });
  return out;
}
