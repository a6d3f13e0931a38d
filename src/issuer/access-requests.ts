import type { IncomingMessage, ServerResponse } from 'node:http';
import { newId, newRequestSecret, secretEquals, sha256 } from './keys.js';
import { paginate } from './paginate.js';
import { HttpError, tooMany } from './problem.js';
import type { RateLimiter } from './rate-limit.js';
import { isNarrowerOrEqual, REFERENCE_SCOPES } from './scopes.js';
import type { AccessRequestRecord } from './state.js';
import { newUserCode } from './user-code.js';
import { bearer, DEFAULT_REQUEST_TTL, MAX_REQUEST_TTL, requestView, view, type Body, type IssuerCore } from './issuer-core.js';

const MAX_PENDING_REQUESTS = 1000;
/** RFC 8628 expires_in: how long a request waits for a decision. */
const ACCESS_REQUEST_EXPIRY = 15 * 60;
/** RFC 8628: the requester polls no faster than this. */
const POLL_INTERVAL_SECONDS = 5;

/**
 * Access requests in the manner of RFC 8628: request → pending → approve/deny → one pick-up.
 */
export class AccessRequests {
  /** Last pick-up poll per access request, for RFC 8628 slow_down. */
  private readonly lastPoll = new Map<string, number>();

  constructor(
    private readonly core: IssuerCore,
    private readonly accessRequests: RateLimiter,
  ) {}

  async requestAccess(req: IncomingMessage, body: Body): Promise<Body> {
    const wait = this.accessRequests.take(req.socket.remoteAddress ?? '');
    if (wait !== undefined) throw tooMany('too many access requests from this address', wait);
    // Expired requests no longer count: nobody can fill the queue for good by waiting.
    const pending = [...this.core.state.requests.values()].filter((r) => r.status === 'pending' && !this.requestExpired(r)).length;
    if (pending >= MAX_PENDING_REQUESTS) throw tooMany('too many pending access requests', 60);
    const scopes = this.core.scopesFrom(body.scope ?? body.scopes, true)!;
    const ttl = body.ttl_seconds ?? DEFAULT_REQUEST_TTL;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_REQUEST_TTL) {
      throw new HttpError(400, 'invalid_request', `ttl_seconds must be an integer from 1 to ${MAX_REQUEST_TTL}`);
    }
    const environment = body.environment ?? 'test';
    if (environment !== 'live' && environment !== 'test') throw new HttpError(400, 'invalid_request', 'environment must be "live" or "test"');
    if (typeof body.requester !== 'string' || !body.requester || body.requester.length > 200) {
      throw new HttpError(400, 'invalid_request', 'requester (who or what asks, e.g. "agent:claude") is required');
    }
    const secret = newRequestSecret();
    const request: AccessRequestRecord = {
      id: newId('areq'),
      requester: body.requester,
      reason: typeof body.reason === 'string' ? body.reason.slice(0, 1000) : '',
      scopes,
      environment,
      ttl_seconds: ttl,
      status: 'pending',
      created_at: new Date(this.core.now()).toISOString(),
      expires_at: new Date(this.core.now() + ACCESS_REQUEST_EXPIRY * 1000).toISOString(),
      user_code: newUserCode(),
      secret_hash: sha256(secret),
    };
    this.core.state.requests.set(request.id, request);
    this.core.event('access_requested', `requester:${request.requester}`, { request_id: request.id }, { scopes, ttl_seconds: ttl });
    await this.core.state.persist();
    const verification = `${this.core.origin}/approve`;
    return {
      ...requestView(request),
      request_secret: secret,
      poll_url: `${this.core.origin}/v1/access-requests/${request.id}`,
      verification_uri: verification,
      verification_uri_complete: `${verification}?user_code=${encodeURIComponent(request.user_code!)}`,
      interval: POLL_INTERVAL_SECONDS,
      expires_in: ACCESS_REQUEST_EXPIRY,
    };
  }

  /** Approvers list requests (`?status=pending`) with management authentication. */
  listRequests(req: IncomingMessage, query: URLSearchParams): Body {
    this.core.authorize(req, 'read');
    const status = query.get('status');
    const all = [...this.core.state.requests.values()].map((r) => requestView(r, this.requestExpired(r))).filter((r) => !status || r.status === status);
    const { page, next_cursor } = paginate(all, query);
    return { requests: page, next_cursor };
  }

  requestExpired(r: AccessRequestRecord): boolean {
    return r.status === 'pending' && r.expires_at !== undefined && Date.parse(r.expires_at) <= this.core.now();
  }

  async decide(req: IncomingMessage, id: string, to: 'approved' | 'denied', body: Body): Promise<Body> {
    const actor = this.core.authorize(req, 'admin');
    const r = this.core.state.requests.get(id);
    if (!r) throw new HttpError(404, 'not_found', `no access request ${id}`);
    if (this.requestExpired(r)) throw new HttpError(409, 'conflict', `access request ${id} has expired`);
    if (r.status !== 'pending') throw new HttpError(409, 'conflict', `access request ${id} is already ${r.status}`);
    if (to === 'approved') {
      // The approver may grant less than asked, never more.
      const scopes = this.core.scopesFrom(body.scope ?? body.scopes, false) ?? r.scopes;
      if (!isNarrowerOrEqual(scopes, r.scopes, REFERENCE_SCOPES)) throw new HttpError(400, 'invalid_scope', 'approval cannot grant more than was requested');
      if (body.ttl_seconds !== undefined) {
        if (typeof body.ttl_seconds !== 'number' || !Number.isInteger(body.ttl_seconds) || body.ttl_seconds < 1 || body.ttl_seconds > r.ttl_seconds) {
          throw new HttpError(400, 'invalid_request', `ttl_seconds must be an integer from 1 to the requested ${r.ttl_seconds}`);
        }
        r.ttl_seconds = body.ttl_seconds;
      }
      r.scopes = scopes;
    }
    r.status = to;
    r.decided_at = new Date(this.core.now()).toISOString();
    this.core.event(to === 'approved' ? 'access_approved' : 'access_denied', actor, { request_id: id }, { scopes: r.scopes, ttl_seconds: r.ttl_seconds });
    await this.core.state.persist();
    return requestView(r);
  }

  /**
   * The requester polls with its request secret, as an RFC 8628 device polls the token endpoint:
   * 400 authorization_pending / slow_down / access_denied / expired_token until approved, then
   * the credential exactly once (it is minted at that moment, so its value is never stored, and
   * its lifetime counts from the approval); later polls get 400 invalid_grant. Approvers (with
   * management authentication) read the request instead.
   */
  async pickUp(req: IncomingMessage, id: string): Promise<Body> {
    const r = this.core.state.requests.get(id);
    const token = bearer(req);
    const isRequester = r !== undefined && token !== undefined && secretEquals(sha256(token), r.secret_hash);
    if (!isRequester) {
      this.core.authorize(req, 'read');
      if (!r) throw new HttpError(404, 'not_found', `no access request ${id}`);
      return requestView(r, this.requestExpired(r));
    }
    if (r.status === 'pending') {
      if (this.requestExpired(r)) throw new HttpError(400, 'expired_token', 'the access request expired before anyone approved it');
      const last = this.lastPoll.get(r.id);
      this.lastPoll.set(r.id, this.core.now());
      if (last !== undefined && this.core.now() - last < POLL_INTERVAL_SECONDS * 1000) {
        throw new HttpError(400, 'slow_down', `poll at most every ${POLL_INTERVAL_SECONDS} seconds`);
      }
      throw new HttpError(400, 'authorization_pending', 'not approved yet; poll again after the interval');
    }
    if (r.status === 'denied') throw new HttpError(400, 'access_denied', 'the access request was denied');
    if (r.status === 'delivered') throw new HttpError(400, 'invalid_grant', 'the credential was already picked up');
    const expiresAt = Date.parse(r.decided_at!) + r.ttl_seconds * 1000;
    if (expiresAt <= this.core.now()) throw new HttpError(400, 'expired_token', 'the approved credential expired before it was picked up');
    const { record, value } = this.core.mint({
      name: `access request ${r.id} (${r.requester})`,
      scopes: r.scopes,
      environment: r.environment,
      expires_at: new Date(expiresAt).toISOString(),
      created_by: `access_request:${r.id}`,
    });
    r.status = 'delivered';
    r.credential_id = record.id;
    this.lastPoll.delete(r.id);
    this.core.event('created', `requester:${r.requester}`, { credential_id: record.id, request_id: r.id }, { scopes: r.scopes, expires_at: record.expires_at });
    await this.core.state.persist();
    return { ...requestView(r), credential: { ...view(record), value } };
  }

  /** verification_uri: where a person lands with a user code; approval itself is a management call. */
  verificationPage(res: ServerResponse, query: URLSearchParams): void {
    const code = query.get('user_code') ?? '';
    const r = [...this.core.state.requests.values()].find((x) => x.user_code === code.toUpperCase());
    const text = r
      ? `Access request ${r.user_code} (${r.status}). Approve it with POST ${this.core.origin}/v1/access-requests/${r.id}/approve using management authentication.\n`
      : 'Enter the user code shown by the requester: /approve?user_code=XXXX-XXXX\n';
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(text);
  }
}
