/**
 * GitLab REST API v4 project CI/CD variables stand-in (see src/integrations/gitlab-ci-variable/API.md):
 * PRIVATE-TOKEN auth (401 without a known token, 403 for a token without write access on a write),
 * projects by numeric id or URL-encoded path, variables keyed by (key, environment_scope) with
 * `filter[environment_scope]`, GitLab's 404 messages ("404 Project Not Found" vs "404 Variable Not
 * Found"), its validation errors ({ message: { field: [problems] } }) and its masking rule (a
 * masked value must be at least 8 characters from the Base64 alphabet plus @:.~-).
 */
import { startStandIn, type StandIn } from '../standin.js';

export interface StoredVariable {
  key: string;
  value: string;
  environment_scope: string;
  masked: boolean;
  protected: boolean;
  raw: boolean;
  hidden: boolean;
  variable_type: string;
}

export interface GitlabStandIn extends StandIn {
  variable(project: string, key: string, scope?: string): StoredVariable | undefined;
  seed(project: string, v: Partial<StoredVariable> & { key: string; value: string }): void;
}

const MASKABLE = /^[A-Za-z0-9_+/=@:.~-]{8,}$/;

export async function startGitlab(opts: { tokens: Record<string, 'write' | 'read'>; projects: { id: number; path: string }[] }): Promise<GitlabStandIn> {
  const vars = new Map<number, StoredVariable[]>(opts.projects.map((p) => [p.id, []]));
  const find = (idOrPath: string) => opts.projects.find((p) => String(p.id) === idOrPath || p.path === idOrPath);
  const show = (v: StoredVariable) => ({ ...v, value: v.hidden ? null : v.value, description: null });
  const api = await startStandIn({
    errorBody: (status, message) => ({ message: status === 429 ? 'Retry later' : `${status} ${message}` }),
    rateLimitHeaders: { 'retry-after': '0', 'ratelimit-limit': '2000', 'ratelimit-remaining': '0' },
    handle(req) {
      const token = req.headers['private-token'];
      const access = typeof token === 'string' ? opts.tokens[token] : undefined;
      if (!access) return { status: 401, body: { message: '401 Unauthorized' } };
      const m = /^\/api\/v4\/projects\/([^/]+)\/variables(?:\/([^/]+))?$/.exec(req.path);
      if (!m) return { status: 404, body: { error: '404 Not Found' } };
      const project = find(decodeURIComponent(m[1]!));
      if (!project) return { status: 404, body: { message: '404 Project Not Found' } };
      const list = vars.get(project.id)!;
      const key = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
      const scope = req.query.get('filter[environment_scope]');
      if (req.method !== 'GET' && access !== 'write') return { status: 403, body: { message: '403 Forbidden' } };
      if (key !== undefined) {
        const matching = list.filter((v) => v.key === key && (scope === null || v.environment_scope === scope));
        if (matching.length > 1)
          return { status: 409, body: { message: "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'" } };
        const v = matching[0];
        if (!v) return { status: 404, body: { message: '404 Variable Not Found' } };
        if (req.method === 'GET') return { status: 200, body: show(v) };
        if (req.method === 'PUT') {
          const value = req.body?.value;
          if (typeof value !== 'string') return { status: 400, body: { error: 'value is missing' } };
          if (v.masked && !MASKABLE.test(value)) return { status: 400, body: { message: { value: ['is invalid'] } } };
          v.value = value;
          return { status: 200, body: show(v) };
        }
        return { status: 405, body: { message: '405 Method Not Allowed' } };
      }
      if (req.method === 'POST') {
        const b = req.body ?? {};
        if (typeof b.key !== 'string' || typeof b.value !== 'string') return { status: 400, body: { error: 'key is missing, value is missing' } };
        const envScope = typeof b.environment_scope === 'string' ? b.environment_scope : '*';
        if (list.some((v) => v.key === b.key && v.environment_scope === envScope)) {
          return { status: 400, body: { message: { key: [`(${b.key}) has already been taken`] } } };
        }
        if (b.masked === true && !MASKABLE.test(b.value)) return { status: 400, body: { message: { value: ['is invalid'] } } };
        const v: StoredVariable = {
          key: b.key,
          value: b.value,
          environment_scope: envScope,
          masked: b.masked === true,
          protected: b.protected === true,
          raw: b.raw === true,
          hidden: false,
          variable_type: typeof b.variable_type === 'string' ? b.variable_type : 'env_var',
        };
        list.push(v);
        return { status: 201, body: show(v) };
      }
      return { status: 405, body: { message: '405 Method Not Allowed' } };
    },
  });
  return {
    ...api,
    variable: (project, key, scope = '*') => vars.get(find(project)!.id)!.find((v) => v.key === key && v.environment_scope === scope),
    seed(project, v) {
      vars.get(find(project)!.id)!.push({ environment_scope: '*', masked: false, protected: false, raw: false, hidden: false, variable_type: 'env_var', ...v });
    },
  };
}
