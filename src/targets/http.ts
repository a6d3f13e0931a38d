import { remoteError } from '../core/errors.js';
import { maskValues } from '../core/redact.js';
import { isTransientNetworkError, SafeHttp } from '../net/http.js';
import { retryTransient } from '../net/retry.js';
import type { HttpPolicy, TargetDeps } from './target.js';

/**
 * JSON over HTTP for remote targets, through credctl's one network client (src/net/http.ts:
 * address guard, https except loopback, size and time limits) with the reliability rules here:
 *   - every attempt has a timeout (headers and body);
 *   - 5xx, 429, timeouts, connection resets/refusals and malformed JSON bodies are retried a
 *     bounded number of times with exponential backoff and jitter (every call the targets make is
 *     idempotent: GETs, a PUT of the same sealed value, an upsert);
 *   - anything else comes back to the caller, who turns 401/403/404 into a clear message;
 *   - no message ever carries the token or a value: callers pass them in `secrets` and every
 *     text taken from a response is masked with them.
 */
export interface JsonCall {
  method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  /** What this call does, for error messages: "GitHub: read the public key of acme/api". */
  what: string;
  /** Strings that must never appear in an error (token, value). */
  secrets: string[];
  policy?: HttpPolicy;
  /** The network client (with the origins the user trusted); default: one with none trusted. */
  client?: SafeHttp;
}

export interface JsonReply {
  status: number;
  /** Parsed body; undefined when the body was empty. */
  json: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export const DEFAULT_HTTP_POLICY: Required<HttpPolicy> = { timeoutMs: 15_000, retries: 3, backoffMs: 250 };

/** A failure worth another attempt, with what to say if it is the last one. */
class Retryable extends Error {
  constructor(
    message: string,
    readonly retryAfterMs = 0,
  ) {
    super(message);
  }
}

const clients = new Map<number, SafeHttp>();
function clientFor(timeoutMs: number): SafeHttp {
  let c = clients.get(timeoutMs);
  if (!c) clients.set(timeoutMs, (c = new SafeHttp({ timeoutMs, maxBodyBytes: 1024 * 1024 })));
  return c;
}

export async function callJson(call: JsonCall): Promise<JsonReply> {
  const policy = { ...DEFAULT_HTTP_POLICY, ...call.policy };
  const attempts = Math.max(1, policy.retries + 1);
  const client = call.client ?? clientFor(policy.timeoutMs);
  try {
    return await retryTransient(
      () => attemptOnce(call, client),
      (err) => err instanceof Retryable || isTransientNetworkError(err),
      { attempts, backoffMs: policy.backoffMs },
      { waitFor: (err) => (err instanceof Retryable ? err.retryAfterMs : 0) },
    );
  } catch (err) {
    if (!(err instanceof Retryable) && !isTransientNetworkError(err)) {
      if (err instanceof Error) err.message = maskValues(err.message, call.secrets);
      throw err;
    }
    const problem = err instanceof Retryable ? err.message : describeNetworkError(err);
    throw remoteError(
      `${call.what}: ${maskValues(problem, call.secrets)} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`,
      'the service may be down or unreachable; run the step again later (it is safe to repeat)',
    );
  }
}

async function attemptOnce(call: JsonCall, client: SafeHttp): Promise<JsonReply> {
  const headers: Record<string, string> = { ...call.headers };
  let body: string | undefined;
  if (call.body !== undefined) {
    body = JSON.stringify(call.body);
    headers['content-type'] = 'application/json';
  }
  const res = await client.request(call.url, { method: call.method, headers, body, secrets: call.secrets });
  const text = res.body.toString('utf8');
  let json: unknown;
  if (text.trim() !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      // A truncated or garbled body is a transport problem as far as we can tell: retry.
      throw new Retryable(`malformed response body (HTTP ${res.status})`);
    }
  }
  if (res.status >= 500 || res.status === 429) {
    throw new Retryable(`HTTP ${res.status}${vendorMessageSuffix(json, call.secrets)}`, res.status === 429 ? retryAfter(res.headers['retry-after']) : 0);
  }
  return { status: res.status, json, headers: res.headers };
}

function describeNetworkError(err: unknown): string {
  const m = (err as Error)?.message ?? '';
  if (/timed out/.test(m)) return 'timed out';
  if (/connection closed/.test(m)) return 'connection reset';
  if (/connection refused/.test(m)) return 'connection refused';
  return 'network error';
}

/**
 * A vendor's own words, safe to show: masked with the values the call carried, any long
 * token-looking run cut (a vendor may quote the key it was sent), one line, at most 160 characters.
 */
export function safeVendorText(raw: unknown, secrets: string[]): string | undefined {
  if (typeof raw !== 'string' || !raw.trim()) return undefined;
  const oneLine = maskValues(raw, secrets)
    .replace(/[A-Za-z0-9_\-+/=]{24,}/g, '[redacted]')
    .replace(/\s+/g, ' ')
    .trim();
  return oneLine.length > 160 ? `${oneLine.slice(0, 157)}...` : oneLine;
}

/** The vendor's own one-line explanation, masked and shortened: GitHub `{message}`, Vercel `{error:{message}}`. */
export function vendorMessage(json: unknown, secrets: string[]): string {
  if (!json || typeof json !== 'object') return '';
  const o = json as { message?: unknown; error?: { message?: unknown; code?: unknown } };
  return safeVendorText(typeof o.message === 'string' ? o.message : o.error?.message, secrets) ?? '';
}

function vendorMessageSuffix(json: unknown, secrets: string[]): string {
  const m = vendorMessage(json, secrets);
  return m ? ` (${m})` : '';
}

/**
 * A clear error for a status the caller did not expect. 401/403/404 get their usual meaning
 * spelled out; the token is never part of it.
 */
export function statusError(what: string, reply: JsonReply, secrets: string[], service: string) {
  const m = vendorMessage(reply.json, secrets);
  const said = m ? `: ${m}` : '';
  switch (reply.status) {
    case 401:
      return remoteError(`${what}: HTTP 401 unauthorized${said}`, `the ${service} token was rejected; store a valid one and retry`);
    case 403:
      return remoteError(`${what}: HTTP 403 forbidden${said}`, `the ${service} token lacks the permission for this; grant it or use another token`);
    case 404:
      return remoteError(`${what}: HTTP 404 not found${said}`, `check the name in the target, and that the ${service} token can see it`);
    default:
      return remoteError(`${what}: unexpected HTTP ${reply.status}${said}`);
  }
}

function retryAfter(h: string | undefined): number {
  const v = h;
  const secs = v ? Number(v) : NaN;
  return Number.isFinite(secs) && secs > 0 ? Math.min(secs * 1000, 5_000) : 0;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * One authenticated call of a remote target: the token (masked in every message with the
 * caller's secrets), the vendor's auth header, JSON in and out through the target's client and
 * retry policy. Returns the reply and every value it masked, for the caller's own errors.
 */
export async function callWithToken(
  deps: TargetDeps,
  call: {
    vendor: string;
    token: string;
    auth: Record<string, string>;
    method: JsonCall['method'];
    url: string;
    what: string;
    secrets: string[];
    body?: unknown;
  },
): Promise<{ reply: JsonReply; secrets: string[] }> {
  const all = [call.token, ...call.secrets];
  const reply = await callJson({
    method: call.method,
    url: call.url,
    body: call.body,
    what: `${call.vendor}: ${call.what}`,
    secrets: all,
    policy: deps.http,
    client: deps.net,
    headers: { ...call.auth, accept: 'application/json', 'user-agent': 'credctl' },
  });
  return { reply, secrets: all };
}
