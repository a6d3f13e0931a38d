import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { contextFor, credctlRejection } from '../context.js';
import { startStandIn, type StandIn, type StandInAnswer, type StandInRequest } from '../standin.js';

// Slack answers that are not what its Web API documents (an empty 200, a body that is not JSON,
// a redirect that quotes the token), and Slack echoing the token in its error text: credctl
// answers "unknown" or fails with exit 5, keeps the kind of token it saw, and never repeats the
// token. Fixture tokens are fake and say so.
const BOT = 'xoxb-0000000000-0000000001-FAKEtokenEXAMPLE00000000';
// Shorter than the 24 characters the long-token rule cuts (src/targets/http.ts safeVendorText):
// only masking by value keeps it out of a message.
const SHORT = 'xoxb-FAKE-0123456789';

const slack = integrationNamed('slack')!;
let answer: (req: StandInRequest) => StandInAnswer;
let api: StandIn;
beforeAll(async () => {
  api = await startStandIn({ handle: (req) => answer(req), errorBody: (_s, message) => ({ ok: false, error: message }), rateLimitHeaders: {} });
});
afterAll(() => api.close());
beforeEach(() => {
  answer = () => ({ status: 200, body: { ok: true } });
});
const ctx = () => contextFor('slack', api.url);
const reply = (a: StandInAnswer) => {
  answer = () => a;
};

describe('a 200 from auth.test that is not its JSON', () => {
  it('verify says Slack answered without its JSON (it did answer), keeping the kind of token', async () => {
    for (const a of [{ status: 200 }, { status: 200, raw: 'not json' }, { status: 200, body: null }]) {
      reply(a);
      expect(await slack.verify!({ value: BOT }, ctx())).toEqual({
        status: 'unknown',
        reason: 'Slack answered with a body that is not its JSON',
        identity: { kind: 'bot token' },
      });
    }
  });

  it('analyze fails with exit 5, saying Slack gave no answer, not a crash', async () => {
    for (const a of [{ status: 200 }, { status: 200, raw: 'not json' }]) {
      reply(a);
      const err = await credctlRejection(slack.analyze!({ value: BOT }, ctx()));
      expect(err.exitCode).toBe(ExitCode.Remote);
      expect(err.message).toMatch(/^Slack auth\.test \(no answer\): HTTP 200/);
    }
  });
});

describe('an unknown answer still says which kind of token was checked', () => {
  it('for a rate limit, a failure, an odd status and an error code that says nothing', async () => {
    for (const a of [
      { status: 429, body: { ok: false, error: 'ratelimited' } },
      { status: 502, body: { ok: false, error: 'fatal_error' } },
      { status: 201, body: { ok: true } },
      { status: 200, body: { ok: false, error: 'ekm_access_denied' } },
    ]) {
      reply(a);
      const v = await slack.verify!({ value: 'xapp-1-A0FAKE0001-FAKEappEXAMPLE' }, ctx());
      expect(v.status, JSON.stringify(a)).toBe('unknown');
      expect(v.identity, JSON.stringify(a)).toEqual({ kind: 'app-level token' });
    }
  });
});

describe('a revoke Slack refuses for a reason of its own', () => {
  it('fails with exit 5 naming the call and the error code Slack gave', async () => {
    reply({ status: 200, body: { ok: false, error: 'not_allowed_token_type' } });
    const err = await credctlRejection(slack.revoke!.run({ value: BOT }, ctx()));
    expect(err.exitCode).toBe(ExitCode.Remote);
    expect(err.message).toMatch(/^Slack auth\.revoke \(not_allowed_token_type\)/);
  });
});

describe('the token is never repeated, however Slack quotes it', () => {
  it('a token too short for the long-token rule is masked in analyze and revoke failures', async () => {
    const failures = [];
    reply({ status: 200, body: { ok: false, error: `not_allowed ${SHORT}` } });
    failures.push(await credctlRejection(slack.analyze!({ value: SHORT }, ctx())));
    reply({ status: 500, body: { ok: false, error: `fatal_error for ${SHORT}` } });
    failures.push(await credctlRejection(slack.revoke!.run({ value: SHORT }, ctx())));
    reply({ status: 200, body: { ok: false, error: `not_allowed ${SHORT}` } });
    failures.push(await credctlRejection(slack.revoke!.run({ value: SHORT }, ctx())));
    for (const err of failures) {
      expect(err.exitCode).toBe(ExitCode.Remote);
      // Slack's words are kept, only the token is masked.
      expect(err.message).toMatch(/(not_allowed|fatal_error for) \S/);
      expect(err.message).not.toContain(SHORT);
      expect(err.message).not.toContain('FAKE-0123456789');
    }
  });

  it('a redirect that puts the token in the address does not bring it into the reason', async () => {
    answer = (req) =>
      req.path === '/auth.test' ? { status: 302, headers: { location: `/moved/${BOT}` } } : { status: 302 /* and no Location: the client gives up */ };
    const v = await slack.verify!({ value: BOT }, ctx());
    expect(v.status).toBe('unknown');
    expect(v.reason).toMatch(/^Slack could not be asked: .*\/moved\//);
    expect(v.reason).not.toContain(BOT);
    expect(v.reason).not.toContain('FAKEtokenEXAMPLE');
  });
});
