import { READ_RETRY, refusalOf, unreachable, vendorCall, vendorFailure } from '../kit.js';
import type { Integration } from '../types.js';

/**
 * Telegram bot tokens, through the Bot API (API.md in this folder names the document).
 *   verify   getMe: the bot's id and username; 401 "Unauthorized" for a revoked or wrong token
 *   revoke   logOut only logs the bot out of the cloud API server; it does not invalidate the
 *            token, so revocation is manual: @BotFather /revoke issues a new token and kills the old
 * The token travels in the URL path (`/bot<token>/getMe`), so every call names it as a secret
 * for masking.
 */
const telegram: Integration = {
  id: 'telegram',
  title: 'Telegram Bot API',
  defaultApi: 'https://api.telegram.org',
  async verify({ value }, ctx) {
    try {
      const reply = await vendorCall(ctx, `/bot${value}/getMe`, { secrets: [value], retry: READ_RETRY });
      const refused = refusalOf('Telegram', reply, [value], { notFoundMeansDead: true });
      if (refused) return refused;
      if (reply.json?.ok !== true || typeof reply.json.result?.id !== 'number')
        throw vendorFailure('Telegram', 'getMe', { ...reply, malformed: true }, [value]);
      const bot = reply.json.result;
      return {
        status: 'live',
        reason: 'Telegram accepted it just now',
        identity: { principal: bot.username ? `@${bot.username}` : String(bot.id), credentialId: String(bot.id), kind: 'bot token' },
      };
    } catch (err) {
      return unreachable('Telegram', err);
    }
  },
  manual: {
    revoke: {
      url: 'https://t.me/BotFather',
      instructions: 'In a chat with @BotFather send /revoke, pick the bot: the old token stops working and a new one is shown.',
    },
    rotate: {
      url: 'https://t.me/BotFather',
      instructions: 'In a chat with @BotFather send /revoke, pick the bot, and store the new token it shows with `credctl store put`.',
    },
  },
};

export default telegram;
