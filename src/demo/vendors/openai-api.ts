/**
 * A local server speaking the OpenAI Admin API for project API keys, for tests. Real HTTP on
 * 127.0.0.1, port 0. It enforces admin keys (`Authorization: Bearer sk-admin-...`, 401 otherwise),
 * the JSON shapes, the list pagination (`limit`, `after`, `has_more`) and the error envelope
 * `{ error: { message, type, code } }`, and it serves one inference endpoint so a key can be
 * checked the way a client would use it.
 *
 * Endpoints (from the Admin API reference):
 *   GET    /v1/organization/projects/{project}/api_keys[?limit&after]
 *          → { object: list, data: [{ object: organization.project.api_key, id, name, redacted_value,
 *              created_at, last_used_at, owner: { type, service_account?|user? } }], first_id, last_id, has_more }
 *   POST   /v1/organization/projects/{project}/service_accounts/{sa}/api_keys  { name?, expires_in_seconds? }
 *          → { object: organization.project.service_account.api_key, id, name, value, created_at, expires_at }
 *   DELETE /v1/organization/projects/{project}/api_keys/{key}
 *          → { object: organization.project.api_key.deleted, id, deleted: true }
 *   GET    /v1/models with a project key → 200 list, or 401 for an unknown or deleted key
 *
 * Test API:
 *   const o = await startOpenAiApi({ adminKeys: ['sk-admin-FAKE...'], projects: ['proj_1'] });
 *   const sa = o.addServiceAccount('proj_1', 'checkout');          // returns { id }
 *   const key = o.seedKey('proj_1', { serviceAccount: sa.id })    // or { user: 'user_1' }
 *   o.keys('proj_1')  o.injectFault(spec)  o.requests  await o.close()
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { closeStandIn, FaultQueue, readBody, serveWithFaults, type FaultSpec, type RecordedRequest } from './faults.js';

export interface StoredKey {
  id: string;
  name: string;
  value: string;
  createdAt: number;
  owner: { type: 'service_account'; id: string } | { type: 'user'; id: string };
}

interface Project {
  id: string;
  serviceAccounts: Map<string, { id: string; name: string; createdAt: number }>;
  keys: StoredKey[];
}

export interface OpenAiApiServer {
  url: string;
  addServiceAccount(project: string, name: string): { id: string };
  seedKey(project: string, owner: { serviceAccount: string } | { user: string }, value?: string): StoredKey;
  keys(project: string): StoredKey[];
  injectFault(spec: FaultSpec): void;
  readonly faults: FaultQueue;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomText = (n: number) => Array.from(randomBytes(n), (b) => BASE62[b % 62]).join('');
/** Fake, and obviously so: every key this server mints says FAKE. */
const newKeyValue = () => `sk-svcacct-FAKE${randomText(60)}`;
/** How the Admin API shows a key: a few characters from each end. */
export const redactedValue = (value: string) => `${value.slice(0, 8)}...${value.slice(-4)}`;

export async function startOpenAiApi(opts: { adminKeys: string[]; projects: string[] }): Promise<OpenAiApiServer> {
  const adminKeys = new Set(opts.adminKeys);
  const projects = new Map(opts.projects.map((id): [string, Project] => [id, { id, serviceAccounts: new Map(), keys: [] }]));
  const faults = new FaultQueue();
  const hung = new Set<ServerResponse>();
  const requests: RecordedRequest[] = [];
  const now = () => Math.floor(Date.now() / 1000);
  const err = (status: number, type: string, message: string, code: string | null = null) => ({
    status,
    body: { error: { message, type, param: null, code } },
  });
  const publicKey = (p: Project, k: StoredKey) => ({
    object: 'organization.project.api_key',
    id: k.id,
    name: k.name,
    redacted_value: redactedValue(k.value),
    created_at: k.createdAt,
    last_used_at: null,
    owner:
      k.owner.type === 'service_account'
        ? {
            type: 'service_account',
            service_account: {
              id: k.owner.id,
              name: p.serviceAccounts.get(k.owner.id)?.name ?? '',
              role: 'member',
              created_at: p.serviceAccounts.get(k.owner.id)?.createdAt ?? 0,
            },
          }
        : { type: 'user', user: { id: k.owner.id, name: 'Some User', email: 'someone@example.test', role: 'owner', created_at: 0 } },
  });
  const makeKey = (owner: StoredKey['owner'], name: string, value = newKeyValue()): StoredKey => ({
    id: `key_${randomText(16)}`,
    name,
    value,
    createdAt: now(),
    owner,
  });

  async function handle(req: IncomingMessage): Promise<{ status: number; body?: unknown }> {
    const url = new URL(req.url ?? '/', 'http://x');
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (url.pathname === '/v1/models' && req.method === 'GET') {
      const known = [...projects.values()].some((p) => p.keys.some((k) => k.value === bearer));
      if (!known) return err(401, 'invalid_request_error', 'Incorrect API key provided.', 'invalid_api_key');
      return { status: 200, body: { object: 'list', data: [{ id: 'gpt-fake-1', object: 'model', created: 0, owned_by: 'system' }] } };
    }
    // As OpenAI does, the error quotes (part of) the key it was given.
    if (!bearer || !adminKeys.has(bearer))
      return err(
        401,
        'invalid_request_error',
        `Incorrect API key provided: ${(bearer ?? '').slice(0, 16)}****. Admin endpoints need an admin key.`,
        'invalid_api_key',
      );
    const m = /^\/v1\/organization\/projects\/([^/]+)\/(api_keys|service_accounts)(?:\/([^/]+))?(?:\/(api_keys))?$/.exec(url.pathname);
    if (!m) return err(404, 'invalid_request_error', `Unknown request URL: ${req.method} ${url.pathname}`);
    const project = projects.get(decodeURIComponent(m[1]!));
    if (!project) return err(404, 'invalid_request_error', 'No such project', 'not_found');
    const [, , collection, itemId, sub] = m;

    if (collection === 'api_keys' && !itemId && req.method === 'GET') {
      const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') ?? 20) || 20));
      const after = url.searchParams.get('after');
      const start = after ? project.keys.findIndex((k) => k.id === after) + 1 : 0;
      const page = project.keys.slice(start, start + limit);
      return {
        status: 200,
        body: {
          object: 'list',
          data: page.map((k) => publicKey(project, k)),
          first_id: page[0]?.id ?? null,
          last_id: page.at(-1)?.id ?? null,
          has_more: start + limit < project.keys.length,
        },
      };
    }
    if (collection === 'api_keys' && itemId && !sub && req.method === 'DELETE') {
      const i = project.keys.findIndex((k) => k.id === decodeURIComponent(itemId));
      if (i < 0) return err(404, 'invalid_request_error', 'No such API key', 'not_found');
      project.keys.splice(i, 1);
      return { status: 200, body: { object: 'organization.project.api_key.deleted', id: decodeURIComponent(itemId), deleted: true } };
    }
    if (collection === 'service_accounts' && itemId && sub === 'api_keys' && req.method === 'POST') {
      const sa = project.serviceAccounts.get(decodeURIComponent(itemId));
      if (!sa) return err(404, 'invalid_request_error', 'No such service account', 'not_found');
      let body: Record<string, unknown> = {};
      const text = await readBody(req);
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        return err(400, 'invalid_request_error', 'We could not parse the JSON body of your request.');
      }
      if (body.name !== undefined && typeof body.name !== 'string') return err(400, 'invalid_request_error', 'name must be a string');
      const key = makeKey({ type: 'service_account', id: sa.id }, (body.name as string | undefined) ?? 'Secret Key');
      project.keys.push(key);
      return {
        status: 200,
        body: {
          object: 'organization.project.service_account.api_key',
          id: key.id,
          name: key.name,
          value: key.value,
          created_at: key.createdAt,
          expires_at: null,
        },
      };
    }
    return err(405, 'invalid_request_error', `Method ${req.method} not allowed here`);
  }

  const server: Server = createServer(
    serveWithFaults(handle, {
      faults,
      hung,
      requests,
      serverError: { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } },
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const projectOrThrow = (id: string) => {
    const p = projects.get(id);
    if (!p) throw new Error(`no project ${id} on the test server`);
    return p;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    addServiceAccount(project, name) {
      const sa = { id: `svc_acct_${randomText(12)}`, name, createdAt: now() };
      projectOrThrow(project).serviceAccounts.set(sa.id, sa);
      return { id: sa.id };
    },
    seedKey(project, owner, value) {
      const key = makeKey(
        'serviceAccount' in owner ? { type: 'service_account', id: owner.serviceAccount } : { type: 'user', id: owner.user },
        'seeded',
        value,
      );
      projectOrThrow(project).keys.push(key);
      return { ...key };
    },
    keys: (project) => projectOrThrow(project).keys.map((k) => ({ ...k })),
    injectFault: (spec) => faults.push(spec),
    faults,
    requests,
    close: () => closeStandIn(server, hung),
  };
}
