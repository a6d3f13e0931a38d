import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { fingerprint } from '../../../src/core/fingerprint.js';
import { openTarget } from '../../../src/integrations/targets.js';
import { memoryLedger } from '../../../src/targets/ledger.js';
import type { TargetDeps, TargetRef } from '../../../src/targets/target.js';
import { everything, failure, refusedRef } from '../../targets/helpers.js';
import { startNetlify, type NetlifyStandIn } from './standin.js';

const TOKEN = 'nfp_FAKE0123456789abcdefghijklmnopqrstuv';
const OTHER_TEAM = 'nfp_FAKEotherteam0123456789abcdefghijkl';
const OLD = 'sk_live_FAKEoldCANARY0123456789';
const NEW = 'sk_live_FAKEnewCANARY0123456789';
const SITE: TargetRef = { type: 'netlify-env', accountId: 'acme', siteId: 'site-1' };
let nf: NetlifyStandIn;

function deps(over: Partial<TargetDeps> = {}): TargetDeps {
  return {
    projectRoot: '/nonexistent',
    getCredential: async (purpose) => (purpose === 'netlify' ? TOKEN : null),
    apiUrl: { 'netlify-env': `${nf.url}/api/v1` },
    http: { retries: 2, backoffMs: 1, timeoutMs: 1000 },
    ledger: memoryLedger(),
    ...over,
  };
}

beforeAll(async () => {
  nf = await startNetlify({ tokens: { [TOKEN]: ['acme'], [OTHER_TEAM]: ['other'] }, accounts: { acme: ['site-1'], other: [] } });
});
afterAll(() => nf.close());

describe('netlify-env target against the Netlify API stand-in', () => {
  it('creates a missing variable for its context, then reads it back exactly', async () => {
    const t = openTarget(SITE, deps());
    expect(await t.readFingerprint('NEW_VAR')).toBeNull();
    const r = await t.write('NEW_VAR', NEW);
    expect(r).toMatchObject({ status: 'written', before: null, after: fingerprint(NEW) });
    expect(r.notes.join(' ')).toMatch(/deploy/);
    expect(nf.envVar('acme', 'site-1', 'NEW_VAR')).toMatchObject({ is_secret: false, values: [{ context: 'all', value: NEW }] });
    expect(nf.requests.every((q) => q.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(await t.readValue('NEW_VAR')).toBe(NEW);
    expect(await t.verify('NEW_VAR', NEW)).toBe(true);
    expect(await t.verify('NEW_VAR', OLD)).toBe(false);
    expect(everything(r)).not.toContain(NEW);
  });

  it('sets only its own context: other contexts keep their values; a second write is unchanged', async () => {
    nf.seed('acme', 'site-1', { key: 'API_KEY', values: { all: OLD, 'deploy-preview': 'FAKE-preview-value' } });
    const t = openTarget({ ...SITE, context: 'production' }, deps());
    expect(await t.readFingerprint('API_KEY')).toBe(fingerprint(OLD));
    const before = nf.requests.length;
    const r = await t.write('API_KEY', NEW, { expectFingerprint: fingerprint(OLD) });
    expect(r.status).toBe('written');
    expect(nf.requests.slice(before).find((q) => q.method === 'PATCH')?.body).toEqual({ context: 'production', value: NEW });
    const stored = nf.envVar('acme', 'site-1', 'API_KEY')!;
    expect(Object.fromEntries(stored.values.map((x) => [x.context, x.value]))).toEqual({ all: OLD, 'deploy-preview': 'FAKE-preview-value', production: NEW });
    expect((await t.write('API_KEY', NEW)).status).toBe('unchanged');
    expect(nf.requests.slice(before).filter((q) => q.method !== 'GET')).toHaveLength(1);
  });

  it('refuses a write when the value changed since the plan (compare-and-swap)', async () => {
    nf.seed('acme', 'site-1', { key: 'CAS_VAR', values: { all: OLD } });
    const e = await failure(openTarget(SITE, deps()).write('CAS_VAR', NEW, { expectFingerprint: fingerprint('FAKE other') }));
    expect(e.message).toContain('changed since the plan');
    expect(e.exitCode).toBe(ExitCode.Refused);
    expect(nf.envVar('acme', 'site-1', 'CAS_VAR')?.values[0]?.value).toBe(OLD);
  });

  it('a secret variable is known only through the ledger, tied to updated_at', async () => {
    nf.seed('acme', 'site-1', { key: 'SECRET_VAR', values: { production: OLD }, is_secret: true });
    const d = deps();
    const t = openTarget({ ...SITE, context: 'production' }, d);
    expect(await t.readFingerprint('SECRET_VAR')).toBe('unknown');
    expect(await t.readValue('SECRET_VAR')).toBeUndefined();
    const r = await t.write('SECRET_VAR', NEW);
    expect(r.status).toBe('written');
    expect(await t.readFingerprint('SECRET_VAR')).toBe(fingerprint(NEW));
    expect(await t.verify('SECRET_VAR', NEW)).toBe(true);
    expect((await t.write('SECRET_VAR', NEW)).status).toBe('unchanged');
    // Someone changes it in the dashboard: credctl no longer claims to know.
    nf.envVar('acme', 'site-1', 'SECRET_VAR')!.updated_at = '2027-01-01T00:00:00.000Z';
    expect(await t.readFingerprint('SECRET_VAR')).toBe('unknown');
    expect(await openTarget({ ...SITE, context: 'production' }, deps()).verify('SECRET_VAR', NEW)).toBe('unverifiable');
  });

  it('writes team-level variables without site_id, and creates secret ones when asked', async () => {
    const t = openTarget({ type: 'netlify-env', accountId: 'acme', context: 'production', secret: true }, deps());
    expect(t.describe()).toContain('team acme');
    await t.write('TEAM_SECRET', NEW);
    expect(nf.envVar('acme', null, 'TEAM_SECRET')).toMatchObject({ is_secret: true, values: [{ context: 'production', value: NEW }] });
    expect(nf.envVar('acme', 'site-1', 'TEAM_SECRET')).toBeUndefined();
  });

  it('401, 403 and an unknown site are one-line errors without token or value', async () => {
    const bad = 'nfp_FAKEwrong0123456789abcdefghijklmnop';
    const e401 = await failure(openTarget(SITE, deps({ getCredential: async () => bad })).write('K1', NEW));
    expect(e401.message).toContain('HTTP 401');
    const e403 = await failure(openTarget(SITE, deps({ getCredential: async () => OTHER_TEAM })).write('K1', NEW));
    expect(e403.message).toContain('HTTP 403');
    const e404 = await failure(openTarget({ ...SITE, siteId: 'site-nope' }, deps()).readFingerprint('K1'));
    expect(e404.message).toContain('HTTP 404');
    for (const e of [e401, e403, e404]) {
      expect(e.exitCode).toBe(ExitCode.Remote);
      expect(e.message).not.toContain('\n');
      for (const s of [bad, OTHER_TEAM, TOKEN, NEW]) expect(everything(e)).not.toContain(s);
    }
  });

  it('429, 5xx and malformed bodies are retried, then reported with the attempts', async () => {
    const t = openTarget(SITE, deps());
    nf.misbehave({ kind: 'status', status: 429 });
    nf.misbehave({ kind: 'malformed' });
    expect(await t.readFingerprint('NEW_VAR')).toBe(fingerprint(NEW));
    nf.misbehave({ kind: 'status', status: 500 }, { count: 3 });
    const e = await failure(t.write('RETRY_VAR', NEW));
    expect(e.message).toMatch(/HTTP 500.*after 3 attempts/);
    expect(everything(e)).not.toContain(NEW);
    expect(everything(e)).not.toContain(TOKEN);
  });

  it('fails clearly without a netlify token, before any call', async () => {
    const before = nf.requests.length;
    const e = await failure(openTarget(SITE, deps({ getCredential: async () => null })).write('K1', NEW));
    expect(e.exitCode).toBe(ExitCode.Store);
    expect(nf.requests.length).toBe(before);
  });

  it('validates every ref field and refuses an API address in a ref', () => {
    const bad = refusedRef('netlify-env');
    expect(bad({})).toContain('"accountId"');
    expect(bad({ accountId: 'a/b' })).toContain('"accountId"');
    expect(bad({ accountId: 'acme', siteId: '../x' })).toContain('"siteId"');
    expect(bad({ accountId: 'acme', context: 'staging' })).toContain('"context"');
    expect(bad({ accountId: 'acme', secret: 'yes' })).toContain('"secret"');
    expect(bad({ accountId: 'acme', apiUrl: 'https://evil.example' })).toContain('"apiUrl"');
  });
});
