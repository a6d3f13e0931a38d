/**
 * Twilio SendGrid v3 stand-in (see src/integrations/sendgrid/API.md): bearer keys of the form
 * SG.<22-char id>.<43-char secret>, GET /v3/scopes, and the API keys resource (list, get, create,
 * delete) guarded by the caller's api_keys.* scopes, with SendGrid's error body
 * `{ errors: [{ field, message }] }`, its 100-keys limit (403 on create) and its rate-limit
 * headers. Values are made with node:crypto like real ones: random, never derivable from the id.
 */
import { randomBytes } from 'node:crypto';
import { bearerOf, startStandIn, type StandIn, type StandInAnswer, type StandInRequest } from '../standin.js';

export interface SendGridKey {
  id: string;
  name: string;
  scopes: string[];
}

/** What a key created without scopes gets: Full Access (a stand-in sample of the real list). */
export const FULL_ACCESS = [
  'mail.send',
  'api_keys.create',
  'api_keys.read',
  'api_keys.update',
  'api_keys.delete',
  'templates.read',
  'templates.create',
  'stats.read',
  'user.profile.read',
  'teammates.create',
];
export const MAX_KEYS = 100;

const token = (bytes: number, length: number) => randomBytes(bytes).toString('base64url').slice(0, length);

export interface SendGridStandIn extends StandIn {
  /** Value → key, for every key that works now. */
  keys: Map<string, SendGridKey>;
  /** Add a key with a chosen value (fixtures). */
  add(value: string, name: string, scopes: string[]): void;
  /**
   * The next `count` requests whose method and path match answer this instead (an answer SendGrid
   * may give that the keys above never produce: a flat key object, a list without ids).
   */
  answerNext(method: string, path: string | RegExp, answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer), count?: number): void;
}

export async function startSendGrid(initial: { value: string; name: string; scopes: string[] }[] = []): Promise<SendGridStandIn> {
  const keys = new Map<string, SendGridKey>();
  const add = (value: string, name: string, scopes: string[]) => {
    const id = /^SG\.([^.]{22})\./.exec(value)?.[1];
    if (!id) throw new Error(`stand-in: ${name} is not an SG.<id>.<secret> key`);
    keys.set(value, { id, name, scopes });
  };
  for (const k of initial) add(k.value, k.name, k.scopes);
  const err = (status: number, message: string, field: string | null = null) => ({ status, body: { errors: [{ field, message }] } });
  const rate = { 'x-ratelimit-limit': '600', 'x-ratelimit-remaining': '599', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60) };
  const byId = (id: string) => [...keys.entries()].find(([, k]) => k.id === id);
  const scripted: { method: string; path: string | RegExp; answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer); left: number }[] = [];

  const standIn = await startStandIn({
    errorBody: (status, message) => ({ errors: [{ field: null, message: status === 429 ? 'too many requests' : message }] }),
    rateLimitHeaders: { ...rate, 'x-ratelimit-remaining': '0' },
    handle(req) {
      const i = scripted.findIndex((a) => a.method === req.method && (typeof a.path === 'string' ? req.path === a.path : a.path.test(req.path)));
      if (i >= 0) {
        const a = scripted[i]!;
        if (--a.left <= 0) scripted.splice(i, 1);
        return typeof a.answer === 'function' ? a.answer(req) : a.answer;
      }
      const value = bearerOf(req);
      const caller = value ? keys.get(value) : undefined;
      if (!caller) return err(401, 'authorization required');
      const ok = (status: number, body?: unknown) => ({ status, headers: rate, ...(body === undefined ? {} : { body }) });
      const needs = (scope: string) => (caller.scopes.includes(scope) ? undefined : err(403, 'access forbidden'));
      if (req.path === '/v3/scopes' && req.method === 'GET') return ok(200, { scopes: caller.scopes });
      if (req.path === '/v3/api_keys') {
        if (req.method === 'GET') return needs('api_keys.read') ?? ok(200, { result: [...keys.values()].map((k) => ({ name: k.name, api_key_id: k.id })) });
        if (req.method === 'POST') {
          const refused = needs('api_keys.create');
          if (refused) return refused;
          if (typeof req.body?.name !== 'string' || !req.body.name) return err(400, 'missing required argument', 'name');
          if (keys.size >= MAX_KEYS) return err(403, 'Cannot create more than 100 API keys');
          const scopes: string[] = Array.isArray(req.body.scopes) ? req.body.scopes : FULL_ACCESS;
          const id = token(18, 22);
          const created = `SG.${id}.${token(33, 43)}`;
          keys.set(created, { id, name: req.body.name, scopes });
          return ok(201, { api_key: created, api_key_id: id, name: req.body.name, scopes });
        }
      }
      const m = /^\/v3\/api_keys\/([^/]+)$/.exec(req.path);
      if (m) {
        const found = byId(decodeURIComponent(m[1]!));
        if (req.method === 'GET')
          return (
            needs('api_keys.read') ??
            (found ? ok(200, { result: [{ name: found[1].name, api_key_id: found[1].id, scopes: found[1].scopes }] }) : err(404, 'unable to find API Key'))
          );
        if (req.method === 'DELETE') {
          const refused = needs('api_keys.delete');
          if (refused) return refused;
          if (!found) return err(404, 'unable to find API Key');
          keys.delete(found[0]);
          return ok(204);
        }
      }
      return err(404, 'not found');
    },
  });
  return Object.assign(standIn, {
    keys,
    add,
    answerNext(method: string, path: string | RegExp, answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer), count = 1) {
      scripted.push({ method, path, answer, left: count });
    },
  });
}
