import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredctlError } from '../../../src/core/errors.js';
import { integrationContext } from '../../../src/integrations/context.js';
import { EU_API, regionsFor, US_API } from '../../../src/integrations/mailgun/index.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { contextFor } from '../context.js';
import type { StandIn } from '../standin.js';
import { startMailgun } from './standin.js';

const ACCOUNT_KEY = '0123456789abcdef0123456789abcdef-fa4e0001-0000beef';
const SENDING_KEY = '0123456789abcdef0123456789abcdef-fa4e0002-0000beef';
const LEGACY_DEAD = 'key-0123456789abcdef0123456789fa4e03';
const NEW_FORM_DEAD = '0123456789abcdef0123456789abcdef-fa4e0009-0000beef';

const mailgun = integrationNamed('mailgun')!;
let api: StandIn;
const ctx = (settings?: Record<string, string>) => contextFor('mailgun', api.url, settings ? { settings } : {});
const shown: unknown[] = [];

beforeAll(async () => {
  api = await startMailgun({ [ACCOUNT_KEY]: { kind: 'account' }, [SENDING_KEY]: { kind: 'sending' } }, ['mg.example.com', 'news.example.com']);
});
afterAll(() => api.close());

describe('mailgun verify: GET /v3/domains with api:<key>', () => {
  it('an account key is live, sent as HTTP Basic with the user "api"', async () => {
    const v = await mailgun.verify!({ value: ACCOUNT_KEY }, ctx());
    shown.push(v);
    expect(v).toMatchObject({ status: 'live', identity: { kind: 'account API key' } });
    expect(api.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v3/domains' });
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from(`api:${ACCOUNT_KEY}`).toString('base64')}`);
  });

  it('a refused legacy key-... is dead; a refused key of the current form is unknown (it may be a sending key)', async () => {
    const legacy = await mailgun.verify!({ value: LEGACY_DEAD }, ctx());
    const sending = await mailgun.verify!({ value: SENDING_KEY }, ctx());
    const unknown = await mailgun.verify!({ value: NEW_FORM_DEAD }, ctx());
    shown.push(legacy, sending, unknown);
    expect(legacy.status).toBe('dead');
    expect(sending.status).toBe('unknown');
    expect(unknown.status).toBe('unknown');
    expect(unknown.reason).toContain('Domain Sending Key');
  });

  it('403 means Mailgun knows the key: live', async () => {
    api.misbehave({ kind: 'status', status: 403, message: 'Forbidden: role may not read domains' });
    const v = await mailgun.verify!({ value: ACCOUNT_KEY }, ctx());
    expect(v.status).toBe('live');
  });

  it('429, 5xx and a malformed body are unknown', async () => {
    api.misbehave({ kind: 'status', status: 429 }, { count: 2 });
    const limited = await mailgun.verify!({ value: ACCOUNT_KEY }, ctx());
    api.misbehave({ kind: 'status', status: 500 }, { count: 2 });
    const broken = await mailgun.verify!({ value: ACCOUNT_KEY }, ctx());
    api.misbehave({ kind: 'malformed' });
    const garbled = await mailgun.verify!({ value: ACCOUNT_KEY }, ctx());
    shown.push(limited, broken, garbled);
    expect([limited.status, broken.status, garbled.status]).toEqual(['unknown', 'unknown', 'unknown']);
  });
});

describe('mailgun regions', () => {
  const at = (api: string, settings?: Record<string, string>) => integrationContext({ integration: mailgun, provider: 'mailgun', api, settings });
  it('the default address asks the US API, then the EU API (a key works in one region only)', () => {
    expect(regionsFor(at(US_API)).map((r) => r.api)).toEqual([US_API, EU_API]);
    expect(regionsFor(at(US_API, { region: 'eu' })).map((r) => r.api)).toEqual([EU_API]);
    expect(regionsFor(at(US_API, { region: 'us' })).map((r) => r.api)).toEqual([US_API]);
  });
  it('a trusted override is the only address asked', () => {
    expect(regionsFor(at('https://mailgun-proxy.example.com')).map((r) => r.api)).toEqual(['https://mailgun-proxy.example.com']);
  });
});

describe('mailgun analyze', () => {
  it('the domains an account key sees, incomplete because the role is not shown', async () => {
    const a = await mailgun.analyze!({ value: ACCOUNT_KEY }, ctx());
    shown.push(a);
    expect(a).toMatchObject({ complete: false, grants: [{ scope: 'domains:read', risk: 'read', resource: 'mg.example.com, news.example.com' }] });
    expect(a.grants[0]!.description).toContain('2 sending domain');
    expect(a.note).toContain('role');
  });

  it('a key that is not live cannot be analyzed: exit 5', async () => {
    const err = await mailgun.analyze!({ value: LEGACY_DEAD }, ctx()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredctlError);
    expect((err as CredctlError).exitCode).toBe(5);
    shown.push((err as Error).message);
  });
});

describe('mailgun lifecycle is manual, and no value is ever shown', () => {
  it('rotate and revoke are dashboard steps (no way to map a value to its key id)', () => {
    expect(mailgun.rotate).toBeUndefined();
    expect(mailgun.revoke).toBeUndefined();
    expect(mailgun.manual?.revoke?.url).toBe('https://app.mailgun.com/settings/api_security');
    expect(mailgun.manual?.rotate?.instructions).toContain('Create key');
  });

  it('no key appears in anything returned', () => {
    const text = JSON.stringify(shown);
    expect(shown.length).toBeGreaterThan(6);
    for (const k of [ACCOUNT_KEY, SENDING_KEY, LEGACY_DEAD, NEW_FORM_DEAD]) expect(text).not.toContain(k.slice(-17));
  });
});
