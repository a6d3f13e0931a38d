/**
 * AWS answers that are well-formed XML but not what the call promised (no Result element, a
 * Result without its list, an empty or nested value, a user named twice, a result under a
 * failing status), garbled answers, and one passing 503: each must give a clean verdict or a
 * one-line CredctlError, never a TypeError, and never act on a user AWS did not clearly name.
 * Also: a key id with text around it is no key id, and every call that is safe to repeat is
 * retried once. Answers come from the scripted endpoint (scripted.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/exit-codes.js';
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
const OLD_ID = `${KEY_ID}|fake-worker`;
/** A body cut short: not XML, so it reads as malformed. */
const garbled = (action: string) => ({ status: 200, xml: `<${action}Response><${action}Result>` });
/** A well-formed answer without its Result element. */
const noResult = (action: string) => ({
  status: 200,
  xml: `<${action}Response><ResponseMetadata><RequestId>0000-FAKE</RequestId></ResponseMetadata></${action}Response>`,
});
const unavailable = { status: 503, xml: '<ServiceUnavailable/>' };
let scripted: ScriptedAws;
const { seen, keep, failure } = keptAnswers();
const sctx = (admin?: string) => contextFor('aws', scripted.url, admin ? { admin } : {});
const actions = () => scripted.requests.map((r) => r.body?.Action);
const provider = (ctx: IntegrationContext): RotationProvider => aws.rotate!.provider!(undefined as never, ctx);
const lookupNaming = (user: string) => ok('GetAccessKeyLastUsed', `<UserName>${user}</UserName><AccessKeyLastUsed/>`);

beforeAll(async () => {
  scripted = await startScriptedAws();
});
afterAll(() => scripted.close());

describe('a key id is the whole text, not a piece of it', () => {
  it('an id with text before it is not sent to AWS', async () => {
    const before = scripted.requests.length;
    for (const id of [`X${KEY_ID}`, `key=${KEY_ID}`]) {
      const v = keep(await aws.verify!({ value: SECRET, parts: { 'access-key-id': id } }, sctx()));
      expect(v.status, id).toBe('unknown');
    }
    expect(scripted.requests.length).toBe(before);
  });
});

describe('verify: the admin look-up of last use, when AWS answers it oddly', () => {
  const lastUsedAfter = async (answer: { status: number; xml: string }) => {
    scripted.answer(identity(USER_ARN), answer);
    const v = keep(await aws.verify!(CRED, sctx(ADMIN)));
    expect(v.status).toBe('live');
    return v.lastUsedAt;
  };

  it('no AccessKeyLastUsed, a garbled answer, an empty date or a date that is not text: live, with no last use', async () => {
    expect(await lastUsedAfter(ok('GetAccessKeyLastUsed', '<UserName>fake-worker</UserName>'))).toBeUndefined();
    expect(await lastUsedAfter(garbled('GetAccessKeyLastUsed'))).toBeUndefined();
    expect(await lastUsedAfter(ok('GetAccessKeyLastUsed', '<AccessKeyLastUsed><LastUsedDate></LastUsedDate></AccessKeyLastUsed>'))).toBeUndefined();
    expect(
      await lastUsedAfter(ok('GetAccessKeyLastUsed', '<AccessKeyLastUsed><LastUsedDate><Value>2026</Value></LastUsedDate></AccessKeyLastUsed>')),
    ).toBeUndefined();
  });

  it('AWS out of reach: the reason carries the whole first line of why, not a piece of it', async () => {
    const v = keep(await aws.verify!(CRED, contextFor('aws', 'http://127.0.0.1:9')));
    expect(v.status).toBe('unknown');
    const why = v.reason.slice('AWS could not be asked: '.length);
    expect(why.length).toBeGreaterThan(5);
    expect(why).toMatch(/127\.0\.0\.1|ECONNREFUSED|refused|reach/i);
  });
});

describe('analyze: policy lists AWS answers oddly', () => {
  it('a policy whose name has Read in it but not at the end (ReadWrite) weighs write, not read', async () => {
    scripted.answer(
      identity(USER_ARN),
      ok('ListAttachedUserPolicies', '<AttachedPolicies/>'),
      ok('ListUserPolicies', '<PolicyNames><member>orders-ReadWrite</member><member>ReadAndPublish</member></PolicyNames>'),
    );
    expect(keep(await aws.analyze!(CRED, sctx())).grants.map((g) => [g.scope, g.risk])).toEqual([
      ['orders-ReadWrite', 'write'],
      ['ReadAndPublish', 'write'],
    ]);
  });

  it('an ARN that does not end in a user name is not read as one', async () => {
    scripted.answer(identity(`${USER_ARN}/`));
    const a = keep(await aws.analyze!(CRED, sctx()));
    expect(a.grants).toEqual([]);
    expect(a.note).toBe(`${USER_ARN}/ is not an IAM user: its policies are not read`);
    expect(actions().at(-1)).toBe('GetCallerIdentity');
  });

  it('a key refused the managed list but allowed the inline one does not count as having read them: without an admin key, nothing is claimed', async () => {
    scripted.answer(identity(USER_ARN), awsError(403, 'AccessDenied'), ok('ListUserPolicies', '<PolicyNames><member>queue-writer</member></PolicyNames>'));
    const a = keep(await aws.analyze!(CRED, sctx()));
    expect(a.grants).toEqual([]);
    expect(a.note).toContain('IAM user fake-worker could not be read');
  });

  it('a managed-policy list that is garbled, has no Result or no AttachedPolicies lists none of them, and the inline ones still count', async () => {
    for (const attached of [
      garbled('ListAttachedUserPolicies'),
      noResult('ListAttachedUserPolicies'),
      ok('ListAttachedUserPolicies', '<IsTruncated>false</IsTruncated>'),
    ]) {
      scripted.answer(identity(USER_ARN), attached, ok('ListUserPolicies', '<PolicyNames><member>queue-writer</member></PolicyNames>'));
      const a = keep(await aws.analyze!(CRED, sctx()));
      expect(
        a.grants.map((g) => g.scope),
        attached.xml,
      ).toEqual(['queue-writer']);
    }
  });

  it('an inline-policy list that is garbled, has no Result or no PolicyNames lists none of them, and the managed ones still count', async () => {
    const managed = ok(
      'ListAttachedUserPolicies',
      '<AttachedPolicies><member><PolicyName>ReadOnlyAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/ReadOnlyAccess</PolicyArn></member></AttachedPolicies>',
    );
    for (const inline of [garbled('ListUserPolicies'), noResult('ListUserPolicies'), ok('ListUserPolicies', '<IsTruncated>false</IsTruncated>')]) {
      scripted.answer(identity(USER_ARN), managed, inline);
      const a = keep(await aws.analyze!(CRED, sctx()));
      expect(
        a.grants.map((g) => g.scope),
        inline.xml,
      ).toEqual(['ReadOnlyAccess']);
    }
  });
});

describe('rotation: identify, create and revoke with odd answers', () => {
  const identify = (ctx = sctx(ADMIN)) => provider(ctx).identify({ oldValue: SECRET, binding: 'x', parts: { 'access-key-id': KEY_ID } });
  const create = () => provider(sctx(ADMIN)).create({ credential: {} as never, oldId: OLD_ID, idempotencyKey: 'k' });

  it('identify: one 503 from the user look-up is retried', async () => {
    scripted.answer(unavailable, lookupNaming('fake-worker'));
    expect(await identify()).toBe(OLD_ID);
    expect(actions().slice(-2)).toEqual(['GetAccessKeyLastUsed', 'GetAccessKeyLastUsed']);
  });

  it('identify: a look-up with no Result, garbled, or naming two users is refused, the key id cut to its first eight characters', async () => {
    const twice = ok('GetAccessKeyLastUsed', '<UserName>fake-worker</UserName><UserName>fake-other</UserName>');
    for (const answer of [noResult('GetAccessKeyLastUsed'), garbled('GetAccessKeyLastUsed'), twice]) {
      scripted.answer(answer);
      const e = await failure(identify());
      expect(e, answer.xml).toMatchObject({ exitCode: ExitCode.Refused });
      expect(e!.message).toContain('AKIAFAKE…');
      expect(e!.message).not.toContain(KEY_ID);
    }
  });

  it('deactivate and reactivate: one 503 is retried (setting a status twice is harmless)', async () => {
    const p = provider(sctx(ADMIN));
    scripted.answer(unavailable, ok('UpdateAccessKey', ''));
    expect(await p.revoke({ value: SECRET, id: OLD_ID, mode: 'deactivate' })).toBe('revoked');
    scripted.answer(unavailable, ok('UpdateAccessKey', ''));
    await p.reactivate!({ value: SECRET, id: OLD_ID });
    expect(actions().slice(-2)).toEqual(['UpdateAccessKey', 'UpdateAccessKey']);
  });

  it('delete: one 503 is retried (a second delete of a deleted key is "already")', async () => {
    scripted.answer(unavailable, ok('DeleteAccessKey', ''));
    expect(await provider(sctx(ADMIN)).revoke({ value: SECRET, id: OLD_ID, mode: 'revoke' })).toBe('revoked');
    expect(actions().slice(-2)).toEqual(['DeleteAccessKey', 'DeleteAccessKey']);
  });

  it('a create is never retried: a 503 fails the step with one request sent', async () => {
    const before = scripted.requests.length;
    scripted.answer(unavailable);
    expect(await failure(create())).toMatchObject({ exitCode: ExitCode.Remote });
    expect(scripted.requests.length - before).toBe(1);
  });

  it('create with two keys already: a key list without its metadata, or garbled, still refuses with "the other key"', async () => {
    for (const list of [ok('ListAccessKeys', '<IsTruncated>false</IsTruncated>'), garbled('ListAccessKeys')]) {
      scripted.answer(awsError(409, 'LimitExceeded'), list);
      const e = await failure(create());
      expect(e, list.xml).toMatchObject({ exitCode: ExitCode.Refused });
      expect(e!.message).toContain('already has two access keys (AWS allows two): the other key besides the one being rotated');
    }
  });

  it('create with two keys already, neither the one being rotated: both are named, one after the other', async () => {
    const member = (id: string, status: string, date: string) =>
      `<member><AccessKeyId>${id}</AccessKeyId><Status>${status}</Status><CreateDate>${date}</CreateDate></member>`;
    scripted.answer(
      awsError(409, 'LimitExceeded'),
      ok(
        'ListAccessKeys',
        `<AccessKeyMetadata>${member('AKIAFAKEOTHER0000003', 'Inactive', '2026-06-01T00:00:00Z')}${member('AKIAFAKEOTHER0000004', 'Active', '2026-07-01T00:00:00Z')}</AccessKeyMetadata>`,
      ),
    );
    const e = await failure(create());
    expect(e!.message).toContain(
      'AWS allows two): AKIAFAKE… (Inactive, created 2026-06-01T00:00:00Z), AKIAFAKE… (Active, created 2026-07-01T00:00:00Z) besides the one being rotated',
    );
  });

  it('create answered 200 without its Result, or garbled: "created a key but did not return it"', async () => {
    for (const answer of [noResult('CreateAccessKey'), garbled('CreateAccessKey')]) {
      scripted.answer(answer);
      const e = await failure(create());
      expect(e, answer.xml).toMatchObject({ exitCode: ExitCode.Remote });
      expect(e!.message).toContain('created a key but did not return it');
    }
  });
});

describe('revoke: the user look-up and the delete', () => {
  const revoke = () => aws.revoke!.run(CRED, sctx(ADMIN));
  const deletes = () => scripted.requests.filter((r) => r.body?.Action === 'DeleteAccessKey').length;

  it('one 503 from the look-up and one from the delete are retried', async () => {
    scripted.answer(unavailable, lookupNaming('fake-worker'), unavailable, ok('DeleteAccessKey', ''));
    expect(await revoke()).toBe('revoked');
    expect(actions().slice(-4)).toEqual(['GetAccessKeyLastUsed', 'GetAccessKeyLastUsed', 'DeleteAccessKey', 'DeleteAccessKey']);
  });

  it('a look-up that is garbled, names no user, or names one under a status other than 200 deletes nothing (exit 5)', async () => {
    const underBadStatus = { ...lookupNaming('fake-worker'), status: 400 };
    for (const answer of [garbled('GetAccessKeyLastUsed'), ok('GetAccessKeyLastUsed', '<AccessKeyLastUsed/>'), underBadStatus]) {
      const before = deletes();
      scripted.answer(answer);
      expect(await failure(revoke()), answer.xml).toMatchObject({ exitCode: ExitCode.Remote });
      expect(deletes()).toBe(before);
    }
  });

  it('a failure without an AWS error body names the step and the status, and nothing else', async () => {
    scripted.answer(lookupNaming('fake-worker'), { status: 500, xml: '<Oops/>' }, { status: 500, xml: '<Oops/>' });
    const e = await failure(revoke());
    expect(e).toMatchObject({ exitCode: ExitCode.Remote, message: 'AWS could not delete AKIAFAKE…: HTTP 500' });
    expect(e!.hint).toBeUndefined();
  });
});

describe('aws odd answers canary', () => {
  it('no secret appears in any result or error', () => {
    const all = JSON.stringify(seen);
    expect(seen.length).toBeGreaterThan(20);
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain('FAKEadmin0123456789');
    expect(all).not.toContain('FAKEnew0123456789');
  });
});
