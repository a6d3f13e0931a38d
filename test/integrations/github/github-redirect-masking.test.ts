import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { contextFor } from '../context.js';
import { startStandIn, type StandIn } from '../standin.js';

// A token sent only in a header or a body can still come back in an error: an answer that
// redirects to an address holding the token, then a redirect the client cannot follow, ends in a
// network error naming that address. Every call GitHub's folder makes masks the token there.
// Tokens are fake and say so.
const CLASSIC = 'ghp_FAKEredirect0123456789abcdefFAKE0123';
const FINE = 'github_pat_FAKE0123456789REDIRECT_FAKE0123456789FAKE0123456789FAKE0123456789FAKE0123456789ab';
const USER_TOKEN = 'ghu_FAKEredirect0123456789abcdefFAKE012';
const INSTALLATION = 'ghs_FAKEredirect0123456789abcdefFAKE012';

const github = integrationNamed('github')!;
let api: StandIn;
beforeAll(async () => {
  api = await startStandIn({
    // Every call is sent to /moved/<the token it carried>, which redirects with no Location.
    handle: (req) => {
      if (req.path.startsWith('/moved/')) return { status: 302 };
      const token = req.headers.authorization?.replace(/^Bearer /, '') ?? req.body?.credentials?.[0] ?? 'none';
      return { status: 302, headers: { location: `/moved/${token}` } };
    },
    errorBody: (_s, message) => ({ message }),
  });
});
afterAll(() => api.close());
const ctx = () => contextFor('github', api.url);
const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => '',
    (e: Error) => e.message,
  );

describe('a redirect that quotes the token', () => {
  it('is not repeated by verify, for any kind of token', async () => {
    for (const value of [CLASSIC, INSTALLATION]) {
      const v = await github.verify!({ value }, ctx());
      expect(v.status).toBe('unknown');
      expect(v.reason, value).toMatch(/\/moved\/.*redirect without a Location/);
      expect(v.reason, value).not.toContain(value);
    }
  });

  it('is not repeated by analyze, for any kind of token', async () => {
    for (const value of [CLASSIC, FINE, USER_TOKEN, INSTALLATION]) {
      const message = await failureOf(github.analyze!({ value }, ctx()));
      expect(message, value).toMatch(/\/moved\/.*redirect without a Location/);
      expect(message, value).not.toContain(value);
    }
  });

  it('is not repeated by revoke, for a token revoked by list or an installation token', async () => {
    for (const value of [CLASSIC, INSTALLATION]) {
      const message = await failureOf(github.revoke!.run({ value }, ctx()));
      expect(message, value).toMatch(/\/moved\/.*redirect without a Location/);
      expect(message, value).not.toContain(value);
    }
  });
});
