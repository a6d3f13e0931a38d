import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { fingerprint } from '../../../src/core/fingerprint.js';
import { openTarget, parseTargetRef } from '../../../src/integrations/targets.js';
import type { TargetDeps, TargetRef } from '../../../src/targets/target.js';
import { everything, failure, refusedRef } from '../../targets/helpers.js';
import { startSecretsManager, type SecretsManagerStandIn } from './standin.js';

const KEY_ID = 'AKIAFAKE0123456789AB';
const SECRET_KEY = 'FAKEsecretAccessKey0123456789abcdefEXAMPLE';
const RO_KEY_ID = 'AKIAFAKEREADONLY0123';
const RO_SECRET = 'FAKEreadonlySecret0123456789abcdefEXAMPLE0';
const OLD = 'sk_live_FAKEoldCANARY0123456789';
const NEW = 'sk_live_FAKEnewCANARY9876543210';
const REF: TargetRef = { type: 'aws-secrets-manager', region: 'eu-west-1', secretId: 'prod/stripe' };
let sm: SecretsManagerStandIn;

function deps(over: Partial<TargetDeps> = {}): TargetDeps {
  return {
    projectRoot: '/nonexistent',
    getCredential: async (purpose) => (purpose === 'aws' ? `${KEY_ID}:${SECRET_KEY}` : null),
    apiUrl: { 'aws-secrets-manager': sm.url },
    http: { retries: 2, backoffMs: 1, timeoutMs: 1000 },
    ...over,
  };
}

const ops = (from = 0) => sm.requests.slice(from).map((q) => String(q.headers['x-amz-target']).replace('secretsmanager.', ''));

beforeAll(async () => {
  sm = await startSecretsManager({
    region: 'eu-west-1',
    account: '123456789012',
    keys: { [KEY_ID]: { secretAccessKey: SECRET_KEY }, [RO_KEY_ID]: { secretAccessKey: RO_SECRET, readOnly: true } },
  });
  sm.create('prod/stripe', OLD);
  sm.create('prod/app', JSON.stringify({ DB_PASSWORD: 'FAKE-db-0123456789', STRIPE_KEY: OLD }));
  sm.create('prod/plain', 'not json FAKE');
});
afterAll(() => sm.close());

describe('aws-secrets-manager target against the Secrets Manager stand-in (SigV4 checked)', () => {
  it('writes a new version as AWSPENDING, tests it, then makes it AWSCURRENT with the old one AWSPREVIOUS', async () => {
    const t = openTarget(REF, deps());
    expect(await t.readFingerprint('STRIPE_KEY')).toBe(fingerprint(OLD));
    expect(await t.readValue('STRIPE_KEY')).toBe(OLD);
    const from = sm.requests.length;
    const r = await t.write('STRIPE_KEY', NEW, { expectFingerprint: fingerprint(OLD) });
    expect(r).toMatchObject({ status: 'written', before: fingerprint(OLD), after: fingerprint(NEW) });
    expect(r.writtenAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(ops(from)).toEqual(['GetSecretValue', 'DescribeSecret', 'PutSecretValue', 'GetSecretValue', 'UpdateSecretVersionStage', 'UpdateSecretVersionStage']);
    const put = sm.requests.slice(from).find((q) => q.headers['x-amz-target'] === 'secretsmanager.PutSecretValue')!;
    expect(put.body).toMatchObject({ VersionStages: ['AWSPENDING'], SecretString: NEW });
    expect(put.body.ClientRequestToken).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(sm.valueAt('prod/stripe')).toBe(NEW);
    expect(sm.valueAt('prod/stripe', 'AWSPREVIOUS')).toBe(OLD);
    expect(sm.valueAt('prod/stripe', 'AWSPENDING')).toBeUndefined();
    expect(String(put.headers.authorization)).toContain(`Credential=${KEY_ID}/`);
    expect(await t.verify('STRIPE_KEY', NEW)).toBe(true);
    expect(await t.verify('STRIPE_KEY', OLD)).toBe(false);
    expect(everything(r)).not.toContain(NEW);
  });

  it('a second write of the same value is unchanged; a repeated put with the same token is a no-op', async () => {
    const t = openTarget(REF, deps());
    const from = sm.requests.length;
    expect((await t.write('STRIPE_KEY', NEW)).status).toBe('unchanged');
    expect(ops(from)).toEqual(['GetSecretValue', 'DescribeSecret']);
    // Rolling back to the old value and forward again reuses credctl's own version: no new versions pile up.
    await t.write('STRIPE_KEY', OLD);
    const versions = sm.versionCount('prod/stripe');
    await t.write('STRIPE_KEY', NEW);
    expect(sm.valueAt('prod/stripe')).toBe(NEW);
    expect(sm.valueAt('prod/stripe', 'AWSPREVIOUS')).toBe(OLD);
    expect(sm.versionCount('prod/stripe')).toBe(versions);
    const tokens = sm.requests
      .filter((q) => q.headers['x-amz-target'] === 'secretsmanager.PutSecretValue' && q.body.SecretString === NEW)
      .map((q) => q.body.ClientRequestToken);
    expect(tokens.length).toBe(2);
    expect(new Set(tokens).size).toBe(1);
  });

  it('writes one field of a JSON secret and keeps the others', async () => {
    const t = openTarget({ type: 'aws-secrets-manager', region: 'eu-west-1', secretId: 'prod/app', field: 'STRIPE_KEY' }, deps());
    expect(t.describe()).toContain('field STRIPE_KEY');
    expect(await t.readValue('STRIPE_KEY')).toBe(OLD);
    await t.write('STRIPE_KEY', NEW);
    expect(JSON.parse(sm.valueAt('prod/app')!)).toEqual({ DB_PASSWORD: 'FAKE-db-0123456789', STRIPE_KEY: NEW });
    expect(await t.verify('STRIPE_KEY', NEW)).toBe(true);
    const missing = openTarget({ type: 'aws-secrets-manager', region: 'eu-west-1', secretId: 'prod/app', field: 'NEW_FIELD' }, deps());
    expect(await missing.readFingerprint('X')).toBeNull();
    const notJson = openTarget({ type: 'aws-secrets-manager', region: 'eu-west-1', secretId: 'prod/plain', field: 'X' }, deps());
    const e = await failure(notJson.write('X', NEW));
    expect(e.message).toContain('not a JSON object');
  });

  it("refuses to write a missing secret, a changed one, and one under someone else's rotation", async () => {
    const absent = openTarget({ ...REF, secretId: 'prod/nope' }, deps());
    expect(await absent.readFingerprint('K')).toBeNull();
    expect(await absent.verify('K', NEW)).toBe(false);
    expect((await failure(absent.write('K', NEW))).exitCode).toBe(ExitCode.Refused);

    const t = openTarget(REF, deps());
    const cas = await failure(t.write('STRIPE_KEY', OLD, { expectFingerprint: fingerprint('FAKE other') }));
    expect(cas.exitCode).toBe(ExitCode.Refused);
    expect(cas.message).toContain('changed since the plan');

    sm.create('prod/rotating', OLD);
    sm.startForeignRotation('prod/rotating', 'FAKE-their-pending-value');
    const e = await failure(openTarget({ ...REF, secretId: 'prod/rotating' }, deps()).write('K', NEW));
    expect(e.exitCode).toBe(ExitCode.Refused);
    expect(e.message).toContain('pending version from another rotation');
    expect(sm.valueAt('prod/rotating', 'AWSPENDING')).toBe('FAKE-their-pending-value');
    expect(sm.valueAt('prod/rotating')).toBe(OLD);
  });

  it('resumes a write interrupted between putting the new version and promoting it', async () => {
    sm.create('prod/resume', OLD);
    const t = openTarget({ ...REF, secretId: 'prod/resume' }, deps({ http: { retries: 0, backoffMs: 1, timeoutMs: 1000 } }));
    sm.failNext('UpdateSecretVersionStage');
    const e = await failure(t.write('K', NEW));
    expect(e.message).toContain('AWSCURRENT');
    // Consumers still read the old value; the new one waits as AWSPENDING.
    expect(sm.valueAt('prod/resume')).toBe(OLD);
    expect(sm.valueAt('prod/resume', 'AWSPENDING')).toBe(NEW);
    const versions = sm.versionCount('prod/resume');
    const r = await t.write('K', NEW);
    expect(r.status).toBe('written');
    expect(sm.valueAt('prod/resume')).toBe(NEW);
    expect(sm.valueAt('prod/resume', 'AWSPENDING')).toBeUndefined();
    expect(sm.versionCount('prod/resume')).toBe(versions);
  });

  it("a rollback supersedes credctl's own interrupted pending version", async () => {
    sm.create('prod/rollback', OLD);
    const t = openTarget({ ...REF, secretId: 'prod/rollback' }, deps({ http: { retries: 0, backoffMs: 1, timeoutMs: 1000 } }));
    sm.failNext('UpdateSecretVersionStage');
    await failure(t.write('K', NEW));
    expect(sm.valueAt('prod/rollback', 'AWSPENDING')).toBe(NEW);
    // The engine now writes the old value back: AWSCURRENT already holds it, and credctl's stale
    // AWSPENDING is cleared so a later rotation does not take it for one unfinished...
    expect((await t.write('K', OLD)).status).toBe('unchanged');
    expect(sm.valueAt('prod/rollback', 'AWSPENDING')).toBeUndefined();
    expect(sm.valueAt('prod/rollback')).toBe(OLD);
    // ...and a pending version left by an interrupted write is superseded by the next value, not refused.
    const third = 'sk_live_FAKEthirdCANARY000000000';
    sm.failNext('UpdateSecretVersionStage');
    await failure(t.write('K', third));
    expect(sm.valueAt('prod/rollback', 'AWSPENDING')).toBe(third);
    const fourth = 'sk_live_FAKEfourthCANARY00000000';
    expect((await t.write('K', fourth)).status).toBe('written');
    expect(sm.valueAt('prod/rollback')).toBe(fourth);
    expect(sm.valueAt('prod/rollback', 'AWSPENDING')).toBeUndefined();
  });

  it('a rejected key, a read-only key and a wrong region are one-line errors without credential or value', async () => {
    const bad = `${KEY_ID}:FAKEwrongSecret0123456789abcdefEXAMPLE00`;
    const eSig = await failure(openTarget(REF, deps({ getCredential: async () => bad })).write('K', NEW));
    expect(eSig.message).toContain('InvalidSignatureException');
    expect(eSig.hint).toContain('credential was rejected');
    const eUnknown = await failure(openTarget(REF, deps({ getCredential: async () => `AKIAFAKEUNKNOWN00000:${SECRET_KEY}` })).readFingerprint('K'));
    expect(eUnknown.message).toContain('UnrecognizedClientException');
    const eRo = await failure(openTarget(REF, deps({ getCredential: async () => `${RO_KEY_ID}:${RO_SECRET}` })).write('K', OLD));
    expect(eRo.message).toContain('AccessDeniedException');
    const eRegion = await failure(openTarget({ ...REF, region: 'us-east-1' }, deps()).readFingerprint('K'));
    expect(eRegion.message).toContain('InvalidSignatureException');
    for (const e of [eSig, eUnknown, eRo, eRegion]) {
      expect(e.exitCode).toBe(ExitCode.Remote);
      expect(e.message).not.toContain('\n');
      for (const s of [SECRET_KEY, RO_SECRET, 'FAKEwrongSecret', NEW, OLD]) expect(everything(e)).not.toContain(s);
    }
  });

  it('throttling, 429, 5xx and malformed bodies are retried, then reported with the attempts', async () => {
    const t = openTarget(REF, deps());
    sm.misbehave({ kind: 'status', status: 429 });
    sm.misbehave({ kind: 'malformed' });
    expect(await t.readFingerprint('K')).toBe(fingerprint(NEW));
    sm.misbehave({ kind: 'status', status: 503 }, { count: 3 });
    const e = await failure(t.write('K', OLD));
    expect(e.exitCode).toBe(ExitCode.Remote);
    expect(e.message).toMatch(/HTTP 503.*after 3 attempts/);
    for (const s of [SECRET_KEY, NEW, OLD]) expect(everything(e)).not.toContain(s);
  });

  it('needs the aws credential as keyId:secret, and says so without showing it', async () => {
    const before = sm.requests.length;
    const none = await failure(openTarget(REF, deps({ getCredential: async () => null })).write('K', NEW));
    expect(none.exitCode).toBe(ExitCode.Store);
    const half = await failure(openTarget(REF, deps({ getCredential: async () => SECRET_KEY })).write('K', NEW));
    expect(half.exitCode).toBe(ExitCode.Store);
    expect(half.message).toContain('accessKeyId:secretAccessKey');
    expect(everything(half)).not.toContain(SECRET_KEY);
    expect(sm.requests.length).toBe(before);
  });

  it('validates every ref field and refuses an API address in a ref', () => {
    const bad = refusedRef('aws-secrets-manager');
    expect(bad({ secretId: 's' })).toContain('"region"');
    expect(bad({ region: 'Europe', secretId: 's' })).toContain('"region"');
    expect(bad({ region: 'eu-west-1' })).toContain('"secretId"');
    expect(bad({ region: 'eu-west-1', secretId: 'has space' })).toContain('"secretId"');
    expect(bad({ region: 'eu-west-1', secretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf' })).toContain('"region"');
    expect(bad({ region: 'eu-west-1', secretId: 'arn:aws:s3:::bucket' })).toContain('"secretId"');
    expect(bad({ region: 'eu-west-1', secretId: 's', field: 'a\nb' })).toContain('"field"');
    expect(bad({ region: 'eu-west-1', secretId: 's', apiUrl: 'https://evil.example' })).toContain('"apiUrl"');
    expect(
      parseTargetRef({
        type: 'aws-secrets-manager',
        region: 'us-gov-west-1',
        secretId: 'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:x-AbCdEf',
      }),
    ).toMatchObject({ region: 'us-gov-west-1' });
  });
});
