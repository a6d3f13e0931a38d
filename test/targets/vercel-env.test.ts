import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CredctlError } from '../../src/core/errors.js';
import { ExitCode } from '../../src/core/exit-codes.js';
import { fingerprint } from '../../src/core/fingerprint.js';
import { memoryLedger } from '../../src/targets/ledger.js';
import { openTarget } from '../../src/integrations/targets.js';
import type { TargetDeps, TargetRef } from '../../src/targets/target.js';
import { startVercelApi, type VercelApiServer } from '../../src/demo/vendors/vercel-api.js';
import { everything } from './helpers.js';

const TOKEN = 'vercel_FAKEtoken0000000000000000001';
const OLD = 'sk_live_51FAKEoldoldoldoldoldold0001';
const NEW = 'sk_live_51FAKEnewnewnewnewnewnew0002';

describe('vercel-env target', () => {
  let v: VercelApiServer;
  let deps: TargetDeps;
  const ref: TargetRef = { type: 'vercel-env', projectId: 'prj_FAKE1', teamId: 'team_FAKE', target: ['production', 'preview'] };
  beforeEach(async () => {
    v = await startVercelApi({
      tokens: [TOKEN],
      projects: [
        { id: 'prj_FAKE1', name: 'web', teamId: 'team_FAKE' },
        { id: 'prj_FAKE2', name: 'solo' },
      ],
    });
    deps = {
      projectRoot: '/nonexistent',
      getCredential: async (purpose) => (purpose === 'vercel' ? TOKEN : null),
      apiUrl: { 'vercel-env': v.url },
      http: { retries: 2, backoffMs: 5, timeoutMs: 400 },
      ledger: memoryLedger(),
    };
  });
  afterEach(async () => v.close());

  it('upserts an existing variable, reads it back, notes the redeploy, then is unchanged', async () => {
    v.seedEnv('prj_FAKE1', { key: 'STRIPE_SECRET_KEY', value: OLD, type: 'encrypted', target: ['production', 'preview'] });
    v.seedEnv('prj_FAKE1', { key: 'STRIPE_SECRET_KEY', value: 'sk_test_FAKEdev0000000000000', type: 'encrypted', target: ['development'] });
    const t = await openTarget(ref, deps);
    expect(await t.readFingerprint('STRIPE_SECRET_KEY')).toBe(fingerprint(OLD));
    expect(await t.readValue('STRIPE_SECRET_KEY')).toBe(OLD);
    expect(await t.readValue('MISSING')).toBeNull();
    const r = await t.write('STRIPE_SECRET_KEY', NEW, { expectFingerprint: fingerprint(OLD) });
    expect(r).toMatchObject({ status: 'written', before: fingerprint(OLD), after: fingerprint(NEW) });
    expect(r.notes.join()).toMatch(/redeploy/);
    const envs = v.envs('prj_FAKE1').filter((e) => e.key === 'STRIPE_SECRET_KEY');
    expect(envs).toHaveLength(2);
    expect(envs.find((e) => e.target.includes('production'))).toMatchObject({ value: NEW, type: 'encrypted', target: ['preview', 'production'] });
    expect(envs.find((e) => e.target.includes('development'))?.value).toBe('sk_test_FAKEdev0000000000000');
    const post = v.requests.find((q) => q.method === 'POST')!;
    expect(post.path).toContain('upsert=true');
    expect(post.path).toContain('teamId=team_FAKE');
    expect(await t.verify('STRIPE_SECRET_KEY', NEW)).toBe(true);
    expect(await t.verify('STRIPE_SECRET_KEY', OLD)).toBe(false);
    const r2 = await t.write('STRIPE_SECRET_KEY', NEW);
    expect(r2.status).toBe('unchanged');
    expect(v.requests.filter((q) => q.method === 'POST')).toHaveLength(1);
    expect(everything([r, r2])).not.toContain(NEW);
    expect(everything([r, r2])).not.toContain(TOKEN);
  });

  it('creates a missing variable for all three targets by default', async () => {
    const t = await openTarget({ type: 'vercel-env', projectId: 'solo' }, deps);
    expect(await t.readFingerprint('API_KEY')).toBeNull();
    await t.write('API_KEY', NEW);
    expect(v.envs('solo')).toMatchObject([{ key: 'API_KEY', value: NEW, target: ['development', 'preview', 'production'] }]);
  });

  it('sensitive variables are write-only: known through the ledger, unverifiable without it', async () => {
    const t = await openTarget({ ...ref, sensitive: true }, deps);
    await t.write('WEBHOOK_SECRET', NEW);
    expect(v.envs('prj_FAKE1')[0]).toMatchObject({ type: 'sensitive', value: NEW });
    expect(await t.readFingerprint('WEBHOOK_SECRET')).toBe(fingerprint(NEW));
    expect((await t.write('WEBHOOK_SECRET', NEW)).status).toBe('unchanged');
    const fresh = await openTarget({ ...ref, sensitive: true }, { ...deps, ledger: memoryLedger() });
    expect(await fresh.readFingerprint('WEBHOOK_SECRET')).toBe('unknown');
    expect(await fresh.verify('WEBHOOK_SECRET', NEW)).toBe('unverifiable');
    expect(await fresh.readValue('WEBHOOK_SECRET')).toBeUndefined();
  });

  it('a variable set for a different target mix is a clear error naming the conflict', async () => {
    v.seedEnv('prj_FAKE1', { key: 'K', value: OLD, target: ['production', 'development'] });
    const t = await openTarget(ref, deps);
    const err = (await t.write('K', NEW).catch((e: unknown) => e)) as CredctlError;
    expect(err.exitCode).toBe(ExitCode.Remote);
    expect(err.message).toContain('different set of targets');
    expect(everything(err)).not.toContain(NEW);
  });

  it('retries a 500 and a lost answer, then succeeds', async () => {
    const t = await openTarget(ref, deps);
    v.injectFault({ kind: 'status', status: 500, match: { method: 'POST' } });
    v.injectFault({ kind: 'reset', phase: 'after', match: { method: 'POST' } });
    const r = await t.write('K', NEW);
    expect(r.status).toBe('written');
    expect(v.envs('prj_FAKE1').filter((e) => e.key === 'K')).toHaveLength(1);
    expect(v.requests.filter((q) => q.method === 'POST')).toHaveLength(3);
  });

  it('a rejected token is a clear, unretried error without the token; a missing team is 404', async () => {
    const bad = 'vercel_FAKEwrong000000000000000009';
    const t = await openTarget(ref, { ...deps, getCredential: async () => bad });
    const err = (await t.write('K', NEW).catch((e: unknown) => e)) as CredctlError;
    expect(err.exitCode).toBe(ExitCode.Remote);
    expect(err.message).toContain('HTTP 403');
    expect(v.requests).toHaveLength(1);
    expect(everything(err)).not.toContain(bad);
    const noTeam = await openTarget({ type: 'vercel-env', projectId: 'prj_FAKE1' }, deps);
    await expect(noTeam.readFingerprint('K')).rejects.toThrow(/HTTP 404/);
  });

  it('rejects a bad target list as bad input', async () => {
    expect(() => openTarget({ type: 'vercel-env', projectId: 'p', target: ['prod'] } as TargetRef, deps)).toThrow(
      expect.objectContaining({ exitCode: ExitCode.BadInput }),
    );
  });
});
