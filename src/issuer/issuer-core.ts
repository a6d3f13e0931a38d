import type { IncomingMessage } from 'node:http';
import { redact } from '../core/redact.js';
import * as io from '../core/io.js';
import { looksLikeCredential, newCredentialValue, newId, secretEquals, sha256 } from './keys.js';
import { HttpError, invalidToken } from './problem.js';
import { expandScopes, parseScopeList, REFERENCE_SCOPES } from './scopes.js';
import type { SecurityEvents } from './security-events.js';
import type { AccessRequestRecord, CredentialRecord, IssuerState } from './state.js';

/**
 * What every part of the reference issuer shares: its state, who is calling (admin token,
 * credential, access token), the audit trail and the security events it feeds, and minting.
 * The operations live beside it, one file per area (credentials, access requests, the token
 * endpoint, signals, the protected API); server.ts routes requests to them.
 */
export type Body = Record<string, unknown>;

export const MAX_TTL_SECONDS = 365 * 24 * 3600;
export const DEFAULT_REQUEST_TTL = 3600;
export const MAX_REQUEST_TTL = 24 * 3600;

export class IssuerCore {
  constructor(
    readonly state: IssuerState,
    readonly origin: string,
    readonly sets: SecurityEvents,
  ) {}

  now(): number {
    return Date.now();
  }

  /** Active = not revoked or deactivated, not expired, and (for exchanged tokens) its parent still active. */
  isActive(c: CredentialRecord, depth = 0): boolean {
    if (c.status !== 'active') return false;
    if (c.expires_at && Date.parse(c.expires_at) <= this.now()) return false;
    if (c.derived_from) {
      const parent = this.state.credentials.get(c.derived_from);
      return depth < 8 && parent !== undefined && this.isActive(parent, depth + 1);
    }
    return true;
  }

  credentialFromBearer(req: IncomingMessage): CredentialRecord | undefined {
    const token = bearer(req);
    if (!token) return undefined;
    const c = this.state.byHash.get(sha256(token));
    return c && this.isActive(c) ? c : undefined;
  }

  /** The protected API's gate: an active credential, holding `scope` when one is needed. */
  requireCredential(req: IncomingMessage, scope?: string): CredentialRecord {
    const c = this.credentialFromBearer(req);
    if (!c) throw invalidToken('missing, unknown, expired, deactivated or revoked credential', bearer(req) !== undefined);
    if (scope && !expandScopes(c.scopes, REFERENCE_SCOPES).has(scope)) {
      throw new HttpError(403, 'insufficient_scope', `this credential lacks the ${scope} scope`, {
        'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"`,
      });
    }
    c.last_used_at = new Date(this.now()).toISOString();
    return c;
  }

  /** Management calls: the admin token, or a credential holding keys:admin (keys:read for reads). */
  authorize(req: IncomingMessage, level: 'read' | 'admin'): string {
    const token = bearer(req);
    if (token && secretEquals(token, this.state.adminToken)) return 'admin';
    if (token && looksLikeCredential(token)) return `credential:${this.requireCredential(req, level === 'admin' ? 'keys:admin' : 'keys:read').id}`;
    throw invalidToken('management calls need Authorization: Bearer <admin token or keys:admin credential or access token>', token !== undefined);
  }

  /** A SET receiver: the admin, or the root credential behind a credential or access token. */
  receiverOf(req: IncomingMessage): string {
    const actor = this.authorize(req, 'read');
    if (!actor.startsWith('credential:')) return actor;
    let c = this.state.credentials.get(actor.slice('credential:'.length));
    for (let i = 0; i < 8 && c?.derived_from; i++) c = this.state.credentials.get(c.derived_from);
    return `credential:${c?.id ?? actor}`;
  }

  find(id: string): CredentialRecord {
    const c = this.state.credentials.get(id);
    if (!c) throw new HttpError(404, 'not_found', `no credential ${id}`);
    return c;
  }

  /** Pending SET signatures: a poll waits for them, so an event is never missed by a racing poll. */
  signing: Promise<void>[] = [];

  /** One audit event, and the matching Security Event Token when the change is one receivers care about. */
  event(action: string, actor: string, ids: { credential_id?: string; request_id?: string }, detail?: Body): void {
    this.state.record({ id: newId('evt'), at: new Date(this.now()).toISOString(), action, actor, ...ids, ...(detail ? { detail } : {}) });
    const id = ids.credential_id;
    if (!id) return;
    const change = CHANGE_TYPES[action];
    const signed =
      action === 'compromise_reported'
        ? this.sets.compromise(id, { reason_admin: { en: 'a leaked credential was reported' } })
        : change
          ? this.sets.credentialChange(id, change, { x_credctl_action: action, ...(detail?.replacement ? { x_credctl_replacement: detail.replacement } : {}) })
          : undefined;
    if (signed) this.signing.push(signed.catch((err: unknown) => void io.err().write(`credctl issuer: cannot sign an event: ${(err as Error).message}\n`)));
  }

  scopesFrom(value: unknown, required: boolean): string[] | undefined {
    if (value === undefined && !required) return undefined;
    const scopes = parseScopeList(value);
    if (!scopes || scopes.length === 0) throw new HttpError(400, 'invalid_scope', 'scope must be a non-empty list (array or space-separated string)');
    const unknown = scopes.filter((s) => !REFERENCE_SCOPES.some((d) => d.name === s));
    if (unknown.length) throw new HttpError(400, 'invalid_scope', `unknown scope ${unknown.map((s) => `"${s}"`).join(', ')}`);
    return scopes;
  }

  /** Expiry from ttl_seconds or expires_at (ISO 8601); null = never expires. */
  expiryFrom(body: Body, fallback: string | null = null): string | null {
    if (body.ttl_seconds !== undefined) {
      const ttl = body.ttl_seconds;
      if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS) {
        throw new HttpError(400, 'invalid_request', `ttl_seconds must be an integer from 1 to ${MAX_TTL_SECONDS}`);
      }
      return new Date(this.now() + ttl * 1000).toISOString();
    }
    if (body.expires_at !== undefined) {
      const at = typeof body.expires_at === 'string' ? Date.parse(body.expires_at) : NaN;
      if (Number.isNaN(at) || at <= this.now()) throw new HttpError(400, 'invalid_request', 'expires_at must be a future ISO 8601 time');
      return new Date(at).toISOString();
    }
    return fallback;
  }

  mint(fields: Omit<CredentialRecord, 'id' | 'hash' | 'hint' | 'status' | 'created_at'>): { record: CredentialRecord; value: string } {
    const value = newCredentialValue(fields.environment);
    const record: CredentialRecord = {
      id: newId('cred'),
      ...fields,
      hash: sha256(value),
      hint: redact(value),
      status: 'active',
      created_at: new Date(this.now()).toISOString(),
    };
    this.state.addCredential(record);
    return { record, value };
  }

  /** A child credential that expires no later than its parent and stops working when it does. */
  derive(parent: CredentialRecord, scopes: string[], ttlSeconds: number, createdBy: string) {
    let expires = this.now() + ttlSeconds * 1000;
    if (parent.expires_at) expires = Math.min(expires, Date.parse(parent.expires_at));
    const minted = this.mint({
      name: `derived from ${parent.id}`,
      scopes,
      environment: parent.environment,
      expires_at: new Date(expires).toISOString(),
      created_by: createdBy,
      derived_from: parent.id,
    });
    return { ...minted, expires };
  }
}

/** What the issuer shows about a credential: never the value, never its hash. */
export function view(c: CredentialRecord, active?: boolean): Body & { status: string; environment: string } {
  const expired = active === false && c.status === 'active';
  return {
    id: c.id,
    name: c.name,
    scopes: c.scopes,
    environment: c.environment,
    status: expired ? 'expired' : c.status,
    hint: c.hint,
    created_at: c.created_at,
    expires_at: c.expires_at,
    created_by: c.created_by,
    ...(c.rotated_from ? { rotated_from: c.rotated_from } : {}),
    ...(c.derived_from ? { derived_from: c.derived_from } : {}),
    ...(c.deactivated_at ? { deactivated_at: c.deactivated_at } : {}),
    ...(c.revoked_at ? { revoked_at: c.revoked_at } : {}),
    ...(c.last_used_at ? { last_used_at: c.last_used_at } : {}),
  };
}

export function requestView(r: AccessRequestRecord, expired = false): Body {
  const { secret_hash: _secret, ...rest } = r;
  return expired ? { ...rest, status: 'expired' } : rest;
}

/** Audit actions that are CAEP credential-change events, and their change_type. */
const CHANGE_TYPES: Record<string, 'create' | 'revoke' | 'update'> = {
  created: 'create',
  rotated: 'update',
  scoped: 'update',
  deactivated: 'update',
  reactivated: 'update',
  expiry_shortened: 'update',
  revoked: 'revoke',
};

export function bearer(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}
