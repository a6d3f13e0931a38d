/**
 * What credctl makes of each answer Datadog may give, beyond the paths of datadog.test.ts: which
 * values are application keys, which sites are Datadog's and where each sends its calls, the
 * admin pair's forms, what risk each permission carries, the key lists' odd answers (several keys
 * with the same last four characters, a second page, a key without an id) and what revoke and
 * rotate send and do with each answer. Answers the stand-in's keys never produce are scripted
 * with `answerNext`; every result and error is kept and checked for key values at the end.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { redact } from '../../../src/core/redact.js';
import { integrationContext } from '../../../src/integrations/context.js';
import datadog, { riskOfScope } from '../../../src/integrations/datadog/index.js';
import type { IntegrationContext } from '../../../src/integrations/types.js';
import type { SafeHttp } from '../../../src/net/http.js';
import type { PlanCredential } from '../../../src/plan/types.js';
import { contextFor, credctlRejection, keptAnswers } from '../context.js';
import { startDatadog, type DatadogStandIn } from './standin.js';

// Fixture keys: hex of the right length (32 for API keys, 40 for application keys), runs of 0 to be obviously fake.
const API_KEY = 'dd00000000000000000000000000fa4e';
const OTHER_API = 'dd00000000000000000000000000b0b0';
const ADMIN_API = 'dd0000000000000000000000000ad000';
const DEAD_API = 'dd000000000000000000000000dead00';
const APP_KEY = 'a0000000000000000000000000000000000fa4e1';
const SCOPED_APP = 'a0000000000000000000000000000000000fa4e2';
const ADMIN_APP = 'a00000000000000000000000000000000000ad01';
const DEAD_APP = 'a0000000000000000000000000000000000dead0';
const ADMIN = `${ADMIN_API}:${ADMIN_APP}`;
const KEYS = [API_KEY, OTHER_API, ADMIN_API, DEAD_API, APP_KEY, SCOPED_APP, ADMIN_APP, DEAD_APP];

let api: DatadogStandIn;
const { seen, keep, failure } = keptAnswers();
const ctx = (opts: { admin?: string; settings?: Record<string, string> } = {}) => contextFor('datadog', api.url, opts);
const credential = { id: 'fp', names: ['DD_API_KEY'], provider: 'datadog', kind: 'api_key', guards: [], steps: [] } as unknown as PlanCredential;
const verify = async (value: string, c = ctx(), parts?: Record<string, string>) => keep(await datadog.verify!({ value, ...(parts ? { parts } : {}) }, c));
const since = (n: number) => api.requests.slice(n).map((r) => `${r.method} ${r.path}`);
const ddError = (status: number, message: string) => ({ status, body: { errors: [message] } });

beforeEach(async () => {
  api = await startDatadog({
    apiKeys: [
      { id: 'k-leaked', name: 'agent prod', key: API_KEY },
      { id: 'k-other', name: 'agent staging', key: OTHER_API },
      { id: 'k-admin', name: 'credctl admin', key: ADMIN_API },
    ],
    appKeys: [
      { id: 'app-leaked', name: 'grafana', key: APP_KEY, owner: 'u-dev', scopes: null },
      { id: 'app-scoped', name: 'dashboards ci', key: SCOPED_APP, owner: 'u-dev', scopes: ['dashboards_read', 'monitors_write', 'user_app_keys'] },
      { id: 'app-admin', name: 'credctl', key: ADMIN_APP, owner: 'u-admin', scopes: null },
    ],
    permissions: {
      'u-admin': ['api_keys_read', 'api_keys_write', 'org_app_keys_write', 'user_app_keys'],
      'u-dev': ['dashboards_read', 'monitors_write', 'user_app_keys'],
    },
  });
});
afterEach(() => api.close());

describe('which values are application keys', () => {
  it('40 hex characters, in either case and with spaces around, are checked as an application key', async () => {
    for (const value of [APP_KEY, APP_KEY.toUpperCase(), ` ${APP_KEY} `]) {
      const n = api.requests.length;
      await verify(value, ctx({ admin: ADMIN }));
      expect(since(n)[0]).toBe('GET /api/v2/validate_keys');
    }
  });

  it('anything else is checked as an API key', async () => {
    for (const value of [API_KEY, `${APP_KEY}0`, `x${APP_KEY}`, `${APP_KEY}x`, `${APP_KEY.slice(1)}g`]) {
      const n = api.requests.length;
      await verify(value, ctx({ admin: ADMIN }));
      expect(since(n)).toEqual(['GET /api/v1/validate']);
      expect(api.requests.at(-1)!.headers['dd-application-key']).toBeUndefined();
    }
  });
});

describe('the Datadog site', () => {
  /** A context at Datadog's own address (no override) whose client records each URL and answers from the stand-in. */
  const routed = (urls: string[], site?: string): IntegrationContext => {
    const http = ctx().http;
    const fake = {
      request: (url: URL | string, req: unknown) => {
        const u = new URL(String(url));
        urls.push(`${u.origin}${u.pathname}`);
        return http.request(new URL(`${u.pathname}${u.search}`, api.url), req as never);
      },
    } as unknown as SafeHttp;
    return integrationContext({ integration: datadog, provider: 'dd-eu', http: fake, ...(site !== undefined ? { settings: { site } } : {}) });
  };

  it('without a site the calls go to api.datadoghq.com', async () => {
    const urls: string[] = [];
    expect((await verify(API_KEY, routed(urls))).status).toBe('live');
    expect(urls).toEqual(['https://api.datadoghq.com/api/v1/validate']);
  });

  it("each of Datadog's sites, written as a site or an app/api address in any case, sends the calls to api.<site>", async () => {
    const sites: [string, string][] = [
      ['datadoghq.com', 'api.datadoghq.com'],
      ['us3.datadoghq.com', 'api.us3.datadoghq.com'],
      ['US5.DatadogHQ.com', 'api.us5.datadoghq.com'],
      ['  https://app.datadoghq.eu ', 'api.datadoghq.eu'],
      ['api.ap1.datadoghq.com', 'api.ap1.datadoghq.com'],
      ['https://ap2.datadoghq.com', 'api.ap2.datadoghq.com'],
      ['uk1.datadoghq.com', 'api.uk1.datadoghq.com'],
      ['ddog-gov.com', 'api.ddog-gov.com'],
      ['app.us2.ddog-gov.com', 'api.us2.ddog-gov.com'],
    ];
    for (const [site, host] of sites) {
      const urls: string[] = [];
      expect((await verify(API_KEY, routed(urls, site))).status).toBe('live');
      expect(urls).toEqual([`https://${host}/api/v1/validate`]);
    }
  });

  it('a site that is not one of them is bad input before any call, naming the setting and the sites there are', async () => {
    for (const site of [
      'evil.example.com',
      'datadoghq.com.evil.example',
      'evil.datadoghq.com',
      'us4.datadoghq.com',
      'xdatadoghq.eu',
      'datadoghq.eu.evil.example',
      'us3.ddog-gov.com',
      'evilddog-gov.com',
      'ddog-gov.com.evil.example',
      'http://app.datadoghq.eu',
    ]) {
      const urls: string[] = [];
      const err = await credctlRejection(datadog.verify!({ value: API_KEY }, routed(urls, site)));
      keep(err.message);
      expect(err.exitCode).toBe(ExitCode.BadInput);
      expect(err.message).toContain('providers.dd-eu.site');
      expect(err.hint).toContain('us5.datadoghq.com');
      expect(urls).toEqual([]);
    }
    const long = await credctlRejection(datadog.analyze!({ value: API_KEY }, routed([], `${'x'.repeat(60)}.example`)));
    expect(long.message).toContain(`"${'x'.repeat(40)}"`);
    expect(long.message).not.toContain('x'.repeat(41));
  });

  it('an API address set in credctl.yaml wins over the site', async () => {
    expect((await verify(API_KEY, ctx({ settings: { site: 'datadoghq.eu' } }))).status).toBe('live');
    expect((await verify(API_KEY, ctx({ settings: { site: 'not a site' } }))).status).toBe('live');
  });
});

describe('the admin pair', () => {
  it('is accepted as "<API key>:<application key>", with a space instead of the colon, in any case and with spaces around', async () => {
    for (const admin of [ADMIN, `${ADMIN_API} ${ADMIN_APP}`, ` ${ADMIN_API} : ${ADMIN_APP}\n`, `${ADMIN_API}\t${ADMIN_APP}`]) {
      const n = api.requests.length;
      expect((await verify(APP_KEY, ctx({ admin }))).status).toBe('live');
      expect(api.requests.at(-1)!.headers['dd-api-key']).toBe(ADMIN_API);
      expect(since(n)).toEqual(['GET /api/v2/validate_keys']);
    }
  });

  it('anything else is bad input that names the provider and shows neither key', async () => {
    for (const admin of [
      ADMIN_APP,
      `${ADMIN_API}0:${ADMIN_APP}`,
      `x${ADMIN}`,
      `${ADMIN}x`,
      `${ADMIN_API}:${ADMIN_APP.slice(1)}`,
      `${ADMIN_API}::${ADMIN_APP}`,
    ]) {
      const err = await credctlRejection(datadog.revoke!.run({ value: API_KEY }, ctx({ admin })));
      keep(err.message);
      keep(err.hint);
      expect(err.exitCode).toBe(ExitCode.BadInput);
      expect(err.message).toContain('admin entry for datadog');
      expect(err.hint).toContain('credctl store put');
    }
  });

  it('a missing admin pair is a refusal that says what needed it and how to configure it', async () => {
    const err = await credctlRejection(datadog.revoke!.run({ value: API_KEY }, ctx()));
    expect(err.exitCode).toBe(ExitCode.Refused);
    expect(err.message).toContain('revoking an API key');
    expect(err.message).toContain('no admin credential configured for datadog');
    expect(err.hint).toContain('providers.datadog.admin');
  });

  it('an error of the store that is not a refusal is not hidden', async () => {
    const c = { ...ctx(), adminSecret: async () => Promise.reject(new TypeError('store broke')) };
    await expect(datadog.revoke!.run({ value: API_KEY }, c)).rejects.toThrow('store broke');
  });
});

describe('verify reads each answer', () => {
  it('a live API key is named as an API key, with a reason naming Datadog', async () => {
    const v = await verify(API_KEY);
    expect(v).toEqual({ status: 'live', reason: expect.stringContaining('Datadog'), identity: { kind: 'API key' } });
  });

  it('validate without "valid": true is unknown', async () => {
    for (const body of [{ valid: false }, { valid: 'true' }, {}]) {
      api.answerNext('GET', '/api/v1/validate', { status: 200, body });
      const v = await verify(API_KEY);
      expect(v.status).toBe('unknown');
      expect(v.reason).toContain('"valid": true');
    }
  });

  it('an empty 200 from validate or validate_keys is unknown for lack of the answer expected, not a crash', async () => {
    api.answerNext('GET', '/api/v1/validate', { status: 200 });
    expect(await verify(API_KEY)).toEqual({ status: 'unknown', reason: expect.stringContaining('"valid": true') });
    api.answerNext('GET', '/api/v2/validate_keys', { status: 200 });
    expect(await verify(APP_KEY, ctx({ admin: ADMIN }))).toEqual({ status: 'unknown', reason: expect.stringContaining('"status": "ok"') });
  });

  it('a 401 from validate is dead too', async () => {
    api.answerNext('GET', '/api/v1/validate', ddError(401, 'Unauthorized'));
    expect((await verify(API_KEY)).status).toBe('dead');
  });

  it('a live application key is named as one; a refused pair whose API key is good makes it dead, for 401 and 403 alike', async () => {
    expect(await verify(APP_KEY, ctx({ admin: ADMIN }))).toEqual({
      status: 'live',
      reason: expect.stringContaining('application key'),
      identity: { kind: 'application key' },
    });
    for (const status of [401, 403]) {
      api.answerNext('GET', '/api/v2/validate_keys', ddError(status, 'Forbidden'));
      const n = api.requests.length;
      const v = await verify(APP_KEY, ctx({ admin: ADMIN }));
      expect(v.status).toBe('dead');
      expect(v.reason).toContain(`HTTP ${status}`);
      expect(since(n)).toEqual(['GET /api/v2/validate_keys', 'GET /api/v1/validate']);
      expect(api.requests.at(-1)!.headers['dd-api-key']).toBe(ADMIN_API);
    }
  });

  it('when the API key it was checked with is dead or cannot be asked, the application key is unknown', async () => {
    const dead = await verify(APP_KEY, ctx(), { 'api-key': DEAD_API });
    expect(dead.status).toBe('unknown');
    expect(dead.reason).toContain('not live');
    api.answerNext('GET', '/api/v2/validate_keys', ddError(403, 'Forbidden'));
    api.answerNext('GET', '/api/v1/validate', ddError(503, 'unavailable'), 2);
    expect((await verify(APP_KEY, ctx({ admin: ADMIN }))).status).toBe('unknown');
  });

  it('other answers to validate_keys: 429 is unknown, 404 is unknown, a 200 without "status": "ok" is unknown', async () => {
    api.answerNext('GET', '/api/v2/validate_keys', ddError(429, 'Too many requests'), 2);
    expect((await verify(APP_KEY, ctx({ admin: ADMIN }))).reason).toContain('429');
    api.answerNext('GET', '/api/v2/validate_keys', ddError(404, 'Not found'));
    expect((await verify(APP_KEY, ctx({ admin: ADMIN }))).status).toBe('unknown');
    api.answerNext('GET', '/api/v2/validate_keys', { status: 200, body: { status: 'error' } });
    const odd = await verify(APP_KEY, ctx({ admin: ADMIN }));
    expect(odd.status).toBe('unknown');
    expect(odd.reason).toContain('"status": "ok"');
  });

  it('an application key with no API key to check it says why: no admin credential is configured', async () => {
    const v = await verify(APP_KEY);
    expect(v.status).toBe('unknown');
    expect(v.reason).toContain('no admin credential configured for datadog');
    expect(api.requests).toHaveLength(0);
  });

  it('a passing 503 is asked again', async () => {
    api.misbehave({ kind: 'status', status: 503 });
    expect((await verify(API_KEY)).status).toBe('live');
    expect(api.requests).toHaveLength(2);
  });
});

describe('the risk of each Datadog permission', () => {
  it('the permissions that manage keys, users and the org are admin', () => {
    for (const s of [
      'api_keys_write',
      'api_keys_delete',
      'org_app_keys_write',
      'user_app_keys',
      'user_access_manage',
      'user_access_invite',
      'org_management',
      'service_account_write',
      'saml_configuration_write',
      'org_connections_write',
    ])
      expect([s, riskOfScope(s)]).toEqual([s, 'admin']);
  });

  it('<area>_read is read, other verbs by their words, and a name only containing an admin one is not admin', () => {
    const table: [string, string][] = [
      ['api_keys_read', 'read'],
      ['dashboards_read', 'read'],
      ['logs_read_data', 'read'],
      ['monitors_write', 'write'],
      ['synthetics_private_location_write', 'write'],
      ['incident_settings_write', 'write'],
      ['x_api_keys_write', 'write'],
      ['api_keys_write_x', 'write'],
      ['org_management_read', 'read'],
      ['custom_user_app_keys', 'read'],
      ['user_app_keys_read', 'read'],
      ['dashboards_unread', 'read'],
      ['monitors_read_write', 'write'],
    ];
    for (const [s, risk] of table) expect([s, riskOfScope(s)]).toEqual([s, risk]);
  });
});

describe('analyze reads each answer', () => {
  it('an API key: data submission, then each preview scope with its risk; scopes that are not text are left out', async () => {
    api.answerNext('GET', '/api/v2/validate', {
      status: 200,
      body: { data: { attributes: { api_key_id: 'k-leaked', api_key_scopes: ['remote_config_read', 7, 'api_keys_write', null] } } },
    });
    const a = keep(await datadog.analyze!({ value: API_KEY }, ctx()));
    expect(a).toEqual({
      complete: true,
      grants: [
        { scope: 'data submission', risk: 'write', description: expect.stringContaining('application key') },
        { scope: 'remote_config_read', risk: 'read' },
        { scope: 'api_keys_write', risk: 'admin' },
      ],
    });
  });

  it('a dead API key (403) is an error, not an empty analysis', async () => {
    const err = await credctlRejection(datadog.analyze!({ value: DEAD_API }, ctx()));
    keep(err.message);
    expect(err.exitCode).toBe(ExitCode.Remote);
    expect(err.message).toContain('403');
  });

  it('a preview answer without a scope list, or a malformed one, gives data submission only and says the scopes are not shown', async () => {
    for (const answer of [
      { status: 200, body: { data: { attributes: { api_key_id: 'k-leaked' } } } },
      { status: 200, body: {} },
      { status: 300, body: { data: { attributes: { api_key_scopes: ['api_keys_write'] } } } },
      { status: 200, raw: '{"data": ' },
      { status: 500, body: { errors: ['Internal'] } },
    ]) {
      api.answerNext('GET', '/api/v2/validate', answer, answer.status >= 500 ? 2 : 1);
      const a = keep(await datadog.analyze!({ value: API_KEY }, ctx()));
      expect(a).toMatchObject({ complete: false, grants: [{ scope: 'data submission', risk: 'write' }] });
      expect(a.grants).toHaveLength(1);
      expect(a.note).toContain(`HTTP ${answer.status}`);
    }
  });

  it("an application key's scopes are read with its own key, by its last four characters, from its owner's list", async () => {
    const a = keep(await datadog.analyze!({ value: SCOPED_APP }, ctx({ admin: ADMIN })));
    expect(a.complete).toBe(true);
    expect(a.grants.map((g) => [g.scope, g.risk, g.resource])).toEqual([
      ['dashboards_read', 'read', 'user u-dev'],
      ['monitors_write', 'write', 'user u-dev'],
      ['user_app_keys', 'admin', 'user u-dev'],
    ]);
    const list = api.requests.at(-1)!;
    expect(list.path).toBe('/api/v2/current_user/application_keys');
    expect(list.query.get('page[size]')).toBe('100');
    expect(list.headers['dd-application-key']).toBe(SCOPED_APP);
    expect(list.headers['dd-api-key']).toBe(ADMIN_API);
  });

  it("an entry without an owner gives grants without a resource; without scopes, all of its owner's permissions", async () => {
    const entry = (scopes: string[] | null, owner?: string) => ({
      status: 200,
      body: {
        data: [
          { id: 'app-x', attributes: { name: 'x', last4: 'fa4e', scopes: ['logs_read_data'] } },
          {
            id: 'app-leaked',
            attributes: { name: 'grafana', last4: 'fa4e1'.slice(-4), scopes },
            ...(owner ? { relationships: { owned_by: { data: { id: owner } } } } : {}),
          },
        ],
      },
    });
    api.answerNext('GET', '/api/v2/current_user/application_keys', entry(['dashboards_read']));
    expect(keep(await datadog.analyze!({ value: APP_KEY }, ctx({ admin: ADMIN }))).grants).toEqual([{ scope: 'dashboards_read', risk: 'read' }]);
    api.answerNext('GET', '/api/v2/current_user/application_keys', entry(null));
    const unscoped = keep(await datadog.analyze!({ value: APP_KEY }, ctx({ admin: ADMIN })));
    expect(unscoped.complete).toBe(false);
    expect(unscoped.grants).toEqual([{ scope: 'all permissions of its owner', risk: 'admin', description: expect.stringContaining('owner') }]);
    expect(unscoped.note).toContain('no scopes');
    const owned = keep(await datadog.analyze!({ value: APP_KEY }, ctx({ admin: ADMIN })));
    expect(owned.grants[0]).toMatchObject({ scope: 'all permissions of its owner', resource: 'user u-dev' });
    api.answerNext('GET', '/api/v2/current_user/application_keys', entry('all' as unknown as null, 'u-dev'));
    expect(keep(await datadog.analyze!({ value: APP_KEY }, ctx({ admin: ADMIN }))).grants[0]).toMatchObject({ scope: 'all permissions of its owner' });
  });

  it('none or several of the keys ending alike, or a match without an id: incomplete, and the note says which', async () => {
    const list = (data: unknown[]) => ({ status: 200, body: { data } });
    api.answerNext('GET', '/api/v2/current_user/application_keys', list([{ id: 'a', attributes: { last4: '0000' } }, null, { id: 'z' }]));
    expect(keep(await datadog.analyze!({ value: APP_KEY }, ctx({ admin: ADMIN }))).note).toContain('none of');
    api.answerNext(
      'GET',
      '/api/v2/current_user/application_keys',
      list([
        { id: 'a', attributes: { last4: 'fa4e1'.slice(-4), scopes: [] } },
        { id: 'b', attributes: { last4: 'fa4e1'.slice(-4), scopes: [] } },
      ]),
    );
    const several = keep(await datadog.analyze!({ value: APP_KEY }, ctx({ admin: ADMIN })));
    expect(several).toMatchObject({ complete: false, grants: [] });
    expect(several.note).toContain('several of');
    api.answerNext('GET', '/api/v2/current_user/application_keys', list([{ id: 7, attributes: { last4: 'a4e1', scopes: [] } }]));
    expect(keep(await datadog.analyze!({ value: APP_KEY }, ctx({ admin: ADMIN }))).note).toContain('same four characters');
    api.answerNext('GET', '/api/v2/current_user/application_keys', { status: 200 });
    expect(keep(await datadog.analyze!({ value: APP_KEY }, ctx({ admin: ADMIN }))).note).toContain('none of');
  });

  it('an owner link without its user gives grants without a resource', async () => {
    for (const relationships of [{}, { owned_by: {} }, { owned_by: { data: {} } }]) {
      api.answerNext('GET', '/api/v2/current_user/application_keys', {
        status: 200,
        body: { data: [{ id: 'app-leaked', attributes: { last4: 'a4e1', scopes: ['dashboards_read'] }, relationships }] },
      });
      expect(keep(await datadog.analyze!({ value: APP_KEY }, ctx({ admin: ADMIN }))).grants).toEqual([{ scope: 'dashboards_read', risk: 'read' }]);
    }
  });

  it('a failing list is an error naming the call, a list that is not a list finds none; with no API key, the note says why', async () => {
    api.answerNext('GET', '/api/v2/current_user/application_keys', { status: 200, body: { data: {} } });
    expect(keep(await datadog.analyze!({ value: APP_KEY }, ctx({ admin: ADMIN }))).note).toContain('none of');
    api.answerNext('GET', '/api/v2/current_user/application_keys', ddError(500, 'Internal'), 2);
    expect(await failure(datadog.analyze!({ value: APP_KEY }, ctx({ admin: ADMIN })))).toMatchObject({
      exitCode: ExitCode.Remote,
      message: expect.stringContaining('list application keys: HTTP 500'),
    });
    api.answerNext('GET', '/api/v2/current_user/application_keys', { status: 200, raw: '{"data": [' });
    expect((await failure(datadog.analyze!({ value: APP_KEY }, ctx({ admin: ADMIN }))))!.message).toContain('malformed');
    const alone = keep(await datadog.analyze!({ value: APP_KEY }, ctx()));
    expect(alone).toEqual({ grants: [], complete: false, note: expect.stringContaining('no admin credential configured') });
  });
});

describe('revoke sends and reads', () => {
  it('an API key: validate, the id from the preview, then one DELETE with the admin pair', async () => {
    expect(await datadog.revoke!.run({ value: API_KEY }, ctx({ admin: ADMIN }))).toBe('revoked');
    expect(since(0)).toEqual(['GET /api/v1/validate', 'GET /api/v2/validate', 'DELETE /api/v2/api_keys/k-leaked']);
    const del = api.requests.at(-1)!;
    expect([del.headers['dd-api-key'], del.headers['dd-application-key']]).toEqual([ADMIN_API, ADMIN_APP]);
    expect(api.apiKeys.map((k) => k.id)).toEqual(['k-other', 'k-admin']);
  });

  it('a dead API key is "already" without asking for the admin pair', async () => {
    expect(await datadog.revoke!.run({ value: DEAD_API }, ctx())).toBe('already');
  });

  it('without the preview, the id is found by last four characters in the admin list, page after page', async () => {
    api.previewValidate = false;
    const filler = Array.from({ length: 100 }, (_, i) => ({ id: `k-${i}`, attributes: { last4: 'ffff' } }));
    api.answerNext(
      'GET',
      '/api/v2/api_keys',
      (req) => ({
        status: 200,
        body: { data: req.query.get('page[number]') === '0' ? filler : [{ id: 'k-leaked', attributes: { last4: 'fa4e' } }] },
      }),
      2,
    );
    expect(await datadog.revoke!.run({ value: API_KEY }, ctx({ admin: ADMIN }))).toBe('revoked');
    const lists = api.requests.filter((r) => r.path === '/api/v2/api_keys' && r.method === 'GET');
    expect(lists.map((r) => [r.query.get('page[size]'), r.query.get('page[number]')])).toEqual([
      ['100', '0'],
      ['100', '1'],
    ]);
    expect(lists[0]!.headers['dd-application-key']).toBe(ADMIN_APP);
    expect(api.requests.at(-1)).toMatchObject({ method: 'DELETE', path: '/api/v2/api_keys/k-leaked' });
  });

  it('a live key missing from the admin list (another org, or a match without an id) is refused, never "already"', async () => {
    api.previewValidate = false;
    for (const data of [
      [{ id: 'k-1', attributes: { last4: '0000' } }, { id: 'k-2' }],
      [{ id: 9, attributes: { last4: 'fa4e' } }, null],
    ]) {
      api.answerNext('GET', '/api/v2/api_keys', { status: 200, body: { data } });
      const err = await failure(datadog.revoke!.run({ value: API_KEY }, ctx({ admin: ADMIN })));
      expect(err).toMatchObject({
        exitCode: ExitCode.Refused,
        message: expect.stringContaining('same four characters'),
        hint: expect.stringContaining("key's org"),
      });
    }
    expect(api.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });

  it('the list is read for at most 50 full pages; a key beyond them is refused, not taken as revoked', async () => {
    api.previewValidate = false;
    const filler = Array.from({ length: 100 }, (_, i) => ({ id: `k-${i}`, attributes: { last4: 'ffff' } }));
    api.answerNext('GET', '/api/v2/api_keys', { status: 200, body: { data: filler } }, 60);
    const err = await failure(datadog.revoke!.run({ value: API_KEY }, ctx({ admin: ADMIN })));
    expect(err!.exitCode).toBe(ExitCode.Refused);
    const pages = api.requests.filter((r) => r.path === '/api/v2/api_keys').map((r) => r.query.get('page[number]'));
    expect(pages).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
  });

  it('a key deleted since is "already" when its id must be looked up in the list', async () => {
    const p = datadog.rotate!.provider(credential, ctx({ admin: ADMIN }));
    api.apiKeys.splice(0, 1);
    api.answerNext('GET', '/api/v2/validate', ddError(404, 'Not found'));
    expect(await p.revoke({ value: API_KEY, mode: 'revoke' } as never)).toBe('already');
    expect(api.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });

  it('a list that fails is an error', async () => {
    api.previewValidate = false;
    api.answerNext('GET', '/api/v2/api_keys', ddError(403, 'Forbidden: missing the api_keys_read permission'));
    const err = await failure(datadog.revoke!.run({ value: API_KEY }, ctx({ admin: ADMIN })));
    expect(err!.message).toContain('list API keys: HTTP 403');
    expect(err!.hint).toContain('permission');
    for (const answer of [{ status: 200, body: { data: 'none' } }, { status: 200 }]) {
      api.answerNext('GET', '/api/v2/api_keys', answer);
      expect(await failure(datadog.revoke!.run({ value: API_KEY }, ctx({ admin: ADMIN })))).toMatchObject({
        exitCode: ExitCode.Remote,
        message: expect.stringContaining('list API keys'),
      });
    }
    expect(api.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });

  it('a preview that says the key is refused (403) means there is nothing to delete', async () => {
    api.answerNext('GET', '/api/v2/validate', ddError(403, 'Forbidden'));
    expect(await datadog.revoke!.run({ value: API_KEY }, ctx({ admin: ADMIN }))).toBe('already');
    expect(api.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });

  it('a preview without a text id (or without a body) is not used: the list is asked', async () => {
    for (const answer of [{ status: 200, body: { data: { attributes: { api_key_id: 42 } } } }, { status: 200, body: { data: {} } }, { status: 404 }]) {
      api.apiKeys.splice(0, api.apiKeys.length, { id: 'k-leaked', name: 'agent prod', key: API_KEY }, { id: 'k-admin', name: 'credctl admin', key: ADMIN_API });
      const n = api.requests.length;
      api.answerNext('GET', '/api/v2/validate', answer);
      expect(await datadog.revoke!.run({ value: API_KEY }, ctx({ admin: ADMIN }))).toBe('revoked');
      expect(since(n)).toContain('GET /api/v2/api_keys');
      expect(api.requests.at(-1)!.path).toBe('/api/v2/api_keys/k-leaked');
    }
  });

  it('several keys with the same last four characters are refused, pointing at the dashboard', async () => {
    api.previewValidate = false;
    api.apiKeys.push({ id: 'k-twin', name: 'twin', key: 'dd11111111111111111111111111fa4e' });
    const err = await failure(datadog.revoke!.run({ value: API_KEY }, ctx({ admin: ADMIN })));
    expect(err).toMatchObject({
      exitCode: ExitCode.Refused,
      message: expect.stringContaining('2 API keys'),
      hint: expect.stringContaining('Organization Settings > API Keys'),
    });
  });

  it('a DELETE answered 200 (not only 204) is a success, for API and application keys', async () => {
    api.answerNext('DELETE', '/api/v2/api_keys/k-leaked', { status: 200, body: {} });
    expect(await datadog.revoke!.run({ value: API_KEY }, ctx({ admin: ADMIN }))).toBe('revoked');
    api.answerNext('DELETE', '/api/v2/application_keys/app-leaked', { status: 200, body: {} });
    expect(await datadog.revoke!.run({ value: APP_KEY }, ctx({ admin: ADMIN }))).toBe('revoked');
  });

  it('a DELETE that finds no key is "already"; one that fails is an error with the permission hint and no key', async () => {
    api.answerNext('DELETE', /^\/api\/v2\/api_keys\//, ddError(404, 'API key not found'));
    expect(await datadog.revoke!.run({ value: API_KEY }, ctx({ admin: ADMIN }))).toBe('already');
    api.answerNext('DELETE', /^\/api\/v2\/api_keys\//, ddError(403, 'Forbidden'));
    const err = await failure(datadog.revoke!.run({ value: API_KEY }, ctx({ admin: ADMIN })));
    expect(err).toMatchObject({ exitCode: ExitCode.Remote, message: expect.stringContaining('delete API key: HTTP 403') });
    api.answerNext('DELETE', /^\/api\/v2\/api_keys\//, { status: 300 });
    expect((await failure(datadog.revoke!.run({ value: API_KEY }, ctx({ admin: ADMIN }))))!.message).toContain('delete API key: HTTP 300');
  });

  it('a DELETE that fails with 5xx is asked again (deleting twice is harmless)', async () => {
    api.answerNext('DELETE', /^\/api\/v2\/api_keys\//, ddError(503, 'unavailable'));
    expect(await datadog.revoke!.run({ value: API_KEY }, ctx({ admin: ADMIN }))).toBe('revoked');
    expect(api.requests.filter((r) => r.method === 'DELETE')).toHaveLength(2);
  });

  it('an application key: found by last four characters with its api-key part, deleted by id with the admin pair', async () => {
    expect(await datadog.revoke!.run({ value: SCOPED_APP, parts: { 'api-key': OTHER_API } }, ctx({ admin: ADMIN }))).toBe('revoked');
    const list = api.requests.find((r) => r.path === '/api/v2/current_user/application_keys')!;
    expect(list.headers['dd-api-key']).toBe(OTHER_API);
    expect(api.requests.at(-1)).toMatchObject({ method: 'DELETE', path: '/api/v2/application_keys/app-scoped' });
    expect(api.requests.at(-1)!.headers['dd-application-key']).toBe(ADMIN_APP);
    expect(api.appKeys.map((k) => k.id)).toEqual(['app-leaked', 'app-admin']);
  });

  it('an application key that cannot be told apart is an error pointing at the dashboard; a dead one is "already"', async () => {
    api.answerNext('GET', '/api/v2/current_user/application_keys', ddError(500, 'Internal'), 2);
    const err = await failure(datadog.revoke!.run({ value: APP_KEY }, ctx({ admin: ADMIN })));
    expect(err).toMatchObject({ exitCode: ExitCode.Remote, message: expect.stringContaining('HTTP 500'), hint: expect.stringContaining('Application Keys') });
    expect(await datadog.revoke!.run({ value: DEAD_APP }, ctx({ admin: ADMIN }))).toBe('already');
    const refused = await failure(datadog.revoke!.run({ value: APP_KEY, parts: { 'api-key': API_KEY } }, ctx()));
    expect(refused!.message).toContain('revoking an application key');
  });

  it('an application key DELETE: 404 is "already", 503 is asked again, 403 is an error', async () => {
    api.answerNext('DELETE', /^\/api\/v2\/application_keys\//, ddError(404, 'Application key not found'));
    expect(await datadog.revoke!.run({ value: APP_KEY }, ctx({ admin: ADMIN }))).toBe('already');
    api.answerNext('DELETE', /^\/api\/v2\/application_keys\//, ddError(503, 'unavailable'));
    expect(await datadog.revoke!.run({ value: APP_KEY }, ctx({ admin: ADMIN }))).toBe('revoked');
    api.appKeys.push({ id: 'app-leaked', name: 'grafana', key: APP_KEY, owner: 'u-dev', scopes: null });
    api.answerNext('DELETE', /^\/api\/v2\/application_keys\//, ddError(403, 'Forbidden'));
    const err = await failure(datadog.revoke!.run({ value: APP_KEY }, ctx({ admin: ADMIN })));
    expect(err!.message).toContain('delete application key: HTTP 403');
    api.answerNext('DELETE', /^\/api\/v2\/application_keys\//, { status: 300 });
    expect((await failure(datadog.revoke!.run({ value: APP_KEY }, ctx({ admin: ADMIN }))))!.message).toContain('delete application key: HTTP 300');
  });
});

describe('rotate sends and reads', () => {
  const provider = (admin = ADMIN) => datadog.rotate!.provider(credential, ctx({ admin }));

  it('create lists the keys of this run by name, then POSTs one named after the run; its value and id are returned', async () => {
    const made = await provider().create({ credential, oldId: 'k-leaked', oldValue: API_KEY, idempotencyKey: 'run7' });
    expect(since(0)).toEqual(['GET /api/v2/api_keys', 'POST /api/v2/api_keys']);
    expect(api.requests[0]!.query.get('filter')).toBe('credctl rotation run7');
    expect(api.requests[0]!.query.get('page[size]')).toBe('100');
    expect(api.requests[1]!.body).toEqual({ data: { type: 'api_keys', attributes: { name: 'credctl rotation run7' } } });
    expect(api.requests[1]!.headers['dd-application-key']).toBe(ADMIN_APP);
    const stored = api.apiKeys.find((k) => k.name === 'credctl rotation run7')!;
    expect(made).toEqual({ value: stored.key, id: stored.id });
  });

  it('keys whose name only contains the run name, or without an id, are left alone', async () => {
    api.answerNext('GET', '/api/v2/api_keys', {
      status: 200,
      body: {
        data: [
          { id: 'k-other', attributes: { name: 'credctl rotation run7 (kept)' } },
          { id: 5, attributes: { name: 'credctl rotation run7' } },
          null,
          { id: 'k-x' },
        ],
      },
    });
    await provider().create({ credential, oldId: 'k-leaked', oldValue: API_KEY, idempotencyKey: 'run7' });
    expect(api.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
    api.answerNext('GET', '/api/v2/api_keys', { status: 200, body: { data: 'none' } });
    await provider().create({ credential, oldId: 'k-leaked', idempotencyKey: 'run8' } as never);
    api.answerNext('GET', '/api/v2/api_keys', { status: 200 });
    await provider().create({ credential, oldId: 'k-leaked', idempotencyKey: 'run9' } as never);
    expect(api.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });

  it('a failing list, or a create answer without a key or an id, is an error naming the call and no key', async () => {
    api.answerNext('GET', '/api/v2/api_keys', ddError(403, 'Forbidden'));
    expect((await failure(provider().create({ credential, oldId: 'k', oldValue: API_KEY, idempotencyKey: 'r' })))!.message).toContain(
      'list API keys: HTTP 403',
    );
    api.answerNext('GET', '/api/v2/api_keys', { status: 200, raw: '{"data": [' });
    expect((await failure(provider().create({ credential, oldId: 'k', oldValue: API_KEY, idempotencyKey: 'r' })))!.message).toContain('malformed');
    for (const body of [
      { data: { id: 'k-new', attributes: {} } },
      { data: { id: 'k-new' } },
      { data: { attributes: { key: OTHER_API } } },
      { data: { id: 3, attributes: { key: OTHER_API } } },
      {},
      undefined,
    ]) {
      api.answerNext('POST', '/api/v2/api_keys', { status: 201, body });
      const err = await failure(provider().create({ credential, oldId: 'k', oldValue: API_KEY, idempotencyKey: 'r' }));
      expect(err!.message).toContain('create API key: HTTP 201 (malformed body)');
    }
    api.answerNext('POST', '/api/v2/api_keys', ddError(400, 'Invalid request'));
    const refused = await failure(provider().create({ credential, oldId: 'k', oldValue: API_KEY, idempotencyKey: 'r' }));
    expect(refused!.message).toContain('create API key: HTTP 400 (Invalid request)');
    expect(refused!.message).not.toContain('malformed');
    api.answerNext('POST', '/api/v2/api_keys', { status: 201, raw: '{"data": {' });
    expect((await failure(provider().create({ credential, oldId: 'k', oldValue: API_KEY, idempotencyKey: 'r' })))!.message).toContain('create API key');
  });

  it('create without an admin pair is refused before any call', async () => {
    const p = datadog.rotate!.provider(credential, ctx());
    const err = await failure(p.create({ credential, oldId: 'k', oldValue: API_KEY, idempotencyKey: 'r' }));
    expect(err).toMatchObject({ exitCode: ExitCode.Refused, message: expect.stringContaining('creating an API key') });
    expect(api.requests).toHaveLength(0);
  });

  it('application keys are refused at every step that names one, with how to rotate them by hand', async () => {
    const p = provider();
    for (const step of [
      () => p.identify({ oldValue: APP_KEY, binding: '' }),
      () => p.create({ credential, oldId: 'x', oldValue: APP_KEY, idempotencyKey: 'r' }),
    ]) {
      const err = await failure(step());
      expect(err).toMatchObject({ exitCode: ExitCode.Refused, message: expect.stringContaining('rotated by hand') });
      expect(err!.hint).toContain('Personal Settings');
    }
    expect(api.requests).toHaveLength(0);
  });

  it('identify a revoked key is refused; revoke without an id looks it up; deactivation is refused', async () => {
    const p = provider();
    api.answerNext('GET', '/api/v2/validate', ddError(403, 'Forbidden'));
    expect((await failure(p.identify({ oldValue: API_KEY, binding: '' })))!.message).toContain('does not know the old API key');
    expect(await p.revoke({ value: API_KEY, mode: 'revoke' } as never)).toBe('revoked');
    expect(api.requests.at(-1)!.path).toBe('/api/v2/api_keys/k-leaked');
    expect(await p.revoke({ value: DEAD_API, mode: 'revoke' } as never)).toBe('already');
    const err = await failure(p.revoke({ value: OTHER_API, id: 'k-other', mode: 'deactivate' }));
    expect(err).toMatchObject({
      exitCode: ExitCode.Refused,
      message: expect.stringContaining('cannot be deactivated'),
      hint: expect.stringContaining('--grace'),
    });
    expect(api.apiKeys.map((k) => k.id)).toContain('k-other');
    expect(await failure(datadog.rotate!.provider(credential, ctx()).revoke({ value: OTHER_API, id: 'k-other', mode: 'revoke' }))).toMatchObject({
      exitCode: ExitCode.Refused,
      message: expect.stringContaining('revoking an API key'),
    });
    api.previewValidate = false;
    expect(await failure(datadog.rotate!.provider(credential, ctx()).identify({ oldValue: OTHER_API, binding: '' }))).toMatchObject({
      exitCode: ExitCode.Refused,
      message: expect.stringContaining('finding the API key'),
    });
  });

  it('isActive is unknown when Datadog cannot say', async () => {
    api.answerNext('GET', '/api/v1/validate', ddError(503, 'unavailable'), 2);
    expect(await provider().isActive({ value: API_KEY })).toBe('unknown');
    expect(await provider().isActive({ value: DEAD_API })).toBe(false);
  });
});

describe('a key Datadog echoes in its error is shown the way credctl shows every key: redacted', () => {
  const echo = (status: number, ...keys: string[]) => ddError(status, `refused ${keys.join(' and ')}`);
  const expectRedacted = (text: string | undefined, ...keys: string[]) => {
    for (const k of keys) expect(text).toContain(redact(k));
  };

  it('in verify: the API key, and the pair of an application key', async () => {
    api.answerNext('GET', '/api/v1/validate', echo(403, API_KEY));
    expectRedacted((await verify(API_KEY)).reason, API_KEY);
    api.answerNext('GET', '/api/v2/validate_keys', echo(404, APP_KEY, ADMIN_API));
    expectRedacted((await verify(APP_KEY, ctx({ admin: ADMIN }))).reason, APP_KEY, ADMIN_API);
  });

  it("in analyze: an application key's list", async () => {
    api.answerNext('GET', '/api/v2/current_user/application_keys', echo(500, APP_KEY, ADMIN_API), 2);
    expectRedacted((await failure(datadog.analyze!({ value: APP_KEY }, ctx({ admin: ADMIN }))))!.message, APP_KEY, ADMIN_API);
  });

  it('in revoke: the admin list, the API key DELETE and the application key DELETE', async () => {
    api.previewValidate = false;
    api.answerNext('GET', '/api/v2/api_keys', echo(400, API_KEY, ADMIN_API, ADMIN_APP));
    expectRedacted((await failure(datadog.revoke!.run({ value: API_KEY }, ctx({ admin: ADMIN }))))!.message, API_KEY, ADMIN_API, ADMIN_APP);
    api.previewValidate = true;
    api.answerNext('DELETE', /^\/api\/v2\/api_keys\//, echo(400, API_KEY, ADMIN_API, ADMIN_APP));
    expectRedacted((await failure(datadog.revoke!.run({ value: API_KEY }, ctx({ admin: ADMIN }))))!.message, API_KEY, ADMIN_API, ADMIN_APP);
    api.answerNext('DELETE', /^\/api\/v2\/application_keys\//, echo(400, APP_KEY, ADMIN_API, ADMIN_APP));
    expectRedacted((await failure(datadog.revoke!.run({ value: APP_KEY }, ctx({ admin: ADMIN }))))!.message, APP_KEY, ADMIN_API, ADMIN_APP);
  });

  it("in rotate: the list of the run's keys, the create, and the delete of a leftover", async () => {
    const p = datadog.rotate!.provider(credential, ctx({ admin: ADMIN }));
    const create = () => failure(p.create({ credential, oldId: 'k-leaked', oldValue: API_KEY, idempotencyKey: 'echo' }));
    api.answerNext('GET', '/api/v2/api_keys', echo(400, API_KEY, ADMIN_API, ADMIN_APP));
    expectRedacted((await create())!.message, API_KEY, ADMIN_API, ADMIN_APP);
    api.answerNext('POST', '/api/v2/api_keys', echo(400, API_KEY, ADMIN_API, ADMIN_APP));
    expectRedacted((await create())!.message, API_KEY, ADMIN_API, ADMIN_APP);
    api.apiKeys.push({ id: 'k-stray', name: 'credctl rotation echo', key: DEAD_API });
    api.answerNext('DELETE', '/api/v2/api_keys/k-stray', echo(400, API_KEY, ADMIN_API, ADMIN_APP));
    expectRedacted((await create())!.message, API_KEY, ADMIN_API, ADMIN_APP);
    api.answerNext('DELETE', '/api/v2/api_keys/k-leaked', echo(400, API_KEY));
    expectRedacted((await failure(p.revoke({ value: API_KEY, id: 'k-leaked', mode: 'revoke' })))!.message, API_KEY);
    api.answerNext('POST', '/api/v2/api_keys', echo(400, ADMIN_APP));
    expectRedacted((await failure(p.create({ credential, oldId: 'k-leaked', idempotencyKey: 'echo2' } as never)))!.message, ADMIN_APP);
  });
});

describe('what the registry and the CLI read from the Datadog module', () => {
  it('its id, title, address, settings, and the manual steps at the dashboard', () => {
    expect(datadog.id).toBe('datadog');
    expect(datadog.title).toContain('Datadog');
    expect(datadog.defaultApi).toBe('https://api.datadoghq.com');
    expect(datadog.config!.map((c) => [c.key, c.secret ?? false])).toEqual([
      ['admin', true],
      ['site', false],
    ]);
    expect(datadog.config![0]!.description).toContain('api_keys_write');
    expect(datadog.config![1]!.description).toContain('us2.ddog-gov.com');
    expect(datadog.revoke!.warning).toContain('stops at once');
    expect(datadog.rotate!.summary).toContain('Application keys are rotated by hand');
    expect(datadog.manual!.rotate!.url).toBe('https://app.datadoghq.com/organization-settings/api-keys');
    expect(datadog.manual!.rotate!.instructions).toContain('credctl store put');
    expect(datadog.manual!.revoke!.url).toBe('https://app.datadoghq.com/organization-settings/api-keys');
    expect(datadog.manual!.revoke!.instructions).toContain('last four characters');
  });
});

describe('datadog answers canary', () => {
  it('no key value appears in any result or error', () => {
    const all = JSON.stringify(seen);
    expect(seen.length).toBeGreaterThan(40);
    for (const k of KEYS) expect(all.toLowerCase()).not.toContain(k);
  });
});
