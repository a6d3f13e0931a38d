/**
 * Supabase stand-in (see src/integrations/supabase/API.md) for one project: the gateway's key
 * check in front of the Auth settings (`/auth/v1/settings`), legacy JWTs checked with real HS256
 * against the project's JWT secret, and the Management API's api-keys endpoints with a personal
 * access token.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { bearerOf, startStandIn, type StandIn, type StandInAnswer, type StandInRequest } from '../standin.js';

export interface ManagedKey {
  id: string;
  name: string;
  type: 'secret' | 'publishable';
  api_key: string;
}

export interface SupabaseStandIn extends StandIn {
  keys: ManagedKey[];
  /** A legacy JWT key signed with the project's secret. */
  legacyKey(role: 'anon' | 'service_role', opts?: { exp?: number; ref?: string }): string;
  legacyEnabled: { value: boolean };
  /**
   * The next `count` requests whose method and path match answer this instead (an answer Supabase
   * may give that the keys above never produce: a list entry without an id, a create without a
   * value, a delete answered 204).
   */
  answerNext(method: string, path: string | RegExp, answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer), count?: number): void;
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const INVALID = { status: 401, body: { message: 'Invalid API key', hint: 'Double check your Supabase `anon` or `service_role` API key.' } };

export async function startSupabase(project: { ref: string; jwtSecret: string; pats: string[]; keys: ManagedKey[] }): Promise<SupabaseStandIn> {
  const keys = project.keys;
  const legacyEnabled = { value: true };
  let nextId = 1;
  const scripted: { method: string; path: string | RegExp; answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer); left: number }[] = [];
  const sign = (data: string) => createHmac('sha256', project.jwtSecret).update(data).digest();
  const legacyKey = (role: string, opts: { exp?: number; ref?: string } = {}) => {
    const data = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ iss: 'supabase', ref: opts.ref ?? project.ref, role, iat: 1700000000, exp: opts.exp ?? 2000000000 })}`;
    return `${data}.${sign(data).toString('base64url')}`;
  };
  const legacyValid = (token: string) => {
    const [h, p, s] = token.split('.');
    if (!h || !p || !s) return false;
    const expected = sign(`${h}.${p}`);
    const given = Buffer.from(s, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    return claims.ref === project.ref && claims.exp * 1000 > Date.now();
  };
  const masked = (k: ManagedKey, reveal: boolean) => ({
    ...k,
    api_key: reveal || k.type === 'publishable' ? k.api_key : `${k.api_key.slice(0, 14)}${'·'.repeat(16)}`,
    prefix: k.api_key.slice(0, 14),
    description: null,
    hash: null,
    secret_jwt_template: k.type === 'secret' ? { role: 'service_role' } : null,
    inserted_at: '2026-11-01T00:00:00Z',
    updated_at: '2026-11-01T00:00:00Z',
  });

  const standIn = await startStandIn({
    errorBody: (status, message) => ({ message: status === 429 ? 'Too many requests' : message }),
    rateLimitHeaders: { 'retry-after': '0' },
    handle(req) {
      const i = scripted.findIndex((a) => a.method === req.method && (typeof a.path === 'string' ? req.path === a.path : a.path.test(req.path)));
      if (i >= 0) {
        const a = scripted[i]!;
        if (--a.left <= 0) scripted.splice(i, 1);
        return typeof a.answer === 'function' ? a.answer(req) : a.answer;
      }
      if (req.path === '/auth/v1/settings' && req.method === 'GET') {
        const apikey = req.headers.apikey;
        if (typeof apikey !== 'string')
          return { status: 401, body: { message: 'No API key found in request', hint: 'No `apikey` request header or url param was found.' } };
        const role = apikey.startsWith('eyJ')
          ? legacyEnabled.value && legacyValid(apikey) && bearerOf(req) === apikey
            ? JSON.parse(Buffer.from(apikey.split('.')[1]!, 'base64url').toString('utf8')).role
            : undefined
          : keys.find((k) => k.api_key === apikey)?.type;
        if (!role) return INVALID;
        return {
          status: 200,
          body: {
            external: { email: true, phone: false, google: false },
            disable_signup: false,
            mailer_autoconfirm: false,
            phone_autoconfirm: false,
            sms_provider: '',
            saml_enabled: false,
          },
        };
      }
      const m = /^\/v1\/projects\/([a-z]+)\/api-keys(?:\/([^/]+))?$/.exec(req.path);
      if (!m) return { status: 404, body: { message: 'Cannot GET ' + req.path } };
      const pat = bearerOf(req);
      if (!pat || !project.pats.includes(pat)) return { status: 401, body: { message: 'Unauthorized' } };
      if (m[1] !== project.ref) return { status: 404, body: { message: 'Project not found' } };
      const reveal = req.query.get('reveal') === 'true';
      if (!m[2] && req.method === 'GET') return { status: 200, body: keys.map((k) => masked(k, reveal)) };
      if (!m[2] && req.method === 'POST') {
        const { type, name } = req.body ?? {};
        if ((type !== 'secret' && type !== 'publishable') || typeof name !== 'string' || !name)
          return { status: 400, body: { message: 'type and name are required' } };
        const key: ManagedKey = {
          id: `00000000-0000-4000-8000-${String(nextId++).padStart(12, '0')}`,
          name,
          type,
          api_key: `sb_${type}_${randomBytes(24).toString('base64url')}`,
        };
        keys.push(key);
        return { status: 201, body: masked(key, reveal) };
      }
      if (m[2] && req.method === 'DELETE') {
        const i = keys.findIndex((k) => k.id === m[2]);
        if (i < 0) return { status: 404, body: { message: 'API key not found' } };
        const [gone] = keys.splice(i, 1);
        return { status: 200, body: masked(gone!, false) };
      }
      return { status: 405, body: { message: 'Method not allowed' } };
    },
  });
  const answerNext = (method: string, path: string | RegExp, answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer), count = 1) =>
    void scripted.push({ method, path, answer, left: count });
  return Object.assign(standIn, { keys, legacyKey, legacyEnabled, answerNext });
}
