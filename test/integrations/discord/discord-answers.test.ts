/**
 * What the Discord integration makes of each answer, beyond discord.test.ts: the risk of every
 * permission a bot asks for at install, the privileged intents in both their full and "limited"
 * flag bits, the install parameters in either of their two places, users and applications missing
 * what verify and analyze need, and the pace the batch verifier keeps so Discord does not ban the
 * machine. Odd answers are scripted with the stand-in's `answerNext`. The file ends by checking
 * that no token value appears in anything a test got back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissionGrants } from '../../../src/integrations/discord/index.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { contextFor, keptAnswers } from '../context.js';
import { startDiscord, type DiscordStandIn } from './standin.js';

const TOKEN = 'MTFAKE0000000000000000000D.FAKE00.FAKE0000000000000000000000000011';
// Short segments that no long-run cut would hide: only masking keeps it out of an echo.
const ECHOED = 'FAKE.dc.echo.01';
const TOKENS = [TOKEN, ECHOED];
const ME = '/api/v10/users/@me';
const APP = '/api/v10/oauth2/applications/@me';

const discord = integrationNamed('discord')!;
let api: DiscordStandIn;
const { seen, keep, failure } = keptAnswers();
const ctx = () => contextFor('discord', `${api.url}/api/v10`);
const app = (fields: Record<string, unknown>) => ({ status: 200, body: { id: '1100000000000000009', name: 'Fake Bot', ...fields } });
const analyzeWith = async (fields: Record<string, unknown>) => {
  api.answerNext('GET', APP, app(fields));
  return keep(await discord.analyze!({ value: TOKEN }, ctx()));
};

beforeAll(async () => {
  api = await startDiscord({
    [TOKEN]: { user: { id: '1100000000000000009', username: 'fake-answers-bot' }, app: { id: '1100000000000000009', name: 'Fake Bot', flags: 0 } },
  });
});
afterAll(async () => {
  await api.close();
  const text = JSON.stringify(seen);
  expect(seen.length).toBeGreaterThan(15);
  for (const t of TOKENS) expect(text).not.toContain(t.slice(-20));
});

describe('what each install permission risks', () => {
  const every = permissionGrants(String((1n << 64n) - 1n));
  const named = every.filter((g) => !g.scope.startsWith('permission bit'));

  it('every documented bit is named, in bit order, each for every server the bot is in', () => {
    expect(named.map((g) => g.scope)).toEqual([
      'CREATE_INSTANT_INVITE',
      'KICK_MEMBERS',
      'BAN_MEMBERS',
      'ADMINISTRATOR',
      'MANAGE_CHANNELS',
      'MANAGE_GUILD',
      'ADD_REACTIONS',
      'VIEW_AUDIT_LOG',
      'PRIORITY_SPEAKER',
      'STREAM',
      'VIEW_CHANNEL',
      'SEND_MESSAGES',
      'SEND_TTS_MESSAGES',
      'MANAGE_MESSAGES',
      'EMBED_LINKS',
      'ATTACH_FILES',
      'READ_MESSAGE_HISTORY',
      'MENTION_EVERYONE',
      'USE_EXTERNAL_EMOJIS',
      'VIEW_GUILD_INSIGHTS',
      'CONNECT',
      'SPEAK',
      'MUTE_MEMBERS',
      'DEAFEN_MEMBERS',
      'MOVE_MEMBERS',
      'USE_VAD',
      'CHANGE_NICKNAME',
      'MANAGE_NICKNAMES',
      'MANAGE_ROLES',
      'MANAGE_WEBHOOKS',
      'MANAGE_GUILD_EXPRESSIONS',
      'USE_APPLICATION_COMMANDS',
      'REQUEST_TO_SPEAK',
      'MANAGE_EVENTS',
      'MANAGE_THREADS',
      'CREATE_PUBLIC_THREADS',
      'CREATE_PRIVATE_THREADS',
      'USE_EXTERNAL_STICKERS',
      'SEND_MESSAGES_IN_THREADS',
      'USE_EMBEDDED_ACTIVITIES',
      'MODERATE_MEMBERS',
      'VIEW_CREATOR_MONETIZATION_ANALYTICS',
      'USE_SOUNDBOARD',
      'CREATE_GUILD_EXPRESSIONS',
      'CREATE_EVENTS',
      'USE_EXTERNAL_SOUNDS',
      'SEND_VOICE_MESSAGES',
      'SEND_POLLS',
      'USE_EXTERNAL_APPS',
    ]);
    for (const g of named) expect(g.resource).toBe('every server the bot is in (subject to its roles)');
  });

  it('managing members, channels, the server, roles and webhooks is admin; only viewing and reading is read', () => {
    const withRisk = (risk: string) => named.filter((g) => g.risk === risk).map((g) => g.scope);
    expect(withRisk('admin')).toEqual([
      'KICK_MEMBERS',
      'BAN_MEMBERS',
      'ADMINISTRATOR',
      'MANAGE_CHANNELS',
      'MANAGE_GUILD',
      'MANAGE_ROLES',
      'MANAGE_WEBHOOKS',
      'MODERATE_MEMBERS',
    ]);
    expect(withRisk('read')).toEqual([
      'VIEW_AUDIT_LOG',
      'VIEW_CHANNEL',
      'READ_MESSAGE_HISTORY',
      'VIEW_GUILD_INSIGHTS',
      'CONNECT',
      'VIEW_CREATOR_MONETIZATION_ANALYTICS',
    ]);
    expect(withRisk('write')).toHaveLength(named.length - 14);
  });

  it('a bit credctl does not know is named by number, as write, up to bit 63', () => {
    const unknown = every.filter((g) => g.scope.startsWith('permission bit'));
    expect(unknown.map((g) => g.scope)).toEqual([
      'permission bit 47',
      'permission bit 48',
      ...Array.from({ length: 13 }, (_, i) => `permission bit ${51 + i}`),
    ]);
    expect(unknown.every((g) => g.risk === 'write' && g.resource === undefined)).toBe(true);
    expect(permissionGrants(String(1n << 64n))).toEqual([]);
    expect(permissionGrants('0')).toEqual([]);
    expect(permissionGrants(String((1n << 11n) | (1n << 63n))).map((g) => g.scope)).toEqual(['SEND_MESSAGES', 'permission bit 63']);
  });
});

describe('verify: what each user answer means', () => {
  it('asks GET /users/@me as the bot; a user answer without a bot flag is a plain token', async () => {
    api.answerNext('GET', ME, { status: 200, body: { id: '1100000000000000010', username: 'fake-user', bot: 'true' } });
    const v = keep(await discord.verify!({ value: TOKEN }, ctx()));
    expect(v).toEqual({
      status: 'live',
      reason: 'Discord accepted it just now',
      identity: { principal: 'fake-user', credentialId: '1100000000000000010', kind: 'token' },
    });
    expect(api.requests.at(-1)).toMatchObject({ method: 'GET', path: ME });
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bot ${TOKEN}`);
  });

  it('a user without a name is named by its id; one without a string id is unknown', async () => {
    api.answerNext('GET', ME, { status: 200, body: { id: '1100000000000000011', username: null, bot: true } });
    expect(keep(await discord.verify!({ value: TOKEN }, ctx())).identity).toEqual({
      principal: '1100000000000000011',
      credentialId: '1100000000000000011',
      kind: 'bot token',
    });
    for (const body of [{ id: 11000011, username: 'numeric-id' }, { username: 'no-id' }, [], undefined]) {
      api.answerNext('GET', ME, { status: 200, body });
      expect(keep(await discord.verify!({ value: TOKEN }, ctx()))).toEqual({ status: 'unknown', reason: 'Discord answered without a user id' });
    }
  });

  it('a token echoed back in an answer is masked, in verify and in analyze', async () => {
    api.answerNext('GET', ME, { status: 404, body: { message: `no user for ${ECHOED}`, code: 0 } });
    const v = keep(await discord.verify!({ value: ECHOED }, ctx()));
    api.answerNext('GET', APP, { status: 404, body: { message: `no application for ${ECHOED}`, code: 0 } });
    const err = await failure(discord.analyze!({ value: ECHOED }, ctx()));
    expect(v.reason).toContain('no user for');
    expect(err!.message).toContain('no application for');
    for (const text of [v.reason, err!.message]) expect(text).not.toContain('dc.echo');
  });

  it('one failed read is tried again; a closed port is unknown', async () => {
    api.misbehave({ kind: 'status', status: 502 }, { path: ME });
    expect(keep(await discord.verify!({ value: TOKEN }, ctx())).status).toBe('live');
    const v = keep(await discord.verify!({ value: TOKEN }, contextFor('discord', 'http://127.0.0.1:9/api/v10')));
    expect(v.status).toBe('unknown');
    expect(v.reason).toMatch(/^Discord could not be asked/);
  });
});

describe('analyze: what the bot asks for at install', () => {
  it('reads GET /oauth2/applications/@me as the bot; names the application and the server count', async () => {
    const a = await analyzeWith({ approximate_guild_count: 3 });
    expect(api.requests.at(-1)).toMatchObject({ method: 'GET', path: APP });
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bot ${TOKEN}`);
    expect(a).toEqual({
      grants: [],
      complete: false,
      note: 'Discord shows what the bot asks for when installed (application 1100000000000000009); what it may do in each server is set there by its roles. It is in about 3 server(s).',
    });
    const uncounted = await analyzeWith({ approximate_guild_count: '3' });
    expect(uncounted.note).toMatch(/set there by its roles\.$/);
  });

  it('bot and applications.commands install scopes are write, others read; odd entries are skipped', async () => {
    const a = await analyzeWith({ install_params: { scopes: ['bot', 'applications.commands', 'identify', 7, null], permissions: 2048 } });
    expect(a.grants).toEqual([
      { scope: 'install scope bot', risk: 'write' },
      { scope: 'install scope applications.commands', risk: 'write' },
      { scope: 'install scope identify', risk: 'read' },
    ]);
    expect((await analyzeWith({ install_params: { scopes: 'bot' } })).grants).toEqual([]);
  });

  it('takes the guild install parameters when there are no install_params, and prefers install_params', async () => {
    const guild = {
      integration_types_config: {
        '0': { oauth2_install_params: { scopes: ['bot'], permissions: String(1n << 28n) } },
        '1': { oauth2_install_params: { scopes: ['applications.commands'] } },
      },
    };
    const a = await analyzeWith(guild);
    expect(a.grants.map((g) => [g.scope, g.risk])).toEqual([
      ['install scope bot', 'write'],
      ['MANAGE_ROLES', 'admin'],
    ]);
    const both = await analyzeWith({ ...guild, install_params: { scopes: ['identify'] } });
    expect(both.grants.map((g) => g.scope)).toEqual(['install scope identify']);
    const userOnly = await analyzeWith({ integration_types_config: { '1': guild.integration_types_config['1'] } });
    expect(userOnly.grants).toEqual([]);
  });

  it('each privileged intent counts in its full or its limited bit, once', async () => {
    const intents = async (flags: unknown) => (await analyzeWith({ flags })).grants.map((g) => g.scope);
    expect(await intents(1 << 12)).toEqual(['GATEWAY_PRESENCE']);
    expect(await intents(1 << 13)).toEqual(['GATEWAY_PRESENCE']);
    expect(await intents(1 << 14)).toEqual(['GATEWAY_GUILD_MEMBERS']);
    expect(await intents(1 << 15)).toEqual(['GATEWAY_GUILD_MEMBERS']);
    expect(await intents(1 << 18)).toEqual(['GATEWAY_MESSAGE_CONTENT']);
    expect(await intents((1 << 19) | (1 << 18))).toEqual(['GATEWAY_MESSAGE_CONTENT']);
    expect(await intents((1 << 11) | (1 << 16) | (1 << 17) | (1 << 20) | (1 << 23))).toEqual([]);
    expect(await intents(String(1 << 18))).toEqual([]);
    const all = await analyzeWith({ flags: (1 << 12) | (1 << 14) | (1 << 18) });
    expect(all.grants).toEqual([
      { scope: 'GATEWAY_MESSAGE_CONTENT', risk: 'read', description: 'Reads the content of messages in every server it is in' },
      { scope: 'GATEWAY_GUILD_MEMBERS', risk: 'read', description: 'Receives the member list of every server it is in' },
      { scope: 'GATEWAY_PRESENCE', risk: 'read', description: 'Receives the presence (status, activity) of members' },
    ]);
  });

  it('an application without a string id, an empty answer, another 2xx, or a refusal is an exit-5 error', async () => {
    api.answerNext('GET', APP, { status: 200 });
    expect(await failure(discord.analyze!({ value: TOKEN }, ctx()))).toMatchObject({ exitCode: 5 });
    api.answerNext('GET', APP, { status: 200, body: { id: 11000009, name: 'numeric' } });
    expect(await failure(discord.analyze!({ value: TOKEN }, ctx()))).toMatchObject({
      exitCode: 5,
      message: 'Discord read the bot application: HTTP 200 (malformed body)',
    });
    api.answerNext('GET', APP, { status: 203, body: app({}).body });
    expect(await failure(discord.analyze!({ value: TOKEN }, ctx()))).toMatchObject({ exitCode: 5, message: 'Discord read the bot application: HTTP 203' });
    api.misbehave({ kind: 'status', status: 403 }, { path: APP });
    expect(await failure(discord.analyze!({ value: TOKEN }, ctx()))).toEqual({
      exitCode: 5,
      message: 'Discord read the bot application: HTTP 403 (Missing Access)',
      hint: 'The credential used lacks a permission this needs.',
    });
    api.misbehave({ kind: 'status', status: 500 }, { path: APP });
    expect((await analyzeWith({})).complete).toBe(false);
  });
});

describe('the pace of a batch verify', () => {
  it('stays under the 10,000 refused requests in 10 minutes that get an address banned', () => {
    const pace = discord.rateLimit!;
    expect(pace.concurrency).toBeGreaterThan(0);
    expect((pace.requests! / pace.perMs!) * 600_000).toBeLessThan(10_000);
  });
});

describe('what the manual steps say', () => {
  it('asks Discord API v10 by default; revoke and rotate are Reset Token in the Developer Portal', () => {
    expect(discord.defaultApi).toBe('https://discord.com/api/v10');
    expect(discord.title).toContain('Discord');
    expect(discord.manual?.revoke?.url).toBe('https://discord.com/developers/applications');
    expect(discord.manual?.rotate?.instructions).toContain('credctl store put');
  });
});
