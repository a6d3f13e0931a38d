/**
 * What credctl makes of each answer the Bot API may give to getMe, beyond telegram.test.ts: the
 * bot it names (with and without a username), which refusals mean dead, bodies that are not a
 * bot, a passing failure that is retried, a server that cannot be reached, and the manual steps
 * a user is sent to (the API cannot revoke a token). The token travels in the URL path, so every
 * answer is checked for it at the end, including a value too short for any generic cut. The
 * module is imported directly, so these tests also judge the fields the registry and CLI read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import telegram from '../../../src/integrations/telegram/index.js';
import { contextFor, keptAnswers } from '../context.js';
import { startStandIn } from '../standin.js';
import { startTelegram, type TelegramStandIn } from './standin.js';

const NAMED = '0609397449:AAFAKE_EXAMPLEnamed0123456789abcdef';
const NAMELESS = '0609397450:AAFAKE_EXAMPLEnameless0123456789abc';
/** Shorter than the 24-character run any vendor text is cut at: only masking keeps it out of a reason. */
const SHORT = '0609397451:AAFAKE_short_EXAMPLE';
const TOKENS = [NAMED, NAMELESS, SHORT];

let api: TelegramStandIn;
const ctx = () => contextFor('telegram', api.url);
const { seen, keep } = keptAnswers();
const verify = async (value: string, c = ctx()) => keep(await telegram.verify!({ value }, c));

beforeAll(async () => {
  api = await startTelegram({ [NAMED]: { id: 609397449, username: 'fake_release_bot' }, [NAMELESS]: { id: 609397450 } });
});
afterAll(() => api.close());

describe('telegram verify names the bot', () => {
  it('a live token names the bot by @username, its id, and that it is a bot token, from one GET getMe', async () => {
    const before = api.requests.length;
    const v = await verify(NAMED);
    expect(v).toEqual({
      status: 'live',
      reason: expect.stringContaining('Telegram'),
      identity: { principal: '@fake_release_bot', credentialId: '609397449', kind: 'bot token' },
    });
    expect(api.requests.slice(before).map((r) => [r.method, r.path])).toEqual([['GET', `/bot${NAMED}/getMe`]]);
  });

  it('a bot without a username is named by its id', async () => {
    const v = await verify(NAMELESS);
    expect(v.status).toBe('live');
    expect(v.identity).toEqual({ principal: '609397450', credentialId: '609397450', kind: 'bot token' });
  });
});

describe('telegram verify reads each refusal', () => {
  it('404 (a token path Telegram does not route) is dead, and says 404', async () => {
    api.answerNext({ status: 404, body: { ok: false, error_code: 404, description: 'Not Found' } });
    const v = await verify(NAMED);
    expect(v.status).toBe('dead');
    expect(v.reason).toContain('404');
  });

  it('a 401 that echoes the token is dead, and the reason names Telegram but not the token', async () => {
    api.answerNext({ status: 401, body: { ok: false, error_code: 401, description: `Unauthorized: ${SHORT}` } });
    const v = await verify(SHORT);
    expect(v.status).toBe('dead');
    expect(v.reason).toContain('Telegram');
    expect(v.reason).toContain('Unauthorized');
    expect(v.reason).not.toContain(SHORT);
  });

  it('a passing 502 is asked again, and the second answer counts', async () => {
    const before = api.requests.length;
    api.misbehave({ kind: 'status', status: 502 });
    const v = await verify(NAMED);
    expect(v.status).toBe('live');
    expect(api.requests.length - before).toBe(2);
  });
});

describe('telegram verify: a 200 that is not a bot is unknown, never live', () => {
  const notABot: [string, unknown][] = [
    ['ok is false', { ok: false, result: { id: 609397449, username: 'fake_release_bot' } }],
    ['ok is not the boolean true', { ok: 'true', result: { id: 609397449, username: 'fake_release_bot' } }],
    ['no result', { ok: true }],
    ['an id that is not a number', { ok: true, result: { id: '609397449', username: 'fake_release_bot' } }],
  ];
  for (const [what, body] of notABot)
    it(`${what}: unknown, and the reason names the getMe call`, async () => {
      api.answerNext({ status: 200, body });
      const v = await verify(NAMED);
      expect(v.status).toBe('unknown');
      expect(v.identity).toBeUndefined();
      expect(v.reason).toContain('Telegram getMe: HTTP 200 (malformed body)');
    });

  it('a 200 refusal that echoes the token shows what Telegram said, without the token', async () => {
    api.answerNext({ status: 200, body: { ok: false, description: `token ${SHORT} is not a bot` } });
    const v = await verify(SHORT);
    expect(v.status).toBe('unknown');
    expect(v.reason).toContain('is not a bot');
    expect(v.reason).not.toContain(SHORT);
  });

  it('an empty 200 is unknown for the same reason, not a crash', async () => {
    api.answerNext({ status: 200 });
    const v = await verify(NAMED);
    expect(v.status).toBe('unknown');
    expect(v.reason).toContain('Telegram getMe: HTTP 200');
  });
});

describe('telegram verify when Telegram cannot be reached', () => {
  it('a refused connection is unknown; the URL in the network error is shown without the token', async () => {
    const gone = await startStandIn({ handle: () => ({ status: 200 }), errorBody: () => ({}) });
    const url = gone.url;
    await gone.close();
    const v = await verify(SHORT, contextFor('telegram', url));
    expect(v.status).toBe('unknown');
    expect(v.reason).toMatch(/^Telegram could not be asked: .*getMe/);
    expect(v.reason).not.toContain(SHORT);
  });
});

describe('what the registry and the CLI read from the Telegram module', () => {
  it('its id, title and the real Bot API address', () => {
    expect(telegram.id).toBe('telegram');
    expect(telegram.title).toContain('Telegram');
    expect(telegram.defaultApi).toBe('https://api.telegram.org');
  });

  it('revoke and rotate are manual steps with @BotFather, and rotate says how to store the new token', () => {
    expect(telegram.revoke).toBeUndefined();
    expect(telegram.rotate).toBeUndefined();
    for (const step of [telegram.manual!.revoke!, telegram.manual!.rotate!]) {
      expect(step.url).toBe('https://t.me/BotFather');
      expect(step.instructions).toContain('/revoke');
    }
    expect(telegram.manual!.rotate!.instructions).toContain('credctl store put');
  });
});

describe('telegram answers canary', () => {
  it('no token appears in any verification', () => {
    const all = JSON.stringify(seen);
    expect(seen.length).toBeGreaterThan(8);
    for (const t of TOKENS) expect(all).not.toContain(t.slice(11));
  });
});
