/**
 * Datadog API stand-in (see src/integrations/datadog/API.md): one org with API keys and users'
 * application keys; DD-API-KEY / DD-APPLICATION-KEY auth with Datadog's 403 {"errors":["Forbidden"]}
 * for a bad key, permission checks per endpoint, v1 validate, v2 validate (preview, can be
 * switched off), validate_keys, key lists (last4 only), create (value shown once) and delete.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { startStandIn, type StandIn, type StandInAnswer, type StandInRequest } from '../standin.js';

export interface FakeApiKey {
  id: string;
  name: string;
  key: string;
}

export interface FakeAppKey {
  id: string;
  name: string;
  key: string;
  owner: string;
  scopes: string[] | null;
}

export interface DatadogStandIn extends StandIn {
  apiKeys: FakeApiKey[];
  appKeys: FakeAppKey[];
  /** Whether the preview /api/v2/validate exists (it answers 404 when false). */
  previewValidate: boolean;
  /** The next N key creations fail with 503 (after the request was read). */
  failCreates: number;
  /**
   * The next `count` requests whose method and path match answer this instead (an answer Datadog
   * may give that the keys above never produce: a 401, a list of another size, a key without an id).
   */
  answerNext(method: string, path: string | RegExp, answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer), count?: number): void;
}

export const ORG = '9d1e3b5c-0000-4000-8000-00000000fa4e';

export async function startDatadog(opts: { apiKeys: FakeApiKey[]; appKeys: FakeAppKey[]; permissions: Record<string, string[]> }): Promise<DatadogStandIn> {
  const forbidden = { status: 403, body: { errors: ['Forbidden'] } };
  const header = (req: StandInRequest, name: string) => {
    const v = req.headers[name];
    return typeof v === 'string' ? v : undefined;
  };
  const apiKeyOf = (req: StandInRequest) => api.apiKeys.find((k) => k.key === header(req, 'dd-api-key'));
  const appKeyOf = (req: StandInRequest) => api.appKeys.find((k) => k.key === header(req, 'dd-application-key'));
  const may = (user: string, perm: string) => (opts.permissions[user] ?? []).includes(perm);
  const apiKeyJson = (k: FakeApiKey, withKey = false) => ({
    id: k.id,
    type: 'api_keys',
    attributes: {
      name: k.name,
      last4: k.key.slice(-4),
      created_at: '2026-01-02T03:04:05.000000+00:00',
      modified_at: '2026-01-02T03:04:05.000000+00:00',
      category: 'default',
      remote_config_read_enabled: true,
      ...(withKey ? { key: k.key } : {}),
    },
    relationships: { created_by: { data: { type: 'users', id: 'u-admin' } }, modified_by: { data: { type: 'users', id: 'u-admin' } } },
  });

  const scripted: { method: string; path: string | RegExp; answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer); left: number }[] = [];
  const api = (await startStandIn({
    errorBody: (status, message) => ({ errors: [status === 429 ? 'Too many requests' : message] }),
    rateLimitHeaders: {
      'x-ratelimit-limit': '60',
      'x-ratelimit-period': '60',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': '37',
      'x-ratelimit-name': 'api_keys',
    },
    handle(req) {
      const i = scripted.findIndex((a) => a.method === req.method && (typeof a.path === 'string' ? req.path === a.path : a.path.test(req.path)));
      if (i >= 0) {
        const a = scripted[i]!;
        if (--a.left <= 0) scripted.splice(i, 1);
        return typeof a.answer === 'function' ? a.answer(req) : a.answer;
      }
      const apiKey = apiKeyOf(req);
      if (!apiKey) return forbidden;
      if (req.method === 'GET' && req.path === '/api/v1/validate') return { status: 200, body: { valid: true } };
      if (req.method === 'GET' && req.path === '/api/v2/validate') {
        if (!api.previewValidate) return { status: 404, body: { errors: ['Not found'] } };
        return {
          status: 200,
          body: { data: { id: ORG, type: 'validate_v2', attributes: { api_key_id: apiKey.id, api_key_scopes: ['remote_config_read'], valid: true } } },
        };
      }
      const app = appKeyOf(req);
      if (!app) return forbidden;
      const user = app.owner;
      if (req.method === 'GET' && req.path === '/api/v2/validate_keys') return { status: 200, body: { status: 'ok' } };
      const need = (perm: string) =>
        may(user, perm) && (app.scopes === null || app.scopes.includes(perm))
          ? undefined
          : { status: 403, body: { errors: [`Forbidden: missing the ${perm} permission`] } };
      if (req.method === 'GET' && req.path === '/api/v2/current_user/application_keys') {
        const denied = need('user_app_keys');
        if (denied) return denied;
        const mine = api.appKeys.filter((k) => k.owner === user);
        return {
          status: 200,
          body: {
            data: mine.map((k) => ({
              id: k.id,
              type: 'application_keys',
              attributes: { name: k.name, last4: k.key.slice(-4), created_at: '2026-01-02T03:04:05.000000+00:00', scopes: k.scopes },
              relationships: { owned_by: { data: { type: 'users', id: k.owner } } },
            })),
            meta: { page: { total_filtered_count: mine.length } },
          },
        };
      }
      if (req.method === 'GET' && req.path === '/api/v2/api_keys') {
        const denied = need('api_keys_read');
        if (denied) return denied;
        const size = Math.min(Number(req.query.get('page[size]') ?? 10), 100);
        if (!(size > 0)) return { status: 400, body: { errors: ['page[size] must be a positive integer'] } };
        const number = Number(req.query.get('page[number]') ?? 0);
        const filter = req.query.get('filter');
        const matching = api.apiKeys.filter((k) => !filter || k.name.includes(filter));
        return {
          status: 200,
          body: {
            data: matching.slice(number * size, (number + 1) * size).map((k) => apiKeyJson(k)),
            meta: { page: { total_filtered_count: matching.length } },
          },
        };
      }
      if (req.method === 'POST' && req.path === '/api/v2/api_keys') {
        const denied = need('api_keys_write');
        if (denied) return denied;
        if (api.failCreates > 0) {
          api.failCreates--;
          return { status: 503, body: { errors: ['Service Unavailable'] } };
        }
        const name = req.body?.data?.attributes?.name;
        if (req.body?.data?.type !== 'api_keys' || typeof name !== 'string' || !name)
          return { status: 400, body: { errors: ['Invalid request: data.attributes.name is required'] } };
        const made = { id: randomUUID(), name, key: randomBytes(16).toString('hex') };
        api.apiKeys.push(made);
        return { status: 201, body: { data: apiKeyJson(made, true) } };
      }
      const del = /^\/api\/v2\/(api_keys|application_keys)\/([^/]+)$/.exec(req.path);
      if (req.method === 'DELETE' && del) {
        const list = del[1] === 'api_keys' ? api.apiKeys : api.appKeys;
        const denied = need(del[1] === 'api_keys' ? 'api_keys_write' : 'org_app_keys_write');
        if (denied) return denied;
        const i = list.findIndex((k) => k.id === del[2]);
        if (i < 0) return { status: 404, body: { errors: [del[1] === 'api_keys' ? 'API key not found' : 'Application key not found'] } };
        list.splice(i, 1);
        return { status: 204 };
      }
      return { status: 404, body: { errors: ['Not found'] } };
    },
  })) as DatadogStandIn;
  api.apiKeys = opts.apiKeys;
  api.appKeys = opts.appKeys;
  api.previewValidate = true;
  api.failCreates = 0;
  api.answerNext = (method, path, answer, count = 1) => void scripted.push({ method, path, answer, left: count });
  return api;
}
