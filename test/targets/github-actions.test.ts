import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredctlError } from '../../src/core/errors.js';
import { ExitCode } from '../../src/core/exit-codes.js';
import { fingerprint } from '../../src/core/fingerprint.js';
import { memoryLedger } from '../../src/targets/ledger.js';
import { openTarget } from '../../src/integrations/targets.js';
import type { TargetDeps, TargetRef } from '../../src/targets/target.js';
import { startGithubApi, type GithubApiServer } from '../../src/demo/vendors/github-api.js';
import { everything } from './helpers.js';

const TOKEN = 'ghp_FAKEguardtoken000000000000000000001';
const OLD = 'sk_live_51FAKEoldoldoldoldoldold0001';
const NEW = 'sk_live_51FAKEnewnewnewnewnewnew0002';
const REF: TargetRef = { type: 'github-actions', repo: 'acme/api' };

describe('github-actions target', () => {
  let gh: GithubApiServer;
  let deps: TargetDeps;
  beforeEach(async () => {
    gh = await startGithubApi({ tokens: [TOKEN], repos: ['acme/api'], environments: { 'acme/api': ['production'] } });
    deps = {
      projectRoot: '/nonexistent',
      getCredential: async (purpose) => (purpose === 'github' ? TOKEN : null),
      apiUrl: { 'github-actions': gh.url },
      http: { retries: 2, backoffMs: 5, timeoutMs: 400 },
      ledger: memoryLedger(),
    };
  });
  afterEach(async () => gh.close());

  it('seals the value with the repo key: the server opens it and holds exactly the value', async () => {
    const t = await openTarget(REF, deps);
    expect(await t.readFingerprint('STRIPE_SECRET_KEY')).toBeNull();
    const r = await t.write('STRIPE_SECRET_KEY', NEW);
    expect(r).toMatchObject({ status: 'written', before: null, after: fingerprint(NEW) });
    expect(gh.secret('acme/api', 'STRIPE_SECRET_KEY')?.value).toBe(NEW);
    expect(await t.readValue('STRIPE_SECRET_KEY')).toBeUndefined();
    expect(r.writtenAt).toBe(gh.secret('acme/api', 'STRIPE_SECRET_KEY')?.updated_at);
    // Every request carried the documented headers (the server refuses otherwise) and the token.
    expect(gh.requests.every((q) => q.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(gh.requests.find((q) => q.method === 'PUT')?.status).toBe(201);
    expect(everything(r)).not.toContain(NEW);
    expect(everything(r)).not.toContain(TOKEN);
  });

  it('a second write of the same value is unchanged; verify is exact while the ledger matches', async () => {
    gh.seedSecret('acme/api', 'STRIPE_SECRET_KEY', OLD);
    const t = await openTarget(REF, deps);
    expect(await t.readFingerprint('STRIPE_SECRET_KEY')).toBe('unknown');
    const r1 = await t.write('STRIPE_SECRET_KEY', NEW);
    expect(r1.status).toBe('written');
    expect(gh.requests.find((q) => q.method === 'PUT')?.status).toBe(204);
    const puts = () => gh.requests.filter((q) => q.method === 'PUT').length;
    expect(puts()).toBe(1);
    const r2 = await t.write('STRIPE_SECRET_KEY', NEW);
    expect(r2.status).toBe('unchanged');
    expect(puts()).toBe(1);
    expect(await t.readFingerprint('STRIPE_SECRET_KEY')).toBe(fingerprint(NEW));
    expect(await t.verify('STRIPE_SECRET_KEY', NEW)).toBe(true);
    expect(await t.verify('STRIPE_SECRET_KEY', OLD)).toBe(false);
    // Someone else changes it later: credctl no longer knows what is there.
    gh.tick(5);
    gh.seedSecret('acme/api', 'STRIPE_SECRET_KEY', OLD);
    expect(await t.readFingerprint('STRIPE_SECRET_KEY')).toBe('unknown');
    const r3 = await t.write('STRIPE_SECRET_KEY', NEW);
    expect(r3.status).toBe('written');
    expect(gh.secret('acme/api', 'STRIPE_SECRET_KEY')?.value).toBe(NEW);
  });

  it('without a ledger record, verify compares updated_at with the write time', async () => {
    const t = await openTarget(REF, deps);
    const r = await t.write('API_KEY', NEW);
    const fresh = await openTarget(REF, { ...deps, ledger: memoryLedger() });
    expect(await fresh.verify('API_KEY', NEW, { writtenAt: r.writtenAt })).toBe(true);
    expect(await fresh.verify('API_KEY', NEW)).toBe('unverifiable');
    expect(await fresh.verify('API_KEY', NEW, { writtenAt: new Date(Date.now() + 3_600_000).toISOString() })).toBe(false);
    expect(await fresh.verify('MISSING', NEW, { writtenAt: r.writtenAt })).toBe(false);
  });

  it('writes environment secrets', async () => {
    const t = await openTarget({ type: 'github-actions', repo: 'acme/api', environment: 'production' }, deps);
    expect(t.describe()).toContain('environment production');
    await t.write('DB_PASSWORD', NEW);
    expect(gh.secret('acme/api', 'DB_PASSWORD', 'production')?.value).toBe(NEW);
    expect(gh.secret('acme/api', 'DB_PASSWORD')).toBeUndefined();
  });

  it('retries 5xx, hangs, resets and malformed bodies, then succeeds', async () => {
    const t = await openTarget(REF, deps);
    gh.injectFault({ kind: 'status', status: 502, match: { method: 'PUT' } });
    gh.injectFault({ kind: 'hang', match: { path: 'public-key' } });
    gh.injectFault({ kind: 'reset' });
    gh.injectFault({ kind: 'malformed', match: { path: 'public-key' } });
    const r = await t.write('STRIPE_SECRET_KEY', NEW);
    expect(r.status).toBe('written');
    expect(gh.secret('acme/api', 'STRIPE_SECRET_KEY')?.value).toBe(NEW);
    expect(gh.faults.pending).toBe(0);
  });

  it('a PUT applied but whose answer was lost is retried safely (same value)', async () => {
    const t = await openTarget(REF, deps);
    gh.injectFault({ kind: 'reset', phase: 'after', match: { method: 'PUT' } });
    const r = await t.write('STRIPE_SECRET_KEY', NEW);
    expect(r.status).toBe('written');
    expect(gh.requests.filter((q) => q.method === 'PUT')).toHaveLength(2);
    expect(gh.secret('acme/api', 'STRIPE_SECRET_KEY')?.value).toBe(NEW);
  });

  it('gives up after the bounded retries with a remote error that names neither token nor value', async () => {
    const t = await openTarget(REF, deps);
    gh.injectFault({ kind: 'status', status: 500, count: 10 });
    const err = (await t.write('STRIPE_SECRET_KEY', NEW).catch((e: unknown) => e)) as CredctlError;
    expect(err).toBeInstanceOf(CredctlError);
    expect(err.exitCode).toBe(ExitCode.Remote);
    expect(err.message).toMatch(/HTTP 500.*after 3 attempts/);
    expect(gh.requests).toHaveLength(3);
    expect(everything(err)).not.toContain(TOKEN);
    expect(everything(err)).not.toContain(NEW);
  });

  it('401, 403 and 404 are clear errors, not retried, without the token', async () => {
    const bad = 'ghp_FAKEwrongtoken0000000000000000000009';
    const t401 = await openTarget(REF, { ...deps, getCredential: async () => bad });
    const e401 = (await t401.write('STRIPE_SECRET_KEY', NEW).catch((e: unknown) => e)) as CredctlError;
    expect(e401.exitCode).toBe(ExitCode.Remote);
    expect(e401.message).toContain('HTTP 401');
    expect(e401.hint).toContain('token was rejected');
    expect(gh.requests).toHaveLength(1);
    expect(everything(e401)).not.toContain(bad);

    const ro = 'ghp_FAKEreadonly00000000000000000000008';
    gh.addToken(ro, { readOnly: true });
    const t403 = await openTarget(REF, { ...deps, getCredential: async () => ro });
    const e403 = (await t403.write('STRIPE_SECRET_KEY', NEW).catch((e: unknown) => e)) as CredctlError;
    expect(e403.message).toContain('HTTP 403');
    expect(everything(e403)).not.toContain(ro);
    expect(everything(e403)).not.toContain(NEW);

    const t404 = await openTarget({ type: 'github-actions', repo: 'acme/nope' }, deps);
    const e404 = (await t404.readFingerprint('X').catch((e: unknown) => e)) as CredctlError;
    expect(e404.message).toContain('HTTP 404');
    expect(e404.message).toContain('acme/nope');
  });

  it('asks for the guarding token through deps and fails clearly without one', async () => {
    const t = await openTarget(REF, { ...deps, getCredential: async () => null });
    await expect(t.write('STRIPE_SECRET_KEY', NEW)).rejects.toMatchObject({ exitCode: ExitCode.Store });
    expect(gh.requests).toHaveLength(0);
  });

  it('rejects bad refs and names as bad input', async () => {
    expect(() => openTarget({ type: 'github-actions', repo: 'not a repo' }, deps)).toThrow(expect.objectContaining({ exitCode: ExitCode.BadInput }));
    expect(() => openTarget({ type: 'nope' }, deps)).toThrow(/unknown target type/);
    const t = await openTarget(REF, deps);
    await expect(t.write('GITHUB_TOKEN', NEW)).rejects.toMatchObject({ exitCode: ExitCode.BadInput });
  });
});
