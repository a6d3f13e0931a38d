/**
 * Cloudflare client v4 stand-in (see src/integrations/cloudflare/API.md): user and account-owned
 * API tokens with policies; verify, details, roll (a new scannable value, the old one dies at once)
 * and delete, each checking the caller's bearer token and its permission groups the way the
 * reference lists them, with Cloudflare's envelope and error codes.
 */
import { randomBytes } from 'node:crypto';
import { bearerOf, startStandIn, type StandIn, type StandInAnswer, type StandInRequest } from '../standin.js';

export interface FakeToken {
  id: string;
  value: string;
  name: string;
  status: 'active' | 'disabled' | 'expired';
  /** 'user', or the account id that owns it. */
  owner: 'user' | string;
  permissions: string[];
  resources?: Record<string, unknown>;
  expires_on?: string;
  deny?: string[];
  ips?: string[];
}

export interface CloudflareStandIn extends StandIn {
  tokens: FakeToken[];
  /**
   * The next `count` requests whose method and path (with /client/v4) match answer this instead
   * (an answer Cloudflare may give that the tokens above never produce).
   */
  answerNext(method: string, path: string | RegExp, answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer), count?: number): void;
}

const envelope = (result: unknown, messages: unknown[] = []) => ({ success: true, errors: [], messages, result });
const failure = (status: number, code: number, message: string) => ({
  status,
  body: { success: false, errors: [{ code, message }], messages: [], result: null },
});

/** A rolled value in the scannable user/account format: prefix, 40 characters, 8-character checksum. */
function scannable(owner: string): string {
  const body = randomBytes(30).toString('base64url').replace(/[-_]/g, 'x').slice(0, 40);
  return `${owner === 'user' ? 'cfut_' : 'cfat_'}${body}${randomBytes(4).toString('hex')}`;
}

export async function startCloudflare(tokens: FakeToken[]): Promise<CloudflareStandIn> {
  const caller = (req: StandInRequest) => {
    const bearer = bearerOf(req);
    return bearer === undefined ? undefined : tokens.find((t) => t.value === bearer);
  };
  const details = (t: FakeToken) => ({
    id: t.id,
    name: t.name,
    status: t.status,
    issued_on: '2026-01-02T03:04:05Z',
    modified_on: '2026-01-02T03:04:05Z',
    last_used_on: '2026-12-01T00:00:00Z',
    ...(t.expires_on ? { expires_on: t.expires_on } : {}),
    ...(t.ips ? { condition: { request_ip: { in: t.ips, not_in: [] } } } : {}),
    policies: [
      {
        id: `pol${t.id.slice(0, 8)}`,
        effect: 'allow',
        resources: t.resources ?? { 'com.cloudflare.api.account.zone.*': '*' },
        permission_groups: t.permissions.map((name, i) => ({ id: `pg${i}${t.id.slice(0, 6)}`, name })),
      },
      ...(t.deny?.length
        ? [
            {
              id: `den${t.id.slice(0, 8)}`,
              effect: 'deny',
              resources: { 'com.cloudflare.api.account.zone.*': '*' },
              permission_groups: t.deny.map((name, i) => ({ id: `dg${i}`, name })),
            },
          ]
        : []),
    ],
  });

  const scripted: { method: string; path: string | RegExp; answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer); left: number }[] = [];
  const api = (await startStandIn({
    errorBody: (status, message) => ({
      success: false,
      errors: [
        {
          code: status === 429 ? 971 : status >= 500 ? 1101 : 10000,
          message: status === 429 ? 'Please wait and consider throttling your request speed' : message,
        },
      ],
      messages: [],
      result: null,
    }),
    rateLimitHeaders: { 'retry-after': '300', ratelimit: '"default";r=0;t=300', 'ratelimit-policy': '"default";q=1200;w=300' },
    handle(req) {
      const i = scripted.findIndex((a) => a.method === req.method && (typeof a.path === 'string' ? req.path === a.path : a.path.test(req.path)));
      if (i >= 0) {
        const a = scripted[i]!;
        if (--a.left <= 0) scripted.splice(i, 1);
        return typeof a.answer === 'function' ? a.answer(req) : a.answer;
      }
      const path = req.path.replace(/^\/client\/v4/, '');
      const m = /^(?:\/user|\/accounts\/([0-9a-f]{32}))\/tokens(?:\/(verify|[0-9a-f]{32}))?(\/value)?$/.exec(path);
      if (!m) return failure(400, 7003, 'Could not route to ' + path + ', perhaps your object identifier is invalid?');
      const account = m[1];
      const headerValue = req.headers.authorization;
      if (typeof headerValue !== 'string') return failure(400, 6003, 'Invalid request headers');
      const bearer = bearerOf(req);
      if (bearer === undefined || /[^\w-]/.test(bearer)) return failure(400, 6003, 'Invalid request headers');
      const who = caller(req);
      if (!who) return failure(401, 1000, 'Invalid API Token');
      const ownerOk = account ? who.owner === account : who.owner === 'user';
      if (m[2] === 'verify' && !m[3] && req.method === 'GET') {
        if (!ownerOk) return failure(403, 9109, 'Unauthorized to access requested resource');
        return {
          status: 200,
          headers: { ratelimit: '"default";r=1199;t=300' },
          body: envelope({ id: who.id, status: who.status, ...(who.expires_on ? { expires_on: who.expires_on } : {}) }, [
            { code: 10000, message: 'This API Token is valid and active', type: null },
          ]),
        };
      }
      if (who.status !== 'active') return failure(401, 1000, 'Invalid API Token');
      if (!ownerOk) return failure(403, 9109, 'Unauthorized to access requested resource');
      const perm = (verb: 'Read' | 'Write') => {
        const group = account ? 'Account API Tokens' : 'API Tokens';
        return who.permissions.includes(`${group} Write`) || (verb === 'Read' && who.permissions.includes(`${group} Read`));
      };
      const target = m[2] ? tokens.find((t) => t.id === m[2] && t.owner === (account ?? 'user')) : undefined;
      if (m[2] && !m[3] && req.method === 'GET') {
        if (!perm('Read')) return failure(403, 9109, 'Unauthorized to access requested resource');
        if (!target) return failure(404, 1003, 'Invalid token identifier');
        return { status: 200, body: envelope(details(target)) };
      }
      if (m[2] && m[3] && req.method === 'PUT') {
        if (!perm('Write')) return failure(403, 9109, 'Unauthorized to access requested resource');
        if (!target) return failure(404, 1003, 'Invalid token identifier');
        target.value = scannable(target.owner);
        return { status: 200, body: envelope(target.value) };
      }
      if (m[2] && !m[3] && req.method === 'DELETE') {
        if (!perm('Write')) return failure(403, 9109, 'Unauthorized to access requested resource');
        if (!target) return failure(404, 1003, 'Invalid token identifier');
        tokens.splice(tokens.indexOf(target), 1);
        return { status: 200, body: envelope({ id: target.id }) };
      }
      return failure(405, 10405, 'Method not allowed');
    },
  })) as CloudflareStandIn;
  api.tokens = tokens;
  api.answerNext = (method, path, answer, count = 1) => void scripted.push({ method, path, answer, left: count });
  return api;
}
