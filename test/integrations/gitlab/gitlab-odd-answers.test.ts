/**
 * Answers to the token record that are valid HTTP but not what each step needs, beyond
 * gitlab-answers.test.ts: a record under a status other than 200 (analyze and identify must not
 * read its scopes or id), a failing read before a rotation (its error must not call a JSON body
 * malformed), a 200 whose body is JSON null or a string (isActive cannot say "active" of nothing), and an
 * issuer whose path only contains /api/v4 (it still gets the /api/v4 prefix). No token value
 * may appear in any message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { RotationSubject } from '../../../src/integrations/types.js';
import { contextFor, credctlRejection } from '../context.js';
import { startGitLab, type GitLabStandIn } from './standin.js';

const gitlab = integrationNamed('gitlab')!;
const CRED: RotationSubject = { id: 'fp', names: ['FAKE_GITLAB_TOKEN'], provider: 'gitlab' };
const USER = 'glpat-FAKEoddAnswersUser0123';
const SELF = '/personal_access_tokens/self';

let api: GitLabStandIn;
const ctx = () => contextFor('gitlab', api.url);
const record = { id: 501, name: 'ci', revoked: false, scopes: ['api'], user_id: 7, active: true, expires_at: null };

beforeAll(async () => {
  api = await startGitLab({ 7: { username: 'fake-dev', name: 'Fake Dev' } });
  api.add(USER, { userId: 7, scopes: ['api'] });
});
afterAll(() => api.close());

describe('a token record under a status other than 200 is not read', () => {
  it('analyze: a 201 or a 404 carrying scopes is an error (exit 5), not a list of grants', async () => {
    for (const status of [201, 404]) {
      api.answerNext('GET', SELF, { status, body: record });
      const err = await credctlRejection(gitlab.analyze!({ value: USER }, ctx()));
      expect(err.exitCode).toBe(ExitCode.Remote);
      expect(err.message).toMatch(new RegExp(`^GitLab read token scopes: HTTP ${status}`));
      expect(err.message).not.toContain(USER);
    }
  });

  it('identify: a 201 or a 404 carrying an id is an error, not the id of the token to rotate', async () => {
    const p = gitlab.rotate!.provider(CRED, ctx());
    for (const status of [201, 404]) {
      api.answerNext('GET', SELF, { status, body: record });
      const err = await credctlRejection(p.identify({ oldValue: USER, binding: '' }));
      expect(err.message).toMatch(new RegExp(`^GitLab identify token: HTTP ${status}`));
    }
  });

  it('create: a read that fails with a JSON error says the status, and does not call the body malformed', async () => {
    const p = gitlab.rotate!.provider(CRED, ctx());
    api.answerNext('GET', SELF, { status: 404, body: { message: '404 Not Found' } });
    const err = await credctlRejection(p.create({ credential: CRED, oldValue: USER, idempotencyKey: 'odd1' }));
    expect(err.exitCode).toBe(ExitCode.Remote);
    expect(err.message).toMatch(/^GitLab read token before rotating: HTTP 404/);
    expect(err.message).not.toMatch(/malformed/);
  });
});

describe('isActive reads only a token record', () => {
  it('a 200 whose body is JSON null or a string is unknown, not active (and no crash)', async () => {
    const p = gitlab.rotate!.provider(CRED, ctx());
    for (const raw of ['null', '"glpat"']) {
      api.answerNext('GET', SELF, { status: 200, raw });
      expect(await p.isActive({ value: USER })).toBe('unknown');
    }
    // The record itself still says so.
    expect(await p.isActive({ value: USER })).toBe(true);
  });
});

describe('the issuer path', () => {
  it('an issuer whose path only contains /api/v4 still gets the /api/v4 prefix', async () => {
    const before = api.requests.length;
    await gitlab.verify!({ value: USER }, contextFor('gitlab', `${api.url}/api/v4/gitlab`));
    expect(api.requests.slice(before).map((r) => r.path)[0]).toBe(`/api/v4/gitlab/api/v4${SELF}`);
  });
});
