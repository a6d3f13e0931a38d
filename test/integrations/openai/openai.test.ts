import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makePlan } from '../../../src/commands/rotate.js';
import { loadProject } from '../../../src/graph/project-context.js';
import { trustProject } from '../../helpers/trust.js';
import { CredctlError } from '../../../src/core/errors.js';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { startOpenAiApi, type OpenAiApiServer } from '../../../src/demo/vendors/openai-api.js';
import { integrationContext } from '../../../src/integrations/context.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { IntegrationContext, RotationProvider, RotationSubject } from '../../../src/integrations/types.js';
import { contextFor, credctlRejection as failure } from '../context.js';
import { startStandIn, type StandIn } from '../standin.js';

// The OpenAI integration's verify, revoke and rotation steps against the Admin API stand-in
// (src/demo/vendors/openai-api.ts, built from src/integrations/openai/API.md): what each answer
// means for the user, what is sent, and that no key value ever reaches a reason or an error.
// Fixture keys are fake and say so.
const ADMIN = `sk-admin-FAKE${'0123456789'.repeat(4)}`;
const PROJECT_KEY = `sk-proj-FAKE${'0123456789'.repeat(5)}pk01`;
const SVC_KEY = `sk-svcacct-FAKE${'0123456789'.repeat(5)}sv01`;
const ADMIN_AS_KEY = `sk-admin-FAKE${'9876543210'.repeat(4)}ad01`;

const openai = integrationNamed('openai')!;
let api: OpenAiApiServer;
beforeEach(async () => {
  api = await startOpenAiApi({ adminKeys: [ADMIN], projects: ['proj_shop', 'proj_other'] });
});
afterEach(() => api.close());

const ctx = (opts: { project?: string | null; admin?: string } = {}) =>
  contextFor('openai', api.url, {
    settings: opts.project === null ? {} : { project: opts.project ?? 'proj_shop' },
    admin: opts.admin ?? ADMIN,
  });

const noValueIn = (text: string, ...values: string[]) => {
  for (const v of values) expect(text).not.toContain(v.slice(12, 32));
};

describe('openai verify', () => {
  it('a key OpenAI accepts is live, asked with the key itself as Bearer on GET /v1/models, and named by its kind', async () => {
    api.seedKey('proj_shop', { user: 'user_1' }, PROJECT_KEY);
    api.seedKey('proj_shop', { user: 'user_1' }, SVC_KEY);
    api.seedKey('proj_shop', { user: 'user_1' }, ADMIN_AS_KEY);
    const project = await openai.verify!({ value: PROJECT_KEY }, ctx());
    expect(project).toMatchObject({ status: 'live', identity: { kind: 'project key' } });
    expect(project.reason).toMatch(/OpenAI accepted it/);
    expect(api.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models', authorization: `Bearer ${PROJECT_KEY}` });
    expect((await openai.verify!({ value: SVC_KEY }, ctx())).identity).toEqual({ kind: 'service account key' });
    expect((await openai.verify!({ value: ADMIN_AS_KEY }, ctx())).identity).toEqual({ kind: 'admin key' });
    expect(api.requests).toHaveLength(3);
  });

  it('a key OpenAI refuses (401) is dead, and the reason says so without the key', async () => {
    const v = await openai.verify!({ value: PROJECT_KEY }, ctx());
    expect(v.status).toBe('dead');
    expect(v.reason).toMatch(/OpenAI refuses it \(HTTP 401/);
    noValueIn(v.reason, PROJECT_KEY);
  });

  it('a rate limit, a server failure, a body that is not JSON or no answer at all leave it unknown', async () => {
    api.seedKey('proj_shop', { user: 'user_1' }, PROJECT_KEY);
    api.injectFault({ kind: 'status', status: 429, count: 2 });
    const limited = await openai.verify!({ value: PROJECT_KEY }, ctx());
    expect(limited).toMatchObject({ status: 'unknown' });
    expect(limited.reason).toMatch(/OpenAI is rate-limiting/);

    api.injectFault({ kind: 'status', status: 503, count: 2 });
    expect((await openai.verify!({ value: PROJECT_KEY }, ctx())).reason).toMatch(/OpenAI failed to answer \(HTTP 503\)/);

    api.injectFault({ kind: 'malformed' });
    const garbled = await openai.verify!({ value: PROJECT_KEY }, ctx());
    expect(garbled).toMatchObject({ status: 'unknown' });
    expect(garbled.reason).toMatch(/OpenAI answered with a body that is not JSON/);

    api.injectFault({ kind: 'reset', count: 2 });
    const lost = await openai.verify!({ value: PROJECT_KEY }, ctx());
    expect(lost.status).toBe('unknown');
    expect(lost.reason).toMatch(/^OpenAI could not be asked: /);
    noValueIn(`${limited.reason} ${garbled.reason} ${lost.reason}`, PROJECT_KEY);
  });

  it('an error message that quotes the key sent never repeats it', async () => {
    const quoting = await startStandIn({
      handle: (req) => ({
        status: 401,
        body: { error: { message: `Incorrect API key provided: ${req.headers.authorization}`, type: 'invalid_request_error' } },
      }),
      errorBody: (_s, message) => ({ error: { message } }),
    });
    try {
      const v = await openai.verify!({ value: PROJECT_KEY }, contextFor('openai', quoting.url));
      expect(v.status).toBe('dead');
      expect(v.reason).toContain('Incorrect API key provided');
      noValueIn(v.reason, PROJECT_KEY);
      // A value too short to look like a key (a pasted fragment) is masked all the same.
      const fragment = 'sk-FAKE-0a1b2c3d';
      const short = await openai.verify!({ value: fragment }, contextFor('openai', quoting.url));
      expect(short.reason).toContain('Incorrect API key provided');
      expect(short.reason).not.toContain(fragment);
    } finally {
      await quoting.close();
    }
  });
});

describe('openai revoke (delete the key in the configured project)', () => {
  it('deletes exactly the leaked key, with the admin key, and leaves the account and its other keys alone', async () => {
    expect(openai.revoke!.needsAdmin).toBe(true);
    const sa = api.addServiceAccount('proj_shop', 'checkout');
    const leaked = api.seedKey('proj_shop', { serviceAccount: sa.id }, SVC_KEY);
    const other = api.seedKey('proj_shop', { serviceAccount: sa.id });
    expect(await openai.revoke!.run({ value: SVC_KEY }, ctx())).toBe('revoked');
    expect(api.keys('proj_shop').map((k) => k.id)).toEqual([other.id]);
    const deletes = api.requests.filter((r) => r.method === 'DELETE');
    expect(deletes).toEqual([
      expect.objectContaining({ path: `/v1/organization/projects/proj_shop/api_keys/${leaked.id}`, authorization: `Bearer ${ADMIN}`, status: 200 }),
    ]);
  });

  it('a key no longer listed and no longer accepted was revoked already: nothing is deleted', async () => {
    api.seedKey('proj_shop', { user: 'user_1' }, PROJECT_KEY);
    expect(await openai.revoke!.run({ value: SVC_KEY }, ctx())).toBe('already');
    expect(api.requests.some((r) => r.method === 'DELETE')).toBe(false);
    expect(api.keys('proj_shop')).toHaveLength(1);
  });

  it('a key that still works but is not in the configured project is refused, never guessed at', async () => {
    const sa = api.addServiceAccount('proj_other', 'elsewhere');
    api.seedKey('proj_other', { serviceAccount: sa.id }, SVC_KEY);
    const err = await failure(openai.revoke!.run({ value: SVC_KEY }, ctx()));
    expect(err.exitCode).toBe(ExitCode.Refused);
    expect(err.message).toMatch(/no API key in OpenAI project proj_shop matches/);
    noValueIn(err.message, SVC_KEY, ADMIN);
    expect(api.keys('proj_other')).toHaveLength(1);
    expect(api.requests.some((r) => r.method === 'DELETE')).toBe(false);
  });

  it('a key deleted between the lookup and the delete (404) counts as revoked already', async () => {
    const sa = api.addServiceAccount('proj_shop', 'checkout');
    api.seedKey('proj_shop', { serviceAccount: sa.id }, SVC_KEY);
    api.injectFault({ kind: 'status', status: 404, match: { method: 'DELETE' } });
    expect(await openai.revoke!.run({ value: SVC_KEY }, ctx())).toBe('already');
  });

  it("a user's key is refused with the reason, and stays", async () => {
    api.seedKey('proj_shop', { user: 'user_1' }, PROJECT_KEY);
    const err = await failure(openai.revoke!.run({ value: PROJECT_KEY }, ctx()));
    expect(err.message).toMatch(/belongs to a user/);
    expect(api.keys('proj_shop')).toHaveLength(1);
  });

  it('without the project id nothing is sent and the error says which setting to add', async () => {
    const err = await failure(openai.revoke!.run({ value: SVC_KEY }, ctx({ project: null })));
    expect(err.exitCode).toBe(ExitCode.Refused);
    expect(err.message).toContain('providers.openai.project');
    expect(api.requests).toEqual([]);
  });
});

describe('openai rotation steps (overlap: a new key for the same service account, then the old one deleted)', () => {
  const subject = { id: 'fp' } as RotationSubject;
  let adminReads = 0;
  const counted = (settings: Record<string, string> = { project: 'proj_shop' }): IntegrationContext =>
    integrationContext({
      integration: openai,
      provider: 'openai',
      api: api.url,
      settings,
      adminSecret: async () => {
        adminReads++;
        return ADMIN;
      },
    });
  const provider = (c: IntegrationContext = counted()): RotationProvider => openai.rotate!.provider(subject, c);
  beforeEach(() => {
    adminReads = 0;
  });

  it('identifies the old key as <key id>|<service account>, creates a named key for that account, deletes the old one', async () => {
    expect(openai.rotate!.strategy).toBe('overlap');
    const sa = api.addServiceAccount('proj_shop', 'checkout');
    const old = api.seedKey('proj_shop', { serviceAccount: sa.id }, SVC_KEY);
    const p = provider();
    const oldId = await p.identify({ oldValue: SVC_KEY, binding: SVC_KEY });
    expect(oldId).toBe(`${old.id}|${sa.id}`);
    const created = await p.create({ credential: subject, oldId, idempotencyKey: 'run-1' });
    const fresh = api.keys('proj_shop').find((k) => k.value === created.value)!;
    expect(fresh).toMatchObject({ name: 'credctl run-1', owner: { type: 'service_account', id: sa.id } });
    expect(created.id).toBe(`${fresh.id}|${sa.id}`);
    expect(await p.isActive({ value: created.value })).toBe(true);
    expect(await p.revoke({ value: SVC_KEY, id: oldId, mode: 'revoke' })).toBe('revoked');
    expect(await p.isActive({ value: SVC_KEY })).toBe(false);
    expect(await p.revoke({ value: SVC_KEY, id: oldId, mode: 'revoke' })).toBe('already');
    expect(api.keys('proj_shop').map((k) => k.id)).toEqual([fresh.id]);
    // One admin key read for the whole rotation.
    expect(adminReads).toBe(1);
  });

  it('a resumed create first deletes the key of the same name an interrupted attempt left, and only that one', async () => {
    const sa = api.addServiceAccount('proj_shop', 'checkout');
    const old = api.seedKey('proj_shop', { serviceAccount: sa.id }, SVC_KEY);
    const p = provider();
    const oldId = `${old.id}|${sa.id}`;
    const first = await p.create({ credential: subject, oldId, idempotencyKey: 'run-2' });
    const otherRun = await p.create({ credential: subject, oldId, idempotencyKey: 'run-3' });
    const again = await p.create({ credential: subject, oldId, idempotencyKey: 'run-2' });
    const values = api.keys('proj_shop').map((k) => k.value);
    expect(values).toContain(again.value);
    expect(values).toContain(otherRun.value);
    expect(values).toContain(SVC_KEY);
    expect(values).not.toContain(first.value);
    expect(values).toHaveLength(3);
  });

  it('an old id without its service account is refused before anything is created or deleted', async () => {
    const sa = api.addServiceAccount('proj_shop', 'checkout');
    for (const oldId of [undefined, 'key_only', `|${sa.id}`, 'key_1|']) {
      const err = await failure(provider().create({ credential: subject, oldId, idempotencyKey: 'run-4' }));
      expect(err.message).toMatch(/old OpenAI key was not identified/);
    }
    const err = await failure(provider().revoke({ value: SVC_KEY, id: `|${sa.id}`, mode: 'revoke' }));
    expect(err.message).toMatch(/not identified/);
    expect(api.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('without the project id each step is refused, naming the setting', async () => {
    const err = await failure(provider(counted({})).identify({ oldValue: SVC_KEY, binding: SVC_KEY }));
    expect(err.exitCode).toBe(ExitCode.Refused);
    expect(err.message).toContain('providers.openai.project');
    expect(api.requests).toEqual([]);
  });
});

describe('openai identify through a reply the stand-in does not give', () => {
  let odd: StandIn;
  afterEach(() => odd?.close());
  it('revoke rethrows a failed lookup of a key that still works (the error says why), and never the key', async () => {
    odd = await startStandIn({
      handle: (req) =>
        req.path === '/v1/models'
          ? { status: 200, body: { data: [] } }
          : { status: 500, body: { error: { message: `boom for ${req.headers.authorization}` } } },
      errorBody: (_s, message) => ({ error: { message } }),
    });
    const err = await failure(openai.revoke!.run({ value: SVC_KEY }, contextFor('openai', odd.url, { settings: { project: 'proj_shop' }, admin: ADMIN })));
    expect(err.exitCode).toBe(ExitCode.Remote);
    expect(err.message).toMatch(/could not list the project API keys: HTTP 500/);
    noValueIn(err.message, SVC_KEY, ADMIN);
  });
});

describe('what a user is told and planned', () => {
  it('says where OpenAI lives, what revoke does, and where to go by hand', () => {
    expect(new URL(openai.defaultApi!).host).toBe('api.openai.com');
    expect(openai.revoke!.warning).toMatch(/deleted at OpenAI: every application still using it fails/);
    expect(openai.rotate!.summary).toMatch(/same service account/);
    expect(openai.manual?.rotate?.url).toBe('https://platform.openai.com/api-keys');
    expect(openai.manual?.rotate?.instructions).toMatch(/same project.*delete the old one/);
    expect(openai.manual?.revoke?.url).toBe('https://platform.openai.com/api-keys');
    expect(openai.manual?.revoke?.instructions).toMatch(/Delete the key/);
    expect(openai.config).toEqual([
      expect.objectContaining({ key: 'admin', secret: true, description: expect.stringMatching(/admin key/) }),
      expect.objectContaining({ key: 'project', description: expect.stringMatching(/project id/) }),
    ]);
  });

  it('without an admin key in credctl.yaml a leaked key is planned as a manual rotation at the dashboard; with one, through the API', () => {
    // A value the scanner takes for a real key (a fixed run of digits reads as a placeholder).
    const leaked = api.seedKey('proj_shop', { user: 'user_1' }).value;
    const plan = (providerLine: string) => {
      const root = mkdtempSync(join(tmpdir(), 'credctl-openai-plan-'));
      execFileSync('git', ['init', '-q', root]);
      writeFileSync(join(root, '.env'), `OPENAI_API_KEY=${leaked}\n`);
      writeFileSync(join(root, 'credctl.yaml'), `providers:\n  openai: ${providerLine}\n`);
      trustProject(root);
      return makePlan(loadProject(root), { all: true }).credentials[0]!;
    };
    const manual = plan(`{ issuer: ${api.url}, project: proj_shop }`);
    expect(manual.strategy).toBe('manual');
    expect(manual.steps.find((s) => s.action === 'manual-create')?.manual?.url).toBe('https://platform.openai.com/api-keys');
    expect(plan(`{ issuer: ${api.url}, admin: "store:openai/admin", project: proj_shop }`).strategy).toBe('api');
  });
});
