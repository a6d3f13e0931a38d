/** Telegram Bot API stand-in (see src/integrations/telegram/API.md): getMe for known bot tokens. */
import { startStandIn, type StandIn } from '../standin.js';

export async function startTelegram(bots: Record<string, { id: number; username: string }>): Promise<StandIn> {
  return startStandIn({
    errorBody: (status, message) => ({
      ok: false,
      error_code: status,
      description: status === 429 ? 'Too Many Requests: retry after 1' : message,
      ...(status === 429 ? { parameters: { retry_after: 1 } } : {}),
    }),
    rateLimitHeaders: { 'retry-after': '0' },
    handle(req) {
      const m = /^\/bot([^/]+)\/getMe$/.exec(req.path);
      if (!m) return { status: 404, body: { ok: false, error_code: 404, description: 'Not Found' } };
      const bot = bots[decodeURIComponent(m[1]!)];
      if (!bot) return { status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } };
      return { status: 200, body: { ok: true, result: { id: bot.id, is_bot: true, first_name: bot.username, username: bot.username } } };
    },
  });
}
