/**
 * Cloudflare API v4 Workers secrets stand-in (see src/integrations/cloudflare-workers-secret/API.md):
 * Bearer tokens (401 code 1000 for an unknown one, 403 code 9109 for one without Workers Scripts
 * Write on a write), scripts per account, secrets that are never given back, and a new deployment
 * (newest first) for every secret PUT and every `deploy()`, in Cloudflare's envelope.
 */
import { randomUUID } from 'node:crypto';
import { bearerOf, startStandIn, type StandIn } from '../standin.js';

interface Script {
  secrets: Map<string, string>;
  deployments: { id: string; created_on: string; source: string }[];
}

export interface CloudflareWorkersStandIn extends StandIn {
  secret(script: string, name: string): string | undefined;
  /** Someone deploys the Worker (or puts a secret from the dashboard). */
  deploy(script: string, secret?: { name: string; text: string }): void;
}

const ok = (result: unknown) => ({ status: 200, body: { success: true, errors: [], messages: [], result } });
const fail = (status: number, code: number, message: string) => ({ status, body: { success: false, errors: [{ code, message }], messages: [], result: null } });

export async function startCloudflareWorkers(opts: {
  tokens: Record<string, 'write' | 'read'>;
  accountId: string;
  scripts: string[];
}): Promise<CloudflareWorkersStandIn> {
  const scripts = new Map<string, Script>(opts.scripts.map((s) => [s, { secrets: new Map(), deployments: [] }]));
  let clock = Date.parse('2026-12-01T00:00:00Z');
  const deploy = (s: Script, source: string) => s.deployments.unshift({ id: randomUUID(), created_on: new Date((clock += 1000)).toISOString(), source });
  for (const s of scripts.values()) deploy(s, 'wrangler');
  const api = await startStandIn({
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
    rateLimitHeaders: { 'retry-after': '0' },
    handle(req) {
      const token = bearerOf(req);
      const access = token ? opts.tokens[token] : undefined;
      if (!access) return fail(401, 1000, 'Invalid API Token');
      const m = /^\/client\/v4\/accounts\/([^/]+)\/workers\/scripts\/([^/]+)\/(secrets|deployments)(?:\/([^/]+))?$/.exec(req.path);
      if (!m) return fail(400, 7003, 'Could not route to the path, perhaps your object identifier is invalid?');
      if (m[1] !== opts.accountId) return fail(403, 9109, 'Unauthorized to access requested resource');
      const script = scripts.get(decodeURIComponent(m[2]!));
      if (!script) return fail(404, 10007, 'This Worker does not exist on your account.');
      if (m[3] === 'deployments')
        return req.method === 'GET' && !m[4]
          ? ok({ deployments: script.deployments.map((d) => ({ ...d, strategy: 'percentage', versions: [] })) })
          : fail(405, 10000, 'Method not allowed');
      if (m[4] !== undefined) {
        const name = decodeURIComponent(m[4]);
        if (req.method !== 'GET') return fail(405, 10000, 'Method not allowed');
        return script.secrets.has(name) ? ok({ name, type: 'secret_text' }) : fail(404, 10056, 'secret not found');
      }
      if (req.method === 'GET') return ok([...script.secrets.keys()].map((name) => ({ name, type: 'secret_text' })));
      if (req.method !== 'PUT') return fail(405, 10000, 'Method not allowed');
      if (access !== 'write') return fail(403, 10000, 'Authentication error');
      const { name, text, type } = req.body ?? {};
      if (typeof name !== 'string' || typeof text !== 'string' || type !== 'secret_text')
        return fail(400, 10021, 'name, text and type "secret_text" are required');
      script.secrets.set(name, text);
      deploy(script, 'secret');
      return ok({ name, type: 'secret_text' });
    },
  });
  return {
    ...api,
    secret: (script, name) => scripts.get(script)?.secrets.get(name),
    deploy(name, secret) {
      const s = scripts.get(name)!;
      if (secret) s.secrets.set(secret.name, secret.text);
      deploy(s, secret ? 'secret' : 'wrangler');
    },
  };
}
