import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredctlError } from '../../../src/core/errors.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { contextFor } from '../context.js';
import type { StandIn } from '../standin.js';
import { startSlack } from './standin.js';

const BOT = 'xoxb-0000000000-0000000001-FAKEtokenEXAMPLE00000000';
const USER = 'xoxp-0000000000-0000000002-0000000003-0123456789abcdef0123456789abcdef';
const CONFIG = `xoxe.xoxp-1-FAKE${'EXAMPLE0123456789'.repeat(9)}`;
const REFRESH = `xoxe-1-FAKE${'EXAMPLE0123456789'.repeat(9)}`;
const INACTIVE = 'xoxb-0000000000-0000000004-FAKEinactiveEXAMPLE00000';
const UNKNOWN = 'xoxb-0000000000-0000000005-FAKEunknownEXAMPLE000000';
const ALL = [BOT, USER, CONFIG, REFRESH, INACTIVE, UNKNOWN];

const slack = integrationNamed('slack')!;
let api: StandIn & { revoked: Set<string> };
const ctx = () => contextFor('slack', api.url);
const shown: unknown[] = [];

beforeAll(async () => {
  api = await startSlack({
    [BOT]: {
      team: 'Fake Workspace',
      teamId: 'T0FAKE0001',
      user: 'release-bot',
      userId: 'U0FAKE0001',
      botId: 'B0FAKE0001',
      scopes: ['chat:write', 'channels:read', 'files:write', 'channels:history'],
    },
    [USER]: {
      team: 'Fake Workspace',
      teamId: 'T0FAKE0001',
      user: 'grace',
      userId: 'W0FAKE0002',
      scopes: ['admin.users:write', 'users:read', 'identify'],
      expiresIn: 43200,
    },
    [CONFIG]: { team: 'Fake Workspace', teamId: 'T0FAKE0001', user: 'grace', userId: 'W0FAKE0002' },
    [INACTIVE]: { team: 'Gone', teamId: 'T0FAKE0009', user: 'old-bot', userId: 'U0FAKE0009', inactive: true },
  });
});
afterAll(() => api.close());

describe('slack verify: auth.test', () => {
  it('a live bot token names its bot, user and workspace; sent as a bearer token in a POST', async () => {
    const v = await slack.verify!({ value: BOT }, ctx());
    shown.push(v);
    expect(v).toMatchObject({
      status: 'live',
      identity: { principal: 'release-bot', credentialId: 'B0FAKE0001', account: 'Fake Workspace (T0FAKE0001)', kind: 'bot token' },
    });
    expect(v.expiresAt).toBeUndefined();
    const sent = api.requests.at(-1)!;
    expect(sent).toMatchObject({ method: 'POST', path: '/auth.test' });
    expect(sent.headers.authorization).toBe(`Bearer ${BOT}`);
    expect(sent.text).not.toContain(BOT);
  });

  it('an expiring user token says when it expires', async () => {
    const before = Date.now();
    const v = await slack.verify!({ value: USER }, ctx());
    shown.push(v);
    expect(v.status).toBe('live');
    const at = Date.parse(v.expiresAt!);
    expect(at - before).toBeGreaterThanOrEqual(43_200_000 - 1000);
    expect(at - before).toBeLessThan(43_200_000 + 5000);
  });

  it('HTTP 200 with ok:false invalid_auth or account_inactive is dead', async () => {
    const unknown = await slack.verify!({ value: UNKNOWN }, ctx());
    const inactive = await slack.verify!({ value: INACTIVE }, ctx());
    shown.push(unknown, inactive);
    expect(unknown).toMatchObject({ status: 'dead', reason: 'Slack refuses it (invalid_auth)' });
    expect(inactive).toMatchObject({ status: 'dead', reason: 'Slack refuses it (account_inactive)' });
  });

  it('a refresh token is not spent to check it', async () => {
    const count = api.requests.length;
    const v = await slack.verify!({ value: REFRESH }, ctx());
    shown.push(v);
    expect(v).toMatchObject({ status: 'unknown', identity: { kind: 'refresh token' } });
    expect(api.requests.length).toBe(count);
  });

  it('429 (with Retry-After), 5xx, an unexpected ok:false and a malformed body say nothing', async () => {
    api.misbehave({ kind: 'status', status: 429, headers: { 'retry-after': '0' } }, { count: 2 });
    const limited = await slack.verify!({ value: BOT }, ctx());
    api.misbehave({ kind: 'status', status: 500 }, { count: 2 });
    const broken = await slack.verify!({ value: BOT }, ctx());
    api.misbehave({ kind: 'malformed' });
    const garbled = await slack.verify!({ value: BOT }, ctx());
    api.misbehave({ kind: 'status', status: 200, message: 'org_login_required' });
    const migrating = await slack.verify!({ value: BOT }, ctx());
    shown.push(limited, broken, garbled, migrating);
    expect([limited.status, broken.status, garbled.status, migrating.status]).toEqual(['unknown', 'unknown', 'unknown', 'unknown']);
    expect(limited.reason).toContain('429');
    expect(migrating.reason).toContain('org_login_required');
    // Slack does not use HTTP 403 for auth.test; should a proxy answer one, it says nothing either.
    api.misbehave({ kind: 'status', status: 403 });
    expect((await slack.verify!({ value: BOT }, ctx())).status).toBe('unknown');
  });
});

describe('slack analyze: x-oauth-scopes', () => {
  it("lists the scopes in Slack's words with a risk each", async () => {
    const a = await slack.analyze!({ value: BOT }, ctx());
    shown.push(a);
    expect(a.complete).toBe(true);
    expect(a.grants).toEqual([
      { scope: 'chat:write', risk: 'write' },
      { scope: 'channels:read', risk: 'read' },
      { scope: 'files:write', risk: 'write' },
      { scope: 'channels:history', risk: 'read' },
    ]);
  });

  it('admin scopes are admin', async () => {
    const a = await slack.analyze!({ value: USER }, ctx());
    expect(a.grants.find((g) => g.scope === 'admin.users:write')?.risk).toBe('admin');
    expect(a.grants.find((g) => g.scope === 'identify')?.risk).toBe('read');
  });

  it('no header: incomplete, said so', async () => {
    const a = await slack.analyze!({ value: CONFIG }, ctx());
    shown.push(a);
    expect(a).toMatchObject({ grants: [], complete: false });
    expect(a.note).toContain('x-oauth-scopes');
  });

  it("a dead token cannot be analyzed: exit 5 naming Slack's error", async () => {
    const err = await slack.analyze!({ value: UNKNOWN }, ctx()).catch((e: unknown) => e);
    shown.push((err as Error).message);
    expect(err).toBeInstanceOf(CredctlError);
    expect((err as CredctlError).exitCode).toBe(5);
    expect((err as Error).message).toContain('invalid_auth');
  });
});

describe('slack revoke: auth.revoke with the token itself', () => {
  it('needs no admin, revokes for good, and the token is dead afterwards; a second revoke is "already"', async () => {
    expect(slack.revoke!.needsAdmin).toBe(false);
    const token = 'xoxb-0000000000-0000000006-FAKErevokeEXAMPLE0000000';
    const local = await startSlack({
      [token]: { team: 'Fake Workspace', teamId: 'T0FAKE0001', user: 'doomed-bot', userId: 'U0FAKE0006', scopes: ['chat:write'] },
    });
    try {
      const c = contextFor('slack', local.url);
      expect((await slack.verify!({ value: token }, c)).status).toBe('live');
      expect(await slack.revoke!.run({ value: token }, c)).toBe('revoked');
      expect(local.requests.at(-1)).toMatchObject({ method: 'POST', path: '/auth.revoke' });
      expect(local.requests.at(-1)!.body?.test).toBeUndefined();
      expect(await slack.verify!({ value: token }, c)).toMatchObject({ status: 'dead', reason: 'Slack refuses it (token_revoked)' });
      expect(await slack.revoke!.run({ value: token }, c)).toBe('already');
    } finally {
      await local.close();
    }
  });

  it('an unknown token is "already"; 429, 5xx and other errors fail with exit 5 and no value', async () => {
    expect(await slack.revoke!.run({ value: UNKNOWN }, ctx())).toBe('already');
    const errors: unknown[] = [];
    api.misbehave({ kind: 'status', status: 429 });
    errors.push(await slack.revoke!.run({ value: BOT }, ctx()).catch((e: unknown) => e));
    api.misbehave({ kind: 'status', status: 503 });
    errors.push(await slack.revoke!.run({ value: BOT }, ctx()).catch((e: unknown) => e));
    api.misbehave({ kind: 'status', status: 200, message: 'not_allowed_token_type' });
    errors.push(await slack.revoke!.run({ value: BOT }, ctx()).catch((e: unknown) => e));
    for (const e of errors) {
      expect(e).toBeInstanceOf(CredctlError);
      expect((e as CredctlError).exitCode).toBe(5);
      shown.push((e as Error).message);
    }
    expect((errors[2] as Error).message).toContain('not_allowed_token_type');
    expect(api.revoked.has(BOT)).toBe(false);
    // One request per attempt: a revoke is never retried behind the engine's back.
    expect(api.requests.filter((r) => r.path === '/auth.revoke').length).toBe(4);
  });
});

describe('slack rotation is manual, and no value is ever shown', () => {
  it('rotate is a manual step with the app settings URL', () => {
    expect(slack.rotate).toBeUndefined();
    expect(slack.manual?.rotate?.url).toBe('https://api.slack.com/apps');
    expect(slack.manual?.rotate?.instructions).toContain('App Configuration Tokens');
  });

  it('no token value appears in anything returned', () => {
    const text = JSON.stringify(shown);
    expect(shown.length).toBeGreaterThan(10);
    for (const t of ALL) expect(text).not.toContain(t.slice(-12));
  });
});
