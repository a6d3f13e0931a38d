import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { fingerprint } from '../../../src/core/fingerprint.js';
import { openTarget } from '../../../src/integrations/targets.js';
import { memoryLedger } from '../../../src/targets/ledger.js';
import type { TargetDeps, TargetRef } from '../../../src/targets/target.js';
import { everything, failure, refusedRef } from '../../targets/helpers.js';
import { startCircleci, type CircleciStandIn } from './standin.js';

const TOKEN = 'CCIPAT_FAKE0123456789_abcdefabcdefabcdefabcdefabcdef01';
const READ_ONLY = 'CCIPAT_FAKEreadonly_abcdefabcdefabcdefabcdefabcdef0123';
const OLD = 'sk_live_FAKEoldCANARY0123456789';
const NEW = 'sk_live_FAKEnewCANARY9876543210';
const CONTEXT = '1f2e3d4c-0000-4000-8000-0123456789ab';
const PROJECT: TargetRef = { type: 'circleci-env', projectSlug: 'gh/acme/api' };
let cc: CircleciStandIn;

function deps(over: Partial<TargetDeps> = {}): TargetDeps {
  return {
    projectRoot: '/nonexistent',
    getCredential: async (purpose) => (purpose === 'circleci' ? TOKEN : null),
    apiUrl: { 'circleci-env': `${cc.url}/api/v2` },
    http: { retries: 2, backoffMs: 1, timeoutMs: 1000 },
    ledger: memoryLedger(),
    ...over,
  };
}

beforeAll(async () => {
  cc = await startCircleci({ tokens: { [TOKEN]: 'write', [READ_ONLY]: 'read' }, projects: ['gh/acme/api'], contexts: [CONTEXT] });
});
afterAll(() => cc.close());

describe('circleci-env target against the CircleCI API v2 stand-in', () => {
  it('writes a project variable with the Circle-Token header; values never come back, the ledger knows ours', async () => {
    const d = deps();
    const t = openTarget(PROJECT, d);
    expect(await t.readFingerprint('STRIPE_KEY')).toBeNull();
    const r = await t.write('STRIPE_KEY', NEW);
    expect(r).toMatchObject({ status: 'written', before: null, after: fingerprint(NEW) });
    expect(r.notes.join(' ')).toMatch(/re-run/);
    expect(cc.projectVar('gh/acme/api', 'STRIPE_KEY')?.value).toBe(NEW);
    expect(cc.requests.every((q) => q.headers['circle-token'] === TOKEN)).toBe(true);
    expect(await t.readValue('STRIPE_KEY')).toBeUndefined();
    expect(await t.readFingerprint('STRIPE_KEY')).toBe(fingerprint(NEW));
    expect(await t.verify('STRIPE_KEY', NEW)).toBe(true);
    expect(await t.verify('STRIPE_KEY', OLD)).toBe(false);
    const posts = cc.requests.filter((q) => q.method === 'POST').length;
    expect((await t.write('STRIPE_KEY', NEW)).status).toBe('unchanged');
    expect(cc.requests.filter((q) => q.method === 'POST').length).toBe(posts);
    expect(everything(r)).not.toContain(NEW);
  });

  it('a variable changed by someone else is unknown again, and rewritten', async () => {
    const t = openTarget(PROJECT, deps());
    await t.write('ROTATED', NEW);
    cc.seedProject('gh/acme/api', 'ROTATED', OLD);
    expect(await t.readFingerprint('ROTATED')).toBe('unknown');
    expect(await t.verify('ROTATED', NEW)).toBe(false); // the last four characters give it away
    expect((await t.write('ROTATED', NEW)).status).toBe('written');
    expect(cc.projectVar('gh/acme/api', 'ROTATED')?.value).toBe(NEW);
  });

  it('without a ledger record, verify compares the server time with the write time', async () => {
    const r = await openTarget(PROJECT, deps()).write('FRESH', NEW);
    const fresh = openTarget(PROJECT, deps());
    expect(await fresh.readFingerprint('FRESH')).toBe('unknown');
    expect(await fresh.verify('FRESH', NEW, { writtenAt: r.writtenAt })).toBe(true);
    expect(await fresh.verify('FRESH', NEW)).toBe('unverifiable');
    expect(await fresh.verify('FRESH', NEW, { writtenAt: '2099-01-01T00:00:00Z' })).toBe(false);
  });

  it('writes context variables, finding them across pages', async () => {
    for (const n of ['A_ONE', 'B_TWO', 'C_THREE']) cc.seedContext(CONTEXT, n, 'FAKE-filler-value');
    cc.seedContext(CONTEXT, 'Z_KEY', OLD);
    const t = openTarget({ type: 'circleci-env', contextId: CONTEXT }, deps());
    expect(t.describe()).toContain('context');
    expect(await t.readFingerprint('Z_KEY')).toBe('unknown');
    expect(cc.requests.some((q) => q.query.get('page-token') === '2')).toBe(true);
    const r = await t.write('Z_KEY', NEW, { expectFingerprint: fingerprint(OLD) });
    expect(r.status).toBe('written');
    expect(cc.contextVar(CONTEXT, 'Z_KEY')?.value).toBe(NEW);
    expect(await t.verify('Z_KEY', NEW)).toBe(true);
    expect((await t.write('Z_KEY', NEW)).status).toBe('unchanged');
    expect(await t.readFingerprint('MISSING_ONE')).toBeNull();
  });

  it('refuses a write when the ledger shows the variable changed since the plan (compare-and-swap)', async () => {
    const t = openTarget(PROJECT, deps());
    await t.write('CAS_KEY', OLD);
    const e = await failure(t.write('CAS_KEY', NEW, { expectFingerprint: fingerprint('FAKE other') }));
    expect(e.message).toContain('changed since the plan');
    expect(e.exitCode).toBe(ExitCode.Refused);
    expect(cc.projectVar('gh/acme/api', 'CAS_KEY')?.value).toBe(OLD);
  });

  it('401, 403 and an unknown project or context are one-line errors without token or value', async () => {
    const bad = 'CCIPAT_FAKEwrong_abcdefabcdefabcdefabcdefabcdef012345';
    const e401 = await failure(openTarget(PROJECT, deps({ getCredential: async () => bad })).write('K1', NEW));
    expect(e401.message).toContain('HTTP 401');
    const e403 = await failure(openTarget(PROJECT, deps({ getCredential: async () => READ_ONLY })).write('K1', NEW));
    expect(e403.message).toContain('HTTP 403');
    const e404 = await failure(openTarget({ type: 'circleci-env', projectSlug: 'gh/acme/nope' }, deps()).readFingerprint('K1'));
    expect(e404.message).toMatch(/HTTP 404.*Project not found/);
    const e404c = await failure(openTarget({ type: 'circleci-env', contextId: '00000000-0000-4000-8000-000000000000' }, deps()).write('K1', NEW));
    expect(e404c.message).toContain('HTTP 404');
    for (const e of [e401, e403, e404, e404c]) {
      expect(e.exitCode).toBe(ExitCode.Remote);
      for (const s of [bad, READ_ONLY, TOKEN, NEW]) expect(everything(e)).not.toContain(s);
    }
  });

  it('429, 5xx and malformed bodies are retried, then reported with the attempts', async () => {
    const t = openTarget(PROJECT, deps());
    cc.misbehave({ kind: 'status', status: 429 });
    cc.misbehave({ kind: 'malformed' });
    expect(await t.readFingerprint('NOT_THERE')).toBeNull();
    cc.misbehave({ kind: 'status', status: 502 }, { count: 3 });
    const e = await failure(t.write('RETRY_KEY', NEW));
    expect(e.message).toMatch(/HTTP 502.*after 3 attempts/);
    expect(everything(e)).not.toContain(NEW);
    expect(everything(e)).not.toContain(TOKEN);
  });

  it('fails clearly without a circleci token, before any call', async () => {
    const before = cc.requests.length;
    const e = await failure(openTarget(PROJECT, deps({ getCredential: async () => null })).write('K1', NEW));
    expect(e.exitCode).toBe(ExitCode.Store);
    expect(cc.requests.length).toBe(before);
  });

  it('validates every ref field and refuses an API address in a ref', () => {
    const bad = refusedRef('circleci-env');
    expect(bad({})).toContain('exactly one');
    expect(bad({ projectSlug: 'gh/acme/api', contextId: CONTEXT })).toContain('exactly one');
    expect(bad({ projectSlug: 'acme/api' })).toContain('"projectSlug"');
    expect(bad({ projectSlug: 'gh/acme/../x/y' })).toContain('"projectSlug"');
    expect(bad({ projectSlug: 'gh/acme/..' })).toContain('"projectSlug"');
    expect(bad({ contextId: 'not-a-uuid' })).toContain('"contextId"');
    expect(bad({ projectSlug: 'gh/acme/api', apiUrl: 'https://evil.example' })).toContain('"apiUrl"');
  });
});
