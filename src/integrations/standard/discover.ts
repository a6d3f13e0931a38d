import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWriteFileSync } from '../../core/atomic-write.js';
import { CredctlError, inputError, remoteError, usageError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import { SafeHttp, type SafeHttpOptions, type SafeResponse } from '../../net/http.js';
import { validateManifest, validatePermissions, type Manifest, type PermissionSchemaDoc } from '../../providers/manifest.js';

/**
 * `credctl discover`: fetch an issuer's `/.well-known/credential-issuer` (and the permission
 * schema it points to) safely, validate both, and cache them by ETag under .credctl/cache so a
 * second run costs one 304.
 *
 * Exit codes: 3 the document is invalid (not JSON, schema, issuer ≠ origin); 5 the server or
 * network failed (status, content type, size cap, timeout, connection); 6 refused for safety
 * (scheme, link-local or metadata address, redirect to another origin).
 */
export const WELL_KNOWN_PATH = '/.well-known/credential-issuer';

export interface DiscoverOptions extends SafeHttpOptions {
  /** Directory for the ETag cache; omitted = no cache. */
  cacheDir?: string;
  /** Also fetch permission_schema_url (default true). */
  permissions?: boolean;
  /** Reuse an existing client (keeps connections and pinned addresses). */
  http?: SafeHttp;
  /**
   * When the issuer cannot be reached (connection, timeout, 5xx, CREDCTL_OFFLINE=1), use the
   * cached copy if there is one (it validated when it was stored). Policy refusals and invalid
   * documents still fail.
   */
  staleIfError?: boolean;
  /**
   * A cached copy fetched (or revalidated) less than this long ago is used without asking the
   * issuer: commands that run often (a scan, a hook) do not each make a network call.
   */
  freshForMs?: number;
}

export interface Discovery {
  origin: string;
  url: string;
  manifest: Manifest;
  permissions?: PermissionSchemaDoc;
  /** True when the server answered 304 and the cached copy was used. */
  fromCache: boolean;
  /** True when the issuer could not be reached and the cached copy stood in (staleIfError). */
  stale?: boolean;
  etag?: string;
}

interface CachedDoc {
  url: string;
  etag: string;
  fetched_at: string;
  body: unknown;
}

/** The issuer origin for what a person typed: `https://api.example.com`, a well-known URL, or `127.0.0.1:8787`. */
export function issuerOrigin(input: string): string {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : `${/^(localhost|127\.|\[::1\])/.test(input) ? 'http' : 'https'}://${input}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`not a URL: ${JSON.stringify(input)}`, 'Give the issuer origin, e.g. https://api.example.com or http://127.0.0.1:8787');
  }
  if (url.username || url.password) throw usageError('issuer URLs must not carry credentials');
  return url.origin;
}

function cacheFile(cacheDir: string, url: string): string {
  return join(cacheDir, 'issuers', `${createHash('sha256').update(url).digest('hex').slice(0, 24)}.json`);
}

function readCache(cacheDir: string | undefined, url: string): CachedDoc | undefined {
  if (!cacheDir) return undefined;
  try {
    const doc = JSON.parse(readFileSync(cacheFile(cacheDir, url), 'utf8')) as CachedDoc;
    return doc.url === url && typeof doc.etag === 'string' ? doc : undefined;
  } catch {
    return undefined; // no cache, or a damaged one: fetch afresh
  }
}

function writeCache(cacheDir: string | undefined, url: string, etag: string | undefined, body: unknown): void {
  if (!cacheDir || !etag) return;
  const file = cacheFile(cacheDir, url);
  const dir = join(cacheDir, 'issuers');
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  atomicWriteFileSync(file, JSON.stringify({ url, etag, fetched_at: new Date().toISOString(), body } satisfies CachedDoc));
}

/** GET a JSON document with the cache's ETag; returns the parsed body and whether it came from cache. */
async function fetchJson(
  http: SafeHttp,
  url: string,
  cacheDir: string | undefined,
  what: string,
  staleIfError = false,
  freshForMs = 0,
): Promise<{ body: unknown; fromCache: boolean; etag?: string; stale?: boolean }> {
  const cached = readCache(cacheDir, url);
  const age = cached?.fetched_at ? Date.now() - Date.parse(cached.fetched_at) : Number.POSITIVE_INFINITY;
  if (cached && age >= 0 && age < freshForMs) return { body: cached.body, fromCache: true, etag: cached.etag };
  const stale = cached && staleIfError ? { body: cached.body, fromCache: true, etag: cached.etag, stale: true } : undefined;
  let res: SafeResponse;
  try {
    res = await http.request(url, {
      headers: { accept: 'application/json', ...(cached ? { 'if-none-match': cached.etag } : {}) },
    });
  } catch (err) {
    if (stale && isUnreachable(err)) return stale;
    throw err;
  }
  if (res.status === 304 && cached) {
    // Still current: the freshness window starts again from now.
    writeCache(cacheDir, url, cached.etag, cached.body);
    return { body: cached.body, fromCache: true, etag: cached.etag };
  }
  if (stale && res.status >= 500) return stale;
  if (res.status !== 200) throw remoteError(`GET ${res.url}: HTTP ${res.status}, expected 200 with the ${what}`);
  const type = (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw remoteError(`GET ${res.url}: content type ${JSON.stringify(type || '(none)')}, expected application/json`);
  }
  let body: unknown;
  try {
    body = JSON.parse(res.body.toString('utf8'));
  } catch (err) {
    const reason = (err as Error).message.replace(/\s+/g, ' ').slice(0, 120);
    throw inputError(`GET ${res.url}: the ${what} is not valid JSON (${reason})`);
  }
  const etag = res.headers.etag;
  return { body, fromCache: false, etag };
}

/** A URL's origin, or '' when it is not one (then it matches no issuer). */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

/**
 * The issuer could not be asked: a network failure (exit 5), or CREDCTL_OFFLINE=1 keeping credctl
 * to loopback. Other refusals (an address the policy forbids, a cross-origin redirect) are not
 * "unreachable": they say the configuration is wrong.
 */
export function isUnreachable(err: unknown): boolean {
  if (!(err instanceof CredctlError)) return false;
  return err.exitCode === ExitCode.Remote || (err.exitCode === ExitCode.Refused && /CREDCTL_OFFLINE=1/.test(err.message));
}

export async function discover(input: string, options: DiscoverOptions = {}): Promise<Discovery> {
  const origin = issuerOrigin(input);
  const url = origin + WELL_KNOWN_PATH;
  const http = options.http ?? new SafeHttp(options);
  try {
    const got = await fetchJson(http, url, options.cacheDir, 'manifest', options.staleIfError, options.freshForMs);
    const manifest = validateManifest(got.body, { source: `manifest from ${url}`, expectedIssuer: origin });
    // Cache only what validated, so a bad document is never served from cache later.
    if (!got.fromCache) writeCache(options.cacheDir, url, got.etag, got.body);
    let permissions: PermissionSchemaDoc | undefined;
    // Like every endpoint, the permission schema is fetched only from the issuer's own origin.
    if (options.permissions !== false && manifest.permission_schema_url && originOf(manifest.permission_schema_url) !== origin) {
      throw remoteError(`${url}: permission_schema_url is on another origin than the issuer (${origin}); not fetched`);
    }
    if (options.permissions !== false && manifest.permission_schema_url) {
      const p = await fetchJson(http, manifest.permission_schema_url, options.cacheDir, 'permission schema', options.staleIfError, options.freshForMs);
      permissions = validatePermissions(p.body, `permission schema from ${manifest.permission_schema_url}`);
      if (!p.fromCache) writeCache(options.cacheDir, manifest.permission_schema_url, p.etag, p.body);
    }
    return { origin, url, manifest, permissions, fromCache: got.fromCache, etag: got.etag, ...(got.stale ? { stale: true } : {}) };
  } finally {
    if (!options.http) await http.close();
  }
}
