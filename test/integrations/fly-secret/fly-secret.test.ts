import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { fingerprint } from '../../../src/core/fingerprint.js';
import { openTarget } from '../../../src/integrations/targets.js';
import { memoryLedger } from '../../../src/targets/ledger.js';
import type { TargetDeps, TargetRef } from '../../../src/targets/target.js';
import { everything, failure, refusedRef } from '../../targets/helpers.js';
import { startFly, type FlyStandIn } from './standin.js';

const TOKEN = 'fo1_FAKE0123456789abcdefghijklmnopqrstuvwxyz';
const MACAROON = 'FlyV1 fm2_FAKE0123456789abcdefghijklmnopqrstuv';
const READ_ONLY = 'fo1_FAKEreadonly0123456789abcdefghijklmnopq';
const OLD = 'sk_live_FAKEoldCANARY0123456789';
const NEW = 'sk_live_FAKEnewCANARY9876543210';
const REF: TargetRef = { type: 'fly-secret', app: 'acme-api' };
let fly: FlyStandIn;

function deps(over: Partial<TargetDeps> = {}): TargetDeps {
  return {
    projectRoot: '/nonexistent',
    getCredential: async (purpose) => (purpose === 'flyio' ? TOKEN : null),
    apiUrl: { 'fly-secret': fly.url },
    http: { retries: 2, backoffMs: 1, timeoutMs: 1000 },
    ledger: memoryLedger(),
    ...over,
  };
}

beforeAll(async () => {
  fly = await startFly({ tokens: { [TOKEN]: 'write', [MACAROON]: 'write', [READ_ONLY]: 'read' }, apps: ['acme-api'] });
});
afterAll(() => fly.close());

describe('fly-secret target against the Fly.io Machines API stand-in', () => {
  it('sets the secret, notes the deploy it needs, and knows it by its digest', async () => {
    const t = openTarget(REF, deps());
    expect(await t.readFingerprint('STRIPE_KEY')).toBeNull();
    const r = await t.write('STRIPE_KEY', NEW);
    expect(r).toMatchObject({ status: 'written', before: null, after: fingerprint(NEW) });
    expect(r.notes.join(' ')).toMatch(/fly secrets deploy/);
    expect(r.writtenAt).toBe(fly.secret('acme-api', 'STRIPE_KEY')?.updated_at);
    expect(fly.secret('acme-api', 'STRIPE_KEY')?.value).toBe(NEW);
    expect(fly.requests.find((q) => q.method === 'POST')?.path).toBe('/v1/apps/acme-api/secrets/STRIPE_KEY');
    expect(fly.requests.every((q) => q.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(await t.readValue('STRIPE_KEY')).toBeUndefined();
    expect(await t.readFingerprint('STRIPE_KEY')).toBe(fingerprint(NEW));
    expect(await t.verify('STRIPE_KEY', NEW)).toBe(true);
    expect(await t.verify('STRIPE_KEY', OLD)).toBe(false);
    const posts = () => fly.requests.filter((q) => q.method === 'POST').length;
    const n = posts();
    expect((await t.write('STRIPE_KEY', NEW)).status).toBe('unchanged');
    expect(posts()).toBe(n);
    // Someone sets another value: the digest moves and credctl no longer claims it.
    fly.seed('acme-api', 'STRIPE_KEY', OLD);
    expect(await t.readFingerprint('STRIPE_KEY')).toBe('unknown');
    expect((await t.write('STRIPE_KEY', NEW)).status).toBe('written');
    expect(everything(r)).not.toContain(NEW);
  });

  it('sends a FlyV1 macaroon token as the whole Authorization value', async () => {
    const before = fly.requests.length;
    await openTarget(REF, deps({ getCredential: async () => MACAROON })).write('MACAROON_KEY', NEW);
    expect(fly.requests.slice(before).every((q) => q.headers.authorization === MACAROON)).toBe(true);
  });

  it('without a ledger record, verify compares updated_at with the write time', async () => {
    const r = await openTarget(REF, deps()).write('FRESH', NEW);
    const fresh = openTarget(REF, deps());
    expect(await fresh.readFingerprint('FRESH')).toBe('unknown');
    expect(await fresh.verify('FRESH', NEW, { writtenAt: r.writtenAt })).toBe(true);
    expect(await fresh.verify('FRESH', NEW)).toBe('unverifiable');
    expect(await fresh.verify('FRESH', NEW, { writtenAt: '2099-01-01T00:00:00Z' })).toBe(false);
    expect(await fresh.verify('NEVER_SET', NEW)).toBe(false);
  });

  it('compare-and-swap refuses when the ledger shows another value than the plan expected', async () => {
    const t = openTarget(REF, deps());
    await t.write('CAS_KEY', OLD);
    const e = await failure(t.write('CAS_KEY', NEW, { expectFingerprint: fingerprint('FAKE other') }));
    expect(e.message).toContain('changed since the plan');
    expect(e.exitCode).toBe(ExitCode.Refused);
    expect(fly.secret('acme-api', 'CAS_KEY')?.value).toBe(OLD);
  });

  it('401, 403 and an unknown app are one-line errors in Fly words, without token or value', async () => {
    const bad = 'fo1_FAKEwrong0123456789abcdefghijklmnopqrstu';
    const e401 = await failure(openTarget(REF, deps({ getCredential: async () => bad })).write('K1', NEW));
    expect(e401.message).toContain('HTTP 401');
    const e403 = await failure(openTarget(REF, deps({ getCredential: async () => READ_ONLY })).write('K1', NEW));
    expect(e403.message).toMatch(/HTTP 403.*unauthorized to set secrets/);
    const e404 = await failure(openTarget({ type: 'fly-secret', app: 'no-such-app' }, deps()).readFingerprint('K1'));
    expect(e404.message).toMatch(/HTTP 404.*app not found/);
    for (const e of [e401, e403, e404]) {
      expect(e.exitCode).toBe(ExitCode.Remote);
      expect(e.message).not.toContain('\n');
      for (const s of [bad, READ_ONLY, TOKEN, NEW]) expect(everything(e)).not.toContain(s);
    }
  });

  it('429, 5xx and malformed bodies are retried, then reported with the attempts', async () => {
    const t = openTarget(REF, deps());
    fly.misbehave({ kind: 'status', status: 429 });
    fly.misbehave({ kind: 'malformed' });
    expect(await t.readFingerprint('NOT_THERE')).toBeNull();
    fly.misbehave({ kind: 'status', status: 503 }, { count: 3 });
    const e = await failure(t.write('RETRY_KEY', NEW));
    expect(e.message).toMatch(/HTTP 503.*after 3 attempts/);
    expect(everything(e)).not.toContain(NEW);
    expect(everything(e)).not.toContain(TOKEN);
  });

  it('fails clearly without a flyio token, before any call', async () => {
    const before = fly.requests.length;
    const e = await failure(openTarget(REF, deps({ getCredential: async () => null })).write('K1', NEW));
    expect(e.exitCode).toBe(ExitCode.Store);
    expect(fly.requests.length).toBe(before);
  });

  it('validates every ref field and refuses an API address in a ref', () => {
    const bad = refusedRef('fly-secret');
    expect(bad({})).toContain('"app"');
    expect(bad({ app: 'Acme API' })).toContain('"app"');
    expect(bad({ app: '../x' })).toContain('"app"');
    expect(bad({ app: 'acme-api', apiUrl: 'https://evil.example' })).toContain('"apiUrl"');
  });
});
