import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { fingerprint } from '../../../src/core/fingerprint.js';
import { openTarget } from '../../../src/integrations/targets.js';
import { memoryLedger } from '../../../src/targets/ledger.js';
import type { TargetDeps, TargetRef } from '../../../src/targets/target.js';
import { everything, failure, refusedRef } from '../../targets/helpers.js';
import { startCloudflareWorkers, type CloudflareWorkersStandIn } from './standin.js';

const TOKEN = 'cfut_FAKE0123456789abcdefghijklmnopqrstuvwxyz0123';
const READ_ONLY = 'cfut_FAKEreadonly0123456789abcdefghijklmnopqrstu';
const ACCOUNT = '0123456789abcdef0123456789abcdef';
const OLD = 'sk_live_FAKEoldCANARY0123456789';
const NEW = 'sk_live_FAKEnewCANARY9876543210';
const REF: TargetRef = { type: 'cloudflare-workers-secret', accountId: ACCOUNT, script: 'api-worker' };
let cf: CloudflareWorkersStandIn;

function deps(over: Partial<TargetDeps> = {}): TargetDeps {
  return {
    projectRoot: '/nonexistent',
    getCredential: async (purpose) => (purpose === 'cloudflare' ? TOKEN : null),
    apiUrl: { 'cloudflare-workers-secret': `${cf.url}/client/v4` },
    http: { retries: 2, backoffMs: 1, timeoutMs: 1000 },
    ledger: memoryLedger(),
    ...over,
  };
}

beforeAll(async () => {
  cf = await startCloudflareWorkers({ tokens: { [TOKEN]: 'write', [READ_ONLY]: 'read' }, accountId: ACCOUNT, scripts: ['api-worker'] });
});
afterAll(() => cf.close());

describe('cloudflare-workers-secret target against the Cloudflare API stand-in', () => {
  it('puts the secret as secret_text; the ledger knows it until the Worker is deployed again', async () => {
    const t = openTarget(REF, deps());
    expect(await t.readFingerprint('STRIPE_KEY')).toBeNull();
    const r = await t.write('STRIPE_KEY', NEW);
    expect(r).toMatchObject({ status: 'written', before: null, after: fingerprint(NEW) });
    expect(r.notes.join(' ')).toMatch(/new version/);
    expect(cf.secret('api-worker', 'STRIPE_KEY')).toBe(NEW);
    expect(cf.requests.find((q) => q.method === 'PUT')?.body).toEqual({ name: 'STRIPE_KEY', text: NEW, type: 'secret_text' });
    expect(cf.requests.every((q) => q.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(await t.readValue('STRIPE_KEY')).toBeUndefined();
    expect(await t.readFingerprint('STRIPE_KEY')).toBe(fingerprint(NEW));
    expect(await t.verify('STRIPE_KEY', NEW)).toBe(true);
    expect(await t.verify('STRIPE_KEY', OLD)).toBe(false);
    const puts = () => cf.requests.filter((q) => q.method === 'PUT').length;
    const n = puts();
    expect((await t.write('STRIPE_KEY', NEW)).status).toBe('unchanged');
    expect(puts()).toBe(n);
    cf.deploy('api-worker', { name: 'STRIPE_KEY', text: OLD });
    expect(await t.readFingerprint('STRIPE_KEY')).toBe('unknown');
    expect(await t.verify('STRIPE_KEY', NEW)).toBe('unverifiable');
    expect((await t.write('STRIPE_KEY', NEW)).status).toBe('written');
    expect(cf.secret('api-worker', 'STRIPE_KEY')).toBe(NEW);
    expect(everything(r)).not.toContain(NEW);
  });

  it('compare-and-swap refuses when the ledger shows another value than the plan expected', async () => {
    const t = openTarget(REF, deps());
    await t.write('CAS_KEY', OLD);
    const e = await failure(t.write('CAS_KEY', NEW, { expectFingerprint: fingerprint('FAKE other') }));
    expect(e.message).toContain('changed since the plan');
    expect(e.exitCode).toBe(ExitCode.Refused);
    expect(cf.secret('api-worker', 'CAS_KEY')).toBe(OLD);
  });

  it('a missing secret is absent, a missing Worker is an error', async () => {
    expect(await openTarget(REF, deps()).verify('NEVER_SET', NEW)).toBe(false);
    const e = await failure(openTarget({ ...REF, script: 'no-such-worker' }, deps()).readFingerprint('K1'));
    expect(e.message).toContain('HTTP 404');
    expect(e.message).toContain('no-such-worker');
  });

  it('401 and 403 are one-line errors in Cloudflare words, without token or value', async () => {
    const bad = 'cfut_FAKEwrong0123456789abcdefghijklmnopqrstuvw';
    const e401 = await failure(openTarget(REF, deps({ getCredential: async () => bad })).write('K1', NEW));
    expect(e401.message).toMatch(/HTTP 401.*Invalid API Token/);
    const e403 = await failure(openTarget(REF, deps({ getCredential: async () => READ_ONLY })).write('K1', NEW));
    expect(e403.message).toMatch(/HTTP 403.*code 10000/);
    const e403b = await failure(openTarget({ ...REF, accountId: 'f'.repeat(32) }, deps()).readFingerprint('K1'));
    expect(e403b.message).toContain('HTTP 403');
    for (const e of [e401, e403, e403b]) {
      expect(e.exitCode).toBe(ExitCode.Remote);
      expect(e.message).not.toContain('\n');
      for (const s of [bad, READ_ONLY, TOKEN, NEW]) expect(everything(e)).not.toContain(s);
    }
  });

  it('429, 5xx and malformed bodies are retried, then reported with the attempts', async () => {
    const t = openTarget(REF, deps());
    cf.misbehave({ kind: 'status', status: 429 });
    cf.misbehave({ kind: 'malformed' });
    expect(await t.readFingerprint('NOT_THERE')).toBeNull();
    cf.misbehave({ kind: 'status', status: 500 }, { count: 3, path: '/secrets' });
    const e = await failure(t.write('RETRY_KEY', NEW));
    expect(e.message).toMatch(/HTTP 500.*after 3 attempts/);
    expect(everything(e)).not.toContain(NEW);
    expect(everything(e)).not.toContain(TOKEN);
  });

  it('fails clearly without a cloudflare token, before any call', async () => {
    const before = cf.requests.length;
    const e = await failure(openTarget(REF, deps({ getCredential: async () => null })).write('K1', NEW));
    expect(e.exitCode).toBe(ExitCode.Store);
    expect(cf.requests.length).toBe(before);
  });

  it('validates every ref field and refuses an API address in a ref', () => {
    const bad = refusedRef('cloudflare-workers-secret');
    expect(bad({ script: 'w' })).toContain('"accountId"');
    expect(bad({ accountId: 'acme', script: 'w' })).toContain('"accountId"');
    expect(bad({ accountId: ACCOUNT })).toContain('"script"');
    expect(bad({ accountId: ACCOUNT, script: '../w' })).toContain('"script"');
    expect(bad({ accountId: ACCOUNT, script: 'w', apiUrl: 'https://evil.example' })).toContain('"apiUrl"');
  });
});
