/**
 * Netlify API environment-variables stand-in (see src/integrations/netlify-env/API.md): Bearer
 * auth (401 unknown token, 403 a token without access to the account), team variables and site
 * variables (`site_id`), values per deploy context, secret variables whose values are never given
 * back, `updated_at` bumped on every change, and Netlify's error body `{ code, message }`.
 */
import { bearerOf, startStandIn, type StandIn } from '../standin.js';

export interface StoredEnvVar {
  key: string;
  scopes: string[];
  values: { id: string; context: string; value: string }[];
  is_secret: boolean;
  updated_at: string;
}

export interface NetlifyStandIn extends StandIn {
  envVar(account: string, site: string | null, key: string): StoredEnvVar | undefined;
  seed(account: string, site: string | null, v: { key: string; values: Record<string, string>; is_secret?: boolean }): void;
}

export async function startNetlify(opts: { tokens: Record<string, string[]>; accounts: Record<string, string[]> }): Promise<NetlifyStandIn> {
  const store = new Map<string, StoredEnvVar[]>();
  const listOf = (account: string, site: string | null) => {
    const k = `${account}/${site ?? ''}`;
    if (!store.has(k)) store.set(k, []);
    return store.get(k)!;
  };
  let clock = Date.parse('2026-12-01T00:00:00Z');
  let ids = 0;
  const now = () => new Date((clock += 1000)).toISOString();
  const show = (v: StoredEnvVar) => ({
    ...v,
    values: v.values.map((x) => (v.is_secret ? { id: x.id, context: x.context } : { ...x })),
  });
  const api = await startStandIn({
    errorBody: (status, message) => ({ code: status, message }),
    rateLimitHeaders: { 'retry-after': '0', 'x-ratelimit-limit': '500', 'x-ratelimit-remaining': '0' },
    handle(req) {
      const token = bearerOf(req);
      const allowed = token ? opts.tokens[token] : undefined;
      if (!allowed) return { status: 401, body: { code: 401, message: 'Access Denied: Unauthorized' } };
      const m = /^\/api\/v1\/accounts\/([^/]+)\/env(?:\/([^/]+))?$/.exec(req.path);
      if (!m) return { status: 404, body: { code: 404, message: 'Not Found' } };
      const account = decodeURIComponent(m[1]!);
      if (!opts.accounts[account]) return { status: 404, body: { code: 404, message: 'Not Found' } };
      if (!allowed.includes(account)) return { status: 403, body: { code: 403, message: 'Forbidden' } };
      const site = req.query.get('site_id');
      if (site !== null && !opts.accounts[account]!.includes(site)) return { status: 404, body: { code: 404, message: 'Not Found' } };
      const list = listOf(account, site);
      const key = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
      if (key === undefined) {
        if (req.method === 'GET') return { status: 200, body: list.map(show) };
        if (req.method === 'POST') {
          if (!Array.isArray(req.body)) return { status: 400, body: { code: 400, message: 'body must be a list of variables' } };
          const made: StoredEnvVar[] = [];
          for (const b of req.body) {
            if (list.some((v) => v.key === b.key)) return { status: 400, body: { code: 400, message: `Environment variable ${b.key} already exists` } };
            const v: StoredEnvVar = {
              key: b.key,
              scopes: b.scopes ?? [],
              is_secret: b.is_secret === true,
              updated_at: now(),
              values: (b.values ?? []).map((x: { context: string; value: string }) => ({ id: `val_${++ids}`, context: x.context, value: x.value })),
            };
            list.push(v);
            made.push(v);
          }
          return { status: 201, body: made.map(show) };
        }
        return { status: 405, body: { code: 405, message: 'Method Not Allowed' } };
      }
      const v = list.find((x) => x.key === key);
      if (!v) return { status: 404, body: { code: 404, message: 'Not Found' } };
      if (req.method === 'GET') return { status: 200, body: show(v) };
      if (req.method === 'PATCH') {
        const { context, value } = req.body ?? {};
        if (typeof context !== 'string' || typeof value !== 'string') return { status: 422, body: { code: 422, message: 'context and value are required' } };
        const existing = v.values.find((x) => x.context === context);
        if (existing) existing.value = value;
        else v.values.push({ id: `val_${++ids}`, context, value });
        v.updated_at = now();
        return { status: 201, body: show(v) };
      }
      return { status: 405, body: { code: 405, message: 'Method Not Allowed' } };
    },
  });
  return {
    ...api,
    envVar: (account, site, key) => listOf(account, site).find((v) => v.key === key),
    seed(account, site, v) {
      listOf(account, site).push({
        key: v.key,
        scopes: ['builds', 'functions', 'runtime', 'post-processing'],
        is_secret: v.is_secret ?? false,
        updated_at: now(),
        values: Object.entries(v.values).map(([context, value]) => ({ id: `val_${++ids}`, context, value })),
      });
    },
  };
}
