import type { IncomingMessage } from 'node:http';
import { sha256 } from './keys.js';
import { HttpError, tooMany } from './problem.js';
import type { RateLimiter } from './rate-limit.js';
import type { Body, IssuerCore } from './issuer-core.js';

/**
 * Signals about credentials: leak reports coming in (anyone may report a found key) and
 * security events going out (signed SETs, polled as in RFC 8936).
 */
export class Signals {
  constructor(
    private readonly core: IssuerCore,
    private readonly leakReports: RateLimiter,
  ) {}

  /**
   * Anyone who finds a key may report it, without credentials (GitHub's credential revocation
   * API is the precedent). The answer is the same whatever was sent, so it cannot be used to
   * test keys; a known active key is revoked and the report recorded.
   */
  async leakReport(req: IncomingMessage, body: Body): Promise<Body> {
    const wait = this.leakReports.take(req.socket.remoteAddress ?? '');
    if (wait !== undefined) throw tooMany('too many leak reports from this address', wait);
    const tokens = typeof body.token === 'string' ? [body.token] : Array.isArray(body.tokens) ? body.tokens : undefined;
    if (!tokens || tokens.length === 0 || tokens.length > 100 || !tokens.every((t) => typeof t === 'string' && t.length <= 1000)) {
      throw new HttpError(400, 'invalid_request', 'give token (a string) or tokens (1 to 100 strings)');
    }
    const source = typeof body.source_url === 'string' ? body.source_url.slice(0, 2000) : undefined;
    for (const token of tokens as string[]) {
      const c = this.core.state.byHash.get(sha256(token));
      if (!c || c.status === 'revoked') continue;
      c.status = 'revoked';
      c.revoked_at = new Date(this.core.now()).toISOString();
      this.core.event('compromise_reported', 'leak_report', { credential_id: c.id }, source ? { source_url: source } : undefined);
      this.core.event('revoked', 'leak_report', { credential_id: c.id }, { reason: 'compromise_reported' });
    }
    // The same work whatever was reported: the answer's timing must not tell a live key from a dead one.
    await this.core.state.persist();
    return { received: tokens.length };
  }

  /** RFC 8936 poll: `{ack?, maxEvents?}` → `{sets: {jti: SET}, moreAvailable}`. */
  async pollSets(receiver: string, body: Body): Promise<Body> {
    const ack = Array.isArray(body.ack) ? body.ack.filter((a): a is string => typeof a === 'string') : [];
    const max = Number.isInteger(body.maxEvents) && (body.maxEvents as number) >= 0 ? Math.min(body.maxEvents as number, 1000) : 100;
    const pending = this.core.signing;
    this.core.signing = [];
    await Promise.all(pending);
    return this.core.sets.poll(receiver, ack, max);
  }
}
