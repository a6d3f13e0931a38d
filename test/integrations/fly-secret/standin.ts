/**
 * Fly.io Machines API app-secrets stand-in (see src/integrations/fly-secret/API.md): Bearer or
 * `FlyV1` tokens (401 unknown, 403 a read-only token on a write), secrets shown only as a digest
 * of their value with created_at/updated_at, a version bumped on every set, and Fly's `{ error }`
 * body ("app not found", "secret not found").
 */
import { createHash } from 'node:crypto';
import { startStandIn, type StandIn } from '../standin.js';

interface StoredSecret {
  value: string;
  created_at: string;
  updated_at: string;
}

export interface FlyStandIn extends StandIn {
  secret(app: string, name: string): StoredSecret | undefined;
  seed(app: string, name: string, value: string): void;
}

export async function startFly(opts: { tokens: Record<string, 'write' | 'read'>; apps: string[] }): Promise<FlyStandIn> {
  const apps = new Map(opts.apps.map((a) => [a, new Map<string, StoredSecret>()]));
  let clock = Date.parse('2026-12-01T00:00:00Z');
  let version = 0;
  const now = () => new Date((clock += 1000)).toISOString();
  // Opaque to clients: what matters is that it depends only on the value.
  const digest = (v: string) => createHash('sha256').update(`stand-in\0${v}`).digest('hex').slice(0, 16);
  const show = (name: string, s: StoredSecret) => ({ name, digest: digest(s.value), created_at: s.created_at, updated_at: s.updated_at });
  const set = (secrets: Map<string, StoredSecret>, name: string, value: string) => {
    const t = now();
    const s = { value, created_at: secrets.get(name)?.created_at ?? t, updated_at: t };
    secrets.set(name, s);
    version++;
    return s;
  };
  const api = await startStandIn({
    errorBody: (status, message) => ({ error: status === 429 ? 'rate limit exceeded' : message }),
    rateLimitHeaders: { 'retry-after': '0' },
    handle(req) {
      const h = req.headers.authorization;
      const token = typeof h === 'string' ? h.replace(/^Bearer /, '') : undefined;
      const access = token ? opts.tokens[token] : undefined;
      if (!access) return { status: 401, body: { error: 'unauthorized' } };
      const m = /^\/v1\/apps\/([^/]+)\/secrets(?:\/([^/]+))?$/.exec(req.path);
      if (!m) return { status: 404, body: { error: 'not found' } };
      const secrets = apps.get(decodeURIComponent(m[1]!));
      if (!secrets) return { status: 404, body: { error: 'app not found' } };
      if (m[2] === undefined) {
        if (req.method !== 'GET') return { status: 405, body: { error: 'method not allowed' } };
        return { status: 200, body: { secrets: [...secrets.entries()].map(([n, s]) => show(n, s)) } };
      }
      const name = decodeURIComponent(m[2]);
      if (req.method === 'GET') {
        const s = secrets.get(name);
        return s ? { status: 200, body: show(name, s) } : { status: 404, body: { error: 'secret not found' } };
      }
      if (req.method !== 'POST') return { status: 405, body: { error: 'method not allowed' } };
      if (access !== 'write') return { status: 403, body: { error: 'unauthorized to set secrets of this app' } };
      if (typeof req.body?.value !== 'string') return { status: 400, body: { error: 'value is required' } };
      const s = set(secrets, name, req.body.value);
      return { status: 201, body: { ...show(name, s), version } };
    },
  });
  return {
    ...api,
    secret: (app, name) => apps.get(app)?.get(name),
    seed: (app, name, value) => void set(apps.get(app)!, name, value),
  };
}
