import { randomUUID } from 'node:crypto';
import { maskValues } from '../../../core/redact.js';
import { originOf, SafeHttp, type SafeResponse } from '../../../net/http.js';
import type { Manifest, PermissionSchemaDoc } from '../../../providers/manifest.js';
import type { IssuerIdentifier } from './identifier.js';
import { CheckFailed, CheckSkipped, expect, skip, type CheckResult, type ConformanceOptions, type Module } from './types.js';

/**
 * What every check shares: the issuer, its documents, raw HTTP to the endpoints the manifest
 * names (only on the issuer's own origin, so a manifest cannot send the admin token elsewhere),
 * the values the suite has seen (masked in every message) and what it created (revoked at the end).
 * Checks speak HTTP themselves rather than through the credctl client: they test the wire.
 */
export type Json = Record<string, unknown>;

export interface Created {
  id: string;
  value: string;
  scopes: string[];
  created_at?: string;
  expires_at?: string | null;
  rotated_from?: string;
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  json: Json;
  text: string;
}

export const NEEDS_ADMIN = 'needs --admin-token-file';

export class Ctx {
  readonly http: SafeHttp;
  readonly checks: CheckResult[] = [];
  readonly secrets: string[] = [];
  readonly created: Created[] = [];
  manifest?: Manifest;
  permissions?: PermissionSchemaDoc;
  /** Scopes to create test credentials with: a narrow one, and another one it does not include. */
  readScope?: string;
  otherScope?: string;
  /** The suite's main test credential (made by the create check). */
  first?: Created;

  /** The issuer identifier (origin, or origin + path for a path-based issuer). */
  readonly issuer: string;
  readonly wellKnown: string;
  readonly origin: string;

  constructor(
    id: IssuerIdentifier,
    readonly options: ConformanceOptions,
  ) {
    this.origin = id.origin;
    this.issuer = id.issuer;
    this.wellKnown = id.wellKnown;
    this.http = new SafeHttp(options);
  }

  get m(): Manifest & Json {
    return this.manifest as Manifest & Json;
  }

  has(op: string): boolean {
    return this.manifest?.supported_operations.includes(op as never) === true;
  }

  /** Run one check; a CheckSkipped becomes a skip with its reason, anything else a failure. */
  async check(module: Module, name: string, fn: () => Promise<void | string>): Promise<boolean> {
    try {
      const detail = await fn();
      this.checks.push({ name, module, status: 'pass', ...(detail ? { detail } : {}) });
      return true;
    } catch (err) {
      const message = maskValues(err instanceof Error ? err.message : String(err), [...this.secrets, this.options.adminToken ?? '']);
      this.checks.push({ name, module, status: err instanceof CheckSkipped ? 'skip' : 'fail', detail: message.slice(0, 500) });
      return false;
    }
  }

  needAdmin(): string {
    if (this.options.adminToken === undefined) skip(NEEDS_ADMIN);
    return this.options.adminToken;
  }

  /** The suite's credential, or the reason there is none. */
  needFirst(): Created {
    if (this.options.adminToken === undefined) skip(NEEDS_ADMIN);
    if (!this.first) skip(this.has('create') ? 'needs a credential, and create failed' : 'needs a credential: create is not offered');
    return this.first;
  }

  /** An endpoint member's URL, or a skip naming what is missing. */
  endpoint(member: string): string {
    const url = this.m[member];
    if (typeof url !== 'string') skip(`no ${member} in the manifest`);
    expect(originOf(url) === this.origin, `${member} ${url} is not on the issuer's origin ${this.origin}; not contacted`);
    return url.replace(/\/+$/, '');
  }

  /** One HTTP call; `auth` is 'admin', a bearer value, or none. Never follows another origin. */
  async call(
    method: 'GET' | 'POST',
    url: string,
    body?: Json | URLSearchParams,
    auth?: 'admin' | { bearer: string } | { raw: string },
    extra: Record<string, string> = {},
  ): Promise<Answer> {
    expect(originOf(url) === this.origin, `${url} is not on the issuer's origin ${this.origin}; not contacted`);
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    if (auth === 'admin') headers.authorization = `Bearer ${this.needAdmin()}`;
    else if (auth && 'bearer' in auth) headers.authorization = `Bearer ${auth.bearer}`;
    else if (auth) headers.authorization = auth.raw;
    let payload: string | undefined;
    if (body instanceof URLSearchParams) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = body.toString();
    } else if (body) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res: SafeResponse = await this.http.request(url, { method, headers, body: payload, secrets: this.secrets });
    const text = res.body.toString('utf8');
    let json: Json = {};
    try {
      const parsed: unknown = text ? JSON.parse(text) : {};
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Json;
    } catch {
      // Left empty: checks that need JSON say so.
    }
    return { status: res.status, headers: res.headers, json, text };
  }

  /** Create a credential through the manifest's collection (tracked, revoked at the end). */
  async create(body: Json, idempotencyKey: string = randomUUID()): Promise<{ credential: Created; answer: Answer }> {
    const answer = await this.call('POST', this.endpoint('credential_issuer_endpoint'), body, 'admin', { 'idempotency-key': idempotencyKey });
    return { credential: this.remember(answer, 'create'), answer };
  }

  /** A 2xx answer carrying a credential object and its value; remembered for masking and clean-up. */
  remember(answer: Answer, what: string): Created {
    expect(answer.status >= 200 && answer.status < 300, `${what} answered HTTP ${answer.status}${problemCode(answer)}`);
    const j = answer.json;
    expect(typeof j.id === 'string' && typeof j.value === 'string', `${what}: the answer lacks id or value`);
    const c: Created = {
      id: j.id as string,
      value: j.value as string,
      scopes: Array.isArray(j.scopes) ? j.scopes.map(String) : typeof j.scope === 'string' ? j.scope.split(' ') : [],
      created_at: typeof j.created_at === 'string' ? j.created_at : undefined,
      expires_at: typeof j.expires_at === 'string' ? j.expires_at : null,
      rotated_from: typeof j.rotated_from === 'string' ? j.rotated_from : undefined,
    };
    if (!this.secrets.includes(c.value)) this.secrets.push(c.value);
    if (!this.created.some((x) => x.id === c.id)) this.created.push(c);
    return c;
  }

  async introspect(value: string): Promise<Answer> {
    const a = await this.call('POST', this.endpoint('introspection_endpoint'), { token: value }, 'admin');
    expect(a.status === 200, `introspection answered HTTP ${a.status}${problemCode(a)}`);
    return a;
  }

  async isActive(value: string): Promise<boolean> {
    return (await this.introspect(value)).json.active === true;
  }

  async revokeById(id: string): Promise<Answer> {
    return this.call('POST', this.endpoint('revocation_endpoint'), { id }, 'admin');
  }

  /** Leave nothing usable behind. */
  async cleanUp(): Promise<void> {
    if (this.options.adminToken === undefined || typeof this.manifest?.revocation_endpoint !== 'string') return;
    for (const c of this.created) await this.revokeById(c.id).catch(() => undefined);
  }
}

export function problemCode(a: Answer): string {
  return typeof a.json.error === 'string' ? ` ${a.json.error}` : '';
}

export { CheckFailed };
