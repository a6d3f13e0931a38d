/**
 * What the AWS integration makes of each answer AWS can give, beyond aws.test.ts: every code that
 * means a dead key, a role's ARN, an admin key that is missing or refused, how policies are
 * weighed, and what the rotation provider sends and does with each answer. Answers the
 * real-signature stand-in has no state for come from the scripted endpoint (scripted.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredctlError, refusedError } from '../../../src/core/errors.js';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { integrationContext } from '../../../src/integrations/context.js';
import { startAwsApi, type AwsApiServer, type StandInKey } from '../../../src/demo/vendors/aws-api.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { IntegrationContext, RotationProvider } from '../../../src/integrations/types.js';
import { contextFor, keptAnswers } from '../context.js';
import { awsError, identity, ok, startScriptedAws, type ScriptedAws } from './scripted.js';

const aws = integrationNamed('aws')!;
const KEY_ID = 'AKIAFAKE000000000001';
const SECRET = 'FAKEsecret0123456789EXAMPLE0123456789abc';
const ADMIN = 'AKIAFAKEADMIN0000001:FAKEadmin0123456789EXAMPLE0123456789abc';
const CRED = { value: SECRET, parts: { 'access-key-id': KEY_ID } };
const USER_ARN = 'arn:aws:iam::000011112222:user/fake-worker';
let scripted: ScriptedAws;
let real: AwsApiServer;
let realAdmin: StandInKey;
/** Everything a test got back, to check no secret ever appears in it. */
const { seen, keep, failure } = keptAnswers();
const withAdmin = (api: string, admin: () => Promise<string>): IntegrationContext =>
  integrationContext({ integration: aws, provider: 'aws', api, adminSecret: admin });
const sctx = (admin?: string) => contextFor('aws', scripted.url, admin ? { admin } : {});
const sent = (n = 1) => scripted.requests.slice(-n).map((r) => r.body);
const provider = (ctx: IntegrationContext): RotationProvider => aws.rotate!.provider!(undefined as never, ctx);

beforeAll(async () => {
  scripted = await startScriptedAws();
  real = await startAwsApi({ account: '000033334444' });
  real.addUser('fake-admin', { admin: true });
  realAdmin = real.addKey('fake-admin');
});
afterAll(async () => {
  await scripted.close();
  await real.close();
});

describe('aws verify: what each answer means', () => {
  it('every code AWS gives a key it will not accept is dead, naming the code', async () => {
    for (const code of ['InvalidClientTokenId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidAccessKeyId', 'AccessDeniedException-Inactive']) {
      scripted.answer(awsError(403, code));
      const v = keep(await aws.verify!(CRED, sctx()));
      expect(v, code).toEqual({ status: 'dead', reason: `AWS refuses it (${code})` });
    }
  });

  it('any other refusal, a 5xx or a garbled answer is unknown, naming the status and code', async () => {
    scripted.answer(awsError(403, 'AccessDenied'));
    expect(keep(await aws.verify!(CRED, sctx()))).toEqual({ status: 'unknown', reason: 'AWS answered HTTP 403 AccessDenied' });
    scripted.answer({ status: 200, xml: '<GetCallerIdentityResponse><GetCallerIdentityResult>' });
    expect(keep(await aws.verify!(CRED, sctx()))).toEqual({ status: 'unknown', reason: 'AWS answered HTTP 200' });
    scripted.answer({ status: 404, xml: '<NotFound/>' });
    expect(keep(await aws.verify!(CRED, sctx())).status).toBe('unknown');
  });

  it('a key id that is not an AWS key id is never sent', async () => {
    const before = scripted.requests.length;
    for (const id of ['akiafake000000000001', 'XAKIAFAKE00000000001', 'AKIAFAKE0000000000012', 'AIDAFAKE000000000001']) {
      const v = keep(await aws.verify!({ value: SECRET, parts: { 'access-key-id': id } }, sctx()));
      expect(v.status, id).toBe('unknown');
      expect(v.reason).toContain('AWS_ACCESS_KEY_ID');
    }
    expect(scripted.requests.length).toBe(before);
  });

  it('names the key id, ARN, account and kind; a temporary key is told apart', async () => {
    scripted.answer(identity(USER_ARN));
    expect(keep(await aws.verify!(CRED, sctx()))).toEqual({
      status: 'live',
      reason: 'AWS accepted it just now',
      identity: { credentialId: KEY_ID, principal: USER_ARN, account: '000011112222', kind: 'IAM user access key' },
    });
    scripted.answer(identity('arn:aws:sts::000011112222:assumed-role/fake-role/session', ''));
    const temp = keep(await aws.verify!({ value: SECRET, parts: { 'access-key-id': 'ASIAFAKE000000000001' } }, sctx()));
    expect(temp.identity).toMatchObject({ credentialId: 'ASIAFAKE000000000001', kind: 'temporary STS key' });
    expect(temp.identity!.account).toBeUndefined();
    scripted.answer(ok('GetCallerIdentity', ''));
    const blank = keep(await aws.verify!(CRED, sctx()));
    expect(blank.status).toBe('live');
    expect(blank.identity!.principal).toBeUndefined();
  });

  it('AWS out of reach is unknown, with the first line of why', async () => {
    const v = keep(await aws.verify!(CRED, contextFor('aws', 'http://127.0.0.1:9')));
    expect(v.status).toBe('unknown');
    expect(v.reason).toMatch(/^AWS could not be asked: \S/);
    expect(v.reason).not.toContain('\n');
  });

  it('with an admin key, says when the key was last used; without one, or when that fails, says nothing of it', async () => {
    scripted.answer(
      identity(USER_ARN),
      ok('GetAccessKeyLastUsed', '<UserName>fake-worker</UserName><AccessKeyLastUsed><LastUsedDate>2026-11-30T10:00:00Z</LastUsedDate></AccessKeyLastUsed>'),
    );
    const v = keep(await aws.verify!(CRED, sctx(ADMIN)));
    expect(v.lastUsedAt).toBe('2026-11-30T10:00:00Z');
    expect(sent(1)[0]).toMatchObject({ Action: 'GetAccessKeyLastUsed', AccessKeyId: KEY_ID });
    expect(scripted.requests.at(-1)!.headers.authorization).toContain('Credential=AKIAFAKEADMIN0000001/');
    scripted.answer(
      identity(USER_ARN),
      ok('GetAccessKeyLastUsed', '<UserName>fake-worker</UserName><AccessKeyLastUsed><ServiceName>N/A</ServiceName></AccessKeyLastUsed>'),
    );
    expect(keep(await aws.verify!(CRED, sctx(ADMIN)))).not.toHaveProperty('lastUsedAt');
    scripted.answer(identity(USER_ARN), awsError(403, 'AccessDenied'));
    expect(keep(await aws.verify!(CRED, sctx(ADMIN)))).toMatchObject({ status: 'live' });
    // A stored admin credential that is not id:secret is not used.
    const before = scripted.requests.length;
    scripted.answer(identity(USER_ARN));
    expect(keep(await aws.verify!(CRED, sctx('not-a-key')))).toMatchObject({ status: 'live' });
    expect(scripted.requests.length - before).toBe(1);
  });
});

describe('aws analyze: the policies and their weight', () => {
  it('weighs each managed and inline policy by its name, and says what is not read', async () => {
    const managed = ['AdministratorAccess', 'IAMFullAccess', 'PowerUserAccess', 'ReadOnlyAccess', 'AmazonS3FullAccess', 'IAMUserChangePassword'];
    const more = ['AmazonEC2ReadOnlyAccess', 'billing-Read', 'ViewOnlyAccess', 'SecurityAudit', 'team-admin-tools'];
    const members = [...managed, ...more].map((p) => `<member><PolicyName>${p}</PolicyName><PolicyArn>arn:aws:iam::aws:policy/${p}</PolicyArn></member>`);
    scripted.answer(
      identity('arn:aws:iam::000011112222:user/division/team/fake-worker'),
      ok('ListAttachedUserPolicies', `<AttachedPolicies>${members.join('')}</AttachedPolicies>`),
      ok('ListUserPolicies', '<PolicyNames><member>orders-readonly</member><member>queue-writer</member></PolicyNames>'),
    );
    const a = keep(await aws.analyze!(CRED, sctx()));
    expect(sent(2)).toEqual([
      { Action: 'ListAttachedUserPolicies', UserName: 'fake-worker', Version: '2010-05-08' },
      { Action: 'ListUserPolicies', UserName: 'fake-worker', Version: '2010-05-08' },
    ]);
    expect(a.grants.map((g) => [g.scope, g.risk])).toEqual([
      ['AdministratorAccess', 'admin'],
      ['IAMFullAccess', 'admin'],
      ['PowerUserAccess', 'write'],
      ['ReadOnlyAccess', 'read'],
      ['AmazonS3FullAccess', 'admin'],
      ['IAMUserChangePassword', 'admin'],
      ['AmazonEC2ReadOnlyAccess', 'read'],
      ['billing-Read', 'read'],
      ['ViewOnlyAccess', 'read'],
      ['SecurityAudit', 'write'],
      ['team-admin-tools', 'admin'],
      ['orders-readonly', 'read'],
      ['queue-writer', 'write'],
    ]);
    expect(a.grants[0]).toEqual({
      scope: 'AdministratorAccess',
      risk: 'admin',
      resource: 'fake-worker',
      description: 'managed policy arn:aws:iam::aws:policy/AdministratorAccess',
    });
    expect(a.grants.at(-1)).toEqual({ scope: 'queue-writer', risk: 'write', resource: 'fake-worker', description: 'inline policy' });
    expect(a.complete).toBe(false);
    expect(a.note).toContain('IAM user fake-worker');
    expect(a.note).toContain('group policies and permission boundaries are not read');
  });

  it('a user with no policies reaches nothing listed', async () => {
    scripted.answer(identity(USER_ARN), ok('ListAttachedUserPolicies', '<AttachedPolicies/>'), ok('ListUserPolicies', '<PolicyNames/>'));
    expect(keep(await aws.analyze!(CRED, sctx()))).toMatchObject({ grants: [], complete: false });
  });

  it('a role or an unnamed caller is not an IAM user: its policies are not read', async () => {
    scripted.answer(identity('arn:aws:sts::000011112222:assumed-role/fake-role/session'));
    const role = keep(await aws.analyze!(CRED, sctx()));
    expect(role).toMatchObject({ grants: [], complete: false });
    expect(role.note).toBe('arn:aws:sts::000011112222:assumed-role/fake-role/session is not an IAM user: its policies are not read');
    scripted.answer(awsError(403, 'InvalidClientTokenId'));
    expect(keep(await aws.analyze!(CRED, sctx())).note).toBe('AWS did not say whose key it is');
  });

  it('falls back to the admin key when the key may list only part of its policies', async () => {
    scripted.answer(
      identity(USER_ARN),
      ok('ListAttachedUserPolicies', '<AttachedPolicies/>'),
      awsError(403, 'AccessDenied'),
      ok(
        'ListAttachedUserPolicies',
        '<AttachedPolicies><member><PolicyName>ReadOnlyAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/ReadOnlyAccess</PolicyArn></member></AttachedPolicies>',
      ),
      ok('ListUserPolicies', '<PolicyNames/>'),
    );
    const a = keep(await aws.analyze!(CRED, sctx(ADMIN)));
    expect(a.grants.map((g) => g.scope)).toEqual(['ReadOnlyAccess']);
    expect(scripted.requests.at(-1)!.headers.authorization).toContain('Credential=AKIAFAKEADMIN0000001/');
    scripted.answer(
      identity(USER_ARN),
      awsError(403, 'AccessDenied'),
      awsError(403, 'AccessDenied'),
      awsError(403, 'AccessDenied'),
      awsError(403, 'AccessDenied'),
    );
    const none = keep(await aws.analyze!(CRED, sctx(ADMIN)));
    expect(none).toMatchObject({ grants: [], complete: false });
    expect(none.note).toContain('IAM user fake-worker could not be read');
  });

  it('a key allowed to read IAM lists its own policies, without an admin key', async () => {
    real.addUser('fake-iam-reader', { policies: ['IAMFullAccess'], inline: ['reports-readonly'] });
    const key = real.addKey('fake-iam-reader');
    const a = keep(await aws.analyze!({ value: key.secret, parts: { 'access-key-id': key.id } }, contextFor('aws', real.url)));
    expect(a.grants.map((g) => [g.scope, g.risk])).toEqual([
      ['IAMFullAccess', 'admin'],
      ['reports-readonly', 'read'],
    ]);
  });

  it('an admin credential that cannot be read for another reason than absence is an error, not silence', async () => {
    scripted.answer(identity(USER_ARN), awsError(403, 'AccessDenied'), awsError(403, 'AccessDenied'));
    const broken = withAdmin(scripted.url, async () => {
      throw new CredctlError('the keychain is locked', ExitCode.Internal);
    });
    expect(await failure(aws.analyze!(CRED, broken))).toMatchObject({ exitCode: ExitCode.Internal });
    scripted.answer(identity(USER_ARN), awsError(403, 'AccessDenied'), awsError(403, 'AccessDenied'));
    const absent = withAdmin(scripted.url, async () => {
      throw refusedError('no admin credential configured for aws');
    });
    expect(keep(await aws.analyze!(CRED, absent)).note).toContain('could not be read');
  });

  it('a stored admin credential that is not id:secret counts as no admin key', async () => {
    scripted.answer(identity(USER_ARN), awsError(403, 'AccessDenied'), awsError(403, 'AccessDenied'));
    expect(keep(await aws.analyze!(CRED, sctx('not-a-key'))).note).toContain('could not be read');
  });

  it('an identity answer that is garbled or has no result says it did not say whose key it is', async () => {
    scripted.answer({ status: 200, xml: '<GetCallerIdentityResponse><GetCallerIdentityResult>' });
    expect(keep(await aws.analyze!(CRED, sctx())).note).toBe('AWS did not say whose key it is');
    scripted.answer({ status: 200, xml: '<GetCallerIdentityResponse><ResponseMetadata/></GetCallerIdentityResponse>' });
    expect(keep(await aws.analyze!(CRED, sctx())).note).toBe('AWS did not say whose key it is');
    scripted.answer({ status: 200, xml: '<GetCallerIdentityResponse><ResponseMetadata/></GetCallerIdentityResponse>' });
    expect(keep(await aws.verify!(CRED, sctx()))).toMatchObject({ status: 'live', identity: { credentialId: KEY_ID } });
  });

  it('a key without its key id is not asked about', async () => {
    const before = scripted.requests.length;
    expect(keep(await aws.analyze!({ value: SECRET }, sctx()))).toMatchObject({
      grants: [],
      complete: false,
      note: 'its access key id was not found next to it',
    });
    expect(scripted.requests.length).toBe(before);
  });
});

describe('aws revoke: DeleteAccessKey with the admin key', () => {
  it('finds the user, deletes that key of that user', async () => {
    scripted.answer(ok('GetAccessKeyLastUsed', '<UserName>fake-worker</UserName><AccessKeyLastUsed/>'), ok('DeleteAccessKey', ''));
    expect(await aws.revoke!.run(CRED, sctx(ADMIN))).toBe('revoked');
    expect(sent(2)).toEqual([
      { Action: 'GetAccessKeyLastUsed', AccessKeyId: KEY_ID, Version: '2010-05-08' },
      { Action: 'DeleteAccessKey', UserName: 'fake-worker', AccessKeyId: KEY_ID, Version: '2010-05-08' },
    ]);
  });

  it('a key already gone is "already", whether AWS no longer knows it or it went between the two calls', async () => {
    scripted.answer(awsError(404, 'NoSuchEntity', `The Access Key with id ${KEY_ID} cannot be found`), awsError(403, 'InvalidClientTokenId'));
    expect(await aws.revoke!.run(CRED, sctx(ADMIN))).toBe('already');
    scripted.answer(awsError(403, 'AccessDenied'), awsError(403, 'InvalidClientTokenId'));
    expect(await aws.revoke!.run(CRED, sctx(ADMIN))).toBe('already');
    scripted.answer(ok('GetAccessKeyLastUsed', '<UserName>fake-worker</UserName>'), awsError(404, 'NoSuchEntity'));
    expect(await aws.revoke!.run(CRED, sctx(ADMIN))).toBe('already');
  });

  it('an admin key that may not look the key up, while the key still works, fails with what to fix', async () => {
    scripted.answer(awsError(403, 'AccessDenied', `User: arn:aws:iam::000011112222:user/fake-admin is not authorized on ${KEY_ID}`), identity(USER_ARN));
    const e = await failure(aws.revoke!.run(CRED, sctx(ADMIN)));
    expect(e).toMatchObject({ exitCode: ExitCode.Remote, hint: 'The admin key lacks an IAM permission this needs.' });
    expect(e!.message).toContain('AWS could not find the user of AKIAFAKE…: HTTP 403 AccessDenied: User: arn:aws:iam::000011112222:user/fake-admin');
    // The key id AWS quotes is cut to its first eight characters.
    expect(e!.message).not.toContain(KEY_ID);
  });

  it('a lookup without a user name, a throttled or failed delete: exit 5, the key kept', async () => {
    scripted.answer(ok('GetAccessKeyLastUsed', '<AccessKeyLastUsed/>'));
    expect(await failure(aws.revoke!.run(CRED, sctx(ADMIN)))).toMatchObject({ exitCode: ExitCode.Remote });
    scripted.answer(ok('GetAccessKeyLastUsed', '<UserName>fake-worker</UserName>'), awsError(400, 'Throttling', 'Rate exceeded'));
    const throttled = await failure(aws.revoke!.run(CRED, sctx(ADMIN)));
    expect(throttled).toMatchObject({ exitCode: ExitCode.Remote, hint: 'Throttled: try again (credctl apply --resume).' });
    expect(throttled!.message).toBe('AWS could not delete AKIAFAKE…: HTTP 400 Throttling: Rate exceeded');
    scripted.answer(ok('GetAccessKeyLastUsed', '<UserName>fake-worker</UserName>'), { status: 429, xml: '<TooMany/>' }, { status: 429, xml: '<TooMany/>' });
    expect(await failure(aws.revoke!.run(CRED, sctx(ADMIN)))).toMatchObject({ hint: 'Throttled: try again (credctl apply --resume).' });
    scripted.answer(ok('GetAccessKeyLastUsed', '<UserName>fake-worker</UserName>'), awsError(500, 'InternalFailure'), awsError(500, 'InternalFailure'));
    const failed = await failure(aws.revoke!.run(CRED, sctx(ADMIN)));
    expect(failed!.hint).toBeUndefined();
  });

  it('an AWS message is cut to one short line, and every key id it quotes to its first eight characters', async () => {
    scripted.answer(ok('GetAccessKeyLastUsed', '<UserName>fake-worker</UserName>'), awsError(400, 'ValidationError', `${'x'.repeat(300)}`));
    const e = await failure(aws.revoke!.run(CRED, sctx(ADMIN)));
    expect(e!.message).toBe(`AWS could not delete AKIAFAKE…: HTTP 400 ValidationError: ${'x'.repeat(160)}`);
    scripted.answer(
      ok('GetAccessKeyLastUsed', '<UserName>fake-worker</UserName>'),
      awsError(400, 'ValidationError', 'keys ASIAFAKE000000000009 and AKIAFAKE000000000008 conflict'),
    );
    const both = await failure(aws.revoke!.run(CRED, sctx(ADMIN)));
    expect(both!.message).toContain(': keys ASIAFAKE… and AKIAFAKE… conflict');
  });

  it('a secret without its key id is refused before any call', async () => {
    const before = scripted.requests.length;
    expect(await failure(aws.revoke!.run({ value: SECRET }, sctx(ADMIN)))).toMatchObject({ exitCode: ExitCode.Refused });
    expect(scripted.requests.length).toBe(before);
  });
});

describe('aws rotation provider: what it sends and what it does with each answer', () => {
  it('identify: the key id and its user, looked up with the admin key', async () => {
    scripted.answer(ok('GetAccessKeyLastUsed', '<UserName>fake-worker</UserName>'));
    expect(await provider(sctx(ADMIN)).identify({ oldValue: SECRET, binding: 'x', parts: { 'access-key-id': KEY_ID } })).toBe(`${KEY_ID}|fake-worker`);
    expect(sent(1)[0]).toMatchObject({ Action: 'GetAccessKeyLastUsed', AccessKeyId: KEY_ID });
  });

  it('identify refuses without a key id, and fails when AWS will not name the user', async () => {
    for (const parts of [undefined, { 'access-key-id': 'not-a-key-id' }]) {
      const e = await failure(provider(sctx(ADMIN)).identify({ oldValue: SECRET, binding: 'x', ...(parts ? { parts } : {}) }));
      expect(e).toMatchObject({ exitCode: ExitCode.Refused });
      expect(e!.hint).toContain('AWS_ACCESS_KEY_ID');
    }
    scripted.answer(awsError(404, 'NoSuchEntity'));
    const gone = await failure(provider(sctx(ADMIN)).identify({ oldValue: SECRET, binding: 'x', parts: { 'access-key-id': KEY_ID } }));
    expect(gone).toMatchObject({ exitCode: ExitCode.Remote });
    expect(gone!.message).toContain('could not find the user of AKIAFAKE…');
    for (const user of ['', '<UserName></UserName>']) {
      scripted.answer(ok('GetAccessKeyLastUsed', user));
      const nameless = await failure(provider(sctx(ADMIN)).identify({ oldValue: SECRET, binding: 'x', parts: { 'access-key-id': KEY_ID } }));
      expect(nameless).toMatchObject({ exitCode: ExitCode.Refused });
      expect(nameless!.message).toContain('rotate it in the console');
    }
  });

  it('create: a new key for the same user, its id returned as a part', async () => {
    scripted.answer(
      ok(
        'CreateAccessKey',
        `<AccessKey><UserName>fake-worker</UserName><AccessKeyId>AKIAFAKE000000000002</AccessKeyId><SecretAccessKey>FAKEnew0123456789</SecretAccessKey></AccessKey>`,
      ),
    );
    const created = await provider(sctx(ADMIN)).create({ credential: {} as never, oldId: `${KEY_ID}|fake-worker`, idempotencyKey: 'k' });
    expect(created).toEqual({ value: 'FAKEnew0123456789', id: 'AKIAFAKE000000000002|fake-worker', parts: { 'access-key-id': 'AKIAFAKE000000000002' } });
    expect(sent(1)[0]).toEqual({ Action: 'CreateAccessKey', UserName: 'fake-worker', Version: '2010-05-08' });
  });

  it('create refuses an old key it cannot name, and fails on a refusal or a key not returned', async () => {
    for (const oldId of [undefined, KEY_ID, `|fake-worker`]) {
      const e = await failure(provider(sctx(ADMIN)).create({ credential: {} as never, ...(oldId !== undefined ? { oldId } : {}), idempotencyKey: 'k' }));
      expect(e, String(oldId)).toMatchObject({ exitCode: ExitCode.Refused });
      expect(e!.message).toContain('not identified');
    }
    scripted.answer(awsError(403, 'AccessDenied'));
    const refused = await failure(provider(sctx(ADMIN)).create({ credential: {} as never, oldId: `${KEY_ID}|fake-worker`, idempotencyKey: 'k' }));
    expect(refused).toMatchObject({ exitCode: ExitCode.Remote });
    expect(refused!.message).toContain('could not create an access key for fake-worker');
    scripted.answer(ok('CreateAccessKey', ''));
    expect((await failure(provider(sctx(ADMIN)).create({ credential: {} as never, oldId: `${KEY_ID}|fake-worker`, idempotencyKey: 'k' })))!.message).toContain(
      'created a key but did not return it',
    );
    for (const partial of ['<AccessKeyId>AKIAFAKE000000000002</AccessKeyId>', '<SecretAccessKey>FAKEnew0123456789</SecretAccessKey>']) {
      scripted.answer(ok('CreateAccessKey', `<AccessKey>${partial}</AccessKey>`));
      const e = await failure(provider(sctx(ADMIN)).create({ credential: {} as never, oldId: `${KEY_ID}|fake-worker`, idempotencyKey: 'k' }));
      expect(e!.message).toContain('created a key but did not return it');
      expect(e!.message).toContain('malformed');
      expect(e!.message).not.toContain('FAKEnew0123456789');
    }
  });

  it('create with two keys already: names the other key, not the one being rotated', async () => {
    const keys = [
      { id: KEY_ID, status: 'Active', date: '2026-01-01T00:00:00Z' },
      { id: 'AKIAFAKEOTHER0000003', status: 'Inactive', date: '2026-06-01T00:00:00Z' },
    ];
    scripted.answer(
      awsError(409, 'LimitExceeded', 'Cannot exceed quota for AccessKeysPerUser: 2'),
      ok(
        'ListAccessKeys',
        `<AccessKeyMetadata>${keys.map((k) => `<member><AccessKeyId>${k.id}</AccessKeyId><Status>${k.status}</Status><CreateDate>${k.date}</CreateDate></member>`).join('')}</AccessKeyMetadata>`,
      ),
    );
    const e = await failure(provider(sctx(ADMIN)).create({ credential: {} as never, oldId: `${KEY_ID}|fake-worker`, idempotencyKey: 'k' }));
    expect(e).toMatchObject({ exitCode: ExitCode.Refused });
    expect(e!.message).toContain('IAM user fake-worker already has two access keys');
    expect(e!.message).toContain('AKIAFAKE… (Inactive, created 2026-06-01T00:00:00Z) besides the one being rotated');
    expect(e!.message).not.toContain('Active, created 2026-01-01');
    expect(e!.hint).toContain('credctl apply --resume');
    expect(sent(1)[0]).toEqual({ Action: 'ListAccessKeys', UserName: 'fake-worker', Version: '2010-05-08' });
    scripted.answer(awsError(409, 'LimitExceeded'), awsError(403, 'AccessDenied'));
    const blind = await failure(provider(sctx(ADMIN)).create({ credential: {} as never, oldId: `${KEY_ID}|fake-worker`, idempotencyKey: 'k' }));
    expect(blind!.message).toContain('the other key besides the one being rotated');
  });

  it('revoke: deactivate sets the key Inactive, revoke deletes it; a key already gone is "already"', async () => {
    const p = provider(sctx(ADMIN));
    scripted.answer(ok('UpdateAccessKey', ''));
    expect(await p.revoke({ value: SECRET, id: `${KEY_ID}|fake-worker`, mode: 'deactivate' })).toBe('revoked');
    expect(sent(1)[0]).toEqual({ Action: 'UpdateAccessKey', UserName: 'fake-worker', AccessKeyId: KEY_ID, Status: 'Inactive', Version: '2010-05-08' });
    scripted.answer(awsError(404, 'NoSuchEntity'));
    expect(await p.revoke({ value: SECRET, id: `${KEY_ID}|fake-worker`, mode: 'deactivate' })).toBe('already');
    scripted.answer(ok('DeleteAccessKey', ''));
    expect(await p.revoke({ value: SECRET, id: `${KEY_ID}|fake-worker`, mode: 'revoke' })).toBe('revoked');
    expect(sent(1)[0]).toEqual({ Action: 'DeleteAccessKey', UserName: 'fake-worker', AccessKeyId: KEY_ID, Version: '2010-05-08' });
    scripted.answer(awsError(404, 'NoSuchEntity'));
    expect(await p.revoke({ value: SECRET, id: `${KEY_ID}|fake-worker`, mode: 'revoke' })).toBe('already');
  });

  it('revoke and reactivate fail with exit 5 on a refusal, naming the key and the status asked', async () => {
    const p = provider(sctx(ADMIN));
    scripted.answer(awsError(403, 'AccessDenied'));
    const off = await failure(p.revoke({ value: SECRET, id: `${KEY_ID}|fake-worker`, mode: 'deactivate' }));
    expect(off).toMatchObject({ exitCode: ExitCode.Remote });
    expect(off!.message).toContain('could not set AKIAFAKE… Inactive');
    scripted.answer(awsError(403, 'AccessDenied'));
    expect((await failure(p.revoke({ value: SECRET, id: `${KEY_ID}|fake-worker`, mode: 'revoke' })))!.message).toContain('could not delete AKIAFAKE…');
    scripted.answer(ok('UpdateAccessKey', ''));
    await p.reactivate!({ value: SECRET, id: `${KEY_ID}|fake-worker` });
    expect(sent(1)[0]).toMatchObject({ Action: 'UpdateAccessKey', Status: 'Active' });
    scripted.answer(awsError(403, 'AccessDenied'));
    expect((await failure(p.reactivate!({ value: SECRET, id: `${KEY_ID}|fake-worker` })))!.message).toContain('Active');
    expect(await failure(p.revoke({ value: SECRET, mode: 'revoke' }))).toMatchObject({ exitCode: ExitCode.Refused });
  });

  it('isActive: live is true, dead is false, anything else unknown', async () => {
    const p = provider(sctx());
    scripted.answer(identity(USER_ARN));
    expect(await p.isActive({ value: SECRET, parts: { 'access-key-id': KEY_ID } })).toBe(true);
    scripted.answer(awsError(403, 'InvalidClientTokenId'));
    expect(await p.isActive({ value: SECRET, parts: { 'access-key-id': KEY_ID } })).toBe(false);
    scripted.answer(awsError(400, 'Throttling'));
    expect(await p.isActive({ value: SECRET, parts: { 'access-key-id': KEY_ID } })).toBe('unknown');
    expect(await p.isActive({ value: SECRET })).toBe('unknown');
  });

  it('against the real-signature stand-in: create, deactivate, reactivate, delete', async () => {
    real.addUser('fake-rotated', {});
    const old = real.addKey('fake-rotated');
    const p = provider(contextFor('aws', real.url, { admin: `${realAdmin.id}:${realAdmin.secret}` }));
    const oldId = await p.identify({ oldValue: old.secret, binding: 'x', parts: { 'access-key-id': old.id } });
    const fresh = await p.create({ credential: {} as never, oldId: oldId!, idempotencyKey: 'k' });
    expect(await p.isActive({ value: fresh.value, parts: fresh.parts! })).toBe(true);
    await p.revoke({ value: old.secret, id: oldId!, mode: 'deactivate' });
    expect(await p.isActive({ value: old.secret, parts: { 'access-key-id': old.id } })).toBe(false);
    await p.reactivate!({ value: old.secret, id: oldId! });
    expect(await p.isActive({ value: old.secret, parts: { 'access-key-id': old.id } })).toBe(true);
    expect(await p.revoke({ value: old.secret, id: oldId!, mode: 'revoke' })).toBe('revoked');
    expect(real.keys('fake-rotated').map((k) => k.id)).toEqual([fresh.parts!['access-key-id']]);
    keep(fresh.id);
  });
});

describe('aws as registered', () => {
  it('is aws, reaches STS by default, deletes only with an admin key, and finds the key id beside the secret', () => {
    expect(aws.id).toBe('aws');
    expect(aws.defaultApi).toBe('https://sts.amazonaws.com');
    expect(aws.revoke!.needsAdmin).toBe(true);
    expect(aws.revoke!.warning).toContain('cannot be restored');
    expect(aws.config).toEqual([expect.objectContaining({ key: 'admin', secret: true })]);
    expect(aws.rotate!.strategy).toBe('deactivation-grace');
    expect(aws.manual!.rotate!.url).toBe('https://console.aws.amazon.com/iam/home#/security_credentials');
    const part = aws.parts![0]!;
    expect(part.role).toBe('access-key-id');
    expect(part.envNames).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_ACCESS_KEY', 'AWS_KEY_ID']);
    expect(part.pattern!.exec('key=ASIAFAKE000000000001;')?.[1]).toBe('ASIAFAKE000000000001');
    expect(part.pattern!.exec('key=XAKIAFAKE000000000001')).toBeNull();
  });
});

describe('aws answers canary', () => {
  it('no secret appears in any result or error', () => {
    const all = JSON.stringify(seen);
    expect(seen.length).toBeGreaterThan(30);
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain('FAKEadmin0123456789');
    expect(all).not.toContain(realAdmin.secret);
  });
});
