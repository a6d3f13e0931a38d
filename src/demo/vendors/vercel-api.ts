/**
 * A local server speaking the Vercel REST API for project environment variables, for tests.
 * Real HTTP on 127.0.0.1, port 0. It enforces `Authorization: Bearer <token>` (403 `forbidden`
 * otherwise, as Vercel does), the JSON shapes and error envelope `{ error: { code, message } }`,
 * `teamId` for team projects (404 without it), and the upsert rules.
 *
 * Endpoints:
 *   GET  /v9|v10/projects/{idOrName}/env                → 200 { envs: [{ id, key, type, target, value (encrypted blob), createdAt, updatedAt }], pagination }
 *   GET  /v1/projects/{idOrName}/env/{id}               → 200 { decrypted: true, value, ... } (sensitive: decrypted false, no value)
 *   POST /v10/projects/{idOrName}/env[?upsert=true]     body object or array of { key, value, type, target[] }
 *        → 201 { created: env | env[], failed: [] }
 *   Without upsert, a key that already exists for any of the targets → 400 ENV_ALREADY_EXISTS.
 *   With upsert, the variable with the same key and the SAME target set is updated; a key that
 *   exists for an overlapping but different target set → 400 ENV_CONFLICT (a simplification:
 *   credctl never relies on Vercel merging target sets).
 *
 * Test API:
 *   const v = await startVercelApi({ tokens: ['vercel_FAKE...'], projects: [{ id: 'prj_1', name: 'web', teamId? }] });
 *   v.url                                    base URL for TargetDeps.apiUrl['vercel-env']
 *   v.envs('prj_1')                          the stored variables, values included (for assertions)
 *   v.seedEnv('prj_1', { key, value, type, target })
 *   v.injectFault(spec)                      see ./faults.ts
 *   v.requests                               every request: method, path, status, authorization
 *   await v.close()
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { closeStandIn, FaultQueue, readBody, serveWithFaults, type FaultSpec, type RecordedRequest } from './faults.js';

const TARGETS = ['production', 'preview', 'development'];
const TYPES = ['system', 'secret', 'encrypted', 'plain', 'sensitive'];

export interface StoredEnv {
  id: string;
  key: string;
  value: string;
  type: string;
  target: string[];
  createdAt: number;
  updatedAt: number;
}

interface Project {
  id: string;
  name: string;
  teamId?: string;
  envs: StoredEnv[];
}

export interface VercelApiServer {
  url: string;
  envs(project: string): StoredEnv[];
  seedEnv(project: string, env: { key: string; value: string; type?: string; target: string[] }): StoredEnv;
  injectFault(spec: FaultSpec): void;
  readonly faults: FaultQueue;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface VercelApiOptions {
  tokens: string[];
  projects: Array<{ id: string; name: string; teamId?: string }>;
}

export async function startVercelApi(opts: VercelApiOptions): Promise<VercelApiServer> {
  const tokens = new Set(opts.tokens);
  const projects = opts.projects.map((p): Project => ({ ...p, envs: [] }));
  const faults = new FaultQueue();
  const hung = new Set<ServerResponse>();
  const requests: RecordedRequest[] = [];
  let lastTime = 0;
  // Strictly increasing, so "updated after" is observable even within one millisecond.
  const stamp = () => (lastTime = Math.max(Date.now(), lastTime + 1));
  const err = (status: number, code: string, msg: string) => ({ status, body: { error: { code, message: msg } } });
  const publicEnv = (e: StoredEnv) => ({
    id: e.id,
    key: e.key,
    type: e.type,
    target: e.target,
    // Vercel lists encrypted values as an opaque blob, never the value itself.
    value: e.type === 'plain' ? e.value : Buffer.from(`enc:${e.id}:${e.updatedAt}`).toString('base64'),
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  });
  const find = (idOrName: string, teamId: string | null) =>
    projects.find((p) => (p.id === idOrName || p.name === idOrName) && (p.teamId ?? null) === (teamId ?? null));

  const makeEnv = (input: { key: string; value: string; type?: string; target: string[] }): StoredEnv => {
    const t = stamp();
    return {
      id: 'env_' + randomBytes(6).toString('hex'),
      key: input.key,
      value: input.value,
      type: input.type ?? 'encrypted',
      target: [...input.target].sort(),
      createdAt: t,
      updatedAt: t,
    };
  };

  async function handle(req: IncomingMessage): Promise<{ status: number; body?: unknown }> {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!m || !tokens.has(m[1]!)) return err(403, 'forbidden', 'Not authorized');
    const url = new URL(req.url ?? '/', 'http://x');
    const teamId = url.searchParams.get('teamId');
    const list = /^\/v(9|10)\/projects\/([^/]+)\/env$/.exec(url.pathname);
    const one = /^\/v1\/projects\/([^/]+)\/env\/([^/]+)$/.exec(url.pathname);
    const idOrName = decodeURIComponent(list?.[2] ?? one?.[1] ?? '');
    if (!list && !one) return err(404, 'not_found', 'The requested resource could not be found');
    const project = find(idOrName, teamId);
    if (!project) return err(404, 'not_found', 'Project not found');

    if (one && req.method === 'GET') {
      const e = project.envs.find((x) => x.id === decodeURIComponent(one[2]!));
      if (!e) return err(404, 'not_found', 'Environment variable not found');
      const base = { key: e.key, type: e.type, target: e.target, id: e.id, createdAt: e.createdAt, updatedAt: e.updatedAt };
      return { status: 200, body: e.type === 'sensitive' ? { ...base, decrypted: false } : { ...base, decrypted: true, value: e.value } };
    }
    if (list && req.method === 'GET') {
      return { status: 200, body: { envs: project.envs.map(publicEnv), pagination: { count: project.envs.length, next: null, prev: null } } };
    }
    if (list && req.method === 'POST') {
      if (list[1] !== '10') return err(404, 'not_found', 'use /v10 to create');
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readBody(req));
      } catch {
        return err(400, 'bad_request', 'Invalid JSON');
      }
      const items = Array.isArray(parsed) ? parsed : [parsed];
      const upsert = url.searchParams.get('upsert') === 'true';
      const created: StoredEnv[] = [];
      for (const raw of items as Array<Record<string, unknown>>) {
        if (!raw || typeof raw.key !== 'string' || typeof raw.value !== 'string') return err(400, 'bad_request', 'key and value must be strings');
        if (typeof raw.type !== 'string' || !TYPES.includes(raw.type)) return err(400, 'bad_request', 'invalid type');
        if (!Array.isArray(raw.target) || raw.target.length === 0 || !raw.target.every((t) => TARGETS.includes(t as string))) {
          return err(400, 'bad_request', 'target must be a non-empty list of production, preview, development');
        }
        const target = [...(raw.target as string[])].sort();
        const overlapping = project.envs.filter((e) => e.key === raw.key && e.target.some((t) => target.includes(t)));
        if (overlapping.length > 0 && !upsert) return err(400, 'ENV_ALREADY_EXISTS', `A variable with the name ${raw.key} already exists for the target`);
        const same = overlapping.find((e) => e.target.join() === target.join());
        if (overlapping.length > 0 && (!same || overlapping.length > 1)) {
          return err(400, 'ENV_CONFLICT', `The variable ${raw.key} exists for a different set of targets`);
        }
        if (same) {
          same.value = raw.value;
          same.type = raw.type;
          same.updatedAt = stamp();
          created.push(same);
        } else {
          const e = makeEnv({ key: raw.key, value: raw.value, type: raw.type, target });
          project.envs.push(e);
          created.push(e);
        }
      }
      const shaped = created.map(publicEnv);
      return { status: 201, body: { created: Array.isArray(parsed) ? shaped : shaped[0], failed: [] } };
    }
    return err(405, 'method_unknown', 'This endpoint does not handle this method');
  }

  const server: Server = createServer(
    serveWithFaults(handle, {
      faults,
      hung,
      requests,
      serverError: { error: { code: 'internal_server_error', message: 'An unexpected internal error occurred' } },
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const projectOrThrow = (idOrName: string) => {
    const p = projects.find((x) => x.id === idOrName || x.name === idOrName);
    if (!p) throw new Error(`no project ${idOrName} on the test server`);
    return p;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    envs: (p) => projectOrThrow(p).envs.map((e) => ({ ...e, target: [...e.target] })),
    seedEnv: (p, env) => {
      const e = makeEnv(env);
      projectOrThrow(p).envs.push(e);
      return { ...e };
    },
    injectFault: (spec) => faults.push(spec),
    faults,
    requests,
    close: () => closeStandIn(server, hung),
  };
}
