import type { IncomingMessage, ServerResponse } from 'node:http';
import { seal, sha256, unseal } from './keys.js';
import { paginate } from './paginate.js';
import { HttpError } from './problem.js';
import { isNarrowerOrEqual, REFERENCE_SCOPES } from './scopes.js';
import type { CredentialRecord } from './state.js';
import { bearer, MAX_TTL_SECONDS, view, type Body, type IssuerCore } from './issuer-core.js';
import { REFERENCE_ACCOUNT } from './manifest.js';

/**
 * The credential collection: create, list, /rotate, scope, deactivate/reactivate/revoke,
 * RFC 7009 revocation, RFC 7662 introspection and the audit trail, with Idempotency-Key
 * handling for create and rotate.
 */
export class CredentialOps {
  /** Idempotency keys whose first request has not been answered yet. */
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly core: IssuerCore,
    private readonly send: (res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>) => void,
  ) {}

  /**
   * Idempotency-Key: the same key and body replays the first answer (same credential, same value,
   * 200 + Idempotent-Replayed); the same key with another body is 422. The value is kept sealed
   * under the key itself, which the issuer stores only as a hash, for 24 hours.
   */
  async idempotent(
    req: IncomingMessage,
    res: ServerResponse,
    principal: string,
    operation: string,
    body: Body,
    produce: () => { record: CredentialRecord; value: string },
  ): Promise<void> {
    const key = req.headers['idempotency-key'];
    if (key === undefined) {
      const { record, value } = produce();
      await this.core.state.persist();
      return this.send(res, 201, { ...view(record), value });
    }
    if (typeof key !== 'string' || key.length < 16 || key.length > 255) {
      throw new HttpError(400, 'invalid_request', 'Idempotency-Key must be 16 to 255 characters (use a random UUID)');
    }
    // The key's scope is the authenticated principal and the endpoint: two callers never collide.
    const keyHash = sha256(`idempotency\0${principal}\0${operation}\0${key}`);
    const bodyHash = sha256(`${operation}\0${canonicalJson(body)}`);
    const previous = this.core.state.idempotency.get(keyHash);
    if (this.inFlight.has(keyHash)) {
      throw new HttpError(409, 'conflict', 'a request with this Idempotency-Key is still being processed; retry shortly', { 'retry-after': '1' });
    }
    if (previous) {
      if (previous.operation !== operation || previous.body_hash !== bodyHash) {
        throw new HttpError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with a different request');
      }
      const record = this.core.find(previous.credential_id);
      const value = unseal(previous.sealed, key, 'idempotency');
      return this.send(res, 200, { ...view(record), ...(value ? { value } : {}) }, { 'idempotent-replayed': 'true' });
    }
    const { record, value } = produce();
    this.core.state.idempotency.set(keyHash, {
      key_hash: keyHash,
      operation,
      body_hash: bodyHash,
      credential_id: record.id,
      sealed: seal(value, key, 'idempotency'),
      created_at: record.created_at,
    });
    this.inFlight.add(keyHash);
    try {
      await this.core.state.persist();
    } finally {
      this.inFlight.delete(keyHash);
    }
    return this.send(res, 201, { ...view(record), value });
  }

  async create(req: IncomingMessage, res: ServerResponse, body: Body): Promise<void> {
    const actor = this.core.authorize(req, 'admin');
    const scopes = this.core.scopesFrom(body.scope ?? body.scopes, true)!;
    const environment = body.environment ?? 'live';
    if (environment !== 'live' && environment !== 'test') throw new HttpError(400, 'invalid_request', 'environment must be "live" or "test"');
    if (body.name !== undefined && (typeof body.name !== 'string' || body.name.length > 200)) {
      throw new HttpError(400, 'invalid_request', 'name must be a string of at most 200 characters');
    }
    const expires_at = this.core.expiryFrom(body);
    await this.idempotent(req, res, actor, 'create', body, () => {
      const minted = this.core.mint({ name: (body.name as string | undefined) ?? '', scopes, environment, expires_at, created_by: actor });
      this.core.event('created', actor, { credential_id: minted.record.id }, { scopes, environment, expires_at });
      return minted;
    });
  }

  list(req: IncomingMessage, query: URLSearchParams): Body {
    this.core.authorize(req, 'read');
    const status = query.get('status');
    const environment = query.get('environment');
    const all = [...this.core.state.credentials.values()]
      .map((c) => view(c, this.core.isActive(c)))
      .filter((c) => (!status || c.status === status) && (!environment || c.environment === environment));
    const { page, next_cursor } = paginate(all, query);
    return { credentials: page, next_cursor };
  }

  async rotate(req: IncomingMessage, res: ServerResponse, id: string, body: Body): Promise<void> {
    const actor = this.core.authorize(req, 'admin');
    const old = this.core.find(id);
    if (old.status === 'revoked') throw new HttpError(409, 'conflict', `${id} is revoked; create a new credential instead`);
    const scopes = this.core.scopesFrom(body.scope ?? body.scopes, false) ?? old.scopes;
    if (!isNarrowerOrEqual(scopes, old.scopes, REFERENCE_SCOPES)) {
      throw new HttpError(400, 'invalid_scope', 'a rotation may keep or narrow the scopes, never widen them');
    }
    // Keep the old credential's lifetime (not its remaining time) unless told otherwise, capped.
    const lifetime = old.expires_at ? Math.min(Date.parse(old.expires_at) - Date.parse(old.created_at), MAX_TTL_SECONDS * 1000) : undefined;
    const expires_at = this.core.expiryFrom(body, lifetime ? new Date(this.core.now() + lifetime).toISOString() : null);
    const overlap = body.overlap_seconds;
    if (overlap !== undefined && (typeof overlap !== 'number' || !Number.isInteger(overlap) || overlap < 0 || overlap > MAX_TTL_SECONDS)) {
      throw new HttpError(400, 'invalid_request', `overlap_seconds must be an integer from 0 to ${MAX_TTL_SECONDS}`);
    }
    await this.idempotent(req, res, actor, `rotate:${id}`, body, () => {
      const minted = this.core.mint({
        name: typeof body.name === 'string' ? body.name : old.name,
        scopes,
        environment: old.environment,
        expires_at,
        created_by: actor,
        rotated_from: old.id,
      });
      this.core.event(
        'rotated',
        actor,
        { credential_id: old.id },
        { replacement: minted.record.id, ...(overlap !== undefined ? { overlap_seconds: overlap } : {}) },
      );
      this.core.event('created', actor, { credential_id: minted.record.id }, { scopes, rotated_from: old.id, expires_at });
      this.endOverlap(old, overlap, actor);
      return minted;
    });
  }

  /** overlap_seconds: absent = the old stays until revoked; 0 = revoked now; N = it expires in N seconds. */
  endOverlap(old: CredentialRecord, overlap: number | undefined, actor: string): void {
    if (overlap === undefined) return;
    if (overlap === 0) {
      old.status = 'revoked';
      old.revoked_at = new Date(this.core.now()).toISOString();
      this.core.event('revoked', actor, { credential_id: old.id }, { reason: 'rotated' });
      return;
    }
    const until = this.core.now() + overlap * 1000;
    if (!old.expires_at || Date.parse(old.expires_at) > until) {
      old.expires_at = new Date(until).toISOString();
      this.core.event('expiry_shortened', actor, { credential_id: old.id }, { expires_at: old.expires_at, reason: 'rotated' });
    }
  }

  /** Down-scoping in place (RFC 8693's rule: never wider than granted). */
  async scope(req: IncomingMessage, id: string, body: Body): Promise<Body> {
    const actor = this.core.authorize(req, 'admin');
    const c = this.core.find(id);
    const scopes = this.core.scopesFrom(body.scope ?? body.scopes, true)!;
    if (c.status === 'revoked') throw new HttpError(409, 'conflict', `${id} is revoked`);
    if (!isNarrowerOrEqual(scopes, c.scopes, REFERENCE_SCOPES)) {
      throw new HttpError(400, 'invalid_scope', 'scope can only narrow a credential; create or request a new one to widen');
    }
    this.core.event('scoped', actor, { credential_id: id }, { from: c.scopes, to: scopes });
    c.scopes = scopes;
    await this.core.state.persist();
    return view(c, this.core.isActive(c));
  }

  async setStatus(req: IncomingMessage, id: string, to: 'active' | 'deactivated' | 'revoked'): Promise<Body> {
    const actor = this.core.authorize(req, 'admin');
    const c = this.core.find(id);
    if (c.status !== to) {
      if (c.status === 'revoked') throw new HttpError(409, 'conflict', `${id} is revoked; revocation cannot be undone`);
      const at = new Date(this.core.now()).toISOString();
      if (to === 'revoked') c.revoked_at = at;
      if (to === 'deactivated') c.deactivated_at = at;
      if (to === 'active') delete c.deactivated_at;
      c.status = to;
      this.core.event(to === 'active' ? 'reactivated' : to, actor, { credential_id: id });
      await this.core.state.persist();
    }
    return view(c, this.core.isActive(c));
  }

  /**
   * RFC 7009: 200 whether or not the token was known, so the endpoint cannot be used to probe.
   * Management callers may revoke any credential; a holder may revoke the credential it presents.
   */
  async revokeByToken(req: IncomingMessage, body: Body): Promise<Body> {
    const self = typeof body.token === 'string' && bearer(req) === body.token ? this.core.credentialFromBearer(req) : undefined;
    const actor = self ? `credential:${self.id}` : this.core.authorize(req, 'admin');
    const c =
      typeof body.token === 'string'
        ? this.core.state.byHash.get(sha256(body.token))
        : typeof body.id === 'string'
          ? this.core.state.credentials.get(body.id)
          : undefined;
    if (body.token === undefined && body.id === undefined) throw new HttpError(400, 'invalid_request', 'give token (the value) or id');
    if (c && c.status !== 'revoked') {
      c.status = 'revoked';
      c.revoked_at = new Date(this.core.now()).toISOString();
      this.core.event('revoked', actor, { credential_id: c.id });
      await this.core.state.persist();
    }
    return {};
  }

  /** RFC 7662. An inactive token gets exactly {active:false}: no hint why. */
  introspect(req: IncomingMessage, body: Body): Body {
    this.core.authorize(req, 'read');
    if (typeof body.token !== 'string') throw new HttpError(400, 'invalid_request', 'token is required');
    const c = this.core.state.byHash.get(sha256(body.token));
    if (!c || !this.core.isActive(c)) return { active: false };
    return {
      active: true,
      credential_id: c.id,
      scope: c.scopes.join(' '),
      client_id: REFERENCE_ACCOUNT,
      sub: c.id,
      token_type: 'api_key',
      iat: Math.floor(Date.parse(c.created_at) / 1000),
      ...(c.expires_at ? { exp: Math.floor(Date.parse(c.expires_at) / 1000) } : {}),
      iss: this.core.origin,
      environment: c.environment,
      name: c.name,
    };
  }

  audit(query: URLSearchParams, credentialId?: string): Body {
    const id = credentialId ?? query.get('credential_id');
    const events = this.core.state.events.filter((e) => !id || e.credential_id === id);
    const { page, next_cursor } = paginate(events, query);
    return { events: page, next_cursor };
  }
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Body)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
