/** Telegram Bot API stand-in (see src/integrations/telegram/API.md): getMe for known bot tokens. */
import { startStandIn, type StandIn, type StandInAnswer, type StandInRequest } from '../standin.js';

export interface TelegramBot {
  id: number;
  /** Every bot has one; a test may leave it out to see what credctl names then. */
  username?: string;
}

export interface TelegramStandIn extends StandIn {
  /** The next `count` requests answer this instead (an answer the bots above never produce). */
  answerNext(answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer), count?: number): void;
}

export async function startTelegram(bots: Record<string, TelegramBot>): Promise<TelegramStandIn> {
  const scripted: { answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer); left: number }[] = [];
  const standIn = await startStandIn({
    errorBody: (status, message) => ({
      ok: false,
      error_code: status,
      description: status === 429 ? 'Too Many Requests: retry after 1' : message,
      ...(status === 429 ? { parameters: { retry_after: 1 } } : {}),
    }),
    rateLimitHeaders: { 'retry-after': '0' },
    handle(req) {
      const next = scripted[0];
      if (next) {
        if (--next.left <= 0) scripted.shift();
        return typeof next.answer === 'function' ? next.answer(req) : next.answer;
      }
      const m = /^\/bot([^/]+)\/getMe$/.exec(req.path);
      if (!m) return { status: 404, body: { ok: false, error_code: 404, description: 'Not Found' } };
      const bot = bots[decodeURIComponent(m[1]!)];
      if (!bot) return { status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } };
      const name = bot.username ?? `bot ${bot.id}`;
      return { status: 200, body: { ok: true, result: { id: bot.id, is_bot: true, first_name: name, ...(bot.username ? { username: bot.username } : {}) } } };
    },
  });
  return Object.assign(standIn, {
    answerNext(answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer), count = 1) {
      scripted.push({ answer, left: count });
    },
  });
}
