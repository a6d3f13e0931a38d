import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CredctlError } from '../../../src/core/errors.js';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { scopeRisk, tokenKind } from '../../../src/integrations/slack/index.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { contextFor } from '../context.js';
import { startStandIn, type StandIn, type StandInAnswer } from '../standin.js';

// Slack answers the stand-in of slack.test.ts does not give on its own (a bot without a bot id, an
// app token naming its app, a workspace without a name, odd error codes, 201s), each read the way
// a user relies on: who the token is, whether it is dead, live or unknown, what its scopes reach.
// Fixture tokens are fake and say so.
const BOT = 'xoxb-0000000000-0000000001-FAKEtokenEXAMPLE00000000';
const APP = 'xapp-1-A0FAKE0001-0000000000000-FAKEappEXAMPLE0123456789abcdef';

const slack = integrationNamed('slack')!;
let reply: StandInAnswer;
let api: StandIn;
beforeAll(async () => {
  api = await startStandIn({ handle: () => reply, errorBody: (_s, message) => ({ ok: false, error: message }), rateLimitHeaders: {} });
});
afterAll(() => api.close());
beforeEach(() => {
  reply = { status: 200, body: { ok: true } };
});
const ctx = () => contextFor('slack', api.url);
const answer = (body: unknown, headers?: Record<string, string>, status = 200) => {
  reply = { status, body, ...(headers ? { headers } : {}) };
};
const verify = (value = BOT) => slack.verify!({ value }, ctx());

describe('what auth.test says about who the token is', () => {
  it('names the user id when there is no bot id, the app when there is no user, and the workspace by name or id alone', async () => {
    answer({ ok: true, user_id: 'U0FAKE0001', app_name: 'Deploy App', team: 'Fake Workspace' });
    expect((await verify(APP)).identity).toEqual({ kind: 'app-level token', credentialId: 'U0FAKE0001', principal: 'Deploy App', account: 'Fake Workspace' });
    answer({ ok: true, bot_id: '', user_id: 'U0FAKE0002', user: 'release-bot', team: '', team_id: 'T0FAKE0002' });
    expect((await verify()).identity).toEqual({ kind: 'bot token', credentialId: 'U0FAKE0002', principal: 'release-bot', account: 'T0FAKE0002' });
    answer({ ok: true, bot_id: 7, user: 3, team_id: 5 });
    expect((await verify()).identity).toEqual({ kind: 'bot token' });
  });

  it('an expires_in that is not a positive number of seconds gives no expiry', async () => {
    for (const expires_in of [0, -60, '3600']) {
      answer({ ok: true, user_id: 'U0FAKE0001', expires_in });
      const v = await verify();
      expect(v.status).toBe('live');
      expect(v.expiresAt).toBeUndefined();
    }
    answer({ ok: true, expires_in: 1 });
    const before = Date.now();
    const at = Date.parse((await verify()).expiresAt!);
    expect(at - before).toBeGreaterThanOrEqual(1000);
    expect(at - before).toBeLessThan(5000);
  });
});

describe('auth.test answers that do not say the token is good', () => {
  it('each dead error code is dead; any other, or one that is not a short code, is unknown and never shown raw', async () => {
    for (const code of ['invalid_auth', 'token_revoked', 'token_expired', 'account_inactive']) {
      answer({ ok: false, error: code });
      expect(await verify()).toMatchObject({ status: 'dead', reason: `Slack refuses it (${code})`, identity: { kind: 'bot token' } });
    }
    answer({ ok: false, error: 'ekm_access_denied' });
    expect(await verify()).toMatchObject({ status: 'unknown', reason: 'Slack could not say (ekm_access_denied)' });
    for (const error of [`invalid_auth ${BOT}`, 'Invalid_Auth', 'a'.repeat(65), 42, undefined]) {
      answer({ ok: false, error });
      const v = await verify();
      expect(v).toMatchObject({ status: 'unknown', reason: 'Slack could not say (unknown_error)' });
    }
    answer({ ok: false, error: `${'a'.repeat(64)}` });
    expect((await verify()).reason).toContain('a'.repeat(64));
  });

  it('a reply whose ok is not a boolean, or a success status other than 200, says nothing', async () => {
    answer({ ok: 'true', user_id: 'U0FAKE0001' });
    expect(await verify()).toMatchObject({ status: 'unknown', reason: 'Slack answered with a body that is not its JSON' });
    answer({});
    expect((await verify()).status).toBe('unknown');
    answer({ ok: true }, undefined, 201);
    expect(await verify()).toMatchObject({ status: 'unknown', reason: 'Slack answered HTTP 201' });
    answer({ ok: false, error: 'fatal_error' }, undefined, 500);
    expect(await verify()).toMatchObject({ status: 'unknown', reason: 'Slack failed to answer (HTTP 500)' });
    answer({ ok: false, error: 'fatal_error' }, undefined, 499);
    expect(await verify()).toMatchObject({ status: 'unknown', reason: 'Slack answered HTTP 499' });
  });

  it('a rate limit says when to retry, if Slack said', async () => {
    answer({ ok: false, error: 'ratelimited' }, { 'retry-after': '0' }, 429);
    expect((await verify()).reason).toBe('Slack is rate-limiting (HTTP 429, retry after 0 s); try again later');
    answer({ ok: false, error: 'ratelimited' }, undefined, 429);
    expect((await verify()).reason).toBe('Slack is rate-limiting (HTTP 429); try again later');
  });

  it('a network failure is unknown, naming Slack, without the token', async () => {
    const v = await slack.verify!({ value: BOT }, contextFor('slack', 'http://127.0.0.1:1'));
    expect(v.status).toBe('unknown');
    expect(v.reason).toMatch(/^Slack could not be asked: /);
    expect(v.reason).not.toContain(BOT.slice(-12));
  });
});

describe('analyze: the scopes in x-oauth-scopes', () => {
  it('trims, drops empty entries and repeats', async () => {
    answer({ ok: true }, { 'x-oauth-scopes': ' chat:write, ,users:read,chat:write,' });
    expect(await slack.analyze!({ value: BOT }, ctx())).toEqual({
      grants: [
        { scope: 'chat:write', risk: 'write' },
        { scope: 'users:read', risk: 'read' },
      ],
      complete: true,
    });
    answer({ ok: true }, { 'x-oauth-scopes': '' });
    expect(await slack.analyze!({ value: BOT }, ctx())).toEqual({ grants: [], complete: true });
  });

  it('a refresh token is not spent: nothing is asked and nothing claimed', async () => {
    const before = api.requests.length;
    const a = await slack.analyze!({ value: `xoxe-1-FAKE${'EXAMPLE'.repeat(10)}` }, ctx());
    expect(a).toMatchObject({ grants: [], complete: false });
    expect(a.note).toMatch(/refresh token/);
    expect(api.requests.length).toBe(before);
  });

  it('an answer that is not a yes fails with exit 5, saying whether Slack refused or did not answer', async () => {
    answer({ ok: false, error: 'token_revoked' });
    const refused = (await slack.analyze!({ value: BOT }, ctx()).catch((e: unknown) => e)) as CredctlError;
    expect(refused).toBeInstanceOf(CredctlError);
    expect(refused.exitCode).toBe(ExitCode.Remote);
    expect(refused.message).toMatch(/^Slack auth\.test \(token_revoked\)/);
    answer({ ok: true }, undefined, 503);
    const down = (await slack.analyze!({ value: BOT }, ctx()).catch((e: unknown) => e)) as CredctlError;
    expect(down.message).toMatch(/^Slack auth\.test \(no answer\): HTTP 503/);
    answer({ ok: 'yes' });
    expect(((await slack.analyze!({ value: BOT }, ctx()).catch((e: unknown) => e)) as Error).message).toMatch(/\(no answer\)/);
    for (const e of [refused, down]) expect(e.message).not.toContain(BOT.slice(-12));
  });
});

describe('revoke: auth.revoke', () => {
  it('ok without revoked:false is revoked; revoked:false (Slack did not revoke it now) is already', async () => {
    answer({ ok: true, revoked: true });
    expect(await slack.revoke!.run({ value: BOT }, ctx())).toBe('revoked');
    expect(api.requests.at(-1)).toMatchObject({ method: 'POST', path: '/auth.revoke' });
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${BOT}`);
    answer({ ok: true });
    expect(await slack.revoke!.run({ value: BOT }, ctx())).toBe('revoked');
    answer({ ok: true, revoked: false });
    expect(await slack.revoke!.run({ value: BOT }, ctx())).toBe('already');
  });

  it('each dead error code is already; a body that is not its JSON is an error', async () => {
    for (const code of ['invalid_auth', 'token_revoked', 'token_expired', 'account_inactive']) {
      answer({ ok: false, error: code });
      expect(await slack.revoke!.run({ value: BOT }, ctx())).toBe('already');
    }
    answer({ revoked: true });
    const err = (await slack.revoke!.run({ value: BOT }, ctx()).catch((e: unknown) => e)) as CredctlError;
    expect(err).toBeInstanceOf(CredctlError);
    expect(err.message).toMatch(/^Slack auth\.revoke: HTTP 200/);
  });
});

describe('token kinds and scope risks', () => {
  it('names each kind of Slack token by its prefix, only at the start', () => {
    expect(tokenKind('xoxe.xoxp-1-FAKE')).toBe('app configuration token or expiring user token');
    expect(tokenKind('xoxe.xoxb-1-FAKE')).toBe('expiring bot token');
    expect(tokenKind('xoxe-1-FAKE')).toBe('refresh token');
    expect(tokenKind('xoxb-FAKE')).toBe('bot token');
    expect(tokenKind('xoxp-FAKE')).toBe('user token');
    expect(tokenKind('xapp-FAKE')).toBe('app-level token');
    for (const v of ['FAKE-xoxe.xoxp-1', 'FAKE-xoxe.xoxb-1', 'FAKE-xoxe-1', 'FAKE-xoxb-', 'xoxeAxoxp-1', 'xoxeAxoxb-1']) expect(tokenKind(v), v).toBe('token');
  });

  it("rates Slack's admin, write-only-by-name and read scopes", () => {
    for (const s of ['admin', 'admin.users:write', 'admin:org', 'client']) expect(scopeRisk(s), s).toBe('admin');
    for (const s of [
      'bot',
      'incoming-webhook',
      'commands',
      'chat:write',
      'chat:write.public',
      'chat:write:bot',
      'connections:write',
      'app_configurations:write',
    ])
      expect(scopeRisk(s), s).toBe('write');
    for (const s of ['channels:history', 'identify', 'identity.basic', 'users:read', 'abot', 'bots', 'xcommands', 'clients'])
      expect(scopeRisk(s), s).toBe('read');
  });
});

describe('what a user is told', () => {
  it('names Slack, its API address, and that a revoke cannot be undone', () => {
    expect(slack.title).toMatch(/Slack/);
    expect(slack.defaultApi).toBe('https://slack.com/api');
    expect(slack.revoke!.warning).toMatch(/^Irreversible: the token stops working at once/);
    expect(slack.manual?.rotate?.instructions).toMatch(/Reinstall to Workspace/);
  });
});
