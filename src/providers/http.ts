import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { refusedError, remoteError } from '../core/errors.js';

/**
 * Every HTTP call credctl makes to an issuer goes through here, because a manifest URL comes
 * from config files and scanner hits that an attacker may control. The rules:
 * - https only, except loopback (127.0.0.0/8, ::1, localhost) which may use http;
 * - the host is resolved first and refused if any address is link-local (169.254.0.0/16,
 *   fe80::/10) or a cloud metadata address (169.254.169.254, fd00:ec2::254); the connection is
 *   then pinned to the checked addresses so a second DNS answer cannot swap them (rebinding);
 * - a connect timeout, a header timeout, a total deadline, a header size cap and a body size cap;
 * - redirects followed by hand, same origin only, a few at most.
 * Errors: refusedError (exit 6) for a refused address, scheme or redirect; remoteError (exit 5)
 * for anything the network or the server did.
 */
export type Resolver = (hostname: string) => Promise<string[]>;

export interface SafeHttpOptions {
  /** Total time for one call, redirects included (ms). */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  maxBodyBytes?: number;
  maxRedirects?: number;
  /** DNS, replaceable so tests can point a name at a refused address without real DNS. */
  resolve?: Resolver;
}

export interface SafeRequest {
  method?: 'GET' | 'POST' | 'DELETE' | 'HEAD';
  headers?: Record<string, string>;
  body?: string;
}

export interface SafeResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The URL that answered (after same-origin redirects). */
  url: string;
}

const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata']);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const defaultResolve: Resolver = async (hostname) => (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/** An IPv6 address as its 8 16-bit groups (an embedded dotted IPv4 tail becomes 2 groups), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.toLowerCase().split('%')[0]!;
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, tail.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const fill = rest === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => parseInt(g, 16));
}

/** IPv4 as a 32-bit number, or undefined; also unwraps IPv4-mapped IPv6 (::ffff:a.b.c.d, ::ffff:a9fe:a9fe). */
function ipv4Number(address: string): number | undefined {
  if (isIP(address) === 4) return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  const g = ipv6Groups(address);
  if (g && g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return g[6]! * 65536 + g[7]!;
  return undefined;
}

export function isLoopbackAddress(address: string): boolean {
  const v4 = ipv4Number(address);
  if (v4 !== undefined) return v4 >>> 24 === 127;
  const g = ipv6Groups(address);
  return g !== undefined && g.slice(0, 7).every((x) => x === 0) && g[7] === 1;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && isLoopbackAddress(host));
}

/** Why an address is refused, or undefined when it is allowed. */
export function refusedAddressReason(address: string): string | undefined {
  const v4 = ipv4Number(address);
  if (v4 !== undefined) {
    if (v4 === 0xa9fea9fe) return 'a cloud metadata address';
    if (v4 >>> 16 === 0xa9fe) return 'a link-local address';
    if (v4 === 0) return 'the unspecified address';
    return undefined;
  }
  const g = ipv6Groups(address);
  if (!g) return undefined;
  if (g.join(':') === [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254].join(':')) return 'a cloud metadata address';
  if ((g[0]! & 0xffc0) === 0xfe80) return 'a link-local address';
  if (g.every((x) => x === 0)) return 'the unspecified address';
  return undefined;
}

export class SafeHttp {
  private readonly agents = new Map<string, Agent>();
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly maxBodyBytes: number;
  private readonly maxRedirects: number;
  private readonly resolve: Resolver;

  constructor(options: SafeHttpOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? Math.min(5_000, this.timeoutMs);
    this.maxBodyBytes = options.maxBodyBytes ?? 256 * 1024;
    this.maxRedirects = options.maxRedirects ?? 3;
    this.resolve = options.resolve ?? defaultResolve;
  }

  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.close()));
    this.agents.clear();
  }

  /** Check scheme and addresses, then return an Agent whose connections go only to those addresses. */
  private async agentFor(url: URL): Promise<Agent> {
    const existing = this.agents.get(url.origin);
    if (existing) return existing;
    const hostname = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refusedError(`${url.origin}: only https URLs are allowed`);
    const loopbackName = isLoopbackHost(hostname);
    if (url.protocol === 'http:' && !loopbackName) {
      throw refusedError(`${url.origin}: plain http is refused except for loopback; use https`);
    }
    if (METADATA_NAMES.has(hostname) || (hostname.startsWith('metadata.') && hostname.endsWith('.internal'))) {
      throw refusedError(`${url.origin}: refusing a cloud metadata host`);
    }
    let addresses: string[];
    try {
      addresses = isIP(hostname) ? [hostname] : await this.resolve(hostname);
    } catch (err) {
      throw remoteError(`${url.origin}: cannot resolve ${hostname} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if (addresses.length === 0) throw remoteError(`${url.origin}: ${hostname} has no address`);
    for (const address of addresses) {
      const reason = refusedAddressReason(address);
      if (reason) throw refusedError(`${url.origin}: ${hostname} resolves to ${address}, ${reason}; refused`);
      if (url.protocol === 'http:' && !isLoopbackAddress(address)) {
        throw refusedError(`${url.origin}: ${hostname} resolves to ${address}, not loopback; plain http refused`);
      }
    }
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

  async request(target: string | URL, req: SafeRequest = {}): Promise<SafeResponse> {
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
    const what = `${req.method ?? 'GET'} ${url.href}`;
    try {
      const res = await request(url, {
        method: req.method ?? 'GET', headers: req.headers, body: req.body, dispatcher: agent, signal,
      });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const declared = Number(headers['content-length']);
      if (Number.isFinite(declared) && declared > this.maxBodyBytes) {
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

function parseUrl(text: string, base?: URL): URL {
  try {
    return new URL(text, base);
  } catch {
    throw refusedError(`not a valid URL: ${JSON.stringify(text.slice(0, 200))}`);
  }
}

/** One readable phrase per network failure; credctl's own errors pass through untouched. */
function describeNetworkError(err: unknown, what: string, timeoutMs: number, signal: AbortSignal): Error {
  if (err instanceof Error && err.name === 'CredctlError') return err;
  const code = (err as { code?: string })?.code;
  if (signal.aborted || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return remoteError(`${what}: no complete answer within ${timeoutMs} ms (timed out)`);
  }
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT': return remoteError(`${what}: connection timed out`);
    case 'UND_ERR_HEADERS_OVERFLOW': return remoteError(`${what}: response headers too large; refusing to read them`);
    case 'ECONNREFUSED': return remoteError(`${what}: connection refused (is the issuer running?)`);
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET': return remoteError(`${what}: connection closed by the server`);
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_INVALID_HEADER_TOKEN':
    case 'HPE_HEADER_OVERFLOW': return remoteError(`${what}: malformed HTTP response`);
    default: return remoteError(`${what}: ${(err as Error)?.message ?? String(err)}`);
  }
}
