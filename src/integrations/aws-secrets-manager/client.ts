import aws4 from 'aws4';
import { remoteError, storeError } from '../../core/errors.js';
import { maskValues } from '../../core/redact.js';
import { isTransientNetworkError, SafeHttp } from '../../net/http.js';
import { retryTransient } from '../../net/retry.js';
import type { HttpPolicy } from '../../targets/target.js';

/**
 * One signed call to the Secrets Manager JSON API (`POST /`, `X-Amz-Target: secretsmanager.<Op>`,
 * `application/x-amz-json-1.1`), SigV4-signed by the `aws4` package and sent through credctl's
 * one network client. AWS reports most errors as HTTP 400 with `{ "__type", "message" }`, so the
 * error type, not the status, says what happened: throttling and 5xx are retried with backoff
 * (every call made here is idempotent), anything else comes back as an `AwsError` for the target
 * to turn into a clear message. No message carries the credential or a value.
 */
import type { AwsCredentials } from '../aws/sigv4.js';

export { parseAwsCredential, type AwsCredentials } from '../aws/sigv4.js';

export class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly awsType: string,
    readonly awsMessage: string,
  ) {
    super(`${awsType}${awsMessage ? `: ${awsMessage}` : ''}`);
  }
}

class Retryable extends Error {}

const TRANSIENT_TYPES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'InternalServiceError',
  'InternalFailure',
  'ServiceUnavailable',
]);

export interface AwsCallOptions {
  endpoint: string;
  region: string;
  credentials: AwsCredentials;
  operation: string;
  body: Record<string, unknown>;
  /** For messages: "AWS Secrets Manager: read secret prod/stripe". */
  what: string;
  /** Never shown: the credential parts are added here. */
  secrets: string[];
  policy?: HttpPolicy;
  client?: SafeHttp;
}

let fallbackClient: SafeHttp | undefined;

export async function awsJsonCall(o: AwsCallOptions): Promise<Record<string, unknown>> {
  const secrets = [o.credentials.secretAccessKey, o.credentials.sessionToken ?? '', ...o.secrets].filter(Boolean);
  const client = o.client ?? (fallbackClient ??= new SafeHttp({ timeoutMs: o.policy?.timeoutMs ?? 15_000, maxBodyBytes: 1024 * 1024 }));
  const attempts = Math.max(1, (o.policy?.retries ?? 3) + 1);
  const url = new URL(o.endpoint);
  try {
    return await retryTransient(
      () => attempt(o, url, client, secrets),
      (err) => err instanceof Retryable || isTransientNetworkError(err),
      { attempts, backoffMs: o.policy?.backoffMs ?? 250 },
    );
  } catch (err) {
    if (err instanceof AwsError) throw err;
    if (err instanceof Retryable || isTransientNetworkError(err)) {
      const problem = err instanceof Retryable ? err.message : 'network error';
      throw remoteError(
        `${o.what}: ${maskValues(problem, secrets)} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`,
        'AWS may be throttling or down; run the step again later (it is safe to repeat)',
      );
    }
    if (err instanceof Error) err.message = maskValues(err.message, secrets);
    throw err;
  }
}

async function attempt(o: AwsCallOptions, url: URL, client: SafeHttp, secrets: string[]): Promise<Record<string, unknown>> {
  const body = JSON.stringify(o.body);
  const signed = aws4.sign(
    {
      host: url.host,
      path: url.pathname || '/',
      method: 'POST',
      service: 'secretsmanager',
      region: o.region,
      body,
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `secretsmanager.${o.operation}` },
    },
    o.credentials,
  );
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers ?? {})) {
    // The client sets Host from the URL, which is the host that was signed.
    if (k.toLowerCase() !== 'host' && v !== undefined) headers[k] = String(v);
  }
  headers['user-agent'] = 'credctl';
  const res = await client.request(url.toString(), { method: 'POST', headers, body, secrets });
  const text = res.body.toString('utf8');
  let json: Record<string, unknown> | undefined;
  try {
    const parsed = text.trim() === '' ? {} : (JSON.parse(text) as unknown);
    json = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  if (json === undefined) throw new Retryable(`malformed response body (HTTP ${res.status})`);
  if (res.status === 200) return json;
  const type = typeof json.__type === 'string' ? json.__type.split('#').pop()! : '';
  const rawMessage = typeof json.message === 'string' ? json.message : typeof json.Message === 'string' ? json.Message : '';
  const message = maskValues(rawMessage, secrets).replace(/\s+/g, ' ').trim().slice(0, 200);
  if (res.status >= 500 || res.status === 429 || TRANSIENT_TYPES.has(type)) throw new Retryable(`HTTP ${res.status}${type ? ` ${type}` : ''}`);
  throw new AwsError(res.status, type || `HTTP ${res.status}`, message);
}
