import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { fingerprint } from '../../../src/core/fingerprint.js';
import { openTarget, parseTargetRef, targetPlugin } from '../../../src/integrations/targets.js';
import type { TargetDeps, TargetRef } from '../../../src/targets/target.js';
import { everything, failure, refusedRef } from '../../targets/helpers.js';
import { startGitlab, type GitlabStandIn } from './standin.js';

const TOKEN = 'glpat-FAKE0123456789abcdefghij';
const READ_ONLY = 'glpat-FAKEreadonly0123456789ab';
const OLD = 'sk_live_FAKEoldCANARY0123456789';
const NEW = 'sk_live_FAKEnewCANARY0123456789';
const REF: TargetRef = { type: 'gitlab-ci-variable', project: 'acme/api' };
let gl: GitlabStandIn;

function deps(over: Partial<TargetDeps> = {}): TargetDeps {
  return {
    projectRoot: '/nonexistent',
    getCredential: async (purpose) => (purpose === 'gitlab' ? TOKEN : null),
    apiUrl: { 'gitlab-ci-variable': gl.url },
    http: { retries: 2, backoffMs: 1, timeoutMs: 1000 },
    ...over,
  };
}

beforeAll(async () => {
  gl = await startGitlab({ tokens: { [TOKEN]: 'write', [READ_ONLY]: 'read' }, projects: [{ id: 42, path: 'acme/api' }] });
});
afterAll(() => gl.close());

describe('gitlab-ci-variable target against the GitLab API stand-in', () => {
  it('creates a missing variable raw, with the PRIVATE-TOKEN header, then reads it back exactly', async () => {
    const t = openTarget({ ...REF, masked: true }, deps());
    expect(await t.readFingerprint('CREATED_KEY')).toBeNull();
    const r = await t.write('CREATED_KEY', NEW);
    expect(r).toMatchObject({ status: 'written', before: null, after: fingerprint(NEW) });
    expect(r.notes.join(' ')).toMatch(/pipeline/);
    expect(gl.variable('acme/api', 'CREATED_KEY')).toMatchObject({ value: NEW, raw: true, masked: true, protected: false, environment_scope: '*' });
    expect(gl.requests.every((q) => q.headers['private-token'] === TOKEN)).toBe(true);
    expect(await t.readFingerprint('CREATED_KEY')).toBe(fingerprint(NEW));
    expect(await t.readValue('CREATED_KEY')).toBe(NEW);
    expect(await t.verify('CREATED_KEY', NEW)).toBe(true);
    expect(await t.verify('CREATED_KEY', OLD)).toBe(false);
    expect(everything(r)).not.toContain(NEW);
  });

  it('updates only the value: masked and protected stay as the owner set them; a second write is unchanged', async () => {
    gl.seed('42', { key: 'STRIPE_KEY', value: OLD, masked: true, protected: true });
    const t = openTarget(REF, deps());
    const before = gl.requests.length;
    const r = await t.write('STRIPE_KEY', NEW, { expectFingerprint: fingerprint(OLD) });
    expect(r).toMatchObject({ status: 'written', before: fingerprint(OLD) });
    const put = gl.requests.slice(before).find((q) => q.method === 'PUT')!;
    expect(put.body).toEqual({ value: NEW });
    expect(put.query.get('filter[environment_scope]')).toBe('*');
    expect(gl.variable('acme/api', 'STRIPE_KEY')).toMatchObject({ value: NEW, masked: true, protected: true });
    const again = await t.write('STRIPE_KEY', NEW);
    expect(again.status).toBe('unchanged');
    expect(gl.requests.slice(before).filter((q) => q.method !== 'GET')).toHaveLength(1);
  });

  it('refuses a write when the variable changed since the plan (compare-and-swap)', async () => {
    gl.seed('42', { key: 'CAS_KEY', value: OLD });
    const t = openTarget(REF, deps());
    const e = await failure(t.write('CAS_KEY', NEW, { expectFingerprint: fingerprint('something else FAKE') }));
    expect(e.message).toContain('changed since the plan');
    expect(e.exitCode).toBe(ExitCode.Refused);
    expect(gl.variable('acme/api', 'CAS_KEY')?.value).toBe(OLD);
    expect(everything(e)).not.toContain(NEW);
  });

  it('writes the variable of its environment scope only', async () => {
    gl.seed('42', { key: 'SCOPED', value: OLD, environment_scope: '*' });
    const t = openTarget({ ...REF, environmentScope: 'production' }, deps());
    expect(t.describe()).toContain('scope production');
    expect(await t.readFingerprint('SCOPED')).toBeNull();
    await t.write('SCOPED', NEW);
    expect(gl.variable('acme/api', 'SCOPED', 'production')?.value).toBe(NEW);
    expect(gl.variable('acme/api', 'SCOPED', '*')?.value).toBe(OLD);
  });

  it('a hidden variable is unknown and rewritten, never claimed', async () => {
    gl.seed('42', { key: 'HIDDEN_KEY', value: OLD, hidden: true, masked: true });
    const t = openTarget(REF, deps());
    expect(await t.readFingerprint('HIDDEN_KEY')).toBe('unknown');
    expect(await t.readValue('HIDDEN_KEY')).toBeUndefined();
    expect((await t.write('HIDDEN_KEY', NEW)).status).toBe('written');
    expect(await t.verify('HIDDEN_KEY', NEW)).toBe('unverifiable');
    expect(gl.variable('acme/api', 'HIDDEN_KEY')?.value).toBe(NEW);
  });

  it('401, 403 and a missing project are one-line errors without token or value', async () => {
    const bad = 'glpat-FAKEwrong0123456789abcd';
    const e401 = await failure(openTarget(REF, deps({ getCredential: async () => bad })).write('K1', NEW));
    expect(e401.exitCode).toBe(ExitCode.Remote);
    expect(e401.message).toContain('HTTP 401');
    const e403 = await failure(openTarget(REF, deps({ getCredential: async () => READ_ONLY })).write('K1', NEW));
    expect(e403.message).toContain('HTTP 403');
    const e404 = await failure(openTarget({ type: 'gitlab-ci-variable', project: 'acme/nope' }, deps()).readFingerprint('K1'));
    expect(e404.message).toMatch(/HTTP 404.*Project Not Found/);
    for (const e of [e401, e403, e404]) {
      expect(e.message).not.toContain('\n');
      for (const secret of [bad, READ_ONLY, TOKEN, NEW]) expect(everything(e)).not.toContain(secret);
    }
  });

  it('a value GitLab cannot mask is refused with its own words, not the value', async () => {
    const t = openTarget({ ...REF, masked: true }, deps());
    const short = 'FAKE$12';
    const e = await failure(t.write('UNMASKABLE', short));
    expect(e.message).toMatch(/HTTP 400: value is invalid/);
    expect(everything(e)).not.toContain(short);
  });

  it('429, 5xx and malformed bodies are retried, then reported with the attempts', async () => {
    const t = openTarget(REF, deps());
    gl.misbehave({ kind: 'status', status: 429 });
    gl.misbehave({ kind: 'malformed' });
    expect(await t.readFingerprint('NOPE')).toBeNull();
    gl.misbehave({ kind: 'status', status: 503 }, { count: 3 });
    const e = await failure(t.write('RETRY_KEY', NEW));
    expect(e.exitCode).toBe(ExitCode.Remote);
    expect(e.message).toMatch(/HTTP 503.*after 3 attempts/);
    expect(everything(e)).not.toContain(NEW);
    expect(everything(e)).not.toContain(TOKEN);
  });

  it('asks for the gitlab token and fails clearly without one', async () => {
    const before = gl.requests.length;
    const e = await failure(openTarget(REF, deps({ getCredential: async () => null })).write('K1', NEW));
    expect(e.exitCode).toBe(ExitCode.Store);
    expect(gl.requests.length).toBe(before);
  });

  it('validates every ref field and refuses an API address in a ref', () => {
    const bad = refusedRef('gitlab-ci-variable');
    expect(bad({})).toContain('"project"');
    expect(bad({ project: 'no spaces allowed' })).toContain('"project"');
    expect(bad({ project: '42', environmentScope: 'a\nb' })).toContain('"environmentScope"');
    expect(bad({ project: '42', masked: 'yes' })).toContain('"masked"');
    expect(bad({ project: '42', protected: 1 })).toContain('"protected"');
    expect(bad({ project: '42', apiUrl: 'https://evil.example' })).toContain('"apiUrl"');
    expect(parseTargetRef({ type: 'gitlab-ci-variable', project: 'group/sub/app', environmentScope: 'review/*' })).toEqual({
      type: 'gitlab-ci-variable',
      project: 'group/sub/app',
      environmentScope: 'review/*',
    });
    expect(targetPlugin('gitlab-ci-variable')?.guardedBy).toMatchObject({ provider: 'gitlab' });
  });

  it('refuses a key GitLab would not accept before any call', async () => {
    const e = await failure(openTarget(REF, deps()).write('BAD-KEY', NEW));
    expect(e.exitCode).toBe(ExitCode.BadInput);
  });
});
