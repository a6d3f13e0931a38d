/**
 * CircleCI API v2 environment-variables stand-in (see src/integrations/circleci-env/API.md):
 * `Circle-Token` auth (401 unknown token, 403 a read-only token on a write), project variables
 * whose values come back only as "xxxx" + last four characters and whose created_at a replace
 * renews, context variables listed two per page with next_page_token, and CircleCI's
 * `{ message }` error body with its 404 wording ("Project not found", "Environment variable not found").
 */
import { startStandIn, type StandIn } from '../standin.js';

interface StoredVar {
  value: string;
  created_at: string;
  updated_at: string;
}

export interface CircleciStandIn extends StandIn {
  projectVar(slug: string, name: string): StoredVar | undefined;
  contextVar(id: string, name: string): StoredVar | undefined;
  seedProject(slug: string, name: string, value: string): void;
  seedContext(id: string, name: string, value: string): void;
}

export async function startCircleci(opts: { tokens: Record<string, 'write' | 'read'>; projects: string[]; contexts: string[] }): Promise<CircleciStandIn> {
  const projects = new Map(opts.projects.map((p) => [p, new Map<string, StoredVar>()]));
  const contexts = new Map(opts.contexts.map((c) => [c, new Map<string, StoredVar>()]));
  let clock = Date.parse('2026-12-01T00:00:00Z');
  const now = () => new Date((clock += 1000)).toISOString();
  const masked = (v: string) => `xxxx${v.slice(-4)}`;
  const put = (vars: Map<string, StoredVar>, name: string, value: string, renewCreated: boolean) => {
    const t = now();
    const old = vars.get(name);
    const v = { value, created_at: old && !renewCreated ? old.created_at : t, updated_at: t };
    vars.set(name, v);
    return v;
  };
  const api = await startStandIn({
    errorBody: (status, message) => ({ message: status === 429 ? 'Rate limit exceeded' : message }),
    rateLimitHeaders: { 'retry-after': '0', 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0' },
    handle(req) {
      const token = req.headers['circle-token'];
      const access = typeof token === 'string' ? opts.tokens[token] : undefined;
      if (!access) return { status: 401, body: { message: 'You must log in first.' } };
      if (req.method !== 'GET' && access !== 'write') return { status: 403, body: { message: 'Permission denied' } };
      const p = /^\/api\/v2\/project\/([^/]+\/[^/]+\/[^/]+)\/envvar(?:\/([^/]+))?$/.exec(req.path);
      if (p) {
        const vars = projects.get(p[1]!.split('/').map(decodeURIComponent).join('/'));
        if (!vars) return { status: 404, body: { message: 'Project not found' } };
        if (p[2] !== undefined) {
          const name = decodeURIComponent(p[2]);
          const v = vars.get(name);
          if (req.method !== 'GET') return { status: 405, body: { message: 'Method not allowed' } };
          if (!v) return { status: 404, body: { message: 'Environment variable not found.' } };
          return { status: 200, body: { name, value: masked(v.value), created_at: v.created_at } };
        }
        if (req.method !== 'POST') return { status: 405, body: { message: 'Method not allowed' } };
        const { name, value } = req.body ?? {};
        if (typeof name !== 'string' || typeof value !== 'string') return { status: 400, body: { message: 'name and value are required' } };
        const v = put(vars, name, value, true);
        return { status: 201, body: { name, value: masked(value), created_at: v.created_at } };
      }
      const c = /^\/api\/v2\/context\/([^/]+)\/environment-variable(?:\/([^/]+))?$/.exec(req.path);
      if (c) {
        const id = decodeURIComponent(c[1]!);
        const vars = contexts.get(id);
        if (!vars) return { status: 404, body: { message: 'Context not found' } };
        if (c[2] === undefined) {
          if (req.method !== 'GET') return { status: 405, body: { message: 'Method not allowed' } };
          const all = [...vars.entries()].sort(([a], [b]) => a.localeCompare(b));
          const start = Number(req.query.get('page-token') ?? '0');
          const items = all.slice(start, start + 2).map(([variable, v]) => ({ variable, context_id: id, created_at: v.created_at, updated_at: v.updated_at }));
          return { status: 200, body: { items, next_page_token: start + 2 < all.length ? String(start + 2) : null } };
        }
        if (req.method !== 'PUT') return { status: 405, body: { message: 'Method not allowed' } };
        const name = decodeURIComponent(c[2]);
        if (typeof req.body?.value !== 'string') return { status: 400, body: { message: 'value is required' } };
        const v = put(vars, name, req.body.value, false);
        return { status: 200, body: { variable: name, context_id: id, created_at: v.created_at, updated_at: v.updated_at } };
      }
      return { status: 404, body: { message: 'Not found' } };
    },
  });
  return {
    ...api,
    projectVar: (slug, name) => projects.get(slug)?.get(name),
    contextVar: (id, name) => contexts.get(id)?.get(name),
    seedProject: (slug, name, value) => void put(projects.get(slug)!, name, value, true),
    seedContext: (id, name, value) => void put(contexts.get(id)!, name, value, false),
  };
}
