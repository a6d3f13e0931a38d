/**
 * Anthropic API stand-in (see src/integrations/anthropic/API.md): /v1/models for API keys, and the
 * Admin API (organizations/me, api_keys list with cursor pages and partial hints, update status)
 * for admin keys; x-api-key + anthropic-version auth and Anthropic's error bodies. An inactive,
 * archived or expired key is refused like an unknown one.
 */
import { startStandIn, type StandIn, type StandInAnswer, type StandInRequest } from '../standin.js';

export interface FakeKey {
  id: string;
  value: string;
  name: string;
  status: 'active' | 'inactive' | 'archived' | 'expired';
  workspace_id: string | null;
  expires_at?: string | null;
  /** Who created it; a user by default. */
  created_by?: { id?: string; type?: string } | null;
}

export interface AnthropicStandIn extends StandIn {
  keys: FakeKey[];
  /**
   * The next request (to `path`, when given) gets this answer as it is, whatever its key: the
   * answers keys alone do not produce (a list that is not a list, an archive that did not take).
   */
  answerNext(answer: StandInAnswer, path?: string): void;
}

const error = (status: number, type: string, message: string) => ({
  status,
  headers: { 'request-id': 'req_011FAKE0000' },
  body: { type: 'error', error: { type, message } },
});
const TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

export const hintOf = (value: string) => `${value.slice(0, 16)}...${value.slice(-4)}`;

export async function startAnthropic(opts: { keys: FakeKey[]; admins: Record<string, { org: string; name: string }> }): Promise<AnthropicStandIn> {
  const header = (req: StandInRequest, name: string) => {
    const v = req.headers[name];
    return typeof v === 'string' ? v : undefined;
  };
  const record = (k: FakeKey) => ({
    type: 'api_key',
    id: k.id,
    name: k.name,
    status: k.status,
    partial_key_hint: hintOf(k.value),
    workspace_id: k.workspace_id,
    created_at: '2026-01-02T03:04:05Z',
    created_by: k.created_by === undefined ? { id: 'user_01FAKE0000', type: 'user' } : k.created_by,
    expires_at: k.expires_at ?? null,
  });

  const scripted: { answer: StandInAnswer; path?: string }[] = [];
  const api = (await startStandIn({
    errorBody: (status, message) => ({
      type: 'error',
      error: { type: TYPES[status] ?? 'api_error', message: status === 429 ? 'Number of requests has exceeded your rate limit' : message },
    }),
    rateLimitHeaders: {
      'retry-after': '20',
      'anthropic-ratelimit-requests-limit': '50',
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': '2026-12-07T12:00:20Z',
    },
    handle(req) {
      const next = scripted.findIndex((s) => !s.path || s.path === req.path);
      if (next >= 0) return scripted.splice(next, 1)[0]!.answer;
      if (!header(req, 'anthropic-version')) return error(400, 'invalid_request_error', 'anthropic-version: header is required');
      const key = header(req, 'x-api-key');
      if (!key) return error(401, 'authentication_error', 'x-api-key header is required');
      const admin = opts.admins[key];
      if (req.path === '/v1/models' && req.method === 'GET') {
        const k = api.keys.find((x) => x.value === key);
        if (!k || k.status !== 'active') return error(401, 'authentication_error', 'invalid x-api-key');
        const limit = Number(req.query.get('limit') ?? 20);
        const models = [{ type: 'model', id: 'claude-fake-4-0', display_name: 'Claude Fake 4', created_at: '2026-01-01T00:00:00Z' }].slice(0, limit);
        return { status: 200, body: { data: models, has_more: false, first_id: models[0]?.id ?? null, last_id: models.at(-1)?.id ?? null } };
      }
      if (!req.path.startsWith('/v1/organizations/')) return error(404, 'not_found_error', 'Not found');
      if (!admin) {
        return api.keys.some((x) => x.value === key && x.status === 'active')
          ? error(403, 'permission_error', 'This endpoint requires an Admin API key')
          : error(401, 'authentication_error', 'invalid x-api-key');
      }
      if (req.path === '/v1/organizations/me' && req.method === 'GET') return { status: 200, body: { id: admin.org, type: 'organization', name: admin.name } };
      if (req.path === '/v1/organizations/api_keys' && req.method === 'GET') {
        const limit = Number(req.query.get('limit') ?? 20);
        if (!(limit >= 1 && limit <= 1000)) return error(400, 'invalid_request_error', 'limit: must be between 1 and 1000');
        const after = req.query.get('after_id');
        const start = after ? api.keys.findIndex((k) => k.id === after) + 1 : 0;
        const page = api.keys.slice(start, start + limit);
        return {
          status: 200,
          body: { data: page.map(record), has_more: start + limit < api.keys.length, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null },
        };
      }
      const m = /^\/v1\/organizations\/api_keys\/([^/]+)$/.exec(req.path);
      if (m && req.method === 'POST') {
        const k = api.keys.find((x) => x.id === m[1]);
        if (!k) return error(404, 'not_found_error', 'API key not found');
        const status = req.body?.status;
        if (status !== undefined && !['active', 'inactive', 'archived'].includes(status))
          return error(400, 'invalid_request_error', 'status: Input should be active, inactive or archived');
        if (k.status === 'archived') return error(400, 'invalid_request_error', 'Cannot update an archived API key');
        if (status) k.status = status;
        if (typeof req.body?.name === 'string') k.name = req.body.name;
        return { status: 200, body: record(k) };
      }
      return error(404, 'not_found_error', 'Not found');
    },
  })) as AnthropicStandIn;
  api.keys = opts.keys;
  api.answerNext = (answer, path) => void scripted.push({ answer, path });
  return api;
}
