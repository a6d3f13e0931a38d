/**
 * One AWS query call (sigv4.ts): what goes out (a signed POST form for the right service, region
 * and API version) and what the answer is read as (the Result element, AWS's error envelope, or
 * malformed), plus the stored `id:secret[:token]` form of an AWS credential.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsQuery, endpointFor, parseAwsCredential } from '../../../src/integrations/aws/sigv4.js';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { contextFor } from '../context.js';
import { awsError, identity, ok, startScriptedAws, type ScriptedAws } from './scripted.js';

const KEY = { accessKeyId: 'AKIAFAKE000000000001', secretAccessKey: 'FAKEsecret0123456789EXAMPLE0123456789abc' };
let aws: ScriptedAws;
const ctx = () => contextFor('aws', aws.url);

beforeAll(async () => {
  aws = await startScriptedAws();
});
afterAll(() => aws.close());

describe('awsQuery: the request', () => {
  it('STS: a SigV4-signed POST form to /, with the STS API version', async () => {
    aws.answer(identity('arn:aws:iam::000011112222:user/fake'));
    await awsQuery(ctx(), 'sts', KEY, { Action: 'GetCallerIdentity' });
    const sent = aws.requests.at(-1)!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/');
    expect(sent.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
    expect(sent.headers.accept).toBe('text/xml');
    expect(sent.body).toEqual({ Action: 'GetCallerIdentity', Version: '2011-06-15' });
    expect(sent.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAFAKE000000000001\/\d{8}\/us-east-1\/sts\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
    );
    expect(sent.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(sent.text).not.toContain(KEY.secretAccessKey);
    expect(JSON.stringify(sent.headers)).not.toContain(KEY.secretAccessKey);
  });

  it('IAM: its own service name in the signature, its own API version, the parameters as given', async () => {
    aws.answer(ok('ListUserPolicies', '<PolicyNames/>'));
    await awsQuery(ctx(), 'iam', KEY, { Action: 'ListUserPolicies', UserName: 'fake-user' });
    const sent = aws.requests.at(-1)!;
    expect(sent.body).toEqual({ Action: 'ListUserPolicies', UserName: 'fake-user', Version: '2010-05-08' });
    expect(sent.headers.authorization).toContain('/us-east-1/iam/aws4_request');
  });

  it('a session token is signed in', async () => {
    aws.answer(identity('arn:aws:sts::000011112222:assumed-role/fake/session'));
    await awsQuery(ctx(), 'sts', { ...KEY, accessKeyId: 'ASIAFAKE000000000001', sessionToken: 'FAKEsessiontoken0123456789' }, { Action: 'GetCallerIdentity' });
    expect(aws.requests.at(-1)!.headers['x-amz-security-token']).toBe('FAKEsessiontoken0123456789');
  });

  it('retries a 5xx once when asked to, and not otherwise', async () => {
    aws.answer(awsError(500, 'InternalFailure'), identity('arn:aws:iam::000011112222:user/fake'));
    const before = aws.requests.length;
    expect((await awsQuery(ctx(), 'sts', KEY, { Action: 'GetCallerIdentity' }, { retry: true })).status).toBe(200);
    expect(aws.requests.length - before).toBe(2);
    aws.answer(awsError(500, 'InternalFailure'), identity('arn:aws:iam::000011112222:user/fake'));
    expect((await awsQuery(ctx(), 'sts', KEY, { Action: 'GetCallerIdentity' })).status).toBe(500);
    expect(aws.requests.length - before).toBe(3);
    // The answer the unretried call never asked for is still queued.
    expect((await awsQuery(ctx(), 'sts', KEY, { Action: 'GetCallerIdentity' })).status).toBe(200);
  });
});

describe('awsQuery: the answer', () => {
  it("is the action's Response element, text kept as text (an account id keeps its leading zeros), one member still a list", async () => {
    aws.answer(identity('arn:aws:iam::000011112222:user/fake', '000011112222'));
    const r = await awsQuery(ctx(), 'sts', KEY, { Action: 'GetCallerIdentity' });
    expect(r).toMatchObject({ status: 200, malformed: false });
    expect(r.error).toBeUndefined();
    expect(r.body.GetCallerIdentityResult).toEqual({ Arn: 'arn:aws:iam::000011112222:user/fake', UserId: 'AIDAFAKE000000000000', Account: '000011112222' });
    expect(Object.keys(r.body)).toEqual(['GetCallerIdentityResult', 'ResponseMetadata']);
    aws.answer(ok('ListUserPolicies', '<PolicyNames><member>only-one</member></PolicyNames>'));
    const one = await awsQuery(ctx(), 'iam', KEY, { Action: 'ListUserPolicies', UserName: 'fake' });
    expect(one.body.ListUserPoliciesResult.PolicyNames.member).toEqual(['only-one']);
  });

  it("AWS's error envelope gives the code and message, with the status", async () => {
    aws.answer(awsError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match'));
    const r = await awsQuery(ctx(), 'sts', KEY, { Action: 'GetCallerIdentity' });
    expect(r).toMatchObject({
      status: 403,
      malformed: false,
      error: { code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match' },
    });
    aws.answer({ status: 400, xml: '<ErrorResponse><Error><Type>Sender</Type></Error></ErrorResponse>' });
    expect((await awsQuery(ctx(), 'sts', KEY, { Action: 'GetCallerIdentity' })).error).toEqual({ code: '', message: '' });
  });

  it('a body cut short, or a success that is not the answer to this action, is malformed', async () => {
    aws.answer({ status: 200, xml: '<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws' });
    expect(await awsQuery(ctx(), 'sts', KEY, { Action: 'GetCallerIdentity' })).toEqual({ status: 200, body: undefined, malformed: true });
    aws.answer(ok('ListUserPolicies', '<PolicyNames/>'));
    const wrong = await awsQuery(ctx(), 'sts', KEY, { Action: 'GetCallerIdentity' });
    expect(wrong).toMatchObject({ status: 200, malformed: true });
    // An error status without the envelope is just that status, not a malformed success.
    aws.answer({ status: 300, xml: '<Moved/>' });
    expect(await awsQuery(ctx(), 'sts', KEY, { Action: 'GetCallerIdentity' })).toMatchObject({ status: 300, malformed: false });
    aws.answer({ status: 404, xml: '<NotFound/>' });
    expect(await awsQuery(ctx(), 'sts', KEY, { Action: 'GetCallerIdentity' })).toMatchObject({ status: 404, malformed: false });
  });
});

describe('awsQuery: where it goes', () => {
  it('to the root of an endpoint given with a path, the path it signed', async () => {
    aws.answer(identity('arn:aws:iam::000011112222:user/fake'));
    await awsQuery(contextFor('aws', `${aws.url}/some/prefix`), 'sts', KEY, { Action: 'GetCallerIdentity' });
    expect(aws.requests.at(-1)!.path).toBe('/');
  });
});

describe('endpointFor', () => {
  it('AWS default endpoints per service; a trusted override serves both', () => {
    const standard = contextFor('aws', 'https://sts.amazonaws.com');
    expect(endpointFor(standard, 'sts')).toBe('https://sts.amazonaws.com');
    expect(endpointFor(standard, 'iam')).toBe('https://iam.amazonaws.com');
    const unset = contextFor('aws', '');
    expect(endpointFor(unset, 'sts')).toBe('https://sts.amazonaws.com');
    expect(endpointFor(unset, 'iam')).toBe('https://iam.amazonaws.com');
    const local = contextFor('aws', 'http://127.0.0.1:4566');
    expect(endpointFor(local, 'sts')).toBe('http://127.0.0.1:4566');
    expect(endpointFor(local, 'iam')).toBe('http://127.0.0.1:4566');
  });
});

describe('parseAwsCredential', () => {
  it('reads id:secret and id:secret:session-token, trimmed', () => {
    expect(parseAwsCredential(`  AKIAFAKE000000000001:${KEY.secretAccessKey}\n`)).toEqual(KEY);
    expect(parseAwsCredential(`ASIAFAKE000000000001:${KEY.secretAccessKey}:FAKEsession0123`)).toEqual({
      accessKeyId: 'ASIAFAKE000000000001',
      secretAccessKey: KEY.secretAccessKey,
      sessionToken: 'FAKEsession0123',
    });
    expect(parseAwsCredential(`AKIAFAKE00000000:${KEY.secretAccessKey}`).accessKeyId).toBe('AKIAFAKE00000000');
  });

  it('refuses anything else as a store error, without echoing the secret', () => {
    const bad = [
      'AKIAFAKE000000000001',
      `AKIAFAKE000000000001:${KEY.secretAccessKey}:token:extra`,
      `AKIAFAKE000000000001:`,
      `akiafake000000000001:${KEY.secretAccessKey}`,
      `XAKIAFAKE00000000001:${KEY.secretAccessKey}`,
      `AKIAFAKE0000000:${KEY.secretAccessKey}`,
      `AKIAFAKE00000000000-:${KEY.secretAccessKey}`,
      `AIDAFAKE000000000001:${KEY.secretAccessKey}`,
    ];
    for (const text of bad) {
      let thrown: any;
      try {
        parseAwsCredential(text);
      } catch (e) {
        thrown = e;
      }
      expect(thrown?.exitCode, text).toBe(ExitCode.Store);
      expect(thrown.message).toContain('accessKeyId:secretAccessKey');
      expect(`${thrown.message} ${thrown.hint}`).not.toContain(KEY.secretAccessKey);
      expect(thrown.hint).toContain('credctl store put');
    }
  });
});
