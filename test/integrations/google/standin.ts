/**
 * Google stand-in (see src/integrations/google/API.md) for one project: the Generative Language
 * API's model list answering keyed calls with Google's ErrorInfo reasons, and the API Keys API v2
 * (lookupKey, get, create with keyId and a long-running operation, keyString, delete, undelete)
 * behind an OAuth access token.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { bearerOf, startStandIn, type StandIn, type StandInAnswer, type StandInRequest } from '../standin.js';

export interface FakeKey {
  keyString: string;
  displayName: string;
  restrictions?: {
    apiTargets?: { service: string; methods?: string[] }[];
    browserKeyRestrictions?: { allowedReferrers: string[] };
    serverKeyRestrictions?: { allowedIps: string[] };
  };
  deleteTime?: string;
}

export interface GoogleStandIn extends StandIn {
  /** keyId → key. */
  keys: Map<string, FakeKey>;
  project: string;
  /** Whether the project enabled the Generative Language API. */
  generativeEnabled: { value: boolean };
  /**
   * The next `count` requests whose method and path match answer this instead (an answer Google
   * may give that the project above never produces: an odd key name, an operation that fails).
   */
  answerNext(method: string, path: string | RegExp, answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer), count?: number): void;
}

const GEMINI = 'generativelanguage.googleapis.com';

export function googleError(code: number, status: string, message: string, info?: { reason: string; metadata?: Record<string, string> }) {
  return {
    error: {
      code,
      message,
      status,
      ...(info
        ? { details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: info.reason, domain: 'googleapis.com', metadata: info.metadata ?? {} }] }
        : {}),
    },
  };
}

export async function startGoogle(opts: { project: string; adminToken: string; readOnlyToken: string; keys: Record<string, FakeKey> }): Promise<GoogleStandIn> {
  const keys = new Map(Object.entries(opts.keys));
  const generativeEnabled = { value: true };
  const operations = new Map<string, unknown>();
  const parent = `projects/${opts.project}/locations/global`;
  const view = (id: string, k: FakeKey) => ({
    name: `${parent}/keys/${id}`,
    uid: '00000000-0000-4000-8000-000000000000',
    displayName: k.displayName,
    createTime: '2026-11-01T00:00:00Z',
    updateTime: '2026-11-01T00:00:00Z',
    ...(k.deleteTime ? { deleteTime: k.deleteTime } : {}),
    ...(k.restrictions ? { restrictions: k.restrictions } : {}),
    etag: 'W/"FAKE"',
  });
  /** A long-running operation: done at once, or (pending) only when polled. */
  const operation = (response: unknown, pending = false) => {
    const name = `operations/akmf.p7-${randomBytes(6).toString('hex')}`;
    operations.set(name, { name, done: true, response });
    return pending ? { name, done: false } : { name, done: true, response };
  };
  const byString = (s: string | undefined) => [...keys.entries()].find(([, k]) => k.keyString === s);
  const scripted: { method: string; path: string | RegExp; answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer); left: number }[] = [];

  const standIn = await startStandIn({
    errorBody: (status, message) =>
      googleError(status, status === 429 ? 'RESOURCE_EXHAUSTED' : status === 403 ? 'PERMISSION_DENIED' : status >= 500 ? 'UNAVAILABLE' : 'UNKNOWN', message),
    rateLimitHeaders: { 'retry-after': '0' },
    handle(req) {
      const i = scripted.findIndex((a) => a.method === req.method && (typeof a.path === 'string' ? req.path === a.path : a.path.test(req.path)));
      if (i >= 0) {
        const a = scripted[i]!;
        if (--a.left <= 0) scripted.splice(i, 1);
        return typeof a.answer === 'function' ? a.answer(req) : a.answer;
      }
      if (req.method === 'GET' && req.path === '/v1beta/models') {
        const given = (req.headers['x-goog-api-key'] as string | undefined) ?? req.query.get('key') ?? undefined;
        const found = byString(given);
        if (!found || found[1].deleteTime)
          return {
            status: 400,
            body: googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', {
              reason: 'API_KEY_INVALID',
              metadata: { service: GEMINI },
            }),
          };
        const consumer = `projects/${opts.project}`;
        const targets = found[1].restrictions?.apiTargets;
        if (targets && !targets.some((t) => t.service === GEMINI)) {
          return {
            status: 403,
            body: googleError(
              403,
              'PERMISSION_DENIED',
              `Requests to this API ${GEMINI} method google.ai.generativelanguage.v1beta.ModelService.ListModels are blocked.`,
              { reason: 'API_KEY_SERVICE_BLOCKED', metadata: { consumer, service: GEMINI } },
            ),
          };
        }
        if (!generativeEnabled.value) {
          return {
            status: 403,
            body: googleError(403, 'PERMISSION_DENIED', `Generative Language API has not been used in project ${opts.project} before or it is disabled.`, {
              reason: 'SERVICE_DISABLED',
              metadata: { consumer, service: GEMINI },
            }),
          };
        }
        return { status: 200, body: { models: [{ name: 'models/gemini-2.5-flash', displayName: 'Gemini 2.5 Flash' }], nextPageToken: 'FAKEpage' } };
      }

      if (!req.path.startsWith('/v2/')) return { status: 404, body: googleError(404, 'NOT_FOUND', 'Not Found') };
      const token = bearerOf(req);
      if (token !== opts.adminToken && token !== opts.readOnlyToken)
        return {
          status: 401,
          body: googleError(
            401,
            'UNAUTHENTICATED',
            'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
            { reason: 'ACCESS_TOKEN_TYPE_UNSUPPORTED' },
          ),
        };
      const denied = (permission: string) => ({
        status: 403,
        body: googleError(
          403,
          'PERMISSION_DENIED',
          `Permission '${permission}' denied on resource '//apikeys.googleapis.com/${parent}' (or it may not exist).`,
          { reason: 'IAM_PERMISSION_DENIED', metadata: { permission } },
        ),
      });
      const path = req.path.slice('/v2/'.length);

      if (req.method === 'GET' && path === 'keys:lookupKey') {
        const found = byString(req.query.get('keyString') ?? undefined);
        if (!found) return { status: 404, body: googleError(404, 'NOT_FOUND', 'Key not found.') };
        return { status: 200, body: { parent, name: `${parent}/keys/${found[0]}` } };
      }
      if (req.method === 'GET' && path.startsWith('operations/')) {
        const op = operations.get(path);
        return op ? { status: 200, body: op } : { status: 404, body: googleError(404, 'NOT_FOUND', 'Operation not found.') };
      }
      const m = new RegExp(`^${parent}/keys(?:/([a-z0-9-]+))?(/keyString|:undelete)?$`).exec(path);
      if (!m) return { status: 404, body: googleError(404, 'NOT_FOUND', 'Not Found') };
      const [, id, suffix] = m;
      const writes = req.method !== 'GET';
      if (writes && token !== opts.adminToken) return denied(req.method === 'POST' ? 'apikeys.keys.create' : 'apikeys.keys.delete');

      if (!id && req.method === 'POST') {
        const keyId = req.query.get('keyId') ?? randomUUID();
        if (keys.has(keyId)) return { status: 409, body: googleError(409, 'ALREADY_EXISTS', `Key ${keyId} already exists.`) };
        const created: FakeKey = {
          keyString: `AIzaSy${randomBytes(25).toString('base64url').slice(0, 33)}`,
          displayName: req.body?.displayName ?? '',
          restrictions: req.body?.restrictions,
        };
        keys.set(keyId, created);
        return { status: 200, body: operation({ '@type': 'type.googleapis.com/google.api.apikeys.v2.Key', ...view(keyId, created) }, true) };
      }
      const key = id ? keys.get(id) : undefined;
      if (!id || !key) return { status: 404, body: googleError(404, 'NOT_FOUND', 'Key not found.') };
      if (req.method === 'GET' && !suffix) return { status: 200, body: view(id, key) };
      if (req.method === 'GET' && suffix === '/keyString') return { status: 200, body: { keyString: key.keyString } };
      if (req.method === 'DELETE' && !suffix) {
        if (key.deleteTime) return { status: 400, body: googleError(400, 'FAILED_PRECONDITION', 'Key is already deleted.') };
        key.deleteTime = new Date().toISOString();
        return { status: 200, body: operation(view(id, key)) };
      }
      if (req.method === 'POST' && suffix === ':undelete') {
        delete key.deleteTime;
        return { status: 200, body: operation(view(id, key)) };
      }
      return { status: 404, body: googleError(404, 'NOT_FOUND', 'Not Found') };
    },
  });
  return Object.assign(standIn, {
    keys,
    project: opts.project,
    generativeEnabled,
    answerNext(method: string, path: string | RegExp, answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer), count = 1) {
      scripted.push({ method, path, answer, left: count });
    },
  });
}
