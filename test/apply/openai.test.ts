import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan, makePlan } from '../../src/commands/rotate.js';
import { loadProject } from '../../src/graph/project-context.js';
import { fingerprint } from '../../src/core/fingerprint.js';
import { projectPaths } from '../../src/core/paths.js';
import { redactedValue, startOpenAiApi, type OpenAiApiServer } from '../../src/demo/vendors/openai-api.js';
import { redactedFits } from '../../src/integrations/openai/admin.js';
import { storeFor } from '../../src/store/open.js';
import { trustProject } from '../helpers/trust.js';

// OpenAI project keys rotated through the Admin API, against a local server that speaks it:
// a new key for the same service account, written everywhere, checked, the old one deleted.
// A key credctl cannot identify for certain is never deleted.
const ADMIN = `sk-admin-FAKE${'a'.repeat(40)}`;
let api: OpenAiApiServer;
beforeAll(async () => {
  api = await startOpenAiApi({ adminKeys: [ADMIN], projects: ['proj_shop', 'proj_other'] });
});
afterAll(async () => api?.close());

async function project(oldKey: string, opts: { project?: string } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'credctl-openai-'));
  execFileSync('git', ['init', '-q', root]);
  writeFileSync(join(root, '.env'), `OPENAI_API_KEY=${oldKey}\nPORT=3000\n`);
  mkdirSync(join(root, 'deploy'));
  writeFileSync(join(root, 'deploy/app.env'), `OPENAI_API_KEY=${oldKey}\n`);
  writeFileSync(
    join(root, 'check.mjs'),
    `const r = await fetch(${JSON.stringify(api.url)} + '/v1/models', { headers: { authorization: 'Bearer ' + process.env.OPENAI_API_KEY } });\nprocess.exit(r.status === 200 ? 0 : 1);\n`,
  );
  writeFileSync(
    join(root, 'credctl.yaml'),
    [
      'providers:',
      `  openai: { issuer: ${api.url}, admin: "store:openai/admin", project: ${opts.project ?? 'proj_shop'} }`,
      'credentials:',
      '  OPENAI_API_KEY:',
      '    health:',
      '      - command: node check.mjs',
      '',
    ].join('\n'),
  );
  trustProject(root);
  const home = mkdtempSync(join(tmpdir(), 'credctl-openai-home-'));
  const keyFile = join(home, 'store.key');
  writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  const paths = projectPaths(root);
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  const store = storeFor('file', paths, { env: { ...process.env, CREDCTL_KEY_FILE: keyFile } });
  await store.put('openai/admin', ADMIN, ['current']);
  return { root, store, read: (f: string) => readFileSync(join(root, f), 'utf8') };
}

const works = async (key: string) => (await fetch(`${api.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status;

describe('OpenAI through the Admin API', () => {
  it('matches a redacted form only on both ends', () => {
    const v = `sk-svcacct-FAKE${'x'.repeat(50)}Ab12`;
    expect(redactedFits(redactedValue(v), v)).toBe(true);
    expect(redactedFits('sk-svcac...Zz99', v)).toBe(false);
    expect(redactedFits('sk-proj-...Ab12', v)).toBe(false);
    expect(redactedFits('no dots here', v)).toBe(false);
    expect(redactedFits('sk...2', v)).toBe(false); // too little to tell keys apart
  });

  it('rotates a service-account key: new key for the same account everywhere, health-checked, old key deleted', async () => {
    const sa = api.addServiceAccount('proj_shop', 'checkout');
    const old = api.seedKey('proj_shop', { serviceAccount: sa.id });
    const other = api.seedKey('proj_shop', { serviceAccount: sa.id }); // another app's key: untouched
    const p = await project(old.value);
    const plan = makePlan(loadProject(p.root), { all: true });
    expect(plan.credentials).toHaveLength(1);
    expect(plan.credentials[0]).toMatchObject({ provider: 'openai', strategy: 'api', id: fingerprint(old.value) });
    expect(plan.credentials[0]!.steps.map((s) => s.action)).toEqual([
      'snapshot',
      'create',
      'store',
      'inject',
      'inject',
      'health',
      'introspect',
      'promote',
      'revoke',
      'verify-revoked',
    ]);
    expect(plan.credentials[0]!.rotation).toBe('overlap');

    const summary = await applyPlan(plan, { yes: true, noInput: true, concurrency: 1, store: p.store, onEvent: () => undefined });
    expect(summary.failed, JSON.stringify(summary.failed)).toEqual([]);
    expect(summary.rotated).toEqual([fingerprint(old.value)]);
    const fresh = /OPENAI_API_KEY=(\S+)/.exec(p.read('.env'))![1]!;
    expect(fresh).toMatch(/^sk-svcacct-FAKE/);
    expect(p.read('deploy/app.env')).toBe(`OPENAI_API_KEY=${fresh}\n`);
    expect(await works(fresh)).toBe(200);
    expect(await works(old.value)).toBe(401);
    expect(await works(other.value)).toBe(200);
    const keys = api.keys('proj_shop');
    expect(keys.find((k) => k.value === fresh)).toMatchObject({ owner: { type: 'service_account', id: sa.id } });
    expect(keys.some((k) => k.id === old.id)).toBe(false);
    // The admin key went only to the admin endpoints; the new key never travelled in a URL.
    for (const r of api.requests) {
      expect(r.path).not.toContain(fresh);
      if (r.path.startsWith('/v1/organization/')) expect(r.authorization).toBe(`Bearer ${ADMIN}`);
    }
    expect(await p.store.get('OPENAI_API_KEY', { label: 'current' })).toBe(fresh);
  });

  it('refuses, changing nothing, when the key cannot be identified for certain or belongs to a user', async () => {
    // Two keys whose redacted forms both fit: never guess which one to delete.
    const sa = api.addServiceAccount('proj_shop', 'twins');
    const twin = `sk-svcacct-FAKE${'T'.repeat(56)}same`;
    const a = api.seedKey('proj_shop', { serviceAccount: sa.id }, twin);
    api.seedKey('proj_shop', { serviceAccount: sa.id }, `${twin.slice(0, 20)}${'U'.repeat(twin.length - 24)}same`);
    const p1 = await project(a.value);
    const s1 = await applyPlan(makePlan(loadProject(p1.root), { all: true }), {
      yes: true,
      noInput: true,
      concurrency: 1,
      store: p1.store,
      onEvent: () => undefined,
    });
    expect(s1.failed[0]?.reason).toMatch(/look like this key when redacted; credctl will not guess/);
    expect(p1.read('.env')).toContain(a.value);
    expect(await works(a.value)).toBe(200);

    // A user's key: the Admin API cannot create user keys.
    const u = api.seedKey('proj_other', { user: 'user_1' });
    const p2 = await project(u.value, { project: 'proj_other' });
    const s2 = await applyPlan(makePlan(loadProject(p2.root), { all: true }), {
      yes: true,
      noInput: true,
      concurrency: 1,
      store: p2.store,
      onEvent: () => undefined,
    });
    expect(s2.failed[0]?.reason).toMatch(/belongs to a user/);
    expect(await works(u.value)).toBe(200);
    expect(api.keys('proj_other')).toHaveLength(1);
  });

  it('a resumed create deletes the key an interrupted attempt made, so at most one new key exists', async () => {
    const sa = api.addServiceAccount('proj_shop', 'resume');
    const old = api.seedKey('proj_shop', { serviceAccount: sa.id });
    const p = await project(old.value);
    // The create answer is lost after the key was made (the server changed state, the client saw a reset).
    api.injectFault({ kind: 'reset', phase: 'after', match: { method: 'POST', path: /service_accounts\/.*\/api_keys$/ } });
    const summary = await applyPlan(makePlan(loadProject(p.root), { all: true }), {
      yes: true,
      noInput: true,
      concurrency: 1,
      store: p.store,
      onEvent: () => undefined,
    });
    expect(summary.failed, JSON.stringify(summary.failed)).toEqual([]);
    const creates = api.requests.filter((r) => r.method === 'POST' && r.path.includes(sa.id));
    expect(creates.map((r) => r.status)).toEqual(['fault', 200]); // the first answer really was lost
    const mine = api.keys('proj_shop').filter((k) => k.owner.type === 'service_account' && k.owner.id === sa.id);
    expect(mine).toHaveLength(1); // the lost one deleted, the old one revoked, the new one kept
    expect(mine[0]!.value).toBe(/OPENAI_API_KEY=(\S+)/.exec(p.read('.env'))![1]);
  });

  it('never repeats a key the API quotes in an error', async () => {
    const { OpenAiAdmin } = await import('../../src/integrations/openai/admin.js');
    const wrong = `sk-admin-FAKE${'w'.repeat(40)}`;
    const a = new OpenAiAdmin(api.url, wrong, 'proj_shop');
    try {
      const err = await a.listKeys().then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/HTTP 401/);
      expect(err?.message).not.toContain(wrong.slice(0, 16));
    } finally {
      await a.close();
    }
  });
});
