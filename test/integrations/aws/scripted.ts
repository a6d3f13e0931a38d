/**
 * A scripted AWS query endpoint: answers each request with the next queued (status, XML) pair, in
 * AWS's shapes (API.md), and records what it was sent. For the answers the real-signature
 * stand-in (src/demo/vendors/aws-api.ts) has no state for: an ExpiredToken, a role's ARN, a reply
 * without its Result, an error message quoting a key id.
 */
import { startStandIn, type StandIn } from '../standin.js';

export interface ScriptedAws extends StandIn {
  /** Queue answers, in order; with none queued a request gets 500 InternalFailure. */
  answer(...answers: { status: number; xml: string }[]): void;
}

export const ok = (action: string, result: string) => ({
  status: 200,
  xml: `<${action}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>0000-FAKE</RequestId></ResponseMetadata></${action}Response>`,
});

export const awsError = (status: number, code: string, message = `${code} (scripted)`) => ({
  status,
  xml: `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>0000-FAKE</RequestId></ErrorResponse>`,
});

export const identity = (arn: string, account = '000011112222') =>
  ok('GetCallerIdentity', `<Arn>${arn}</Arn><UserId>AIDAFAKE000000000000</UserId>${account ? `<Account>${account}</Account>` : ''}`);

export async function startScriptedAws(): Promise<ScriptedAws> {
  const queue: { status: number; xml: string }[] = [];
  const server = await startStandIn({
    errorBody: () => undefined,
    handle() {
      const next = queue.shift() ?? awsError(500, 'InternalFailure');
      return { status: next.status, raw: next.xml, headers: { 'content-type': 'text/xml' } };
    },
  });
  return Object.assign(server, { answer: (...a: { status: number; xml: string }[]) => void queue.push(...a) });
}
