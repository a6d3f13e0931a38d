import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { refusedError, remoteError } from '../core/errors.js';
import { maskValues } from '../core/redact.js';
import { DEFAULT_RETRY, retryTransient, type RetryPolicy } from './retry.js';
import { classifyAddress, isLoopbackAddress, isLoopbackHost, isMetadataHostName } from './address-policy.js';

export { isLoopbackAddress, isLoopbackHost } from './address-policy.js';

/**
 * The one HTTP client credctl has. Issuers, vendor APIs, targets (GitHub, Vercel), health checks
 * and discovery all call through it, because every URL it is given came from a config file, a
 * plan, a manifest or a scanner hit that an attacker may control. Its rules:
 * - https only, except loopback (127.0.0.0/8, ::1, localhost), which may use http;
 * - the host is resolved first and every address classified (address-policy.ts): link-local,
 *   metadata, unspecified and reserved addresses are refused; private ranges are refused unless
 *   the caller passes that origin as trusted (the user trusted it in credctl.yaml); the
 *   connection is then pinned to the checked addresses, so a second DNS answer cannot swap them;
 * - a connect timeout, a total deadline, a header size cap and a body size cap;
 * - redirects followed by hand, same origin only, a few at most;
 * - retries, for calls the caller marks idempotent: 5xx, 429 (Retry-After honoured, bounded),
 *   timeouts, resets and refused connections, with doubling backoff (p-retry);
 * - every message it produces is masked with the secrets the caller names (tokens, values).
 * Errors: refusedError (exit 6) for a refused address, scheme or redirect; remoteError (exit 5)
 * for anything the network or the server did.
 */
export type Resolver = (hostname: string) => Promise<string[]>;

export type { RetryPolicy } from './retry.js';

export interface SafeHttpOptions {
  /** Total time for one call, redirects included (ms). */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  maxBodyBytes?: number;
  maxRedirects?: number;
  /** DNS, replaceable so tests can point a name at a refused address without real DNS. */
  resolve?: Resolver;
  /** Origins the user trusted (credctl.yaml): only these may resolve to private addresses. */
  trustedOrigins?: Iterable<string>;
}

export interface SafeRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  headers?: Record<string, string>;
  body?: string;
  /** Values that must never appear in an error message (tokens, the credential itself). */
  secrets?: string[];
  /**
   * Retry transient failures (5xx, 429, timeouts, resets). Only for calls that are safe to repeat:
   * reads, and writes that are idempotent by nature or carry an idempotency key.
   */
  retry?: boolean | RetryPolicy;
}

export interface SafeResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The URL that answered (after same-origin redirects). */
  url: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_RETRY_AFTER_MS = 5_000;

const defaultResolve: Resolver = async (hostname) => (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/** A transient HTTP answer, turned into an error so the retry loop sees it. */
class TransientStatus extends Error {
  constructor(readonly response: SafeResponse) {
    // Stryker disable next-line StringLiteral: never shown; the retry loop returns the response it carries
    super(`HTTP ${response.status}`);
  }
}

export class SafeHttp {
  private readonly agents = new Map<string, Agent>();
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly maxBodyBytes: number;
  private readonly maxRedirects: number;
  private readonly resolve: Resolver;
  private readonly customResolver: boolean;
  private readonly trusted: Set<string>;

  constructor(options: SafeHttpOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? (Number(process.env.CREDCTL_HTTP_TIMEOUT_MS) || 10_000);
    // Stryker disable next-line MethodExpression: a connect can only outlast the total deadline, whose signal aborts it first
    this.connectTimeoutMs = options.connectTimeoutMs ?? Math.min(5_000, this.timeoutMs);
    this.maxBodyBytes = options.maxBodyBytes ?? 256 * 1024;
    this.maxRedirects = options.maxRedirects ?? 3;
    this.resolve = options.resolve ?? defaultResolve;
    this.customResolver = options.resolve !== undefined;
    // Stryker disable next-line ArrayDeclaration,ConditionalExpression: an entry that is not a URL has no origin, and no request's origin is undefined
    this.trusted = new Set([...(options.trustedOrigins ?? [])].map(originOf).filter((o): o is string => o !== undefined));
  }

  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.close()));
    this.agents.clear();
  }

  /** Check scheme and addresses, then return an Agent whose connections go only to those addresses. */
  private async agentFor(url: URL): Promise<Agent> {
    const existing = this.agents.get(url.origin);
    if (existing) return existing;
    // Stryker disable next-line Regex: a URL's hostname holds brackets only around an IPv6 address
    const hostname = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refusedError(`${url.origin}: only https URLs are allowed`);
    if (url.protocol === 'http:' && !isLoopbackHost(hostname)) {
      throw refusedError(`${url.origin}: plain http is refused except for loopback; use https`);
    }
    if (isMetadataHostName(hostname)) throw refusedError(`${url.origin}: refusing a cloud metadata host`);
    // CREDCTL_OFFLINE=1 (the demo, the test suite): loopback only, refused before any DNS query.
    const offline = process.env.CREDCTL_OFFLINE === '1';
    if (offline && !this.customResolver && !isIP(hostname) && !isLoopbackHost(hostname)) {
      throw refusedError(`${url.origin}: not contacted (CREDCTL_OFFLINE=1: loopback only)`);
    }
    let addresses: string[];
    try {
      addresses = isIP(hostname) ? [hostname] : await this.resolve(hostname);
    } catch (err) {
      throw remoteError(`${url.origin}: cannot resolve ${hostname} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if (addresses.length === 0) throw remoteError(`${url.origin}: ${hostname} has no address`);
    for (const address of addresses) {
      const verdict = classifyAddress(address);
      const shown = address === hostname ? address : `${hostname} resolves to ${address}`;
      if (verdict.class === 'blocked') throw refusedError(`${url.origin}: ${shown}, ${verdict.reason}; refused`);
      if (verdict.class === 'private' && !this.trusted.has(url.origin)) {
        throw refusedError(
          `${url.origin}: ${shown}, ${verdict.reason}; refused`,
          'A private address is contacted only when credctl.yaml names that origin and you trusted it (credctl trust).',
        );
      }
      if (url.protocol === 'http:' && !isLoopbackAddress(address)) {
        throw refusedError(`${url.origin}: ${hostname} resolves to ${address}, not loopback; plain http refused`);
      }
    }
    if (offline && !addresses.every(isLoopbackAddress)) throw refusedError(`${url.origin}: not contacted (CREDCTL_OFFLINE=1: loopback only)`);
    const pinned = addresses.map((address) => ({ address, family: isIP(address) }));
    const agent = new Agent({
      connect: {
        timeout: this.connectTimeoutMs,
        // Connect only to what was checked above, whatever DNS says now.
        lookup: ((_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
          if (opts?.all) cb(null, pinned);
          else cb(null, pinned[0]!.address, pinned[0]!.family);
        }) as never,
      },
      maxHeaderSize: 16 * 1024,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      connections: 16,
    });
    this.agents.set(url.origin, agent);
    return agent;
  }

  /**
   * One call (with its same-origin redirects); with `retry`, repeated on transient failures. The
   * last transient answer (a 503 after every attempt) is returned, not thrown, so callers keep
   * reading the vendor's own error body.
   */
  async request(target: string | URL, req: SafeRequest = {}): Promise<SafeResponse> {
    // Stryker disable next-line ArrayDeclaration: a message never holds the placeholder text a mutant would mask
    const secrets = req.secrets ?? [];
    const mask = (err: unknown): unknown => {
      if (err instanceof Error && secrets.length) err.message = maskValues(err.message, secrets);
      return err;
    };
    if (!req.retry)
      return this.requestOnce(target, req).catch((err) => {
        throw mask(err);
      });
    try {
      return await retryTransient(
        async () => {
          const res = await this.requestOnce(target, req);
          if (res.status >= 500 || res.status === 429) throw new TransientStatus(res);
          return res;
        },
        (err) => err instanceof TransientStatus || isTransientNetworkError(err),
        req.retry === true ? DEFAULT_RETRY : req.retry,
        { waitFor: (err) => (err instanceof TransientStatus ? retryAfterMs(err.response.headers['retry-after']) : 0) },
      );
    } catch (err) {
      if (err instanceof TransientStatus) return err.response;
      throw mask(err);
    }
  }

  private async requestOnce(target: string | URL, req: SafeRequest): Promise<SafeResponse> {
    let url = typeof target === 'string' ? parseUrl(target) : target;
    const origin = url.origin;
    const signal = AbortSignal.timeout(this.timeoutMs);
    for (let hop = 0; ; hop++) {
      const agent = await this.agentFor(url);
      const res = await this.once(url, req, agent, signal);
      if (!REDIRECTS.has(res.status)) return res;
      const location = res.headers.location;
      if (!location) throw remoteError(`${req.method ?? 'GET'} ${url.href}: HTTP ${res.status} redirect without a Location`);
      const next = parseUrl(location, url);
      if (next.origin !== origin) throw refusedError(`${url.href} redirects to another origin (${next.origin}); refused`);
      if (hop >= this.maxRedirects) throw remoteError(`${url.href}: more than ${this.maxRedirects} redirects`);
      url = next;
    }
  }

  private async once(url: URL, req: SafeRequest, agent: Agent, signal: AbortSignal): Promise<SafeResponse> {
    const what = `${req.method ?? 'GET'} ${url.origin}${url.pathname}`;
    try {
      const res = await request(url, {
        // Stryker disable next-line LogicalOperator: undici's default method is GET as well
        method: req.method ?? 'GET',
        headers: req.headers,
        body: req.body,
        dispatcher: agent,
        signal,
      });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const declared = Number(headers['content-length']);
      if (Number.isFinite(declared) && declared > this.maxBodyBytes) {
        // Destroying undici's body emits an AbortError; unheard, it would end the process.
        res.body.on('error', () => undefined);
        res.body.destroy();
        throw remoteError(`${what}: response of ${declared} bytes exceeds the ${this.maxBodyBytes}-byte limit`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > this.maxBodyBytes) {
          res.body.destroy();
          throw remoteError(`${what}: response exceeds the ${this.maxBodyBytes}-byte limit; aborted`);
        }
        chunks.push(chunk);
      }
      return { status: res.statusCode, headers, body: Buffer.concat(chunks), url: url.href };
    } catch (err) {
      throw describeNetworkError(err, what, this.timeoutMs, signal);
    }
  }
}

/** An URL's origin, or undefined when it is not a URL. */
export function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
    // Stryker disable next-line BlockStatement: the function returns undefined either way
  } catch {
    return undefined;
  }
}

function parseUrl(text: string, base?: URL): URL {
  try {
    return new URL(text, base);
  } catch {
    throw refusedError(`not a valid URL: ${JSON.stringify(text.slice(0, 200))}`);
  }
}

/** Network faults worth another attempt (the remote end, not a refusal of ours). */
export function isTransientNetworkError(err: unknown): boolean {
  return (err as { transient?: boolean })?.transient === true;
}

function retryAfterMs(h: string | undefined): number {
  if (!h) return 0;
  const secs = Number(h);
  if (Number.isFinite(secs) && secs > 0) return Math.min(secs * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(h);
  return Number.isFinite(at) ? Math.max(0, Math.min(at - Date.now(), MAX_RETRY_AFTER_MS)) : 0;
}

/** One readable phrase per network failure; credctl's own errors pass through untouched. */
function describeNetworkError(err: unknown, what: string, timeoutMs: number, signal: AbortSignal): Error {
  if (err instanceof Error && err.name === 'CredctlError') return err;
  const code = (err as { code?: string })?.code;
  const transient = (e: Error) => Object.assign(e, { transient: true });
  // undici's parser errors carry no code (llhttp's is not copied onto them): known by name.
  if ((err as Error)?.name === 'HTTPParserError') return remoteError(`${what}: malformed HTTP response`);
  // Stryker disable next-line ConditionalExpression,StringLiteral: undici's header and body timeouts equal the total deadline, whose signal is always aborted first; kept in case they ever fire alone
  if (signal.aborted || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return transient(remoteError(`${what}: no complete answer within ${timeoutMs} ms (timed out)`));
  }
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return transient(remoteError(`${what}: connection timed out`));
    case 'UND_ERR_HEADERS_OVERFLOW':
      return remoteError(`${what}: response headers too large; refusing to read them`);
    case 'ECONNREFUSED':
      return transient(remoteError(`${what}: connection refused (is the server running?)`));
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return transient(remoteError(`${what}: connection closed by the server`));
    default:
      return remoteError(`${what}: ${(err as Error)?.message ?? String(err)}`);
  }
}
