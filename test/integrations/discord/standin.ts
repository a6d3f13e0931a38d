/**
 * Discord HTTP API v10 stand-in (see src/integrations/discord/API.md): the bot user and its
 * application for known bot tokens, `Authorization: Bot <token>` enforced, Discord's error and
 * rate-limit bodies.
 */
import { startStandIn, type StandIn, type StandInAnswer, type StandInRequest } from '../standin.js';

export interface DiscordBot {
  user: { id: string; username: string };
  app: Record<string, unknown>;
}

export interface DiscordStandIn extends StandIn {
  /** Reset Token in the Developer Portal: the old token stops working. */
  reset(token: string): void;
  /** The next `count` requests to this method and path get this answer instead of the bot's. */
  answerNext(method: string, path: string | RegExp, answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer), count?: number): void;
}

export async function startDiscord(bots: Record<string, DiscordBot>): Promise<DiscordStandIn> {
  const live = new Map(Object.entries(bots));
  const scripted: { method: string; path: string | RegExp; answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer); left: number }[] = [];
  const standIn = await startStandIn({
    errorBody: (status, message) =>
      status === 429
        ? { message: 'You are being rate limited.', retry_after: 0.05, global: false }
        : { message: status === 403 ? 'Missing Access' : `${status}: ${message}`, code: status === 403 ? 50001 : 0 },
    rateLimitHeaders: {
      'retry-after': '0',
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(Date.now() / 1000 + 0.05),
      'x-ratelimit-reset-after': '0.05',
      'x-ratelimit-bucket': 'FAKEbucket',
      'x-ratelimit-scope': 'user',
    },
    handle(req) {
      const i = scripted.findIndex((a) => a.method === req.method && (typeof a.path === 'string' ? req.path === a.path : a.path.test(req.path)));
      if (i >= 0) {
        const a = scripted[i]!;
        if (--a.left <= 0) scripted.splice(i, 1);
        return typeof a.answer === 'function' ? a.answer(req) : a.answer;
      }
      const h = req.headers.authorization;
      const bot = typeof h === 'string' && h.startsWith('Bot ') ? live.get(h.slice(4)) : undefined;
      if (!bot) return { status: 401, body: { message: '401: Unauthorized', code: 0 } };
      const headers = { 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '4', 'x-ratelimit-bucket': 'FAKEbucket' };
      if (req.method === 'GET' && req.path === '/api/v10/users/@me') {
        return { status: 200, headers, body: { ...bot.user, discriminator: '0', global_name: null, avatar: null, bot: true, flags: 0 } };
      }
      if (req.method === 'GET' && (req.path === '/api/v10/oauth2/applications/@me' || req.path === '/api/v10/applications/@me')) {
        return { status: 200, headers, body: { bot_public: false, bot_require_code_grant: false, description: '', ...bot.app } };
      }
      return { status: 404, body: { message: '404: Not Found', code: 0 } };
    },
  });
  return Object.assign(standIn, {
    reset: (token: string) => void live.delete(token),
    answerNext(method: string, path: string | RegExp, answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer), count = 1) {
      scripted.push({ method, path, answer, left: count });
    },
  });
}
