import { CredctlError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import { safeVendorText } from '../targets/http.js';
import type { SafeRequest } from '../net/http.js';
import type { IntegrationContext, Risk, Verification } from './types.js';

/**
 * What every vendor integration needs around one HTTP call, so each folder holds only what is
 * particular to its vendor: the URL built from `ctx.api`, the body parsed as JSON (a malformed
 * body is a fact, not a crash), the vendor's error text cut to one safe line, and the usual
 * reading of an answer as live / dead / unknown.
 */
/**
 * Retries for a verify or analyze call: one more attempt after a short pause. A verify answers
 * "unknown" rather than waiting out a rate limit, and the batch verifier (many keys at once)
 * paces itself per vendor instead.
 */
export const READ_RETRY = { attempts: 2, backoffMs: 100 } as const;

export interface VendorReply {
  status: number;
  headers: Record<string, string>;
  /** The parsed body; undefined when it is empty or not JSON (see `malformed`). */
  json: any;
  /** True when the body was meant to be JSON and is not. */
  malformed: boolean;
}

export interface VendorRequest extends Omit<SafeRequest, 'body'> {
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded (Stripe, Slack, Twilio, AWS query APIs). */
  form?: Record<string, string>;
  /** Raw body, with its content type set by the caller. */
  body?: string;
  query?: Record<string, string | number | undefined>;
}

export async function vendorCall(ctx: IntegrationContext, path: string, req: VendorRequest = {}): Promise<VendorReply> {
  // './' keeps a first segment holding a colon (Telegram's /bot<id>:<token>/) from reading as a scheme.
  const url = new URL(`./${path.replace(/^\//, '')}`, ctx.api.endsWith('/') ? ctx.api : `${ctx.api}/`);
  for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'credctl', ...req.headers };
  let body = req.body;
  if (req.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(req.json);
  } else if (req.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(req.form).toString();
  }
  // Stryker disable next-line ConditionalExpression: the client treats a body given as undefined as no body; leaving it out is only tidier
  const res = await ctx.http.request(url, { method: req.method, headers, ...(body !== undefined ? { body } : {}), secrets: req.secrets, retry: req.retry });
  const text = res.body.toString('utf8');
  let json: unknown;
  let malformed = false;
  if (text.trim()) {
    try {
      json = JSON.parse(text);
    } catch {
      malformed = true;
    }
  }
  return { status: res.status, headers: res.headers, json, malformed };
}

/**
 * The vendor's own error message, safe to show: masked with the values the call carried, any
 * long token-looking run cut, one line, at most 160 characters.
 */
export function vendorMessage(reply: VendorReply, secrets: string[], pick?: (json: any) => unknown): string | undefined {
  return safeVendorText(pick ? pick(reply.json) : defaultMessage(reply.json), secrets);
}

function defaultMessage(json: any): unknown {
  if (!json || typeof json !== 'object') return undefined;
  const e = json.error ?? json.errors?.[0] ?? json;
  if (typeof e === 'string') return e;
  // e is never nullish: `??` passes over a null error, and falls back to the body itself.
  return e.message ?? e.msg ?? e.detail ?? e.description ?? json.message;
}

/**
 * The usual reading of a verify call's status: 401 means the vendor does not accept the value
 * (dead); 403 means it is valid but may not ask this (live, unless the vendor uses 403 for bad
 * keys: pass `forbiddenMeansDead`); 429 and 5xx say nothing; 404 on a whoami endpoint usually
 * means a bad key too (pass `notFoundMeansDead`). Returns undefined for a 2xx, which the caller
 * reads itself.
 */
export function refusalOf(
  vendor: string,
  reply: VendorReply,
  secrets: string[],
  opts: { forbiddenMeansDead?: boolean; notFoundMeansDead?: boolean } = {},
): Verification | undefined {
  const said = vendorMessage(reply, secrets);
  const suffix = said ? `: ${said}` : '';
  if (reply.status >= 200 && reply.status < 300) {
    if (reply.malformed) return { status: 'unknown', reason: `${vendor} answered with a body that is not JSON` };
    return undefined;
  }
  if (reply.status === 401 || (reply.status === 403 && opts.forbiddenMeansDead) || (reply.status === 404 && opts.notFoundMeansDead)) {
    return { status: 'dead', reason: `${vendor} refuses it (HTTP ${reply.status}${suffix})` };
  }
  if (reply.status === 403) return { status: 'live', reason: `${vendor} knows it but it may not make this call (HTTP 403${suffix})` };
  if (reply.status === 429) return { status: 'unknown', reason: `${vendor} is rate-limiting (HTTP 429); try again later` };
  if (reply.status >= 500) return { status: 'unknown', reason: `${vendor} failed to answer (HTTP ${reply.status})` };
  return { status: 'unknown', reason: `${vendor} answered HTTP ${reply.status}${suffix}` };
}

/** A verify that could not reach the vendor: unknown, with the network's reason. */
export function unreachable(vendor: string, err: unknown): Verification {
  if (err instanceof CredctlError && err.exitCode !== ExitCode.Remote && err.exitCode !== ExitCode.Refused) throw err;
  return { status: 'unknown', reason: `${vendor} could not be asked${because(err)}` };
}

/** `: <first line of the error>`, or nothing when the error says nothing: never an empty colon. */
export function because(err: unknown): string {
  const [first] = (err as Error | undefined)?.message?.split('\n') ?? [];
  const line = first?.trim();
  return line ? `: ${line}` : '';
}

/** A vendor answer an operation cannot go on from: exit 5 (remote), with the vendor's words. */
export function vendorFailure(vendor: string, what: string, reply: VendorReply, secrets: string[]): CredctlError {
  const said = vendorMessage(reply, secrets);
  const hint =
    reply.status === 401
      ? 'The credential used was refused: check it is current.'
      : reply.status === 403
        ? 'The credential used lacks a permission this needs.'
        : reply.status === 429
          ? 'Rate-limited: try again later (credctl apply --resume).'
          : undefined;
  return new CredctlError(
    `${vendor} ${what}: HTTP ${reply.status}${reply.malformed ? ' (malformed body)' : ''}${said ? ` (${said})` : ''}`,
    ExitCode.Remote,
    hint,
  );
}

/** A scope's risk from its words, for vendors that do not classify their own. */
export function riskFromWords(scope: string): Risk {
  if (/admin|owner|root|superuser|\*|full|delete_repo|:all$/i.test(scope)) return 'admin';
  if (/write|create|update|delete|manage|send|publish|edit|post|deploy/i.test(scope)) return 'write';
  return 'read';
}

/** Authorization header value for HTTP Basic. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
