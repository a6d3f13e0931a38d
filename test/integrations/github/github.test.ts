import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { appJwt, createInstallationToken, expiryOf, tokenKind } from '../../../src/integrations/github/index.js';
import { contextFor, keptAnswers } from '../context.js';
import { startGithub, type GithubStandIn } from './standin.js';

// Obviously fake, yet shaped like the real formats (and providers/github/rules.yaml).
const CLASSIC = 'ghp_FAKE0123456789abcdefFAKE0123456789ab';
const CLASSIC_BARE = 'ghp_FAKE0123456789abcdefFAKE000000000000';
const UNKNOWN = 'ghp_FAKE00000000000000000000000000000dead';
const FINE = 'github_pat_FAKE0123456789ABCDEFGH_FAKE0123456789FAKE0123456789FAKE0123456789FAKE0123456789xyz';
const USER_TOKEN = 'ghu_FAKEuser0123456789abcdefFAKE01234567';
const TOKENS = [CLASSIC, CLASSIC_BARE, UNKNOWN, FINE, USER_TOKEN];

const github = integrationNamed('github')!;
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const APP_KEY = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
let api: GithubStandIn;
const ctx = () => contextFor('github', api.url);
/** Everything a test got back, to check no token value ever appears in it. */
const { seen, keep, failure } = keptAnswers();

beforeAll(async () => {
  api = await startGithub(
    {
      [CLASSIC]: { login: 'fake-octocat', id: 1001, scopes: 'repo, workflow, admin:org, delete_repo, read:packages', expires: '2027-01-31 12:00:00 UTC' },
      [CLASSIC_BARE]: { login: 'fake-octocat', id: 1001, scopes: '' },
      [FINE]: {
        login: 'fake-octocat',
        id: 1001,
        expires: '2027-03-01 00:00:00 UTC',
        repos: [
          { full_name: 'fake-org/api', permissions: { admin: true, push: true, pull: true } },
          { full_name: 'fake-org/docs', permissions: { admin: false, push: false, pull: true } },
        ],
      },
      [USER_TOKEN]: {
        login: 'fake-octocat',
        id: 1001,
        installations: [{ id: 77, account: { login: 'fake-org' }, permissions: { contents: 'write', metadata: 'read' } }],
      },
    },
    [
      {
        ids: ['Iv23FAKEclient0000', '4242'],
        publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        installations: {
          '9001': { account: 'fake-org', permissions: { contents: 'write', metadata: 'read', issues: 'write' }, repositories: ['api', 'docs', 'web'] },
        },
      },
    ],
  );
});
afterAll(() => api.close());

describe('github fixtures', () => {
  it('match the detection rules and are told apart by prefix', () => {
    expect(CLASSIC).toMatch(/^ghp_[0-9A-Za-z]{36}$/);
    expect(FINE).toMatch(/^github_pat_[0-9A-Za-z]{22}_[0-9A-Za-z]{59}$/);
    expect(USER_TOKEN).toMatch(/^ghu_[0-9A-Za-z]{36}$/);
    expect([tokenKind(CLASSIC), tokenKind(FINE), tokenKind(USER_TOKEN), tokenKind('ghs_x'), tokenKind('xoxb-1')]).toEqual([
      'classic PAT',
      'fine-grained PAT',
      'GitHub App user token',
      'GitHub App installation token',
      undefined,
    ]);
    expect(expiryOf('2027-01-31 12:00:00 UTC')).toBe('2027-01-31T12:00:00.000Z');
    expect(expiryOf('not a date')).toBeUndefined();
  });
});

describe('github verify against the REST API stand-in', () => {
  it('a live classic PAT names its login, kind and expiry, with GitHub headers sent', async () => {
    const v = keep(await github.verify!({ value: CLASSIC }, ctx()));
    expect(v).toMatchObject({
      status: 'live',
      identity: { principal: 'fake-octocat', account: 'fake-octocat', kind: 'classic PAT' },
      expiresAt: '2027-01-31T12:00:00.000Z',
    });
    const sent = api.requests.at(-1)!;
    expect(sent.headers.authorization).toBe(`Bearer ${CLASSIC}`);
    expect(sent.headers['x-github-api-version']).toBe('2022-11-28');
    expect(sent.headers.accept).toBe('application/vnd.github+json');
  });

  it('a fine-grained PAT is live with its own kind', async () => {
    expect(keep(await github.verify!({ value: FINE }, ctx()))).toMatchObject({
      status: 'live',
      identity: { kind: 'fine-grained PAT' },
      expiresAt: '2027-03-01T00:00:00.000Z',
    });
  });

  it('an unknown token is dead (401 Bad credentials)', async () => {
    const v = keep(await github.verify!({ value: UNKNOWN }, ctx()));
    expect(v.status).toBe('dead');
    expect(v.reason).toContain('Bad credentials');
  });

  it('a rate limit is unknown, whether GitHub answers 429 or 403 with x-ratelimit-remaining: 0', async () => {
    api.misbehave({ kind: 'status', status: 429 }, { count: 2 });
    expect(keep(await github.verify!({ value: CLASSIC }, ctx())).status).toBe('unknown');
    api.misbehave(
      {
        kind: 'status',
        status: 403,
        message: 'API rate limit exceeded for user ID 1001.',
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1900000000' },
      },
      { count: 1 },
    );
    const limited = keep(await github.verify!({ value: CLASSIC }, ctx()));
    expect(limited).toMatchObject({ status: 'unknown' });
    expect(limited.reason).toContain('rate-limiting');
  });

  it('a 403 that is not a rate limit means live but not allowed', async () => {
    api.misbehave({ kind: 'status', status: 403, message: 'Resource protected by organization SAML enforcement.' });
    expect(keep(await github.verify!({ value: CLASSIC }, ctx())).status).toBe('live');
  });

  it('5xx and a malformed body are unknown, never live', async () => {
    api.misbehave({ kind: 'status', status: 502 }, { count: 2 });
    expect(keep(await github.verify!({ value: CLASSIC }, ctx())).status).toBe('unknown');
    api.misbehave({ kind: 'malformed' });
    expect(keep(await github.verify!({ value: CLASSIC }, ctx())).status).toBe('unknown');
  });

  it('a refresh token is unknown without a call (it cannot call the API)', async () => {
    const before = api.requests.length;
    expect((await github.verify!({ value: 'ghr_FAKE0123456789abcdefFAKE0123456789ab' }, ctx())).status).toBe('unknown');
    expect(api.requests.length).toBe(before);
  });
});

describe('github analyze', () => {
  it('weighs classic scopes from X-OAuth-Scopes', async () => {
    const a = keep(await github.analyze!({ value: CLASSIC }, ctx()));
    expect(a.complete).toBe(true);
    expect(Object.fromEntries(a.grants.map((g) => [g.scope, g.risk]))).toEqual({
      repo: 'admin',
      workflow: 'write',
      'admin:org': 'admin',
      delete_repo: 'admin',
      'read:packages': 'read',
    });
  });

  it('a classic token with no scopes reads public data only', async () => {
    const a = keep(await github.analyze!({ value: CLASSIC_BARE }, ctx()));
    expect(a).toMatchObject({ grants: [], complete: true });
    expect(a.note).toContain('public');
  });

  it('a fine-grained PAT shows its repositories, bounded by role, and says it is incomplete', async () => {
    const a = keep(await github.analyze!({ value: FINE }, ctx()));
    expect(a.complete).toBe(false);
    expect(a.note).toContain('does not show');
    expect(a.grants).toEqual([
      expect.objectContaining({ resource: 'fake-org/api', risk: 'admin' }),
      expect.objectContaining({ resource: 'fake-org/docs', risk: 'read' }),
    ]);
  });

  it('a GitHub App user token shows its installations permissions', async () => {
    const a = keep(await github.analyze!({ value: USER_TOKEN }, ctx()));
    expect(a.complete).toBe(false);
    expect(a.grants).toEqual([
      { scope: 'contents:write', risk: 'write', resource: 'fake-org' },
      { scope: 'metadata:read', risk: 'read', resource: 'fake-org' },
    ]);
  });

  it('a refused analyze is exit 5 with GitHub words and no token', async () => {
    const e = await failure(github.analyze!({ value: UNKNOWN }, ctx()));
    expect(e).toMatchObject({ exitCode: 5 });
    expect((e as any).message).toContain('Bad credentials');
  });
});

describe('github revoke through POST /credentials/revoke', () => {
  it('is unauthenticated, sends the token in the list, and the token then stops working', async () => {
    const victim = 'ghp_FAKEvictim0123456789abcdefFAKE012345';
    api.tokens.set(victim, { login: 'fake-octocat', id: 1001, scopes: 'repo' });
    expect(github.revoke).toMatchObject({ needsAdmin: false });
    expect(github.revoke!.warning).toMatch(/cannot undo/i);
    expect(github.revoke!.warning).toMatch(/deploy keys/i);
    expect(keep(await github.revoke!.run({ value: victim }, ctx()))).toBe('revoked');
    const post = api.requests.filter((r) => r.path === '/credentials/revoke').at(-1)!;
    expect(post.headers.authorization).toBeUndefined();
    expect(post.body).toEqual({ credentials: [victim] });
    expect(keep(await github.verify!({ value: victim }, ctx())).status).toBe('dead');
    // A second run (a resumed apply) is told apart from the first.
    expect(await github.revoke!.run({ value: victim }, ctx())).toBe('already');
  });

  it('a fine-grained PAT is revoked the same way', async () => {
    const fine = 'github_pat_FAKE0123456789ABCDEFGH_FAKEvictim789FAKE0123456789FAKE0123456789FAKE0123456789xyz';
    api.tokens.set(fine, { login: 'fake-octocat', id: 1001 });
    expect(await github.revoke!.run({ value: fine }, ctx())).toBe('revoked');
    expect(api.revoked.has(fine)).toBe(true);
  });

  it('a 422 (validation, or more than 60 an hour) and a 5xx fail with exit 5, the token masked', async () => {
    const victim = 'ghp_FAKEspam0123456789abcdefFAKE01234567';
    api.tokens.set(victim, { login: 'fake-octocat', id: 1001 });
    api.misbehave({ kind: 'status', status: 422, message: 'Validation Failed' }, { path: '/credentials/revoke' });
    const spam = await failure(github.revoke!.run({ value: victim }, ctx()));
    expect(spam).toMatchObject({ exitCode: 5 });
    expect((spam as any).message).toContain('422');
    expect((spam as any).hint).toContain('60 revocations in an hour');
    api.misbehave({ kind: 'status', status: 500 }, { path: '/credentials/revoke', count: 2 });
    expect(await failure(github.revoke!.run({ value: victim }, ctx()))).toMatchObject({ exitCode: 5 });
    expect(api.revoked.has(victim)).toBe(false);
  });

  it('refuses what is not a GitHub token, with exit 3', async () => {
    expect(await failure(github.revoke!.run({ value: 'xoxb-FAKE-0000000000' }, ctx()))).toMatchObject({ exitCode: 3 });
  });

  it('rotation is an honest manual step naming the settings pages', () => {
    expect(github.rotate).toBeUndefined();
    expect(github.manual?.rotate?.url).toBe('https://github.com/settings/personal-access-tokens');
    expect(github.manual?.rotate?.instructions).toContain('https://github.com/settings/tokens');
  });
});

describe('github App installation tokens', () => {
  it('signs an RS256 JWT GitHub accepts and mints a down-scoped token', async () => {
    const t = await createInstallationToken(ctx(), {
      appId: 'Iv23FAKEclient0000',
      privateKey: APP_KEY,
      installationId: 9001,
      repositories: ['api'],
      permissions: { contents: 'read' },
    });
    expect(t.value).toMatch(/^ghs_/);
    expect(t).toMatchObject({ permissions: { contents: 'read' }, repositorySelection: 'selected', repositories: ['fake-org/api'] });
    expect(Date.parse(t.expiresAt) - Date.now()).toBeGreaterThan(50 * 60_000);
    const v = await github.verify!({ value: t.value }, ctx());
    expect(v).toMatchObject({ status: 'live', identity: { kind: 'GitHub App installation token', account: 'fake-org' } });
    const a = await github.analyze!({ value: t.value }, ctx());
    expect(a.grants.map((g) => g.resource)).toEqual(['fake-org/api']);
    expect(a.complete).toBe(false);
    // It revokes itself, and is dead afterwards.
    expect(await github.revoke!.run({ value: t.value }, ctx())).toBe('revoked');
    expect((await github.verify!({ value: t.value }, ctx())).status).toBe('dead');
    expect(await github.revoke!.run({ value: t.value }, ctx())).toBe('already');
  });

  it('the JWT claims follow GitHub rules (iat 60 s back, exp within 10 minutes, numeric iss for app ids)', () => {
    const [, payload] = appJwt('4242', APP_KEY, 1_800_000_000).split('.');
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toEqual({ iat: 1_800_000_000 - 60, exp: 1_800_000_000 + 540, iss: 4242 });
  });

  it('GitHub refuses more permission than the installation has, a stale JWT and a wrong key, as exit 5', async () => {
    expect(
      await failure(createInstallationToken(ctx(), { appId: '4242', privateKey: APP_KEY, installationId: 9001, permissions: { administration: 'write' } })),
    ).toMatchObject({ exitCode: 5 });
    const stale = await failure(
      createInstallationToken(ctx(), { appId: '4242', privateKey: APP_KEY, installationId: 9001, now: Math.floor(Date.now() / 1000) - 3600 }),
    );
    expect((stale as any).message).toContain('401');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(await failure(createInstallationToken(ctx(), { appId: '4242', privateKey: other, installationId: 9001 }))).toMatchObject({ exitCode: 5 });
    expect(await failure(createInstallationToken(ctx(), { appId: '4242', privateKey: APP_KEY, installationId: 404 }))).toMatchObject({ exitCode: 5 });
  });

  it('bad input is refused before any call, and the key never shows', async () => {
    const before = api.requests.length;
    const notPem = await failure(
      createInstallationToken(ctx(), {
        appId: '4242',
        privateKey: '-----BEGIN RSA PRIVATE KEY-----\nFAKE0123456789\n-----END RSA PRIVATE KEY-----',
        installationId: 9001,
      }),
    );
    expect(notPem).toMatchObject({ exitCode: 3 });
    expect(JSON.stringify(notPem)).not.toContain('FAKE0123456789');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(await failure(createInstallationToken(ctx(), { appId: '4242', privateKey: ec, installationId: 9001 }))).toMatchObject({ exitCode: 3 });
    expect(await failure(createInstallationToken(ctx(), { appId: '4242', privateKey: APP_KEY, installationId: '9001/../x' }))).toMatchObject({ exitCode: 3 });
    expect(
      await failure(
        createInstallationToken(ctx(), {
          appId: '4242',
          privateKey: APP_KEY,
          installationId: 9001,
          repositories: Array.from({ length: 501 }, (_, i) => `r${i}`),
        }),
      ),
    ).toMatchObject({ exitCode: 3 });
    expect(api.requests.length).toBe(before);
  });
});

describe('github canary', () => {
  it('no token value appears in any result or error', () => {
    const all = JSON.stringify(seen);
    expect(seen.length).toBeGreaterThan(15);
    for (const t of TOKENS) expect(all).not.toContain(t.slice(4, 30));
    expect(all).not.toContain('FAKEvictim');
    expect(all).not.toContain('FAKEspam');
  });
});
