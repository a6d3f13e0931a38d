/**
 * What the GitHub integration makes of each kind of answer GitHub can give, beyond the happy paths
 * in github.test.ts: rate limits in their several forms, bodies missing what verify needs,
 * paginated repository lists, tokens of every prefix, and revocation answers. Each runs against
 * the REST stand-in (standin.ts); odd bodies are served with its `answerNext`.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redact } from '../../../src/core/redact.js';
import { expiryOf } from '../../../src/integrations/github/index.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { contextFor, keptAnswers } from '../context.js';
import { startGithub, type GithubStandIn } from './standin.js';

const CLASSIC = 'ghp_FAKEanswers0123456789abcdefFAKE01234';
const OAUTH = 'gho_FAKEoauth0123456789abcdefFAKE0123456';
const OAUTH_SCOPED = 'gho_FAKEscoped0123456789abcdefFAKE01234';
const FINE = 'github_pat_FAKE0123456789ANSWERS_FAKE0123456789FAKE0123456789FAKE0123456789FAKE0123456789abc';
const USER_TOKEN = 'ghu_FAKEanswers0123456789abcdefFAKE0123';
const INSTALLATION = 'ghs_FAKEinstallation0123456789abcdefFAKE';
const REFRESH = 'ghr_FAKErefresh0123456789abcdefFAKE012345';
const NO_PREFIX = 'FAKEoldstyle0123456789abcdef0123456789ab';
const TOKENS = [CLASSIC, OAUTH, OAUTH_SCOPED, FINE, USER_TOKEN, INSTALLATION, REFRESH, NO_PREFIX];

const github = integrationNamed('github')!;
let api: GithubStandIn;
const ctx = () => contextFor('github', api.url);
/** Everything a test got back, to check no token value ever appears in it. */
const { seen, keep, failure } = keptAnswers();
const callsTo = (path: string) => api.requests.filter((r) => r.path === path).length;

beforeAll(async () => {
  api = await startGithub({
    [CLASSIC]: { login: 'fake-answers', id: 2002, scopes: 'repo' },
    [OAUTH]: { login: 'fake-oauth-user', id: 2003 },
    [OAUTH_SCOPED]: { login: 'fake-oauth-user', id: 2003, scopes: 'read:user, gist, frobnicate:admin' },
    [FINE]: {
      login: 'fake-answers',
      id: 2002,
      repos: [
        { full_name: 'fake-org/maintained', permissions: { admin: false, maintain: true, push: true, pull: true } },
        { full_name: 'fake-org/pushed', permissions: { admin: false, push: true, pull: true } },
        { full_name: 'fake-org/triaged', permissions: { admin: false, push: false, triage: true, pull: true } },
        { full_name: 'fake-org/read', permissions: { admin: false, push: false, pull: true } },
      ],
    },
    [USER_TOKEN]: {
      login: 'fake-answers',
      id: 2002,
      installations: [
        { id: 78, account: { login: 'fake-admin-org' }, permissions: { administration: 'admin', issues: 'read' } },
        { id: 79, account: undefined as unknown as { login: string }, permissions: { pull_requests: 'write' } },
      ],
    },
    [NO_PREFIX]: { login: 'fake-old-user', id: 2004 },
  });
});
afterAll(() => api.close());

describe('github verify: what each answer means', () => {
  it('a secondary rate limit (403 naming it, requests left) is unknown, not live', async () => {
    api.misbehave({ kind: 'status', status: 403, message: 'You have exceeded a secondary rate limit.', headers: { 'x-ratelimit-remaining': '4990' } });
    const v = keep(await github.verify!({ value: CLASSIC }, ctx()));
    expect(v.status).toBe('unknown');
    expect(v.reason).toContain('GitHub is rate-limiting (HTTP 403)');
  });

  it('an exhausted limit says when it resets; a reset that is missing or not a time is left out', async () => {
    api.misbehave(
      { kind: 'status', status: 403, message: 'Forbidden', headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1900000000' } },
      { count: 1 },
    );
    const v = keep(await github.verify!({ value: CLASSIC }, ctx()));
    expect(v).toMatchObject({ status: 'unknown' });
    expect(v.reason).toContain(`until ${new Date(1_900_000_000_000).toISOString()}`);
    api.misbehave({ kind: 'status', status: 429 }, { count: 2 });
    expect(keep(await github.verify!({ value: CLASSIC }, ctx())).reason).toMatch(/HTTP 429\) until \d{4}-/);
    for (const reset of ['0', 'soon']) {
      api.misbehave({ kind: 'status', status: 429, headers: { 'x-ratelimit-reset': reset } }, { count: 2 });
      const w = keep(await github.verify!({ value: CLASSIC }, ctx()));
      expect(w.status).toBe('unknown');
      expect(w.reason).toContain('HTTP 429');
      expect(w.reason).not.toContain('until');
    }
  });

  it('a 401 is dead even when the rate limit is spent (a bad token counts against it too)', async () => {
    api.misbehave({ kind: 'status', status: 401, message: 'Bad credentials', headers: { 'x-ratelimit-remaining': '0' } });
    expect(keep(await github.verify!({ value: CLASSIC }, ctx())).status).toBe('dead');
  });

  it('a 403 with requests left and no rate-limit words is the token lacking access: live', async () => {
    api.misbehave({ kind: 'status', status: 403, message: 'Must have admin rights to Repository.', headers: { 'x-ratelimit-remaining': '4990' } });
    const v = keep(await github.verify!({ value: CLASSIC }, ctx()));
    expect(v.status).toBe('live');
    expect(v.reason).toContain('Must have admin rights');
  });

  it('a live token is said to be accepted by GitHub', async () => {
    expect(keep(await github.verify!({ value: CLASSIC }, ctx())).reason).toContain('GitHub accepted it');
  });

  it('an empty 200 is unknown, saying what GitHub left out', async () => {
    api.answerNext('/user', { status: 200 });
    expect(keep(await github.verify!({ value: CLASSIC }, ctx())).reason).toContain('without a login');
    api.answerNext('/installation/repositories', { status: 200 });
    expect(keep(await github.verify!({ value: INSTALLATION }, ctx())).reason).toContain('without a repository count');
  });

  it('a /user answer without a login or a numeric id is unknown', async () => {
    api.answerNext('/user', { status: 200, body: { id: 2002 } });
    const noLogin = keep(await github.verify!({ value: CLASSIC }, ctx()));
    expect(noLogin).toMatchObject({ status: 'unknown' });
    expect(noLogin.reason).toContain('without a login');
    api.answerNext('/user', { status: 200, body: { login: 'fake-answers', id: '2002' } });
    expect(keep(await github.verify!({ value: CLASSIC }, ctx())).status).toBe('unknown');
  });

  it('a token without an expiry header has no expiresAt; one of unknown prefix names no kind', async () => {
    const v = keep(await github.verify!({ value: CLASSIC }, ctx()));
    expect(v.status).toBe('live');
    expect(v).not.toHaveProperty('expiresAt');
    const old = keep(await github.verify!({ value: NO_PREFIX }, ctx()));
    expect(old).toMatchObject({ status: 'live' });
    expect(old.identity).toEqual({ principal: 'fake-old-user', account: 'fake-old-user' });
  });

  it('an OAuth app token is live with its own kind', async () => {
    expect(keep(await github.verify!({ value: OAUTH }, ctx()))).toMatchObject({
      status: 'live',
      identity: { principal: 'fake-oauth-user', kind: 'OAuth app token' },
    });
  });

  it('GitHub out of reach is unknown, saying it could not be asked', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const v = keep(await github.verify!({ value: CLASSIC }, contextFor('github', `http://127.0.0.1:${port}`)));
    expect(v.status).toBe('unknown');
    expect(v.reason).toContain('GitHub could not be asked');
  });
});

describe('github verify of installation tokens (GET /installation/repositories)', () => {
  it('asks for one repository, and names the owner, the count and the expiry', async () => {
    const userCalls = callsTo('/user');
    api.answerNext('/installation/repositories', {
      status: 200,
      headers: { 'github-authentication-token-expiration': '2027-02-01 08:30:00 UTC' },
      body: { total_count: 12, repositories: [{ full_name: 'fake-org/api', owner: { login: 'fake-org' } }] },
    });
    const v = keep(await github.verify!({ value: INSTALLATION }, ctx()));
    expect(v).toMatchObject({
      status: 'live',
      identity: { kind: 'GitHub App installation token', account: 'fake-org' },
      expiresAt: '2027-02-01T08:30:00.000Z',
    });
    expect(v.reason).toContain('12 repositories');
    const sent = api.requests.at(-1)!;
    expect(sent.query.get('per_page')).toBe('1');
    expect(sent.headers.authorization).toBe(`Bearer ${INSTALLATION}`);
    expect(callsTo('/user')).toBe(userCalls);
  });

  it('reaching no repository is still live, with no account and no expiry', async () => {
    api.answerNext('/installation/repositories', { status: 200, body: { total_count: 0, repositories: [] } });
    const v = keep(await github.verify!({ value: INSTALLATION }, ctx()));
    expect(v.status).toBe('live');
    expect(v.identity).toEqual({ kind: 'GitHub App installation token' });
    expect(v).not.toHaveProperty('expiresAt');
  });

  it('an answer without a repository count is unknown; a refusal is dead; a rate limit unknown', async () => {
    api.answerNext('/installation/repositories', { status: 200, body: { repositories: [] } });
    const v = keep(await github.verify!({ value: INSTALLATION }, ctx()));
    expect(v.status).toBe('unknown');
    expect(v.reason).toContain('without a repository count');
    expect(keep(await github.verify!({ value: INSTALLATION }, ctx())).status).toBe('dead');
    api.misbehave({ kind: 'status', status: 429 }, { count: 2 });
    expect(keep(await github.verify!({ value: INSTALLATION }, ctx())).reason).toContain('rate-limiting');
  });
});

describe('github analyze: what each kind of token reaches', () => {
  it("a fine-grained PAT's repositories each carry the account's role as their bound", async () => {
    const a = keep(await github.analyze!({ value: FINE }, ctx()));
    expect(api.requests.at(-1)!.query.get('per_page')).toBe('100');
    expect(a.grants.map((g) => [g.resource, g.scope, g.risk])).toEqual([
      ['fake-org/maintained', 'repository access', 'write'],
      ['fake-org/pushed', 'repository access', 'write'],
      ['fake-org/triaged', 'repository access', 'write'],
      ['fake-org/read', 'repository access', 'read'],
    ]);
    expect(a.grants.map((g) => g.description)).toEqual([
      "at most what the account's maintain role allows",
      "at most what the account's push role allows",
      "at most what the account's triage role allows",
      "at most what the account's pull role allows",
    ]);
    expect(a.note).not.toContain('first 100');
    expect(a.note).toContain('https://github.com/settings/personal-access-tokens');
  });

  it('says when only the first page of repositories is shown, and names a repository by name when it has no full name', async () => {
    api.answerNext('/user/repos', {
      status: 200,
      headers: { link: `<${'https://api.github.com/user/repos?page=2'}>; rel="next", <https://api.github.com/user/repos?page=3>; rel="last"` },
      body: [{ name: 'lonely', permissions: { admin: true } }],
    });
    const a = keep(await github.analyze!({ value: FINE }, ctx()));
    expect(a.note).toContain('(first 100 shown)');
    expect(a.grants).toEqual([expect.objectContaining({ resource: 'lonely', risk: 'admin' })]);
  });

  it('a repository list GitHub refuses or garbles fails with exit 5, naming the call', async () => {
    api.misbehave({ kind: 'status', status: 500 }, { count: 2 });
    const e = await failure(github.analyze!({ value: FINE }, ctx()));
    expect(e).toMatchObject({ exitCode: 5 });
    expect(e!.message).toContain('/user/repos');
    expect(e!.message).toContain('HTTP 500');
    api.answerNext('/user/repos', { status: 200, body: { message: 'not a list' } });
    const odd = await failure(github.analyze!({ value: FINE }, ctx()));
    expect(odd).toMatchObject({ exitCode: 5 });
    expect(odd!.message).toContain('malformed');
  });

  it("an installation token's repositories, paginated or not, and its refusals", async () => {
    api.answerNext('/installation/repositories', {
      status: 200,
      body: { total_count: 2, repositories: [{ full_name: 'fake-org/one' }, { full_name: 'fake-org/two' }] },
    });
    const a = keep(await github.analyze!({ value: INSTALLATION }, ctx()));
    expect(api.requests.at(-1)!.query.get('per_page')).toBe('100');
    expect(a).toMatchObject({ complete: false });
    expect(a.grants.map((g) => [g.resource, g.risk])).toEqual([
      ['fake-org/one', 'read'],
      ['fake-org/two', 'read'],
    ]);
    expect(a.note).not.toContain('first 100');
    api.answerNext('/installation/repositories', {
      status: 200,
      headers: { link: '<https://api.github.com/installation/repositories?page=2>; rel="next"' },
      body: { total_count: 101, repositories: [{ full_name: 'fake-org/one' }] },
    });
    expect(keep(await github.analyze!({ value: INSTALLATION }, ctx())).note).toContain('(first 100 shown)');
    const refused = await failure(github.analyze!({ value: INSTALLATION }, ctx()));
    expect(refused).toMatchObject({ exitCode: 5 });
    expect(refused!.message).toContain('/installation/repositories');
  });

  it('a user token weighs each installation permission, naming the account or else the installation', async () => {
    const a = keep(await github.analyze!({ value: USER_TOKEN }, ctx()));
    expect(api.requests.at(-1)!.query.get('per_page')).toBe('100');
    expect(a.grants).toEqual([
      { scope: 'administration:admin', risk: 'admin', resource: 'fake-admin-org' },
      { scope: 'issues:read', risk: 'read', resource: 'fake-admin-org' },
      { scope: 'pull_requests:write', risk: 'write', resource: '79' },
    ]);
    expect(a.note).toContain("app's installation permissions");
  });

  it('a user token whose installations cannot be listed fails with exit 5', async () => {
    api.misbehave({ kind: 'status', status: 403, message: 'Resource not accessible' });
    const e = await failure(github.analyze!({ value: USER_TOKEN }, ctx()));
    expect(e).toMatchObject({ exitCode: 5 });
    expect(e!.message).toContain('installations');
    api.answerNext('/user/installations', { status: 200, body: { total_count: 1 } });
    const odd = await failure(github.analyze!({ value: USER_TOKEN }, ctx()));
    expect(odd).toMatchObject({ exitCode: 5 });
    expect(odd!.message).toContain('malformed');
  });

  it('a refresh token reaches nothing by itself, and is analysed without a call', async () => {
    const before = api.requests.length;
    const a = keep(await github.analyze!({ value: REFRESH }, ctx()));
    expect(a).toMatchObject({ grants: [], complete: false });
    expect(a.note).toContain('mint user tokens');
    expect(api.requests.length).toBe(before);
  });

  it('an OAuth token: its scopes when GitHub lists them, and "unknown" when it sends no scopes header', async () => {
    const scoped = keep(await github.analyze!({ value: OAUTH_SCOPED }, ctx()));
    expect(scoped.complete).toBe(true);
    expect(scoped.grants.map((g) => [g.scope, g.risk])).toEqual([
      ['read:user', 'read'],
      ['gist', 'write'],
      ['frobnicate:admin', 'admin'],
    ]);
    expect(scoped.note).toBeUndefined();
    const bare = keep(await github.analyze!({ value: OAUTH }, ctx()));
    expect(bare).toMatchObject({ grants: [], complete: false });
    expect(bare.note).toContain('scopes are unknown');
  });

  it('a classic token GitHub garbles the answer for fails with exit 5', async () => {
    api.misbehave({ kind: 'malformed' });
    const e = await failure(github.analyze!({ value: CLASSIC }, ctx()));
    expect(e).toMatchObject({ exitCode: 5 });
    expect(e!.message).toContain('GET /user');
  });
});

describe('github revoke: what is sent and what each answer means', () => {
  it('an installation token deletes itself; a 5xx is exit 5 and it stays usable', async () => {
    api.misbehave({ kind: 'status', status: 503 }, { path: '/installation/token', count: 2 });
    const e = await failure(github.revoke!.run({ value: INSTALLATION }, ctx()));
    expect(e).toMatchObject({ exitCode: 5 });
    expect(e!.message).toContain('GitHub did not revoke the installation token');
    const del = api.requests.filter((r) => r.path === '/installation/token').at(-1)!;
    expect(del.method).toBe('DELETE');
    expect(del.headers.authorization).toBe(`Bearer ${INSTALLATION}`);
    expect(callsTo('/credentials/revoke')).toBe(0);
  });

  it('a refresh token goes straight to the list endpoint (it cannot be verified first)', async () => {
    const before = callsTo('/user');
    expect(await github.revoke!.run({ value: REFRESH }, ctx())).toBe('revoked');
    expect(callsTo('/user')).toBe(before);
    expect(api.revocations.at(-1)).toEqual([REFRESH]);
  });

  it('a user token and an OAuth token are revoked through the list; a token GitHub cannot vouch for is still revoked', async () => {
    const victim = 'gho_FAKEvictim0123456789abcdefFAKE012345';
    api.tokens.set(victim, { login: 'fake-oauth-user', id: 2003 });
    expect(await github.revoke!.run({ value: victim }, ctx())).toBe('revoked');
    expect(api.revoked.has(victim)).toBe(true);
    const user = 'ghu_FAKEvictim0123456789abcdefFAKE012345';
    api.tokens.set(user, { login: 'fake-answers', id: 2002 });
    // GitHub failing the check first is no reason to leave the token alive.
    api.misbehave({ kind: 'status', status: 502 }, { path: '/user', count: 2 });
    expect(await github.revoke!.run({ value: user }, ctx())).toBe('revoked');
    expect(api.revoked.has(user)).toBe(true);
  });

  it('what is not a GitHub token is refused before any call', async () => {
    const before = api.requests.length;
    const e = await failure(github.revoke!.run({ value: 'FAKEnotgithub0123456789' }, ctx()));
    expect(e).toMatchObject({ exitCode: 3 });
    expect(e!.message).toContain('not a GitHub token');
    expect(api.requests.length).toBe(before);
  });

  it('a refusal names what failed and, for 422, what to do', async () => {
    api.misbehave({ kind: 'status', status: 422, message: 'Validation Failed' }, { path: '/credentials/revoke' });
    const e = await failure(github.revoke!.run({ value: REFRESH }, ctx()));
    expect(e!.message).toContain('GitHub refused the revocation');
    expect(e!.hint).toContain('https://github.com/settings/tokens');
    api.misbehave({ kind: 'status', status: 404 }, { path: '/credentials/revoke' });
    const missing = await failure(github.revoke!.run({ value: REFRESH }, ctx()));
    expect(missing).toMatchObject({ exitCode: 5 });
    expect(missing!.message).toContain('GitHub did not revoke the token');
  });
});

describe('github: more answers GitHub can give', () => {
  it('a 403 without a body is still the token lacking access (live), and names GitHub', async () => {
    api.answerNext('/user', { status: 403 });
    const v = keep(await github.verify!({ value: CLASSIC }, ctx()));
    expect(v.status).toBe('live');
    expect(v.reason).toContain('GitHub');
  });

  it('a 429 says only that GitHub is rate-limiting and to try later', async () => {
    api.misbehave({ kind: 'status', status: 429, headers: { 'x-ratelimit-reset': 'soon' } }, { count: 2 });
    expect(keep(await github.verify!({ value: CLASSIC }, ctx())).reason).toMatch(/^GitHub is rate-limiting \(HTTP 429\); try again later$/);
  });

  it('a refresh token is unknown, and the reason says why', async () => {
    expect(keep(await github.verify!({ value: REFRESH }, ctx())).reason).toContain('refresh token (ghr_) cannot call the API');
  });

  it('an expiry is read as UTC whatever the local time zone, with or without surrounding space', () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(expiryOf('2027-01-31 12:00:00 UTC')).toBe('2027-01-31T12:00:00.000Z');
      expect(expiryOf(' 2027-01-31 12:00:00 UTC ')).toBe('2027-01-31T12:00:00.000Z');
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
    expect(expiryOf(undefined)).toBeUndefined();
    expect(expiryOf('')).toBeUndefined();
  });

  it('an installation token whose repositories name no owner, or are not listed, names no account', async () => {
    for (const body of [{ total_count: 1, repositories: [{ full_name: 'fake-org/api' }] }, { total_count: 3 }]) {
      api.answerNext('/installation/repositories', { status: 200, body });
      const v = keep(await github.verify!({ value: INSTALLATION }, ctx()));
      expect(v.status).toBe('live');
      expect(Object.keys(v.identity!)).toEqual(['kind']);
    }
  });

  it('an empty 200 where a list was expected fails with exit 5, not a crash', async () => {
    for (const [path, value] of [
      ['/installation/repositories', INSTALLATION],
      ['/user/installations', USER_TOKEN],
    ] as const) {
      api.answerNext(path, { status: 200 });
      const e = await failure(github.analyze!({ value }, ctx()));
      expect(e, path).toMatchObject({ exitCode: 5 });
      expect(e!.message).toMatch(/^GitHub could not list/);
    }
  });

  it('a list sent with an error status is not read as the repositories', async () => {
    api.answerNext('/user/repos', { status: 404, body: [{ full_name: 'fake-org/ghost', permissions: { admin: true } }] });
    expect(await failure(github.analyze!({ value: FINE }, ctx()))).toMatchObject({ exitCode: 5 });
    api.answerNext('/user/installations', { status: 404, body: { installations: [{ id: 1, permissions: { contents: 'write' } }] } });
    expect(await failure(github.analyze!({ value: USER_TOKEN }, ctx()))).toMatchObject({ exitCode: 5 });
  });

  it('the notes say what is shown and where to see the rest', async () => {
    expect(keep(await github.analyze!({ value: FINE }, ctx())).note).toMatch(/only the repositories it reaches; each is bounded/);
    api.answerNext('/installation/repositories', { status: 200, body: { total_count: 1, repositories: [{ full_name: 'fake-org/one' }] } });
    expect(keep(await github.analyze!({ value: INSTALLATION }, ctx())).note).toMatch(/shown only when it is created; these are the repositories it reaches\.$/);
  });

  it('GitHub quoting the token back is shown redacted, in a verify reason and in errors', async () => {
    const quoting = (status: number, path?: string) => api.misbehave({ kind: 'status', status, message: `Bad credentials: ${CLASSIC}` }, path ? { path } : {});
    quoting(401);
    const v = keep(await github.verify!({ value: CLASSIC }, ctx()));
    expect(v.reason).toContain(redact(CLASSIC));
    quoting(401);
    const a = await failure(github.analyze!({ value: CLASSIC }, ctx()));
    expect(a!.message).toContain('GitHub did not show the token scopes');
    expect(a!.message).toContain(redact(CLASSIC));
    quoting(422, '/credentials/revoke');
    const r = await failure(github.revoke!.run({ value: CLASSIC }, ctx()));
    expect(r!.message).toContain(redact(CLASSIC));
    quoting(404, '/credentials/revoke');
    expect((await failure(github.revoke!.run({ value: CLASSIC }, ctx())))!.message).toContain(redact(CLASSIC));
    api.misbehave({ kind: 'status', status: 400, message: `Bad credentials: ${INSTALLATION}` }, { path: '/installation/token' });
    expect((await failure(github.revoke!.run({ value: INSTALLATION }, ctx())))!.message).toContain(redact(INSTALLATION));
    api.misbehave({ kind: 'status', status: 400, message: `Bad credentials: ${FINE}` }, { path: '/user/repos' });
    expect((await failure(github.analyze!({ value: FINE }, ctx())))!.message).toContain(redact(FINE));
    api.misbehave({ kind: 'status', status: 400, message: `Bad credentials: ${USER_TOKEN}` }, { path: '/user/installations' });
    expect((await failure(github.analyze!({ value: USER_TOKEN }, ctx())))!.message).toContain(redact(USER_TOKEN));
  });

  it("the revocation call carries GitHub's media type and API version", async () => {
    await github.revoke!.run({ value: REFRESH }, ctx());
    const post = api.requests.filter((r) => r.path === '/credentials/revoke').at(-1)!;
    expect(post.headers['x-github-api-version']).toBe('2022-11-28');
    expect(post.headers.accept).toBe('application/vnd.github+json');
  });

  it('is registered as github, talks to api.github.com by default, and names where to revoke by hand', () => {
    expect(github.id).toBe('github');
    expect(github.title).toContain('GitHub');
    expect(github.defaultApi).toBe('https://api.github.com');
    expect(github.manual?.revoke?.url).toBe('https://github.com/settings/tokens');
    expect(github.manual?.revoke?.instructions).toContain('https://github.com/settings/personal-access-tokens');
    expect(github.manual?.revoke?.instructions).toContain('https://github.com/settings/applications');
  });
});

describe('github answers canary', () => {
  it('no token value appears in any result or error', () => {
    const all = JSON.stringify(seen);
    expect(seen.length).toBeGreaterThan(20);
    for (const t of TOKENS) expect(all).not.toContain(t.slice(4, 30));
  });
});
