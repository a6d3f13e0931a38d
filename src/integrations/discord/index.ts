import { READ_RETRY, refusalOf, unreachable, vendorCall, vendorFailure } from '../kit.js';
import type { Grant, Integration, IntegrationContext, Risk } from '../types.js';

/**
 * Discord bot tokens, through the HTTP API v10 (API.md in this folder names the document).
 *   verify   GET /users/@me: the bot user
 *   analyze  GET /oauth2/applications/@me: the permissions and scopes the bot asks for when
 *            installed, its privileged gateway intents, and how many servers it is in; what it may
 *            really do is set per server by its roles, so the answer is never complete
 *   revoke / rotate  no API: the Developer Portal's Reset Token (manual)
 */
const VENDOR = 'Discord';

const auth = (value: string) => ({ authorization: `Bot ${value}` });

/** Permission bits (docs/topics/permissions.md) with the risk credctl gives each. */
const PERMISSIONS: [name: string, bit: number, risk: Risk][] = [
  ['CREATE_INSTANT_INVITE', 0, 'write'],
  ['KICK_MEMBERS', 1, 'admin'],
  ['BAN_MEMBERS', 2, 'admin'],
  ['ADMINISTRATOR', 3, 'admin'],
  ['MANAGE_CHANNELS', 4, 'admin'],
  ['MANAGE_GUILD', 5, 'admin'],
  ['ADD_REACTIONS', 6, 'write'],
  ['VIEW_AUDIT_LOG', 7, 'read'],
  ['PRIORITY_SPEAKER', 8, 'write'],
  ['STREAM', 9, 'write'],
  ['VIEW_CHANNEL', 10, 'read'],
  ['SEND_MESSAGES', 11, 'write'],
  ['SEND_TTS_MESSAGES', 12, 'write'],
  ['MANAGE_MESSAGES', 13, 'write'],
  ['EMBED_LINKS', 14, 'write'],
  ['ATTACH_FILES', 15, 'write'],
  ['READ_MESSAGE_HISTORY', 16, 'read'],
  ['MENTION_EVERYONE', 17, 'write'],
  ['USE_EXTERNAL_EMOJIS', 18, 'write'],
  ['VIEW_GUILD_INSIGHTS', 19, 'read'],
  ['CONNECT', 20, 'read'],
  ['SPEAK', 21, 'write'],
  ['MUTE_MEMBERS', 22, 'write'],
  ['DEAFEN_MEMBERS', 23, 'write'],
  ['MOVE_MEMBERS', 24, 'write'],
  ['USE_VAD', 25, 'write'],
  ['CHANGE_NICKNAME', 26, 'write'],
  ['MANAGE_NICKNAMES', 27, 'write'],
  ['MANAGE_ROLES', 28, 'admin'],
  ['MANAGE_WEBHOOKS', 29, 'admin'],
  ['MANAGE_GUILD_EXPRESSIONS', 30, 'write'],
  ['USE_APPLICATION_COMMANDS', 31, 'write'],
  ['REQUEST_TO_SPEAK', 32, 'write'],
  ['MANAGE_EVENTS', 33, 'write'],
  ['MANAGE_THREADS', 34, 'write'],
  ['CREATE_PUBLIC_THREADS', 35, 'write'],
  ['CREATE_PRIVATE_THREADS', 36, 'write'],
  ['USE_EXTERNAL_STICKERS', 37, 'write'],
  ['SEND_MESSAGES_IN_THREADS', 38, 'write'],
  ['USE_EMBEDDED_ACTIVITIES', 39, 'write'],
  ['MODERATE_MEMBERS', 40, 'admin'],
  ['VIEW_CREATOR_MONETIZATION_ANALYTICS', 41, 'read'],
  ['USE_SOUNDBOARD', 42, 'write'],
  ['CREATE_GUILD_EXPRESSIONS', 43, 'write'],
  ['CREATE_EVENTS', 44, 'write'],
  ['USE_EXTERNAL_SOUNDS', 45, 'write'],
  ['SEND_VOICE_MESSAGES', 46, 'write'],
  ['SEND_POLLS', 49, 'write'],
  ['USE_EXTERNAL_APPS', 50, 'write'],
];

/** Privileged gateway intents among the application flags (full and "limited" bits). */
const INTENTS: [name: string, bits: number[], description: string][] = [
  ['GATEWAY_MESSAGE_CONTENT', [18, 19], 'Reads the content of messages in every server it is in'],
  ['GATEWAY_GUILD_MEMBERS', [14, 15], 'Receives the member list of every server it is in'],
  ['GATEWAY_PRESENCE', [12, 13], 'Receives the presence (status, activity) of members'],
];

/** Permission names in a Discord bitfield (a decimal string); unknown bits are named by number. */
export function permissionGrants(bitfield: string): Grant[] {
  let bits: bigint;
  try {
    bits = BigInt(bitfield);
  } catch {
    return [];
  }
  const grants: Grant[] = [];
  const known = new Set<number>();
  for (const [name, bit, risk] of PERMISSIONS) {
    known.add(bit);
    if (bits & (1n << BigInt(bit))) grants.push({ scope: name, risk, resource: 'every server the bot is in (subject to its roles)' });
  }
  for (let bit = 0; bit < 64; bit++) if (!known.has(bit) && bits & (1n << BigInt(bit))) grants.push({ scope: `permission bit ${bit}`, risk: 'write' });
  return grants;
}

async function call(ctx: IntegrationContext, path: string, value: string) {
  // Stryker disable next-line ArrayDeclaration: the client's own errors (network, timeout) never quote a header value; the vendor's words are masked by the callers
  return vendorCall(ctx, path, { headers: auth(value), secrets: [value], retry: READ_RETRY });
}

const discord: Integration = {
  id: 'discord',
  title: 'Discord HTTP API v10',
  defaultApi: 'https://discord.com/api/v10',
  // Discord bans an IP for a while after 10,000 invalid (401/403/429) requests in 10 minutes, and
  // leaked tokens are often dead: 15 calls a second stays under it.
  rateLimit: { concurrency: 8, requests: 15, perMs: 1000 },

  async verify({ value }, ctx) {
    try {
      const reply = await call(ctx, '/users/@me', value);
      const refused = refusalOf(VENDOR, reply, [value]);
      if (refused) return refused;
      const user = reply.json;
      if (typeof user?.id !== 'string') return { status: 'unknown', reason: `${VENDOR} answered without a user id` };
      return {
        status: 'live',
        reason: `${VENDOR} accepted it just now`,
        identity: {
          principal: typeof user.username === 'string' ? user.username : user.id,
          credentialId: user.id,
          kind: user.bot === true ? 'bot token' : 'token',
        },
      };
    } catch (err) {
      return unreachable(VENDOR, err);
    }
  },

  async analyze({ value }, ctx) {
    const reply = await call(ctx, '/oauth2/applications/@me', value);
    if (reply.status !== 200 || reply.malformed || typeof reply.json?.id !== 'string')
      throw vendorFailure(VENDOR, 'read the bot application', { ...reply, malformed: reply.malformed || reply.status === 200 }, [value]);
    const app = reply.json;
    const install = app.install_params ?? app.integration_types_config?.['0']?.oauth2_install_params;
    const grants: Grant[] = [];
    for (const scope of Array.isArray(install?.scopes) ? install.scopes : []) {
      if (typeof scope === 'string')
        grants.push({ scope: `install scope ${scope}`, risk: scope === 'bot' || scope === 'applications.commands' ? 'write' : 'read' });
    }
    if (typeof install?.permissions === 'string') grants.push(...permissionGrants(install.permissions));
    const flags = typeof app.flags === 'number' ? app.flags : 0;
    for (const [name, bits, description] of INTENTS) {
      if (bits.some((b) => flags & (1 << b))) grants.push({ scope: name, risk: 'read', description });
    }
    const servers = typeof app.approximate_guild_count === 'number' ? ` It is in about ${app.approximate_guild_count} server(s).` : '';
    return {
      grants,
      complete: false,
      note: `Discord shows what the bot asks for when installed (application ${app.id}); what it may do in each server is set there by its roles.${servers}`,
    };
  },

  manual: {
    revoke: {
      url: 'https://discord.com/developers/applications',
      instructions:
        'Open the application (its id is the bot id credctl shows), go to Bot (https://discord.com/developers/applications/<application id>/bot) and select Reset Token: the old token stops working at once. Do not store the new one unless the bot should keep running.',
    },
    rotate: {
      url: 'https://discord.com/developers/applications',
      instructions:
        'Open the application, go to Bot (https://discord.com/developers/applications/<application id>/bot), select Reset Token and store the new token with `credctl store put`; the old token stops working at once.',
    },
  },
};

export default discord;
