import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissionGrants } from '../../../src/integrations/discord/index.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { contextFor } from '../context.js';
import { startDiscord, type DiscordStandIn } from './standin.js';

// Shaped like a bot token (and the discord-bot-token rule), obviously fake.
const TOKEN = 'MTFAKE0000000000000000000A.FAKE00.FAKE0000000000000000000000000000';
const OTHER = 'MTFAKE0000000000000000000B.FAKE00.FAKE0000000000000000000000000001';
const discord = integrationNamed('discord')!;
let api: DiscordStandIn;
const seen: unknown[] = [];
const ctx = () => contextFor('discord', `${api.url}/api/v10`);

beforeAll(async () => {
  api = await startDiscord({
    [TOKEN]: {
      user: { id: '1100000000000000001', username: 'fake-release-bot' },
      app: {
        id: '1100000000000000001',
        name: 'Fake Release Bot',
        // GATEWAY_MESSAGE_CONTENT_LIMITED | GATEWAY_GUILD_MEMBERS_LIMITED
        flags: (1 << 19) | (1 << 15),
        approximate_guild_count: 12,
        // ADMINISTRATOR | VIEW_CHANNEL | SEND_MESSAGES
        install_params: { scopes: ['bot', 'applications.commands'], permissions: String((1n << 3n) | (1n << 10n) | (1n << 11n)) },
      },
    },
    [OTHER]: { user: { id: '1100000000000000002', username: 'fake-quiet-bot' }, app: { id: '1100000000000000002', name: 'Quiet', flags: 0 } },
  });
});
afterAll(async () => {
  await api.close();
  expect(JSON.stringify(seen)).not.toMatch(/FAKE0{20,}/);
});

describe('discord verify against the API v10 stand-in', () => {
  it('a live bot token names its bot, sent as "Authorization: Bot <token>"', async () => {
    const v = await discord.verify!({ value: TOKEN }, ctx());
    seen.push(v);
    expect(v).toMatchObject({ status: 'live', identity: { principal: 'fake-release-bot', credentialId: '1100000000000000001', kind: 'bot token' } });
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bot ${TOKEN}`);
  });

  it('an unknown or reset token is dead (401: Unauthorized)', async () => {
    api.reset(OTHER);
    const v = await discord.verify!({ value: OTHER }, ctx());
    seen.push(v);
    expect(v.status).toBe('dead');
    expect(v.reason).toContain('401: Unauthorized');
  });

  it('429 (with its rate-limit headers), 5xx, 403 and a malformed body', async () => {
    api.misbehave({ kind: 'status', status: 429 }, { count: 2 });
    const limited = await discord.verify!({ value: TOKEN }, ctx());
    api.misbehave({ kind: 'status', status: 502 }, { count: 2 });
    const broken = await discord.verify!({ value: TOKEN }, ctx());
    api.misbehave({ kind: 'status', status: 403 });
    const forbidden = await discord.verify!({ value: TOKEN }, ctx());
    api.misbehave({ kind: 'malformed' });
    const garbled = await discord.verify!({ value: TOKEN }, ctx());
    seen.push(limited, broken, forbidden, garbled);
    expect([limited.status, broken.status, forbidden.status, garbled.status]).toEqual(['unknown', 'unknown', 'live', 'unknown']);
    expect(forbidden.reason).toContain('Missing Access');
  });
});

describe('discord analyze', () => {
  it('names install permissions, scopes and privileged intents, with the server count, and says it is partial', async () => {
    const a = await discord.analyze!({ value: TOKEN }, ctx());
    seen.push(a);
    expect(a.complete).toBe(false);
    expect(a.note).toContain('about 12 server');
    const by = Object.fromEntries(a.grants.map((g) => [g.scope, g.risk]));
    expect(by).toEqual({
      'install scope bot': 'write',
      'install scope applications.commands': 'write',
      ADMINISTRATOR: 'admin',
      VIEW_CHANNEL: 'read',
      SEND_MESSAGES: 'write',
      GATEWAY_MESSAGE_CONTENT: 'read',
      GATEWAY_GUILD_MEMBERS: 'read',
    });
  });

  it('reads high permission bits exactly (past 2^32) and names unknown bits', () => {
    expect(permissionGrants(String(1n << 40n)).map((g) => g.scope)).toEqual(['MODERATE_MEMBERS']);
    expect(permissionGrants(String(1n << 47n)).map((g) => g.scope)).toEqual(['permission bit 47']);
    expect(permissionGrants('not a number')).toEqual([]);
  });

  it('a refused, failing or malformed answer is an error with exit 5 that holds no token', async () => {
    api.misbehave({ kind: 'status', status: 503 }, { count: 2 });
    const errors: unknown[] = [];
    await discord.analyze!({ value: TOKEN }, ctx()).catch((e) => errors.push(e));
    api.misbehave({ kind: 'malformed' });
    await discord.analyze!({ value: TOKEN }, ctx()).catch((e) => errors.push(e));
    await discord.analyze!({ value: 'MTFAKE0000000000000000000C.FAKE00.FAKE0000000000000000000000000002' }, ctx()).catch((e) => errors.push(e));
    expect(errors.map((e) => (e as { exitCode: number }).exitCode)).toEqual([5, 5, 5]);
    seen.push(errors.map(String));
  });
});

describe('discord revoke and rotate', () => {
  it('are honest manual steps pointing at the Developer Portal', () => {
    expect(discord.revoke).toBeUndefined();
    expect(discord.rotate).toBeUndefined();
    expect(discord.manual?.rotate?.url).toBe('https://discord.com/developers/applications');
    expect(discord.manual?.revoke?.instructions).toContain('Reset Token');
  });
});
