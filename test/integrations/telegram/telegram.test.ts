import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { contextFor } from '../context.js';
import type { StandIn } from '../standin.js';
import { startTelegram } from './standin.js';

const TOKEN = '0609397449:AAFAKE_USGZcxrgAdgbUuvehcgUYkiiAi72';
const telegram = integrationNamed('telegram')!;
let api: StandIn;

beforeAll(async () => {
  api = await startTelegram({ [TOKEN]: { id: 609397449, username: 'fake_release_bot' } });
});
afterAll(() => api.close());

describe('telegram verify against the Bot API stand-in', () => {
  it('a live token names its bot', async () => {
    const v = await telegram.verify!({ value: TOKEN }, contextFor('telegram', api.url));
    expect(v).toMatchObject({ status: 'live', identity: { principal: '@fake_release_bot', credentialId: '609397449' } });
  });

  it('an unknown token is dead', async () => {
    const v = await telegram.verify!({ value: '0609397449:AAFAKE_somethingelse000000000000000' }, contextFor('telegram', api.url));
    expect(v.status).toBe('dead');
  });

  it('429 and 5xx say nothing about liveness, and the token never appears in the reason', async () => {
    api.misbehave({ kind: 'status', status: 429 }, { count: 8 });
    const limited = await telegram.verify!({ value: TOKEN }, contextFor('telegram', api.url));
    expect(limited.status).toBe('unknown');
    api.misbehave({ kind: 'status', status: 502 }, { count: 8 });
    const broken = await telegram.verify!({ value: TOKEN }, contextFor('telegram', api.url));
    expect(broken.status).toBe('unknown');
    expect(JSON.stringify([limited, broken])).not.toContain('AAFAKE_USG');
  });

  it('a malformed body is unknown, not live', async () => {
    api.misbehave({ kind: 'malformed' });
    const v = await telegram.verify!({ value: TOKEN }, contextFor('telegram', api.url));
    expect(v.status).toBe('unknown');
  });

  it('revocation is an honest manual step', () => {
    expect(telegram.revoke).toBeUndefined();
    expect(telegram.manual?.revoke?.url).toContain('BotFather');
  });
});
