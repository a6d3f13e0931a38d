/**
 * What credctl makes of each answer Cloudflare may give, beyond the paths of cloudflare.test.ts:
 * which path a token is checked on (user or account), which refusals mean dead, a verify answer
 * that is not a token, what risk each permission group carries and which resources it names,
 * what narrows a token, and what the roll and the delete send and do with each answer. Answers
 * the stand-in's tokens never produce are scripted with `answerNext`; every result and error is
 * kept and checked for token values at the end.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredctlError } from '../../../src/core/errors.js';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { redact } from '../../../src/core/redact.js';
import cloudflare, { riskOfPermission } from '../../../src/integrations/cloudflare/index.js';
import { SafeHttp } from '../../../src/net/http.js';
import type { PlanCredential } from '../../../src/plan/types.js';
import { contextFor, credctlRejection, keptAnswers } from '../context.js';
import { startCloudflare, type CloudflareStandIn, type FakeToken } from './standin.js';

// Fixture tokens: 40 characters like a legacy Cloudflare token, or the scannable account form; obviously fake.
const DEPLOY = 'FAKEdeployEXAMPLE0123456789abcdefghijklm';
const READER = 'FAKEreaderEXAMPLE0123456789abcdefghijklm';
const ADMIN = 'FAKEadminxEXAMPLE0123456789abcdefghijklm';
const ACCOUNT_LEGACY = 'FAKEacctxxEXAMPLE0123456789abcdefghijklm';
const ACCOUNT_TOKEN = 'cfat_FAKE000000000000000000000000000000000000EXAMPLE1';
const ACCOUNT_READER = 'cfat_FAKE000000000000000000000000000000000000EXAMPLE2';
const DISABLED = 'FAKEdisablEXAMPLE0123456789abcdefghijklm';
const UNKNOWN = 'FAKEunknowEXAMPLE0123456789abcdefghijklm';
const TOKENS = [DEPLOY, READER, ADMIN, ACCOUNT_LEGACY, ACCOUNT_TOKEN, ACCOUNT_READER, DISABLED, UNKNOWN];
const ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353';
const OTHER_ACCOUNT = '99999999999999999999999999999999';
const ID = 'ed17574386854bf78a67040be0a770b0';
const READER_ID = 'aa17574386854bf78a67040be0a770b1';
const ACCOUNT_ID = 'cc17574386854bf78a67040be0a770b3';

const fixtures = (): FakeToken[] => [
  {
    id: ID,
    value: DEPLOY,
    name: 'deploy dns',
    status: 'active',
    owner: 'user',
    permissions: ['DNS Write', 'API Tokens Write'],
    resources: { 'com.cloudflare.api.account.zone.eb78d65290b24279ba6f44721b3ea3c4': '*' },
  },
  { id: READER_ID, value: READER, name: 'read only', status: 'active', owner: 'user', permissions: ['Zone Read'] },
  { id: 'bb17574386854bf78a67040be0a770b2', value: ADMIN, name: 'credctl admin', status: 'active', owner: 'user', permissions: ['API Tokens Write'] },
  { id: ACCOUNT_ID, value: ACCOUNT_TOKEN, name: 'workers ci', status: 'active', owner: ACCOUNT, permissions: ['Account API Tokens Write'] },
  {
    id: 'dd17574386854bf78a67040be0a770b4',
    value: ACCOUNT_LEGACY,
    name: 'legacy acct',
    status: 'active',
    owner: ACCOUNT,
    permissions: ['Workers Scripts Write'],
  },
  {
    id: 'ee17574386854bf78a67040be0a770b5',
    value: ACCOUNT_READER,
    name: 'acct reader',
    status: 'active',
    owner: ACCOUNT,
    permissions: ['Workers Scripts Read'],
  },
  {
    id: 'ff17574386854bf78a67040be0a770b6',
    value: DISABLED,
    name: 'old',
    status: 'disabled',
    owner: 'user',
    permissions: ['DNS Write'],
    expires_on: '2026-01-01T00:00:00Z',
  },
];

let api: CloudflareStandIn;
const { seen, keep, failure } = keptAnswers();
const ctx = (opts: { admin?: string; settings?: Record<string, string> } = {}) => contextFor('cloudflare', `${api.url}/client/v4`, opts);
const withAccount = (admin?: string) => ctx({ settings: { account: ACCOUNT }, ...(admin ? { admin } : {}) });
const verify = async (value: string, c = ctx()) => keep(await cloudflare.verify!({ value }, c));
const analyze = async (value: string, c = ctx()) => keep(await cloudflare.analyze!({ value }, c));
const paths = (from = 0) => api.requests.slice(from).map((r) => `${r.method} ${r.path.replace('/client/v4', '')}`);
const cfError = (status: number, code: number, message: string) => ({
  status,
  body: { success: false, errors: [{ code, message }], messages: [], result: null },
});
const ok = (result: unknown) => ({ status: 200, body: { success: true, errors: [], messages: [], result } });
const credential = { id: 'fp', names: ['CLOUDFLARE_API_TOKEN'], provider: 'cloudflare', kind: 'token', guards: [], steps: [] } as unknown as PlanCredential;
const VERIFY = '/client/v4/user/tokens/verify';

beforeEach(async () => {
  api = await startCloudflare(fixtures());
});
afterEach(() => api.close());

describe('which path a token is checked on', () => {
  it('a cfat_ token without an account id is asked on the user path (and refused there)', async () => {
    const v = await verify(ACCOUNT_TOKEN);
    expect(paths()).toEqual(['GET /user/tokens/verify']);
    expect(v.status).toBe('live');
  });

  it('a token of the legacy form refused on the user path is asked again on the account path when an account is set', async () => {
    const v = await verify(ACCOUNT_LEGACY, withAccount());
    expect(paths().slice(0, 2)).toEqual(['GET /user/tokens/verify', `GET /accounts/${ACCOUNT}/tokens/verify`]);
    expect(v).toMatchObject({ status: 'live', identity: { kind: 'account API token', account: ACCOUNT, credentialId: 'dd17574386854bf78a67040be0a770b4' } });
    expect(v.reason).not.toContain('providers.<provider>.account');
  });

  it('a cfat_ token refused on its account path is not asked on the user path, and the reason does not send the user to set the account', async () => {
    const v = await verify(ACCOUNT_TOKEN, ctx({ settings: { account: OTHER_ACCOUNT } }));
    expect(paths()).toEqual([`GET /accounts/${OTHER_ACCOUNT}/tokens/verify`]);
    expect(v.status).toBe('live');
    expect(v.reason).toContain('403');
    expect(v.reason).not.toContain('providers.<provider>.account');
  });

  it('a user token is named as one, with no account', async () => {
    const v = await verify(READER, withAccount());
    expect(v.identity).toEqual({ credentialId: READER_ID, kind: 'user API token' });
    expect(paths()[0]).toBe('GET /user/tokens/verify');
  });
});

describe('verify reads each answer', () => {
  it('a 400 for a header that is not a token (code 6003 or 6111) is dead; other 400s are unknown', async () => {
    api.answerNext('GET', VERIFY, cfError(400, 6111, 'Invalid format for Authorization header'));
    expect(await verify(DEPLOY)).toMatchObject({ status: 'dead', reason: expect.stringContaining('malformed') });
    expect((await verify('FAKE not a token')).status).toBe('dead');
    api.answerNext('GET', VERIFY, cfError(400, 7003, 'Could not route'));
    expect((await verify(DEPLOY)).status).toBe('unknown');
    api.answerNext('GET', VERIFY, { status: 400, body: { success: false, errors: [null] } });
    expect((await verify(DEPLOY)).status).toBe('unknown');
    api.answerNext('GET', VERIFY, { status: 400 });
    expect((await verify(DEPLOY)).status).toBe('unknown');
  });

  it('a 401 is dead and does not send the user to set the account', async () => {
    const v = await verify(UNKNOWN);
    expect(v.status).toBe('dead');
    expect(v.reason).not.toContain('account');
  });

  it('a verify answer without success, a text id or a text status is unknown', async () => {
    for (const body of [
      { success: false, result: { id: ID, status: 'active' } },
      { success: 'true', result: { id: ID, status: 'active' } },
      { success: true, result: { id: 7, status: 'active' } },
      { success: true, result: { id: ID, status: true } },
      { success: true },
    ]) {
      api.answerNext('GET', VERIFY, { status: 200, body });
      const v = await verify(DEPLOY);
      expect(v.status).toBe('unknown');
      expect(v.reason).toContain('token id and status');
    }
  });

  it('a disabled or expired token is dead, says which, and still names its id and expiry', async () => {
    const v = await verify(DISABLED);
    expect(v).toEqual({
      status: 'dead',
      reason: expect.stringContaining('disabled'),
      identity: { credentialId: 'ff17574386854bf78a67040be0a770b6', kind: 'user API token' },
      expiresAt: '2026-01-01T00:00:00Z',
    });
    expect(paths()).toEqual(['GET /user/tokens/verify']);
    api.answerNext('GET', VERIFY, ok({ id: ID, status: 'expired', expires_on: 5 }));
    const expired = await verify(DEPLOY);
    expect(expired.reason).toContain('expired');
    expect(expired).not.toHaveProperty('expiresAt');
  });

  it("a live token's last use comes from its details, asked with the token itself on its own path", async () => {
    const v = await verify(DEPLOY);
    expect(v).toEqual({
      status: 'live',
      reason: expect.stringContaining('Cloudflare'),
      identity: { credentialId: ID, kind: 'user API token' },
      lastUsedAt: '2026-12-01T00:00:00Z',
    });
    expect(paths()).toEqual(['GET /user/tokens/verify', `GET /user/tokens/${ID}`]);
    expect(api.requests[1]!.headers.authorization).toBe(`Bearer ${DEPLOY}`);
  });

  it('details that fail, are not 200 or carry no text last use leave the answer as it was; a failing call is not repeated', async () => {
    const details = new RegExp(`/tokens/${ID}$`);
    for (const answer of [
      cfError(500, 1101, 'internal'),
      { status: 201, body: { success: true, result: { last_used_on: '2026-12-02T00:00:00Z' } } },
      ok({ last_used_on: null }),
    ]) {
      api.answerNext('GET', details, answer);
      const n = api.requests.length;
      const v = await verify(DEPLOY);
      expect(v.status).toBe('live');
      expect(v).not.toHaveProperty('lastUsedAt');
      expect(paths(n)).toHaveLength(2);
    }
    api.answerNext('GET', details, { status: 200, raw: '{"result": {' });
    const malformed = await verify(DEPLOY);
    expect(malformed.status).toBe('live');
    expect(malformed).not.toHaveProperty('lastUsedAt');
  });

  it('details that cannot be read at all (the connection drops) leave the answer live', async () => {
    api.misbehave({ kind: 'hang' }, { path: ID });
    const c = ctx();
    const quick = { ...c, http: new SafeHttp({ timeoutMs: 300 }) };
    const v = await verify(DEPLOY, quick);
    expect(v.status).toBe('live');
    expect(v).not.toHaveProperty('lastUsedAt');
  });

  it('a passing 503 on verify is asked again', async () => {
    api.misbehave({ kind: 'status', status: 503 }, { path: 'verify' });
    expect((await verify(DEPLOY)).status).toBe('live');
    expect(paths()).toEqual(['GET /user/tokens/verify', 'GET /user/tokens/verify', `GET /user/tokens/${ID}`]);
  });

  it('an unreachable Cloudflare is unknown, naming no token', async () => {
    const v = await verify(DEPLOY, contextFor('cloudflare', 'http://127.0.0.1:9/client/v4'));
    expect(v.status).toBe('unknown');
    expect(v.reason).toContain('could not be asked');
  });
});

describe('the risk of each permission group', () => {
  it('writing tokens, account settings, members, user details, billing or Access organisations is admin', () => {
    for (const name of [
      'API Tokens Write',
      'Account API Tokens Write',
      'Account Settings Write',
      'Memberships Write',
      'Membership Edit',
      'User Details Edit',
      'Billing Write',
      'Access: Organizations, Identity Providers, and Groups Write',
    ])
      expect([name, riskOfPermission(name)]).toEqual([name, 'admin']);
  });

  it('other writes, edits, purges and revokes are write; reading them, and anything else, is read', () => {
    const table: [string, string][] = [
      ['API Tokens Read', 'read'],
      ['Account Settings Read', 'read'],
      ['Billing Read', 'read'],
      ['Access: Organizations, Identity Providers, and Groups Read', 'read'],
      ['DNS Write', 'write'],
      ['Zone Edit', 'write'],
      ['Cache Purge', 'write'],
      ['Access: Apps and Policies Revoke', 'write'],
      ['Workers Scripts Write', 'write'],
      ['Zone Read', 'read'],
      ['Analytics', 'read'],
      ['Zone Rewrite Rules Read', 'read'],
      ['Billingual Write', 'write'],
      ['Cache Purged Read', 'read'],
    ];
    for (const [name, risk] of table) expect([name, riskOfPermission(name)]).toEqual([name, risk]);
  });
});

describe('analyze reads each answer', () => {
  const policies = (list: unknown[], extra: Record<string, unknown> = {}) => ok({ id: ID, status: 'active', policies: list, ...extra });
  const details = new RegExp(`/user/tokens/${ID}$`);

  it('nested resources are flattened without the com.cloudflare.api. prefix and joined; a group without a text name is skipped', async () => {
    api.answerNext(
      'GET',
      details,
      policies([
        {
          effect: 'allow',
          resources: {
            [`com.cloudflare.api.account.${ACCOUNT}`]: { 'com.cloudflare.api.account.zone.*': '*' },
            'com.cloudflare.edge.r2.bucket.x': '*',
            'zone.com.cloudflare.api.y': null,
          },
          permission_groups: [{ name: 'DNS Write' }, { name: 5 }, null, { name: 'Zone Read' }],
        },
        { effect: 'allow', resources: 'all', permission_groups: [{ name: 'Billing Read' }] },
        null,
        { effect: 'allow', resources: null, permission_groups: [{ name: 'Analytics Read' }] },
        { effect: 'allow', resources: {}, permission_groups: 'none' },
      ]),
    );
    const a = await analyze(DEPLOY);
    const resource = `account.${ACCOUNT} > account.zone.*, com.cloudflare.edge.r2.bucket.x, zone.com.cloudflare.api.y`;
    expect(a).toEqual({
      complete: true,
      grants: [
        { scope: 'DNS Write', risk: 'write', resource },
        { scope: 'Zone Read', risk: 'read', resource },
        { scope: 'Billing Read', risk: 'read' },
        { scope: 'Analytics Read', risk: 'read' },
      ],
    });
  });

  it('deny policies and an address condition narrow the grants, and the note says so', async () => {
    const allow = { effect: 'allow', resources: {}, permission_groups: [{ name: 'DNS Write' }] };
    const deny = { effect: 'deny', resources: {}, permission_groups: [{ name: 'DNS Write' }] };
    api.answerNext('GET', details, policies([allow, deny, deny], { condition: { request_ip: { in: ['192.0.2.0/24', '198.51.100.7'] } } }));
    const a = await analyze(DEPLOY);
    expect(a.grants).toEqual([{ scope: 'DNS Write', risk: 'write' }]);
    expect(a.note).toBe('2 deny policies narrow these grants; usable only from 192.0.2.0/24, 198.51.100.7');
    api.answerNext('GET', details, policies([allow, deny], { condition: { request_ip: { in: [] } } }));
    expect((await analyze(DEPLOY)).note).toBe('1 deny policy narrows these grants');
    api.answerNext('GET', details, policies([allow], { condition: { request_ip: { not_in: ['192.0.2.1'] } } }));
    expect(await analyze(DEPLOY)).not.toHaveProperty('note');
  });

  it('a token that is not live cannot be analysed: an error with the reason', async () => {
    const err = await credctlRejection(cloudflare.analyze!({ value: UNKNOWN }, ctx()));
    keep(err.message);
    expect(err.exitCode).toBe(ExitCode.Remote);
    expect(err.message).toContain('cannot analyse');
    expect(err.message).toContain('401');
  });

  it("an account token without read access, with an admin token that lacks it too: the account permission and the admin's lack are named", async () => {
    const a = await analyze(ACCOUNT_READER, withAccount(READER));
    expect(a).toMatchObject({ grants: [], complete: false });
    expect(a.note).toContain('"Account API Tokens Read"');
    expect(a.note).toContain('so does the admin token');
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${READER}`);
  });

  it('a user token without read access and no admin token: the note says why there is none', async () => {
    const a = await analyze(READER);
    expect(a.note).toContain('"API Tokens Read"');
    expect(a.note).toContain('no admin credential configured for cloudflare');
  });

  it('an account token is analysed on its account path', async () => {
    const a = await analyze(ACCOUNT_TOKEN, withAccount());
    expect(a.grants).toEqual([{ scope: 'Account API Tokens Write', risk: 'admin', resource: 'account.zone.*' }]);
    expect(paths().at(-1)).toBe(`GET /accounts/${ACCOUNT}/tokens/${ACCOUNT_ID}`);
  });

  it('details that fail, are malformed or carry no policy list are an error naming the call and no token', async () => {
    for (const answer of [
      cfError(404, 1003, 'Invalid token identifier'),
      { status: 200, raw: '{"result": {' },
      ok({ id: ID, policies: 'all' }),
      { status: 300 },
    ]) {
      api.answerNext('GET', details, answer);
      const err = await failure(cloudflare.analyze!({ value: DEPLOY }, ctx()));
      expect(err).toMatchObject({ exitCode: ExitCode.Remote, message: expect.stringContaining('token details') });
    }
    api.answerNext('GET', details, cfError(503, 1101, 'internal'));
    expect((await analyze(DEPLOY)).complete).toBe(true);
  });

  it('a store error that is not a refusal is not hidden', async () => {
    const c = { ...ctx(), adminSecret: async () => Promise.reject(new TypeError('store broke')) };
    await expect(cloudflare.analyze!({ value: READER }, c)).rejects.toThrow('store broke');
  });
});

describe('the roll sends and reads', () => {
  const provider = (c = ctx({ admin: ADMIN })) => cloudflare.rotate!.provider(credential, c);
  const ROLL = new RegExp(`/tokens/${ID}/value$`);
  const roll = (p = provider(), oldValue: string | undefined = DEPLOY, oldId = `user:${ID}`) =>
    p.create({ credential, oldId, oldValue: oldValue as string, idempotencyKey: 'k' });

  it('one PUT with an empty JSON body and the admin token; the new value and the same reference come back', async () => {
    const made = await roll();
    expect(made.id).toBe(`user:${ID}`);
    expect(made.value).toBe(api.tokens[0]!.value);
    const put = api.requests.at(-1)!;
    expect([put.method, put.path, put.body, put.headers.authorization]).toEqual(['PUT', `/client/v4/user/tokens/${ID}/value`, {}, `Bearer ${ADMIN}`]);
  });

  it('a new value of 40 characters is taken, one of 39 or not text is a malformed answer', async () => {
    api.answerNext('PUT', ROLL, ok('FAKE'.padEnd(40, '0')));
    expect((await roll()).value).toBe('FAKE'.padEnd(40, '0'));
    for (const result of ['FAKE'.padEnd(39, '0'), { value: 'FAKE'.padEnd(50, '0') }]) {
      api.answerNext('PUT', ROLL, ok(result));
      expect((await failure(roll()))!.message).toContain('roll token: HTTP 200 (malformed body)');
    }
  });

  it('a roll that fails is not repeated, and says so with the status; a malformed body is an error', async () => {
    api.answerNext('PUT', ROLL, cfError(503, 1101, 'internal'));
    expect((await failure(roll()))!.message).toContain('roll token: HTTP 503');
    expect(api.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
    api.answerNext('PUT', ROLL, { status: 200, raw: '{"result": "' });
    expect((await failure(roll()))!.message).toContain('malformed');
    api.answerNext('PUT', ROLL, { status: 300 });
    expect((await failure(roll()))!.exitCode).toBe(ExitCode.Remote);
  });

  it('a 401 to the old value itself says a roll may already have happened; to the admin token it is the usual refusal', async () => {
    api.answerNext('PUT', ROLL, cfError(401, 1000, 'Invalid API Token'));
    const self = await failure(roll(provider(ctx())));
    expect(self).toMatchObject({
      exitCode: ExitCode.Remote,
      message: expect.stringContaining('may already have happened'),
      hint: expect.stringContaining('API Tokens Write'),
    });
    api.answerNext('PUT', ROLL, cfError(401, 1000, 'Invalid API Token'));
    const admin = await failure(roll());
    expect(admin!.message).toContain('roll token: HTTP 401');
    expect(admin!.hint).toContain('check it is current');
  });

  it('a 403 names whose token lacks which permission', async () => {
    api.answerNext('PUT', ROLL, cfError(403, 9109, 'Unauthorized'));
    const admin = await failure(roll());
    expect(admin!.message).toContain('the admin token lacks "API Tokens Write"');
    expect(admin!.hint).toContain('providers.<provider>.admin');
    const acct = await failure(roll(provider(withAccount()), ACCOUNT_LEGACY, `account:${ACCOUNT}:dd17574386854bf78a67040be0a770b4`));
    expect(acct!.message).toContain('the token itself lacks "Account API Tokens Write"');
  });

  it('with neither an admin token nor the old value nothing is sent, and the refusal says why', async () => {
    const err = await failure(provider(ctx()).create({ credential, oldId: `user:${ID}`, oldValue: undefined as unknown as string, idempotencyKey: 'k' }));
    expect(err).toMatchObject({ exitCode: ExitCode.Refused, message: expect.stringContaining('no admin credential configured for cloudflare') });
    expect(api.requests).toHaveLength(0);
  });

  it('a reference that is not user:<id> or account:<account>:<id> is refused before any call', async () => {
    for (const ref of [
      '',
      `${ID}`,
      `user:${ID}:x`,
      `xuser:${ID}`,
      `user:${ID}x!`,
      `account:${ACCOUNT}`,
      `account:${ACCOUNT}:`,
      `account:${ACCOUNT}:${ID}:x`,
      `user:`,
    ])
      expect((await failure(roll(provider(), DEPLOY, ref)))!.message).toContain('not identified');
    expect(api.requests).toHaveLength(0);
  });

  it('identify names a user token as user:<id>, and a token Cloudflare does not know is an error with the reason', async () => {
    expect(await provider().identify({ oldValue: DEPLOY, binding: '' })).toBe(`user:${ID}`);
    const err = await failure(provider().identify({ oldValue: UNKNOWN, binding: '' }));
    expect(err).toMatchObject({ exitCode: ExitCode.Remote, message: expect.stringContaining('401') });
    expect(err!.message).toContain('which token');
  });

  it('revoking the old value after the roll only confirms it is dead; still live or unknown is an error that deletes nothing', async () => {
    const p = provider();
    expect(await p.revoke({ value: UNKNOWN, id: `user:${ID}`, mode: 'revoke' })).toBe('already');
    const live = await failure(p.revoke({ value: DEPLOY, id: `user:${ID}`, mode: 'revoke' }));
    expect(live).toMatchObject({
      exitCode: ExitCode.Remote,
      message: expect.stringContaining('still accepted'),
      hint: expect.stringContaining('dash.cloudflare.com'),
    });
    api.answerNext('GET', VERIFY, cfError(503, 1101, 'internal'), 2);
    expect((await failure(p.revoke({ value: DEPLOY, id: `user:${ID}`, mode: 'revoke' })))!.message).toContain('not confirmed dead');
    api.answerNext('GET', VERIFY, cfError(503, 1101, 'internal'), 2);
    expect(await p.isActive({ value: DEPLOY })).toBe('unknown');
    expect(api.requests.some((r) => r.method === 'DELETE')).toBe(false);
  });
});

describe('revoke sends and reads', () => {
  it('a disabled token still exists, so it is deleted; with no admin token the token itself is used', async () => {
    expect(await cloudflare.revoke!.run({ value: DISABLED }, ctx({ admin: ADMIN }))).toBe('revoked');
    expect(api.requests.at(-1)).toMatchObject({ method: 'DELETE', path: '/client/v4/user/tokens/ff17574386854bf78a67040be0a770b6' });
    expect(await cloudflare.revoke!.run({ value: DEPLOY }, ctx())).toBe('revoked');
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${DEPLOY}`);
  });

  it('an account token is deleted on its account path', async () => {
    expect(await cloudflare.revoke!.run({ value: ACCOUNT_TOKEN }, withAccount())).toBe('revoked');
    expect(paths().at(-1)).toBe(`DELETE /accounts/${ACCOUNT}/tokens/${ACCOUNT_ID}`);
  });

  it('a token Cloudflare cannot be asked about is an error, not "already"; nothing is deleted', async () => {
    api.answerNext('GET', VERIFY, cfError(503, 1101, 'internal'), 2);
    const err = await failure(cloudflare.revoke!.run({ value: DEPLOY }, ctx({ admin: ADMIN })));
    expect(err).toMatchObject({ exitCode: ExitCode.Remote, message: expect.stringContaining('which token') });
    expect(api.requests.some((r) => r.method === 'DELETE')).toBe(false);
  });

  it('a DELETE: 404 is "already", 503 is asked again, 300 is an error', async () => {
    const del = new RegExp(`/tokens/${ID}$`);
    api.answerNext('DELETE', del, cfError(404, 1003, 'Invalid token identifier'));
    expect(await cloudflare.revoke!.run({ value: DEPLOY }, ctx({ admin: ADMIN }))).toBe('already');
    api.answerNext('DELETE', del, cfError(503, 1101, 'internal'));
    expect(await cloudflare.revoke!.run({ value: DEPLOY }, ctx({ admin: ADMIN }))).toBe('revoked');
    expect(api.requests.filter((r) => r.method === 'DELETE')).toHaveLength(3);
    api.tokens.push(fixtures()[0]!);
    api.answerNext('DELETE', del, { status: 300 });
    expect((await failure(cloudflare.revoke!.run({ value: DEPLOY }, ctx({ admin: ADMIN }))))!.message).toContain('delete token: HTTP 300');
  });
});

describe('a token Cloudflare echoes in its error is shown the way credctl shows every key: redacted', () => {
  const echo = (status: number, ...tokens: string[]) => cfError(status, 1000, `refused ${tokens.join(' and ')}`);

  it('in verify, analyze, the roll and the delete', async () => {
    api.answerNext('GET', VERIFY, echo(401, DEPLOY));
    expect((await verify(DEPLOY)).reason).toContain(redact(DEPLOY));
    api.answerNext('GET', new RegExp(`/user/tokens/${ID}$`), echo(404, DEPLOY));
    expect((await failure(cloudflare.analyze!({ value: DEPLOY }, ctx())))!.message).toContain(redact(DEPLOY));
    api.answerNext('PUT', new RegExp(`/tokens/${ID}/value$`), echo(409, ADMIN));
    const p = cloudflare.rotate!.provider(credential, ctx({ admin: ADMIN }));
    expect((await failure(p.create({ credential, oldId: `user:${ID}`, oldValue: DEPLOY, idempotencyKey: 'k' })))!.message).toContain(redact(ADMIN));
    api.answerNext('DELETE', new RegExp(`/tokens/${ID}$`), echo(409, ADMIN, DEPLOY));
    const del = (await failure(cloudflare.revoke!.run({ value: DEPLOY }, ctx({ admin: ADMIN }))))!.message;
    expect(del).toContain(redact(ADMIN));
    expect(del).toContain(redact(DEPLOY));
  });

  it('a roll with the admin token and no old value that cannot reach Cloudflare is a network error, not a crash', async () => {
    const p = cloudflare.rotate!.provider(credential, contextFor('cloudflare', 'http://127.0.0.1:9/client/v4', { admin: ADMIN }));
    const err = await p.create({ credential, oldId: `user:${ID}`, oldValue: undefined as unknown as string, idempotencyKey: 'k' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredctlError);
    expect((err as CredctlError).exitCode).toBe(ExitCode.Remote);
    keep((err as CredctlError).message);
  });
});

describe('what the registry and the CLI read from the Cloudflare module', () => {
  it('its id, title, address, settings, and the manual steps at the dashboard', () => {
    expect(cloudflare.id).toBe('cloudflare');
    expect(cloudflare.title).toContain('Cloudflare');
    expect(cloudflare.defaultApi).toBe('https://api.cloudflare.com/client/v4');
    expect(cloudflare.config!.map((c) => [c.key, c.secret ?? false])).toEqual([
      ['admin', true],
      ['account', false],
    ]);
    expect(cloudflare.config![0]!.description).toContain('API Tokens Write');
    expect(cloudflare.config![1]!.description).toContain('cfat_');
    expect(cloudflare.revoke!.needsAdmin).toBe(true);
    expect(cloudflare.rotate!.summary).toContain('old value stops working at once');
    expect(cloudflare.manual!.rotate!.url).toBe('https://dash.cloudflare.com/profile/api-tokens');
    expect(cloudflare.manual!.rotate!.instructions).toContain('Roll');
    expect(cloudflare.manual!.rotate!.instructions).toContain('credctl store put');
    expect(cloudflare.manual!.revoke!.url).toBe('https://dash.cloudflare.com/profile/api-tokens');
    expect(cloudflare.manual!.revoke!.instructions).toContain('Delete');
  });
});

describe('cloudflare answers canary', () => {
  it('no token value appears in any result or error', () => {
    const all = JSON.stringify(seen);
    expect(seen.length).toBeGreaterThan(40);
    for (const t of TOKENS) expect(all).not.toContain(t.slice(4));
  });
});
