/**
 * npm registry stand-in (see src/integrations/npm/API.md): /-/whoami, the token list with its
 * perPage/page paging and urls.next, and DELETE /-/npm/v1/tokens/token/{key or full token}, with
 * Bearer auth and the registry's `{ "error": "..." }` bodies. A token's `token` field in the list
 * is its first characters only, as on the registry; its key is the sha512 hex of the token.
 */
import { createHash } from 'node:crypto';
import { bearerOf, startStandIn, type StandIn, type StandInAnswer, type StandInRequest } from '../standin.js';

export interface FakeNpmToken {
  username: string;
  readonly?: boolean;
  automation?: boolean;
  cidr?: string[];
  /** A granular token without the right to manage tokens: the list and delete answer 403. */
  cannotManageTokens?: boolean;
}

export interface NpmStandIn extends StandIn {
  tokens: Map<string, FakeNpmToken>;
  keyOf(token: string): string;
  /** The DELETE paths received (to check which form was used). */
  deletes: string[];
  /**
   * The next `count` requests whose method and path match answer this instead (an answer the
   * registry may give that the tokens above never produce: a list entry without a key, a whoami
   * without a username, a delete answered 200).
   */
  answerNext(method: string, path: string | RegExp, answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer), count?: number): void;
}

const VISIBLE = 6;
const keyOf = (token: string) => createHash('sha512').update(token).digest('hex');
const err = (status: number, error: string): StandInAnswer => ({ status, body: { error } });

export async function startNpm(tokens: Record<string, FakeNpmToken>): Promise<NpmStandIn> {
  const live = new Map(Object.entries(tokens));
  const deletes: string[] = [];
  const created = '2026-11-02T10:00:00.000Z';
  const scripted: { method: string; path: string | RegExp; answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer); left: number }[] = [];
  const server = await startStandIn({
    errorBody: (status, message) => ({ error: status === 429 ? 'Too Many Requests' : message }),
    rateLimitHeaders: { 'retry-after': '0' },
    handle(req) {
      const i = scripted.findIndex((a) => a.method === req.method && (typeof a.path === 'string' ? req.path === a.path : a.path.test(req.path)));
      if (i >= 0) {
        const a = scripted[i]!;
        if (--a.left <= 0) scripted.splice(i, 1);
        if (req.method === 'DELETE') deletes.push(req.path);
        return typeof a.answer === 'function' ? a.answer(req) : a.answer;
      }
      const token = bearerOf(req);
      const me = token ? live.get(token) : undefined;
      if (!me) return err(401, 'Unauthorized: the token is invalid, revoked or expired');
      if (req.method === 'GET' && req.path === '/-/whoami') return { status: 200, body: { username: me.username } };
      if (req.path.startsWith('/-/npm/v1/tokens') && me.cannotManageTokens) return err(403, 'This token does not have permission to manage tokens');
      if (req.method === 'GET' && req.path === '/-/npm/v1/tokens') {
        const perPage = Math.max(1, Math.min(1000, Number(req.query.get('perPage') ?? 10)));
        const page = Math.max(0, Number(req.query.get('page') ?? 0));
        const mine = [...live].filter(([, t]) => t.username === me.username);
        const slice = mine.slice(page * perPage, (page + 1) * perPage);
        return {
          status: 200,
          body: {
            objects: slice.map(([value, t]) => ({
              token: value.slice(0, VISIBLE),
              key: keyOf(value),
              cidr_whitelist: t.cidr ?? null,
              readonly: !!t.readonly,
              automation: !!t.automation,
              created,
              updated: created,
            })),
            total: mine.length,
            urls: (page + 1) * perPage < mine.length ? { next: `/-/npm/v1/tokens?perPage=${perPage}&page=${page + 1}` } : {},
          },
        };
      }
      const m = /^\/-\/npm\/v1\/tokens\/token\/([^/]+)$/.exec(req.path);
      if (req.method === 'DELETE' && m) {
        deletes.push(req.path);
        const id = decodeURIComponent(m[1]!);
        const target = [...live].find(([value, t]) => t.username === me.username && (value === id || keyOf(value) === id));
        if (!target) return err(404, 'Not found');
        live.delete(target[0]);
        return { status: 204 };
      }
      return err(404, 'Not found');
    },
  });
  const answerNext = (method: string, path: string | RegExp, answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer), count = 1) =>
    void scripted.push({ method, path, answer, left: count });
  return Object.assign(server, { tokens: live, keyOf, deletes, answerNext });
}
