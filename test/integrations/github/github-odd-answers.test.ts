import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { contextFor, credctlRejection } from '../context.js';
import { startStandIn, type StandIn, type StandInAnswer } from '../standin.js';

// GitHub answers its REST reference does not describe: a 200 with no body or a null one where
// verify needs a login or a repository count, a repository list with holes, a failed list that is
// not a malformed one, and a failed revoke. credctl says what GitHub did (answered without what
// it needs, refused, failed) instead of crashing or calling it unreachable. Tokens are fake.
const CLASSIC = 'ghp_FAKEodd00123456789abcdefFAKE01234567';
const FINE = 'github_pat_FAKE0123456789ODDANSWERS_FAKE0123456789FAKE0123456789FAKE0123456789FAKE01234567';
const USER_TOKEN = 'ghu_FAKEodd00123456789abcdefFAKE0123456';
const INSTALLATION = 'ghs_FAKEodd00123456789abcdefFAKE0123456';

const github = integrationNamed('github')!;
let routes: Record<string, StandInAnswer>;
let api: StandIn;
beforeAll(async () => {
  api = await startStandIn({
    handle: (req) => routes[`${req.method} ${req.path}`] ?? { status: 404, body: { message: 'Not Found' } },
    errorBody: (_s, message) => ({ message }),
  });
});
afterAll(() => api.close());
beforeEach(() => {
  routes = {};
});
const ctx = () => contextFor('github', api.url);

describe('verify: a 200 without what verify reads', () => {
  it('a token whose /user answer has no body is unknown, GitHub having answered without a login', async () => {
    for (const answer of [{ status: 200 }, { status: 200, body: null }]) {
      routes = { 'GET /user': answer };
      const v = await github.verify!({ value: CLASSIC }, ctx());
      expect(v.status).toBe('unknown');
      expect(v.reason).toMatch(/^GitHub answered \/user without/);
    }
  });

  it('an installation token whose repository list has no body is unknown, GitHub having answered without a count', async () => {
    for (const answer of [{ status: 200 }, { status: 200, body: null }]) {
      routes = { 'GET /installation/repositories': answer };
      const v = await github.verify!({ value: INSTALLATION }, ctx());
      expect(v.status).toBe('unknown');
      expect(v.reason).toMatch(/^GitHub answered \/installation\/repositories without/);
    }
  });
});

describe('analyze: the lists of repositories and installations', () => {
  it('a failed list is reported with its status, not as a malformed body; a 200 that is not a list is malformed', async () => {
    const cases: [string, string][] = [
      [FINE, 'GET /user/repos'],
      [INSTALLATION, 'GET /installation/repositories'],
      [USER_TOKEN, 'GET /user/installations'],
    ];
    for (const [token, route] of cases) {
      routes = { [route]: { status: 404, body: { message: 'Not Found' } } };
      const failed = await credctlRejection(github.analyze!({ value: token }, ctx()));
      expect(failed.exitCode).toBe(ExitCode.Remote);
      expect(failed.message, route).toMatch(/: HTTP 404 \(Not Found\)$/);
      routes = { [route]: { status: 200, body: { message: 'a list was expected' } } };
      const odd = await credctlRejection(github.analyze!({ value: token }, ctx()));
      expect(odd.message, route).toMatch(/: HTTP 200 \(malformed body\)/);
    }
  });

  it('an entry of the repository list that is not an object does not stop the rest from being listed', async () => {
    routes = { 'GET /user/repos': { status: 200, body: [null, { full_name: 'fake-org/listed', permissions: { pull: true } }, { name: 'named-only' }] } };
    const a = await github.analyze!({ value: FINE }, ctx());
    expect(a.complete).toBe(false);
    expect(a.grants.map((g) => g.resource)).toEqual(expect.arrayContaining(['fake-org/listed', 'named-only']));
    expect(a.grants).toHaveLength(3);
    routes = { 'GET /installation/repositories': { status: 200, body: { total_count: 2, repositories: [null, { full_name: 'fake-org/app' }] } } };
    const b = await github.analyze!({ value: INSTALLATION }, ctx());
    expect(b.grants.map((g) => g.resource)).toContain('fake-org/app');
  });
});

describe('revoke: a failure names GitHub', () => {
  it('an installation token GitHub fails to delete, and a token /credentials/revoke fails on, end in exit 5 naming GitHub', async () => {
    routes = { 'DELETE /installation/token': { status: 500, body: { message: 'Server Error' } } };
    const installation = await credctlRejection(github.revoke!.run({ value: INSTALLATION }, ctx()));
    expect(installation.exitCode).toBe(ExitCode.Remote);
    expect(installation.message).toMatch(/^GitHub did not revoke the installation token: HTTP 500/);
    routes = {
      'GET /user': { status: 200, body: { login: 'fake-odd', id: 9 } },
      'POST /credentials/revoke': { status: 500, body: { message: 'Server Error' } },
    };
    const classic = await credctlRejection(github.revoke!.run({ value: CLASSIC }, ctx()));
    expect(classic.exitCode).toBe(ExitCode.Remote);
    expect(classic.message).toMatch(/^GitHub did not revoke the token: HTTP 500/);
  });
});
