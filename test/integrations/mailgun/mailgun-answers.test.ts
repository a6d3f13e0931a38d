/**
 * What the Mailgun integration makes of each answer, beyond mailgun.test.ts: which region it asks
 * and in what order (a key works in one region only, so a refusal counts only once both refused),
 * which values are the legacy primary-key form that a 401 may call dead, a 403 that proves the key
 * exists, domain lists with odd entries or a total beyond the page, and what analyze reports from
 * each. The two real regions are asked through a client that answers per host (no request leaves
 * the machine); odd bodies from the stand-in are scripted with `answerNext`. The file ends by
 * checking that no key value appears in anything a test got back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrationContext } from '../../../src/integrations/context.js';
import { EU_API, US_API } from '../../../src/integrations/mailgun/index.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { SafeHttp } from '../../../src/net/http.js';
import { contextFor, keptAnswers } from '../context.js';
import { startMailgun, type MailgunStandIn } from './standin.js';

const ACCOUNT_KEY = '0123456789abcdef0123456789abcdef-fa4e0101-0000beef';
const LEGACY = 'key-0123456789abcdef0123456789fa4e11';
const NOT_LEGACY = [`x${LEGACY}`, `${LEGACY}0`, 'key-0123456789ABCDEF0123456789FA4E11', 'key-0123456789abcdef0123456789fa4e1'];
// Short segments that no long-run cut would hide: only masking keeps it out of an echo.
const ECHOED = 'FAKE.mg.echo.01';
const KEYS = [ACCOUNT_KEY, LEGACY, ...NOT_LEGACY, ECHOED];
const DOMAINS = '/v3/domains';

const mailgun = integrationNamed('mailgun')!;
let api: MailgunStandIn;
const { seen, keep, failure } = keptAnswers();
const ctx = (settings?: Record<string, string>) => contextFor('mailgun', api.url, settings ? { settings } : {});

type Answer = { status: number; body?: unknown };
/** The real US and EU addresses, answered per host by `answers` (a host not named fails the test). */
function regions(answers: { us?: Answer; eu?: Answer }, settings?: Record<string, string>) {
  const asked: string[] = [];
  const http = {
    async request(url: string | URL) {
      const u = new URL(String(url));
      asked.push(u.href);
      const a = u.origin === US_API ? answers.us : u.origin === EU_API ? answers.eu : undefined;
      if (!a) throw new Error(`unexpected request to ${u.origin}`);
      return { status: a.status, headers: {}, body: Buffer.from(a.body === undefined ? '' : JSON.stringify(a.body)), url: u.href };
    },
  } as unknown as SafeHttp;
  return { asked, ctx: integrationContext({ integration: mailgun, provider: 'mailgun', http, settings }) };
}
const list = (names: string[], total = names.length): Answer => ({ status: 200, body: { total_count: total, items: names.map((name) => ({ name })) } });
const refused: Answer = { status: 401 };

beforeAll(async () => {
  api = await startMailgun({ [ACCOUNT_KEY]: { kind: 'account' }, [LEGACY]: { kind: 'account' } }, ['mg.example.com']);
});
afterAll(async () => {
  await api.close();
  const text = JSON.stringify(seen);
  expect(seen.length).toBeGreaterThan(20);
  for (const k of KEYS) expect(text).not.toContain(k.slice(-17));
});

describe('which region is asked', () => {
  it('by default the US API first, then the EU API; a key the US refuses and the EU knows is live in the EU', async () => {
    const { asked, ctx: c } = regions({ us: refused, eu: list(['eu.example.com']) });
    const v = keep(await mailgun.verify!({ value: ACCOUNT_KEY }, c));
    expect(v).toEqual({ status: 'live', reason: 'Mailgun (EU) accepted it just now', identity: { kind: 'account API key', account: 'EU region' } });
    expect(asked).toEqual([`${US_API}/v3/domains?limit=10`, `${EU_API}/v3/domains?limit=10`]);
  });

  it('a key the US knows is not sent to the EU at all', async () => {
    const { asked, ctx: c } = regions({ us: list(['us.example.com']) });
    expect(keep(await mailgun.verify!({ value: ACCOUNT_KEY }, c))).toMatchObject({ status: 'live', identity: { account: 'US region' } });
    expect(asked).toHaveLength(1);
    const forbidden = regions({ us: { status: 403, body: { message: 'Forbidden' } } });
    const v = keep(await mailgun.verify!({ value: ACCOUNT_KEY }, forbidden.ctx));
    expect(v).toEqual({
      status: 'live',
      reason: 'Mailgun (US) knows it but it may not list domains (HTTP 403)',
      identity: { kind: 'API key', account: 'US region' },
    });
    expect(forbidden.asked).toHaveLength(1);
    const failing = regions({ us: { status: 500, body: { message: 'oops' } } });
    expect(keep(await mailgun.verify!({ value: ACCOUNT_KEY }, failing.ctx))).toEqual({
      status: 'unknown',
      reason: 'Mailgun failed to answer (HTTP 500)',
      identity: { kind: 'API key' },
    });
    expect(failing.asked).toHaveLength(1);
  });

  it('a refusal counts only when both regions refused: dead for a legacy key, unknown otherwise, naming both', async () => {
    const legacy = regions({ us: refused, eu: refused });
    expect(keep(await mailgun.verify!({ value: LEGACY }, legacy.ctx))).toEqual({
      status: 'dead',
      reason: 'Mailgun refuses it (HTTP 401 in US and EU)',
      identity: { kind: 'primary account API key (legacy form)' },
    });
    expect(legacy.asked).toHaveLength(2);
    const current = keep(await mailgun.verify!({ value: ACCOUNT_KEY }, regions({ us: refused, eu: refused }).ctx));
    expect(current.status).toBe('unknown');
    expect(current.reason).toMatch(/^Mailgun refused it \(HTTP 401 in US and EU\): /);
    expect(current.identity).toEqual({ kind: 'API key' });
  });

  it('region: eu or us (any case) asks only that region', async () => {
    const eu = regions({ eu: refused }, { region: 'EU' });
    expect(keep(await mailgun.verify!({ value: LEGACY }, eu.ctx)).reason).toBe('Mailgun refuses it (HTTP 401 in EU)');
    expect(eu.asked).toEqual([`${EU_API}/v3/domains?limit=10`]);
    const us = regions({ us: refused }, { region: 'Us' });
    expect(keep(await mailgun.verify!({ value: LEGACY }, us.ctx)).reason).toBe('Mailgun refuses it (HTTP 401 in US)');
    expect(us.asked).toEqual([`${US_API}/v3/domains?limit=10`]);
  });

  it('a trusted override is asked alone, named after the region setting when there is one', async () => {
    const named = async (settings?: Record<string, string>) => keep(await mailgun.verify!({ value: ACCOUNT_KEY }, ctx(settings))).identity?.account;
    expect(await named()).toBe('configured region');
    expect(await named({ region: 'eu' })).toBe('EU region');
    expect(await named({ region: 'us' })).toBe('US region');
    expect(await named({ region: 'ap' })).toBe('configured region');
    const before = api.requests.length;
    const v = keep(await mailgun.verify!({ value: 'FAKE-unknown-0123456789' }, ctx({ region: 'eu' })));
    expect(v.reason).toMatch(/^Mailgun refused it \(HTTP 401 in EU\): /);
    expect(api.requests.length - before).toBe(1);
    expect(api.requests.at(-1)!.query.get('limit')).toBe('10');
  });
});

describe('which values a 401 may call dead', () => {
  it('only key- and 32 lowercase hex digits, nothing around it, is the legacy primary key', async () => {
    const live = keep(await mailgun.verify!({ value: LEGACY }, ctx()));
    expect(live.identity?.kind).toBe('primary account API key (legacy form)');
    for (const value of NOT_LEGACY) {
      const v = keep(await mailgun.verify!({ value }, ctx()));
      expect(v.status, value).toBe('unknown');
      expect(v.identity).toEqual({ kind: 'API key' });
    }
    const dead = keep(await mailgun.verify!({ value: 'key-0123456789abcdef0123456789fa4e99' }, ctx()));
    expect(dead).toMatchObject({ status: 'dead', identity: { kind: 'primary account API key (legacy form)' } });
  });
});

describe("verify: the domain list's odd answers", () => {
  it('a 2xx without an item list is unknown', async () => {
    for (const body of [{ total_count: 3 }, { items: 'mg.example.com' }, [], undefined]) {
      api.answerNext('GET', DOMAINS, { status: 200, body });
      expect(keep(await mailgun.verify!({ value: ACCOUNT_KEY }, ctx()))).toEqual({
        status: 'unknown',
        reason: 'Mailgun answered GET /v3/domains without a domain list',
        identity: { kind: 'API key' },
      });
    }
  });

  it('a 404 or a malformed 200 is unknown with its reason; one failed read is tried again', async () => {
    api.answerNext('GET', DOMAINS, { status: 404, body: { message: 'Not Found' } });
    expect(keep(await mailgun.verify!({ value: ACCOUNT_KEY }, ctx())).reason).toBe('Mailgun answered HTTP 404: Not Found');
    api.misbehave({ kind: 'malformed' });
    expect(keep(await mailgun.verify!({ value: ACCOUNT_KEY }, ctx())).reason).toBe('Mailgun answered with a body that is not JSON');
    api.misbehave({ kind: 'status', status: 502 });
    expect(keep(await mailgun.verify!({ value: ACCOUNT_KEY }, ctx())).status).toBe('live');
  });

  it('a key echoed back in an answer is masked', async () => {
    api.answerNext('GET', DOMAINS, { status: 404, body: { message: `no domains for ${ECHOED}` } });
    const v = keep(await mailgun.verify!({ value: ECHOED }, ctx()));
    expect(v.reason).toContain('no domains for');
    expect(v.reason).not.toContain('mg.echo');
  });

  it('a closed port is unknown', async () => {
    const v = keep(await mailgun.verify!({ value: ACCOUNT_KEY }, contextFor('mailgun', 'http://127.0.0.1:9')));
    expect(v.status).toBe('unknown');
    expect(v.reason).toMatch(/^Mailgun could not be asked/);
  });
});

describe('analyze: the domains a key sees', () => {
  it('counts the total Mailgun gives, shows at most ten names, and skips entries without a name wherever they are', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `d${i}.example.com`);
    api.answerNext('GET', DOMAINS, { status: 200, body: { total_count: 40, items: [{ name: 5 }, null, ...names.map((name) => ({ name }))] } });
    const a = keep(await mailgun.analyze!({ value: ACCOUNT_KEY }, ctx()));
    expect(a.complete).toBe(false);
    expect(a.grants).toEqual([{ scope: 'domains:read', risk: 'read', description: 'Sees 40 sending domain(s).', resource: names.slice(0, 10).join(', ') }]);
    expect(a.note).toContain('does not tell a key its own role');
  });

  it('without a total, the names counted; without names, no resource', async () => {
    api.answerNext('GET', DOMAINS, { status: 200, body: { total_count: '3', items: [{ name: 'a.example.com' }, { name: 'b.example.com' }] } });
    const counted = keep(await mailgun.analyze!({ value: ACCOUNT_KEY }, ctx()));
    expect(counted.grants[0]!.description).toBe('Sees 2 sending domain(s).');
    api.answerNext('GET', DOMAINS, { status: 200, body: { total_count: 0, items: [] } });
    const empty = keep(await mailgun.analyze!({ value: ACCOUNT_KEY }, ctx()));
    expect(empty.grants).toEqual([{ scope: 'domains:read', risk: 'read', description: 'Sees 0 sending domain(s).' }]);
  });

  it('a key that may not list domains is known but its reach is not: no grants, incomplete', async () => {
    api.misbehave({ kind: 'status', status: 403, message: 'role may not read domains' });
    const a = keep(await mailgun.analyze!({ value: ACCOUNT_KEY }, ctx()));
    expect(a).toEqual({ grants: [], complete: false, note: expect.stringContaining('may not list domains') });
  });

  it('a key that is not live is an exit-5 error that says why', async () => {
    api.misbehave({ kind: 'status', status: 429 }, { count: 2 });
    const limited = await failure(mailgun.analyze!({ value: ACCOUNT_KEY }, ctx()));
    expect(limited).toMatchObject({ exitCode: 5, message: 'Mailgun: cannot analyze it: Mailgun is rate-limiting (HTTP 429); try again later' });
    const unknown = await failure(mailgun.analyze!({ value: NOT_LEGACY[0]! }, ctx()));
    expect(unknown).toMatchObject({ exitCode: 5 });
    expect(unknown!.message).toContain('HTTP 401 in configured');
  });
});

describe('what the settings and the manual steps say', () => {
  it('asks the US API by default; the region setting and the dashboard steps are described', () => {
    expect(mailgun.defaultApi).toBe(US_API);
    expect(mailgun.title).toContain('Mailgun');
    expect(mailgun.config).toEqual([{ key: 'region', description: expect.stringContaining('"us" or "eu"') }]);
    expect(mailgun.manual?.rotate?.url).toBe('https://app.mailgun.com/settings/api_security');
    expect(mailgun.manual?.rotate?.instructions).toContain('credctl store put');
    expect(mailgun.manual?.revoke?.instructions).toContain('Delete');
  });
});
