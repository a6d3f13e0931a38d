/**
 * How the query-protocol reader (sigv4.ts) takes XML that is well formed but unusual: a document
 * type the parser refuses (an external entity, which must never be fetched or expanded, or an
 * invalid entity name) is a malformed answer, whatever the status, never a crash; and an
 * attribute on an element does not change the value credctl reads from it. Answers come from the
 * scripted endpoint (scripted.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { contextFor, keptAnswers } from '../context.js';
import { ok, startScriptedAws, type ScriptedAws } from './scripted.js';

const aws = integrationNamed('aws')!;
const KEY_ID = 'AKIAFAKE000000000001';
const SECRET = 'FAKEsecret0123456789EXAMPLE0123456789abc';
const ADMIN = 'AKIAFAKEADMIN0000001:FAKEadmin0123456789EXAMPLE0123456789abc';
const CRED = { value: SECRET, parts: { 'access-key-id': KEY_ID } };
const USER_ARN = 'arn:aws:iam::000011112222:user/fake-worker';
let scripted: ScriptedAws;
const { seen, keep, failure } = keptAnswers();
const sctx = (admin?: string) => contextFor('aws', scripted.url, admin ? { admin } : {});
/** Documents the validator lets through and the parser refuses. */
const refusedDoctypes = ['<!DOCTYPE r [<!ENTITY who SYSTEM "file:///etc/hostname">]>', '<!DOCTYPE r [<!ENTITY who% "fake-worker">]>'];
const withDoctype = (doctype: string, action: string) =>
  `${doctype}<${action}Response><${action}Result><UserName>&who;</UserName><Arn>${USER_ARN}</Arn></${action}Result></${action}Response>`;

beforeAll(async () => {
  scripted = await startScriptedAws();
});
afterAll(() => scripted.close());

describe('a document type the parser refuses', () => {
  it('answered 200 to GetCallerIdentity: unknown, not live', async () => {
    for (const doctype of refusedDoctypes) {
      scripted.answer({ status: 200, xml: withDoctype(doctype, 'GetCallerIdentity') });
      expect(keep(await aws.verify!(CRED, sctx())), doctype).toEqual({ status: 'unknown', reason: 'AWS answered HTTP 200' });
    }
  });

  it('answered with an error status: the failure says the answer was malformed, and nothing is deleted', async () => {
    for (const doctype of refusedDoctypes) {
      const before = scripted.requests.length;
      scripted.answer({ status: 400, xml: withDoctype(doctype, 'GetAccessKeyLastUsed') });
      const e = await failure(aws.revoke!.run(CRED, sctx(ADMIN)));
      expect(e, doctype).toMatchObject({ exitCode: ExitCode.Remote, message: 'AWS could not find the user of AKIAFAKE…: HTTP 400 (malformed answer)' });
      expect(scripted.requests.length - before).toBe(1);
    }
  });
});

describe('attributes', () => {
  it('an attribute on an element does not change the value read from it', async () => {
    scripted.answer(ok('GetCallerIdentity', `<Arn kind="user">${USER_ARN}</Arn><Account kind="id">000011112222</Account>`));
    const v = keep(await aws.verify!(CRED, sctx()));
    expect(v.identity).toMatchObject({ principal: USER_ARN, account: '000011112222' });
  });
});

describe('aws xml answers canary', () => {
  it('no secret appears in any result or error', () => {
    const all = JSON.stringify(seen);
    expect(seen.length).toBeGreaterThan(4);
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain('FAKEadmin0123456789');
  });
});
