/**
 * What the Sentry integration makes of each answer /api/0/ can give, beyond sentry.test.ts: the
 * three token kinds and who each names, users named only by their display name or not at all,
 * scope lists holding odd entries, what each scope level risks, which payloads name an
 * organisation, the retry of a failed read, and Sentry out of reach. Answers the stand-in's tokens
 * never produce are scripted with its `answerNext`. The file ends by checking that no token value
 * appears in anything a test got back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { integrationContext } from '../../../src/integrations/context.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { orgOfToken, riskOfScope } from '../../../src/integrations/sentry/index.js';
import { contextFor, credctlRejection, keptAnswers } from '../context.js';
import { startSentry, type SentryStandIn } from './standin.js';

const orgToken = (payload: unknown) => `sntrys_${Buffer.from(JSON.stringify(payload)).toString('base64')}_FAKE0123456789EXAMPLE0123456789`;
const ORG_TOKEN = orgToken({ iat: 1700000000, url: 'https://sentry.io', org: 'fake-answers-org' });
const USER_TOKEN = `sntryu_${'0123456789abcdef'.repeat(3)}FAKEFAKEFAKEFAKE`;
/** An internal integration token: 64 hex, no prefix. */
const INTERNAL = `${'fedcba9876543210'.repeat(3)}0123456789FAKE00`;
/** Not of any Sentry form, and too short for the long-run redaction: only masking hides it. */
const SHORT = 'FAKE.sntry.0123';
const TOKENS = [ORG_TOKEN, USER_TOKEN, INTERNAL];

const sentry = integrationNamed('sentry')!;
let api: SentryStandIn;
const ctx = () => contextFor('sentry', api.url);
const { seen, keep } = keptAnswers();
const root = (body: unknown) => ({ status: 200, body });

beforeAll(async () => {
  api = await startSentry({
    [ORG_TOKEN]: { scopes: ['org:ci'] },
    [USER_TOKEN]: { scopes: ['org:read', 'team:write'], user: { id: '2', username: 'fake.answers', name: 'Fake Answers', email: 'answers@example.com' } },
    [INTERNAL]: { scopes: ['project:read', 'event:write'] },
  });
});
afterAll(() => api.close());

describe('sentry verify: who each kind of token names', () => {
  it('an internal integration token is an auth token of no user and no organisation', async () => {
    const v = keep(await sentry.verify!({ value: INTERNAL }, ctx()));
    expect(v).toEqual({ status: 'live', reason: 'Sentry accepted it just now', identity: { kind: 'auth token' } });
  });

  it('an organisation token names the organisation of its payload and no user', async () => {
    const v = keep(await sentry.verify!({ value: ORG_TOKEN }, ctx()));
    expect(v.identity).toEqual({ kind: 'organization auth token', account: 'fake-answers-org' });
  });

  it('a user is named by username, else by display name, else not at all', async () => {
    api.answerNext('/api/0/', root({ version: '0', auth: { scopes: ['org:read'] }, user: { id: '2', name: 'Only A Name' } }));
    const named = keep(await sentry.verify!({ value: USER_TOKEN }, ctx()));
    expect(named.identity).toEqual({ kind: 'user auth token', principal: 'Only A Name' });
    api.answerNext('/api/0/', root({ version: '0', auth: { scopes: ['org:read'] }, user: { id: '2', username: 42, name: null } }));
    const nameless = keep(await sentry.verify!({ value: USER_TOKEN }, ctx()));
    expect(nameless).toMatchObject({ status: 'live' });
    expect(nameless.identity).toEqual({ kind: 'user auth token' });
  });

  it('a body that is not JSON, or scopes that are not a list, is unknown and says why', async () => {
    api.answerNext('/api/0/', { status: 200, raw: '<html>sign in</html>' });
    const html = keep(await sentry.verify!({ value: USER_TOKEN }, ctx()));
    expect(html).toEqual({ status: 'unknown', reason: 'Sentry answered with a body that is not JSON' });
    api.answerNext('/api/0/', root({ version: '0', auth: { scopes: 'org:read' }, user: null }));
    const notAList = keep(await sentry.verify!({ value: USER_TOKEN }, ctx()));
    expect(notAList.status).toBe('unknown');
    expect(notAList.reason).toMatch(/^Sentry answered \/api\/0\/ without the token's scopes/);
    // A server that ignores the token (auth null), or answers nothing at all.
    for (const answer of [root({ version: '0', auth: null, user: null }), { status: 200 }]) {
      api.answerNext('/api/0/', answer);
      const v = keep(await sentry.verify!({ value: USER_TOKEN }, ctx()));
      expect(v).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/^Sentry answered \/api\/0\/ without the token's scopes/) });
    }
  });

  it("a failed read is tried once more; Sentry's 401 words are shown without the token", async () => {
    api.misbehave({ kind: 'status', status: 502 }, { count: 1 });
    const before = api.requests.length;
    expect(keep(await sentry.verify!({ value: USER_TOKEN }, ctx())).status).toBe('live');
    expect(api.requests.length - before).toBe(2);
    api.answerNext('/api/0/', { status: 401, body: { detail: `Invalid token ${USER_TOKEN}` } });
    const dead = keep(await sentry.verify!({ value: USER_TOKEN }, ctx()));
    expect(dead.status).toBe('dead');
    expect(dead.reason).toContain('Invalid token');
    // A value too short to look like a token is masked all the same when Sentry quotes it.
    api.answerNext('/api/0/', { status: 401, body: { detail: `Invalid token ${SHORT}` } });
    const short = keep(await sentry.verify!({ value: SHORT }, ctx()));
    expect(short.reason).toMatch(/^Sentry refuses it \(HTTP 401: Invalid token /);
    expect(short.reason).not.toContain(SHORT);
  });

  it('Sentry out of reach is unknown, with the first line of why', async () => {
    const v = keep(await sentry.verify!({ value: USER_TOKEN }, contextFor('sentry', 'http://127.0.0.1:9')));
    expect(v.status).toBe('unknown');
    expect(v.reason).toMatch(/^Sentry could not be asked: \S/);
  });
});

describe('sentry analyze: what the token can reach', () => {
  it('keeps only the scopes that are strings, each with its risk', async () => {
    api.answerNext('/api/0/', root({ version: '0', auth: { scopes: ['org:admin', 7, null, 'project:releases', { scope: 'x' }] }, user: null }));
    const a = keep(await sentry.analyze!({ value: INTERNAL }, ctx()));
    expect(a.grants).toEqual([
      { scope: 'org:admin', risk: 'admin' },
      { scope: 'project:releases', risk: 'write' },
    ]);
  });

  it("says a token acting for a user is capped by the user's role; a token of no user gets no such note", async () => {
    expect(keep(await sentry.analyze!({ value: INTERNAL }, ctx()))).toEqual({
      grants: [
        { scope: 'project:read', risk: 'read' },
        { scope: 'event:write', risk: 'write' },
      ],
      complete: true,
    });
    // A user token whose answer names no user is still a user's token.
    api.answerNext('/api/0/', root({ version: '0', auth: { scopes: ['org:read'] }, user: null }));
    expect(keep(await sentry.analyze!({ value: USER_TOKEN }, ctx())).note).toMatch(/user's role/);
    // A token without the user prefix that Sentry answers for a user acts as that user.
    api.answerNext('/api/0/', root({ version: '0', auth: { scopes: ['org:read'] }, user: { username: 'fake.bot' } }));
    expect(keep(await sentry.analyze!({ value: INTERNAL }, ctx())).note).toMatch(/user's role/);
  });

  it('a token Sentry refuses cannot be analysed: exit 5, naming Sentry and why', async () => {
    api.answerNext('/api/0/', { status: 401, body: { detail: 'Token expired' } });
    const err = keep(await credctlRejection(sentry.analyze!({ value: USER_TOKEN }, ctx())));
    expect(err.exitCode).toBe(ExitCode.Remote);
    expect(err.message).toMatch(/^Sentry: cannot read the token's scopes: .*Token expired/);
  });

  it('a member manager and any admin level is admin; write, releases and ci are write; anything else is read', () => {
    const risks = Object.fromEntries(
      [
        'org:admin',
        'member:admin',
        'member:write',
        'member:invite',
        'member:read',
        'member:writer',
        'team:member:write',
        'org:admin:read',
        'project:write',
        'project:releases',
        'org:ci',
        'project:releases:read',
        'org:cia',
        'event:read',
      ].map((s) => [s, riskOfScope(s)]),
    );
    expect(risks).toEqual({
      'org:admin': 'admin',
      'member:admin': 'admin',
      'member:write': 'admin',
      'member:invite': 'admin',
      'member:read': 'read',
      'member:writer': 'read',
      'team:member:write': 'write',
      'org:admin:read': 'read',
      'project:write': 'write',
      'project:releases': 'write',
      'org:ci': 'write',
      'project:releases:read': 'read',
      'org:cia': 'read',
      'event:read': 'read',
    });
  });
});

describe('which organisation token payloads name an organisation', () => {
  it('a slug of letters, digits, - and _, starting with a letter or digit, at most 64 long', () => {
    expect(orgOfToken(orgToken({ org: 'Fake-Org_9' }))).toBe('Fake-Org_9');
    expect(orgOfToken(orgToken({ org: 'a' }))).toBe('a');
    expect(orgOfToken(orgToken({ org: `a${'b'.repeat(63)}` }))).toBe(`a${'b'.repeat(63)}`);
    for (const org of [`a${'b'.repeat(64)}`, '-fake', '_fake', 'fake/../x', 'fake org', 'x.y', '', 12345, ['fake'], null])
      expect(orgOfToken(orgToken({ org }))).toBeUndefined();
  });

  it('only an sntrys_<payload>_<secret> token, its payload a JSON object', () => {
    // 15 bytes: base64 without padding, so a decoder reading past it would still find the org.
    const body = Buffer.from('{"org":"fake1"}').toString('base64');
    expect(orgOfToken(`sntrys_${body}_FAKEsecret`)).toBe('fake1');
    // Sentry's own parser takes a token of more than two underscores as malformed.
    expect(orgOfToken(`sntrys_${body}_FAKE_secret`)).toBeUndefined();
    expect(orgOfToken(`sntryu_${body}_FAKEsecret`)).toBeUndefined();
    expect(orgOfToken(`x_sntrys_${body}_FAKEsecret`)).toBeUndefined();
    // Without a second underscore there is no payload, even one that would decode (padded: cutting its last '=' changes nothing).
    expect(orgOfToken(`sntrys_${Buffer.from('{"org":"fake"}').toString('base64')}`)).toBeUndefined();
    expect(orgOfToken(`sntrys_${Buffer.from('null').toString('base64')}_FAKE`)).toBeUndefined();
    expect(orgOfToken(`sntrys_${Buffer.from('"fake"').toString('base64')}_FAKE`)).toBeUndefined();
    expect(orgOfToken(`sntrys_${Buffer.from('{org: fake}').toString('base64')}_FAKE`)).toBeUndefined();
  });
});

describe('what the registry and the CLI read from the module', () => {
  it("is found as 'sentry', talks to sentry.io by default, and points revoke and rotate at the token settings", () => {
    expect(sentry.id).toBe('sentry');
    expect(sentry.title).toContain('Sentry');
    expect(integrationContext({ integration: sentry, provider: 'sentry' }).api).toBe('https://sentry.io');
    expect(sentry.manual?.rotate?.url).toBe('https://sentry.io/settings/account/api/auth-tokens/');
    expect(sentry.manual?.rotate?.instructions).toContain('credctl store put');
    expect(sentry.manual?.revoke?.instructions).toContain('sntrys_');
  });
});

describe('sentry answers canary', () => {
  it('no token value appears in any result or error', () => {
    const all = JSON.stringify(seen, (_k, v) => (v instanceof Error ? { message: v.message, hint: (v as { hint?: string }).hint } : v));
    expect(seen.length).toBeGreaterThan(12);
    for (const t of TOKENS) expect(all).not.toContain(t.slice(7, 40));
    expect(all).not.toContain(SHORT);
  });
});
