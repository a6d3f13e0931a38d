import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredctlError } from '../../../src/core/errors.js';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { redactedValue, startOpenAiApi, type OpenAiApiServer } from '../../../src/demo/vendors/openai-api.js';
import { OpenAiAdmin, redactedFits } from '../../../src/integrations/openai/admin.js';
import { credctlRejection as failure } from '../context.js';
import { startStandIn, type StandIn, type StandInAnswer, type StandInRequest } from '../standin.js';

// The Admin API client the OpenAI rotation and revoke stand on: the key list (every page, each
// key's owner), identifying a key by its redacted form only when exactly one fits, creating and
// deleting keys, and errors that never repeat a key. Against the Admin API stand-in, and, for
// answers it does not give (odd list entries, 201, bodies that are not JSON), a bare stand-in.
const ADMIN = `sk-admin-FAKE${'0123456789'.repeat(4)}`;
const SVC_KEY = `sk-svcacct-FAKE${'0123456789'.repeat(5)}sv01`;

let api: OpenAiApiServer;
const admins: OpenAiAdmin[] = [];
const adminFor = (base: string, project = 'proj_shop', key = ADMIN) => {
  const a = new OpenAiAdmin(base, key, project);
  admins.push(a);
  return a;
};
beforeEach(async () => {
  api = await startOpenAiApi({ adminKeys: [ADMIN], projects: ['proj_shop'] });
});
afterEach(async () => {
  for (const a of admins.splice(0)) await a.close();
  await api.close();
});

/** A bare stand-in answering with `answer`, recording what it was sent. */
let odd: StandIn | undefined;
afterEach(async () => {
  await odd?.close();
  odd = undefined;
});
async function oddApi(answer: (req: StandInRequest) => StandInAnswer): Promise<StandIn> {
  odd = await startStandIn({ handle: answer, errorBody: (_s, message) => ({ error: { message } }) });
  return odd;
}

describe('the project key list', () => {
  it('follows every page (limit=100, after=<last id>) and reports each key with its owner', async () => {
    const sa = api.addServiceAccount('proj_shop', 'checkout');
    const seeded = Array.from({ length: 230 }, (_, i) => api.seedKey('proj_shop', i % 2 ? { serviceAccount: sa.id } : { user: 'user_1' }));
    const keys = await adminFor(api.url).listKeys();
    expect(keys.map((k) => k.id)).toEqual(seeded.map((k) => k.id));
    expect(keys[0]).toEqual({ id: seeded[0]!.id, name: 'seeded', redacted: redactedValue(seeded[0]!.value), ownerType: 'user' });
    expect(keys[1]).toEqual({
      id: seeded[1]!.id,
      name: 'seeded',
      redacted: redactedValue(seeded[1]!.value),
      ownerType: 'service_account',
      serviceAccount: sa.id,
    });
    const lists = api.requests.map((r) => new URL(r.path, 'http://x'));
    expect(lists.map((u) => u.searchParams.get('limit'))).toEqual(['100', '100', '100']);
    expect(lists.map((u) => u.searchParams.get('after'))).toEqual([null, seeded[99]!.id, seeded[199]!.id]);
    expect(api.requests.every((r) => r.authorization === `Bearer ${ADMIN}`)).toBe(true);
  });

  it('skips entries without an id or a redacted value, and reads missing names and owners as unknown', async () => {
    const s = await oddApi(() => ({
      status: 200,
      body: {
        data: [
          { id: 'key_1', redacted_value: 'sk-svcac...ab12', owner: { type: 'service_account', service_account: { id: 42 } } },
          { id: 'key_2', name: 7, redacted_value: 'sk-proj-...cd34' },
          { id: 'key_3', name: 'no value' },
          { name: 'no id', redacted_value: 'sk-proj-...ef56' },
          { id: 'key_4', name: 'n', redacted_value: 'sk-proj-...gh78', owner: { type: 3 } },
        ],
        has_more: false,
      },
    }));
    expect(await adminFor(s.url).listKeys()).toEqual([
      { id: 'key_1', name: '', redacted: 'sk-svcac...ab12', ownerType: 'service_account' },
      { id: 'key_2', name: '', redacted: 'sk-proj-...cd34', ownerType: 'unknown' },
      { id: 'key_4', name: 'n', redacted: 'sk-proj-...gh78', ownerType: 'unknown' },
    ]);
  });

  it('stops when a page says more but names no last id, and reads a page without data as empty', async () => {
    const s = await oddApi((req) => ({
      status: 200,
      body: req.query.get('after') ? { data: 'nope', has_more: false } : { data: [], has_more: true, last_id: 5 },
    }));
    expect(await adminFor(s.url).listKeys()).toEqual([]);
    expect(s.requests).toHaveLength(1);
    const t = await oddApi((req) =>
      req.query.get('after') === 'k1'
        ? { status: 200, body: { data: 'nope', has_more: 'yes', last_id: 'k2' } }
        : { status: 200, body: { data: [], has_more: true, last_id: 'k1' } },
    );
    expect(await adminFor(t.url).listKeys()).toEqual([]);
    expect(t.requests).toHaveLength(2);
  });

  it('gives up after 1000 pages of a list that never ends', async () => {
    let n = 0;
    const s = await oddApi(() => ({ status: 200, body: { data: [], has_more: true, last_id: `k${n++}` } }));
    expect(await adminFor(s.url).listKeys()).toEqual([]);
    expect(s.requests).toHaveLength(1000);
  });

  it('a refused list is an error naming the status, with the admin key and any key OpenAI quotes cut out', async () => {
    const wrong = `sk-admin-FAKE${'9'.repeat(40)}`;
    const err = await failure(adminFor(api.url, 'proj_shop', wrong).listKeys());
    expect(err.exitCode).toBe(ExitCode.Remote);
    expect(err.message).toMatch(/^OpenAI could not list the project API keys: HTTP 401 \(Incorrect API key provided: sk-\[redacted\]/);
    expect(err.message).not.toContain(wrong.slice(0, 14));
  });
});

describe('error messages from the Admin API', () => {
  it('never repeat the admin key or any key-shaped text, and stay short', async () => {
    const s = await oddApi((req) => ({
      status: 403,
      body: {
        error: { message: `key ${String(req.headers.authorization).slice(7)} may not; also sk-proj-abcd, sk-abc and the task-force ${'x'.repeat(400)}` },
      },
    }));
    const err = await failure(adminFor(s.url).listKeys());
    expect(err.message).not.toContain(ADMIN);
    expect(err.message).not.toContain('FAKE0123');
    expect(err.message).toContain('sk-[redacted]');
    expect(err.message).not.toContain('sk-proj-abcd');
    expect(err.message).toContain('sk-abc and the task-force'); // too short to be a key, or inside a word: left as said
    expect(err.message.length).toBeLessThan(300);
  });

  it('never repeat an admin credential that is not shaped like a key (a proxy token, say)', async () => {
    const token = 'FAKE-proxy-token-0a1b';
    const s = await oddApi((req) => ({ status: 401, body: { error: { message: `bad token ${String(req.headers.authorization).slice(7)}` } } }));
    const err = await failure(adminFor(s.url, 'proj_shop', token).listKeys());
    expect(err.message).toMatch(/HTTP 401 \(bad token /);
    expect(err.message).not.toContain(token);
  });

  it('say only the status when OpenAI gives no message', async () => {
    const s = await oddApi((req) => (req.path.endsWith('models') ? { status: 502, body: { error: { message: 42 } } } : { status: 500, raw: 'not json' }));
    const a = adminFor(s.url);
    expect((await failure(a.listKeys())).message).toBe('OpenAI could not list the project API keys: HTTP 500');
    expect((await failure(a.isActive(SVC_KEY))).message).toBe('OpenAI could not check the key: HTTP 502');
    await s.close();
    const t = await oddApi(() => ({ status: 300, raw: 'not json' }));
    expect((await failure(adminFor(t.url).listKeys())).message).toBe('OpenAI could not list the project API keys: HTTP 300');
  });

  it('a successful answer that is not JSON is an error naming the call', async () => {
    const s = await oddApi(() => ({ status: 200, raw: '{"data": [' }));
    const err = await failure(adminFor(s.url).listKeys());
    expect(err.exitCode).toBe(ExitCode.Remote);
    expect(err.message).toBe('OpenAI answered GET /v1/organization/projects/proj_shop/api_keys with a body that is not JSON');
  });
});

describe('identifying a key by its redacted form', () => {
  it('finds the one service-account key whose ends fit', async () => {
    const sa = api.addServiceAccount('proj_shop', 'checkout');
    api.seedKey('proj_shop', { serviceAccount: sa.id });
    const mine = api.seedKey('proj_shop', { serviceAccount: sa.id }, SVC_KEY);
    expect(await adminFor(api.url).identify(SVC_KEY)).toEqual({ id: mine.id, serviceAccount: sa.id });
  });

  it('refuses when none fits, naming the project, and when several fit, saying how many', async () => {
    const a = adminFor(api.url);
    const none = await failure(a.identify(SVC_KEY));
    expect(none.exitCode).toBe(ExitCode.Refused);
    expect(none.message).toContain('OpenAI project proj_shop');
    expect(none.hint).toContain('providers.openai.project');
    expect(none.hint).toMatch(/rotate the key in the dashboard/);
    const sa = api.addServiceAccount('proj_shop', 'twins');
    api.seedKey('proj_shop', { serviceAccount: sa.id }, SVC_KEY);
    api.seedKey('proj_shop', { serviceAccount: sa.id }, `${SVC_KEY.slice(0, 20)}${'Z'.repeat(30)}sv01`);
    api.seedKey('proj_shop', { serviceAccount: sa.id }, `${SVC_KEY.slice(0, 20)}${'Y'.repeat(30)}sv01`);
    const many = await failure(a.identify(SVC_KEY));
    expect(many.exitCode).toBe(ExitCode.Refused);
    expect(many.hint).toMatch(/in the dashboard/);
    expect(many.message).toMatch(/^3 API keys in OpenAI project proj_shop look like this key/);
    for (const e of [none, many]) expect(e.message).not.toContain(SVC_KEY.slice(12, 30));
  });

  it("refuses a user's key, and a service-account key whose account is not named", async () => {
    api.seedKey('proj_shop', { user: 'user_1' }, SVC_KEY);
    expect((await failure(adminFor(api.url).identify(SVC_KEY))).message).toMatch(/belongs to a user; the Admin API creates keys only for service accounts/);
    const s = await oddApi(() => ({
      status: 200,
      body: { data: [{ id: 'key_1', redacted_value: redactedValue(SVC_KEY), owner: { type: 'service_account' } }], has_more: false },
    }));
    const err = await failure(adminFor(s.url).identify(SVC_KEY));
    expect(err.exitCode).toBe(ExitCode.Refused);
    expect(err.message).toMatch(/belongs to a user/);
    expect(err.hint).toMatch(/in the dashboard, or move the application to a service-account key/);
    // The owner's type decides: a user's key is refused even when the entry also names an account.
    await s.close();
    const t = await oddApi(() => ({
      status: 200,
      body: { data: [{ id: 'key_1', redacted_value: redactedValue(SVC_KEY), owner: { type: 'user', service_account: { id: 'svc_1' } } }], has_more: false },
    }));
    expect((await failure(adminFor(t.url).identify(SVC_KEY))).message).toMatch(/belongs to a user/);
  });
});

describe('creating and deleting keys', () => {
  it('creates a key for the service account: POST with a JSON name, the admin key, and the ids in the path encoded', async () => {
    const s = await oddApi(() => ({ status: 201, body: { id: 'key_new', value: SVC_KEY } }));
    const created = await adminFor(s.url, 'proj/a b').createKey('svc/1', 'credctl run-1');
    expect(created).toEqual({ id: 'key_new', value: SVC_KEY });
    const req = s.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v1/organization/projects/proj%2Fa%20b/service_accounts/svc%2F1/api_keys');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.accept).toBe('application/json');
    expect(req.headers.authorization).toBe(`Bearer ${ADMIN}`);
    expect(req.body).toEqual({ name: 'credctl run-1' });
  });

  it('a create answer without the id or the value is an error, and so is a refusal', async () => {
    for (const body of [{ id: 'key_new' }, { value: SVC_KEY }, {}]) {
      const s = await oddApi(() => ({ status: 200, body }));
      const err = await failure(adminFor(s.url).createKey('svc_1', 'n'));
      expect(err.message).toBe('OpenAI created a key but did not return its id and value');
      await s.close();
      odd = undefined;
    }
    const err = await failure(adminFor(api.url).createKey('svc_unknown', 'n'));
    expect(err.message).toMatch(/^OpenAI could not create a key for the service account: HTTP 404 \(No such service account\)/);
  });

  it('deletes by id with DELETE and no body; an unknown id is deleted already; another failure is an error', async () => {
    const sa = api.addServiceAccount('proj_shop', 'checkout');
    const k = api.seedKey('proj_shop', { serviceAccount: sa.id });
    const a = adminFor(api.url);
    expect(await a.deleteKey(k.id)).toBe('deleted');
    expect(api.keys('proj_shop')).toEqual([]);
    expect(await a.deleteKey(k.id)).toBe('already');
    api.injectFault({ kind: 'status', status: 500 });
    expect((await failure(a.deleteKey(k.id))).message).toMatch(/^OpenAI could not delete the old key: HTTP 500/);
    const s = await oddApi(() => ({ status: 200, body: { deleted: true } }));
    await adminFor(s.url).deleteKey('key/1');
    expect(s.requests[0]).toMatchObject({ method: 'DELETE', path: '/v1/organization/projects/proj_shop/api_keys/key%2F1', text: '' });
    expect(s.requests[0]!.headers['content-type']).toBeUndefined();
  });
});

describe('whether a key works', () => {
  it('asks GET /v1/models with the key itself: 200 yes, 401 no, anything else an error', async () => {
    const sa = api.addServiceAccount('proj_shop', 'checkout');
    api.seedKey('proj_shop', { serviceAccount: sa.id }, SVC_KEY);
    const a = adminFor(api.url);
    expect(await a.isActive(SVC_KEY)).toBe(true);
    expect(api.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models', authorization: `Bearer ${SVC_KEY}` });
    expect(await a.isActive(`sk-svcacct-FAKE${'1'.repeat(50)}`)).toBe(false);
    api.injectFault({ kind: 'status', status: 403 });
    const err = await failure(a.isActive(SVC_KEY));
    expect(err.message).toMatch(/^OpenAI could not check the key: HTTP 403/);
    expect(err.message).not.toContain(SVC_KEY.slice(12, 30));
  });
});

describe('the API address', () => {
  it('keeps a path prefix (a proxy) whether or not it ends in a slash', async () => {
    const s = await oddApi(() => ({ status: 200, body: { data: [] } }));
    await adminFor(`${s.url}/openai`).listKeys();
    await adminFor(`${s.url}/openai/`).listKeys();
    expect(s.requests.map((r) => r.path)).toEqual([
      '/openai/v1/organization/projects/proj_shop/api_keys',
      '/openai/v1/organization/projects/proj_shop/api_keys',
    ]);
  });
});

describe('redactedFits', () => {
  const v = `sk-svcacct-FAKE${'x'.repeat(50)}Ab12`;
  it('matches a prefix and a suffix around dots, an ellipsis or stars', () => {
    for (const r of ['sk-svcac...Ab12', 'sk-..12', 'sk-svcac…Ab12', 'sk-svcac**Ab12', 'sk-svcac****Ab12']) expect(redactedFits(r, v), r).toBe(true);
  });
  it('needs both ends to fit, at least three characters before and two after, and a key longer than both', () => {
    for (const r of [
      'sk-svcac...Zz99',
      'sk-proj-...Ab12',
      'no dots here',
      'sk...12',
      'sk-...2',
      'sk-svcac.Ab12',
      'sk-svcac*Ab12',
      'xsk-svcac...Ab12',
      '...Ab12',
      'sk-svcac...',
    ])
      expect(redactedFits(r, v), r).toBe(false);
    expect(redactedFits('sk-...12', 'sk-12')).toBe(false);
    expect(redactedFits('sk-...12', 'sk-x12')).toBe(true);
  });
});
