import aws4 from 'aws4';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { storeError } from '../../core/errors.js';
import type { IntegrationContext } from '../types.js';

/**
 * One AWS query-protocol call (STS, IAM): the form body signed with SigV4 by the aws4 package,
 * sent through the one safe client, the XML answer parsed by fast-xml-parser. AWS answers errors
 * as `<ErrorResponse><Error><Type/><Code/><Message/></Error></ErrorResponse>`.
 */
export type AwsKey = AwsCredentials;

export interface AwsReply {
  status: number;
  /** The parsed `<Action>Response>` (or `<ErrorResponse>`) element. */
  body: any;
  error?: { code: string; message: string };
  malformed: boolean;
}

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, isArray: (name) => name === 'member' });

export const DEFAULT_ENDPOINTS: Record<'sts' | 'iam', string> = { sts: 'https://sts.amazonaws.com', iam: 'https://iam.amazonaws.com' };

/** The endpoint for a service: a trusted override (credctl.yaml providers.aws.issuer) serves both. */
export function endpointFor(ctx: IntegrationContext, service: 'sts' | 'iam'): string {
  return ctx.api && ctx.api !== DEFAULT_ENDPOINTS.sts ? ctx.api : DEFAULT_ENDPOINTS[service];
}

export async function awsQuery(
  ctx: IntegrationContext,
  service: 'sts' | 'iam',
  key: AwsKey,
  params: Record<string, string>,
  opts: { retry?: boolean } = {},
): Promise<AwsReply> {
  const url = new URL(endpointFor(ctx, service));
  const version = service === 'sts' ? '2011-06-15' : '2010-05-08';
  const body = new URLSearchParams({ ...params, Version: version }).toString();
  const request = {
    host: url.host,
    // Stryker disable next-line StringLiteral: aws4 signs path '/' when none is given
    path: '/',
    service,
    // Stryker disable next-line StringLiteral: aws4 signs for us-east-1 when no region is given
    region: 'us-east-1',
    // Stryker disable next-line StringLiteral: aws4 signs a request with a body as POST when no method is given
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } as Record<string, string | number>,
  };
  aws4.sign(request, key);
  const headers: Record<string, string> = { accept: 'text/xml' };
  // Host and Content-Length go out as undici sends them (the same values that were signed).
  // Stryker disable next-line MethodExpression,ConditionalExpression,Regex: header names are case-insensitive, aws4's own names never repeat ours in another case, and undici sends a Host or Content-Length given with the value it would compute itself (aws4 names no other header holding those words)
  for (const [k, v] of Object.entries(request.headers)) if (!/^(host|content-length)$/i.test(k)) headers[k.toLowerCase()] = String(v);
  const res = await ctx.http.request(new URL('/', url), {
    method: 'POST',
    headers,
    body,
    // Stryker disable next-line ArrayDeclaration: the secret is never sent, only a signature made with it, so no network error can quote it
    secrets: [key.secretAccessKey],
    ...(opts.retry ? { retry: { attempts: 2, backoffMs: 100 } } : {}),
  });
  const text = res.body.toString('utf8');
  // The parser is lenient with a body cut short; a truncated answer must read as malformed.
  if (XMLValidator.validate(text) !== true) return { status: res.status, body: undefined, malformed: true };
  let doc: any;
  try {
    doc = parser.parse(text);
  } catch {
    // The validator passes some documents the parser refuses (an external or misnamed entity in a DOCTYPE).
    return { status: res.status, body: undefined, malformed: true };
  }
  // Stryker disable next-line OptionalChaining: the parser always returns an object
  if (doc?.ErrorResponse?.Error) {
    const e = doc.ErrorResponse.Error;
    return { status: res.status, body: doc.ErrorResponse, error: { code: String(e.Code ?? ''), message: String(e.Message ?? '') }, malformed: false };
  }
  // Stryker disable next-line OptionalChaining: the parser always returns an object
  const response = doc?.[`${params.Action}Response`];
  return { status: res.status, body: response, malformed: res.status < 300 && !response };
}

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** `accessKeyId:secretAccessKey[:sessionToken]`, as an AWS credential is kept in the store (`providers.aws.admin`, the Secrets Manager target's token). */
export function parseAwsCredential(text: string): AwsCredentials {
  const parts = text.trim().split(':');
  if (parts.length < 2 || parts.length > 3 || !/^(?:AKIA|ASIA)[A-Z0-9]{12,}$/.test(parts[0]!) || !parts[1]) {
    throw storeError(
      'the stored AWS credential must be accessKeyId:secretAccessKey (or accessKeyId:secretAccessKey:sessionToken)',
      'store both parts joined by a colon (credctl store put)',
    );
  }
  return { accessKeyId: parts[0]!, secretAccessKey: parts[1]!, ...(parts[2] ? { sessionToken: parts[2] } : {}) };
}
