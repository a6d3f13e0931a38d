import { randomUUID } from 'node:crypto';
import { CredctlError, refusedError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import { maskValues } from '../../core/redact.js';
import {
  UnsupportedOperation,
  type AuditEntry,
  type Capabilities,
  type CreateRequest,
  type CreatedCredential,
  type CredentialInfo,
  type CredentialState,
  type Introspection,
  type Operation,
  type ProviderAdapter,
  type RotateRequest,
} from '../../providers/adapter.js';
import { discover } from './discover.js';
import { originOf, SafeHttp, type SafeHttpOptions, type SafeResponse } from '../../net/http.js';
import { supportOf, type Manifest } from '../../providers/manifest.js';

/**
 * The provider adapter for any issuer that publishes `/.well-known/credential-issuer`: it reads
 * the manifest once, then speaks the HTTP shapes of spec/credential-issuer.md to the endpoints
 * it names. Creates and rotations always carry an Idempotency-Key (the caller's, or a fresh one
 * reused for the one automatic retry), so a lost answer never leaves a second credential behind.
 */
export interface StandardClientOptions extends SafeHttpOptions {
  providerId?: string;
  /** Issuer origin (or any URL on it). */
  issuer: string;
  /** Bearer token for management calls. Never logged. */
  adminToken?: string;
  /** Skip discovery when the caller already holds a validated manifest. */
  manifest?: Manifest;
  http?: SafeHttp;
  /** Retry-After waits this client sits through, all calls together (default RETRY_AFTER_BUDGET_SECONDS). */
  retryAfterBudgetSeconds?: number;
}

/** An issuer answered with an error object; `status` and `code` say which. */
export class IssuerResponseError extends CredctlError {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
    /** What the issuer's Retry-After asked for (429, 503), in seconds. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message, ExitCode.Remote);
  }
}

/** The longest Retry-After credctl waits out by itself; a longer one fails with the wait named. */
export const MAX_RETRY_AFTER_SECONDS = 30;
const RETRY_AFTER_ATTEMPTS = 3;
/** All the Retry-After waits one client sits through, together: an issuer cannot stall a run for long. */
export const RETRY_AFTER_BUDGET_SECONDS = 60;

/** Retry-After (RFC 9110 10.2.3): delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterSeconds(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - now) / 1000)) : undefined;
}

/**
 * An error answer, read as spec 0.2 says (RFC 9457 problem details that keep the 0.1 `error`
 * code): the code from `error`, else `type` (unless about:blank); the words from
 * error_description, else detail, else title. Either may be missing: never an empty phrase.
 */
export function problemOf(json: Record<string, unknown>): { code?: string; description?: string } {
  // An issuer's words reach a terminal: no control characters (escape sequences), one line, bounded.
  const text = (v: unknown) =>
    typeof v === 'string' && v.trim()
      ? v
          // Stryker disable next-line Regex: each control character becoming its own space changes nothing, as the next line folds runs of spaces
          .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
          .replace(/\s+/g, ' ')
          .trim()
          .slice(0, 300)
      : undefined;
  const type = text(json.type);
  const code = text(json.error) ?? (type && type !== 'about:blank' ? type : undefined);
  const description = text(json.error_description) ?? text(json.detail) ?? text(json.title);
  return { ...(code ? { code } : {}), ...(description && description !== code ? { description } : {}) };
}

type Json = Record<string, unknown>;

export class StandardClient implements ProviderAdapter {
  readonly providerId: string;
  private manifest?: Manifest;
  private readonly http: SafeHttp;
  private readonly ownsHttp: boolean;
  /** Seconds of Retry-After already waited out by this client (RETRY_AFTER_BUDGET_SECONDS caps it). */
  private waited = 0;

  constructor(private readonly options: StandardClientOptions) {
    this.providerId = options.providerId ?? 'example';
    this.manifest = options.manifest;
    this.ownsHttp = !options.http;
    this.http = options.http ?? new SafeHttp({ maxBodyBytes: 4 * 1024 * 1024, ...options });
  }

  // Stryker disable next-line BlockStatement: closing a SafeHttp only drops its idle connection pools (a later request opens new ones), so no answer changes
  async close(): Promise<void> {
    // Stryker disable next-line ConditionalExpression: as above, closing a shared client or not closing our own changes no answer
    if (this.ownsHttp) await this.http.close();
  }

  async getManifest(): Promise<Manifest> {
    this.manifest ??= (await discover(this.options.issuer, { http: this.http, permissions: false })).manifest;
    return this.manifest;
  }

  async capabilities(): Promise<Capabilities> {
    const m = await this.getManifest();
    return {
      operations: supportOf(m),
      maxConcurrentCredentials: m.max_concurrent_credentials ?? null,
      revocationLatencySeconds: m.revocation_latency_seconds,
      secretShownOnce: m.secret_shown_once,
      idempotencyKeys: m.supports_idempotency_keys === true,
      expiringCredentials: m.supports_expiring_credentials === true,
      whoami: Boolean(m.whoami_endpoint),
    };
  }

  private async endpoint(op: Operation, field: keyof Manifest): Promise<string> {
    const m = await this.getManifest();
    const url = m[field];
    if (!m.supported_operations.includes(op) || typeof url !== 'string') {
      throw new UnsupportedOperation(this.providerId, op, m.manual_operations?.[op]?.url ?? m.dashboard_url);
    }
    this.checkOrigin(url, String(field));
    return url.replace(/\/+$/, '');
  }

  /**
   * A manifest names its endpoints, and the admin token follows them: an endpoint on another
   * origin than the issuer's is refused unless the user trusted that origin in credctl.yaml.
   */
  private checkOrigin(url: string, field: string): void {
    const origin = originOf(url);
    const issuer = originOf(this.options.issuer);
    if (origin && origin === issuer) return;
    // Stryker disable next-line ArrayDeclaration: a placeholder text in the list has no origin, so it matches nothing, as an empty list does
    if (origin && [...(this.options.trustedOrigins ?? [])].map((o) => originOf(o)).includes(origin)) return;
    throw refusedError(
      `${this.providerId}: the manifest's ${field} (${origin ?? url.slice(0, 80)}) is not on the issuer's origin (${issuer}); refused`,
      'An issuer keeps its endpoints on its own origin; name another origin in credctl.yaml and trust it only if you know why.',
    );
  }

  /**
   * One call; non-2xx becomes an IssuerResponseError carrying the issuer's problem (error code and
   * description). A 429 or 503 with Retry-After is waited out and repeated when the wait is at
   * most 30 s, as every call here is safe to repeat (reads, revocations and state changes are
   * idempotent, creates and rotations carry an Idempotency-Key); otherwise the error names the wait.
   */
  private async call(
    method: 'GET' | 'POST',
    url: string,
    body?: Json,
    extra: Record<string, string> = {},
    // Stryker disable next-line ArrayDeclaration: masking a placeholder text no answer holds masks nothing, as an empty list does
    secrets: string[] = [],
  ): Promise<{ status: number; json: Json; res: SafeResponse }> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...extra };
    if (this.options.adminToken && !headers.authorization) headers.authorization = `Bearer ${this.options.adminToken}`;
    if (body) headers['content-type'] = 'application/json';
    // Stryker disable next-line StringLiteral: without an admin token there is nothing more to mask; '' and a placeholder no answer holds mask nothing
    const mask = (text: string) => maskValues(text, [...secrets, this.options.adminToken ?? '']).slice(0, 500);
    for (let attempt = 1; ; attempt++) {
      // Stryker disable next-line ArrayDeclaration: a value travels in a header or the JSON body, and no transport error quotes either (SafeHttp's own masking is tested in test/net)
      const res = await this.http.request(url, { method, headers, body: body ? JSON.stringify(body) : undefined, secrets: [...secrets] });
      let json: Json = {};
      try {
        const parsed: unknown = res.body.length ? JSON.parse(res.body.toString('utf8')) : {};
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Json;
      } catch {
        if (res.status < 300) throw new IssuerResponseError(mask(`${method} ${url}: answer is not JSON`), res.status, undefined);
      }
      if (res.status < 300) return { status: res.status, json, res };
      const { code, description } = problemOf(json);
      const wait = res.status === 429 || res.status === 503 ? retryAfterSeconds(res.headers['retry-after']) : undefined;
      if (
        wait !== undefined &&
        wait <= MAX_RETRY_AFTER_SECONDS &&
        attempt < RETRY_AFTER_ATTEMPTS &&
        this.waited + wait <= (this.options.retryAfterBudgetSeconds ?? RETRY_AFTER_BUDGET_SECONDS)
      ) {
        this.waited += wait;
        await new Promise((r) => setTimeout(r, wait * 1000));
        continue;
      }
      // A later attempt means this call waited as asked at least once; a first one did not wait (too long, or the budget is spent).
      const waitNote =
        wait === undefined
          ? ''
          : attempt > 1
            ? `; still refused after waiting as asked (${wait} s)`
            : `; the issuer asks to wait ${wait} s before trying again`;
      const text = `${method} ${url}: HTTP ${res.status}${code ? ` ${code}` : ''}${description ? `: ${description}` : ''}${waitNote}`;
      throw new IssuerResponseError(mask(text), res.status, code, wait);
    }
  }

  /** POST with an idempotency key, retried once with the same key if the answer was lost. */
  private async idempotentPost(url: string, body: Json, key: string): Promise<CreatedCredential> {
    const headers = { 'idempotency-key': key };
    let result: { status: number; json: Json; res: SafeResponse };
    try {
      result = await this.call('POST', url, body, headers);
    } catch (err) {
      if (err instanceof IssuerResponseError) throw err;
      result = await this.call('POST', url, body, headers);
    }
    const { json, res } = result;
    if (typeof json.value !== 'string') throw new IssuerResponseError(`POST ${url}: the answer carries no credential value`, res.status, undefined);
    return { ...toInfo(json), value: json.value, replayed: res.headers['idempotent-replayed'] === 'true' };
  }

  async create(request: CreateRequest): Promise<CreatedCredential> {
    const url = await this.endpoint('create', 'credential_issuer_endpoint');
    const body: Json = { scope: request.scopes };
    if (request.environment) body.environment = request.environment;
    if (request.ttlSeconds) body.ttl_seconds = request.ttlSeconds;
    if (request.name) body.name = request.name;
    return this.idempotentPost(url, body, request.idempotencyKey ?? randomUUID());
  }

  /**
   * `POST E/{id}/rotate` (decision 2): the issuer makes the successor with the old credential's
   * scopes and lifetime unless the body narrows them, and links it (`rotated_from`). No
   * overlap_seconds: the old one stays active until credctl revokes it, after every target holds
   * the new one. A successor that names another predecessor is refused.
   */
  async rotate(id: string, request: RotateRequest = {}): Promise<CreatedCredential> {
    const base = await this.endpoint('rotate', 'credential_issuer_endpoint');
    const body: Json = { scope: request.scopes }; // left out of the JSON when undefined: the old credential's scopes
    if (request.ttlSeconds) body.ttl_seconds = request.ttlSeconds;
    if (request.name) body.name = request.name;
    const url = `${base}/${encodeURIComponent(id)}/rotate`;
    const created = await this.idempotentPost(url, body, request.idempotencyKey ?? randomUUID());
    if (created.rotatedFrom !== undefined && created.rotatedFrom !== id)
      throw new IssuerResponseError(`POST ${url}: the new credential says it replaces ${created.rotatedFrom.slice(0, 80)}, not ${id}`, 201, undefined);
    return created;
  }

  /**
   * The id to address a credential by, from its value: introspection's `credential_id`, else the
   * whoami `id` (authenticated with the value itself); undefined when the issuer says neither.
   */
  async credentialId(value: string): Promise<string | undefined> {
    const m = await this.getManifest();
    if (m.supported_operations.includes('introspect') && m.introspection_endpoint) {
      const id = (await this.introspect(value)).id;
      if (id) return id;
    }
    if (!m.whoami_endpoint) return undefined;
    try {
      const who = await this.whoami(value);
      return who.id || undefined;
    } catch (err) {
      if (err instanceof IssuerResponseError && (err.status === 401 || err.status === 403)) return undefined;
      throw err;
    }
  }

  async scope(id: string, scopes: string[]): Promise<CredentialInfo> {
    const base = await this.endpoint('scope', 'credential_issuer_endpoint');
    return toInfo((await this.call('POST', `${base}/${encodeURIComponent(id)}/scope`, { scope: scopes })).json);
  }

  async revoke(target: { id: string } | { value: string }): Promise<void> {
    const url = await this.endpoint('revoke', 'revocation_endpoint');
    if ('value' in target) await this.call('POST', url, { token: target.value }, {}, [target.value]);
    else await this.call('POST', url, { id: target.id });
  }

  async deactivate(id: string): Promise<CredentialInfo> {
    const base = await this.endpoint('deactivate', 'credential_issuer_endpoint');
    return toInfo((await this.call('POST', `${base}/${encodeURIComponent(id)}/deactivate`)).json);
  }

  async reactivate(id: string): Promise<CredentialInfo> {
    const base = await this.endpoint('reactivate', 'credential_issuer_endpoint');
    return toInfo((await this.call('POST', `${base}/${encodeURIComponent(id)}/reactivate`)).json);
  }

  async get(id: string): Promise<CredentialInfo> {
    const base = await this.endpoint('list', 'credential_issuer_endpoint');
    return toInfo((await this.call('GET', `${base}/${encodeURIComponent(id)}`)).json);
  }

  /**
   * RFC 7662 introspection. The credential's id is `credential_id` (spec 0.2, decision 1), never
   * `client_id`: that keeps its RFC 7662 meaning (the OAuth client or account owning the key), and
   * taking it as the credential id sent deactivations to the account's id.
   */
  async introspect(value: string): Promise<Introspection> {
    const url = await this.endpoint('introspect', 'introspection_endpoint');
    const { json } = await this.call('POST', url, { token: value }, {}, [value]);
    return {
      active: json.active === true,
      scopes: typeof json.scope === 'string' ? json.scope.split(' ').filter(Boolean) : undefined,
      exp: typeof json.exp === 'number' ? json.exp : undefined,
      iat: typeof json.iat === 'number' ? json.iat : undefined,
      id: typeof json.credential_id === 'string' && json.credential_id ? json.credential_id : undefined,
      tokenType: typeof json.token_type === 'string' ? json.token_type : undefined,
      environment: typeof json.environment === 'string' ? json.environment : undefined,
    };
  }

  async list(): Promise<CredentialInfo[]> {
    const url = await this.endpoint('list', 'credential_issuer_endpoint');
    const { json } = await this.call('GET', url);
    return Array.isArray(json.credentials) ? (json.credentials as Json[]).map(toInfo) : [];
  }

  async audit(id?: string): Promise<AuditEntry[]> {
    const url = id
      ? `${await this.endpoint('audit', 'credential_issuer_endpoint')}/${encodeURIComponent(id)}/events`
      : await this.endpoint('audit', 'audit_endpoint');
    const { json } = await this.call('GET', url);
    return (Array.isArray(json.events) ? (json.events as Json[]) : []).map((e) => ({
      id: String(e.id),
      at: String(e.at),
      action: String(e.action),
      actor: String(e.actor),
      credentialId: typeof e.credential_id === 'string' ? e.credential_id : undefined,
      detail: e.detail && typeof e.detail === 'object' ? (e.detail as Record<string, unknown>) : undefined,
    }));
  }

  /** Proves a value works: the protected whoami call, authenticated with the value itself. */
  async whoami(value: string): Promise<{ id: string; scopes: string[]; environment?: string; expiresAt: string | null }> {
    const m = await this.getManifest();
    if (!m.whoami_endpoint) throw new UnsupportedOperation(this.providerId, 'introspect', m.dashboard_url);
    this.checkOrigin(m.whoami_endpoint, 'whoami_endpoint');
    const { json } = await this.call('GET', m.whoami_endpoint, undefined, { authorization: `Bearer ${value}` }, [value]);
    return {
      id: typeof json.id === 'string' ? json.id : '',
      scopes: Array.isArray(json.scopes) ? json.scopes.map(String) : [],
      environment: typeof json.environment === 'string' ? json.environment : undefined,
      expiresAt: typeof json.expires_at === 'string' ? json.expires_at : null,
    };
  }
}

const STATES: CredentialState[] = ['active', 'deactivated', 'revoked', 'expired'];

function toInfo(json: Json): CredentialInfo {
  const status = STATES.includes(json.status as CredentialState) ? (json.status as CredentialState) : 'active';
  return {
    id: String(json.id),
    name: typeof json.name === 'string' ? json.name : undefined,
    scopes: Array.isArray(json.scopes) ? json.scopes.map(String) : typeof json.scope === 'string' ? json.scope.split(' ').filter(Boolean) : [],
    environment: typeof json.environment === 'string' ? json.environment : undefined,
    status,
    createdAt: typeof json.created_at === 'string' ? json.created_at : undefined,
    expiresAt: typeof json.expires_at === 'string' ? json.expires_at : null,
    hint: typeof json.hint === 'string' ? json.hint : undefined,
    rotatedFrom: typeof json.rotated_from === 'string' ? json.rotated_from : undefined,
  };
}
