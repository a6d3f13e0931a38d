import type { IncomingMessage } from 'node:http';
import { sha256 } from './keys.js';
import { HttpError, tooMany } from './problem.js';
import type { RateLimiter } from './rate-limit.js';
import { isNarrowerOrEqual, REFERENCE_SCOPES } from './scopes.js';
import { DEFAULT_REQUEST_TTL, MAX_REQUEST_TTL, type Body, type IssuerCore } from './issuer-core.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const CLIENT_CREDENTIALS = 'client_credentials';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** RFC 8693 subject_token_type values this issuer accepts for its keys. */
const SUBJECT_TOKEN_TYPES = [ACCESS_TOKEN_TYPE, 'urn:credctl:token-type:api_key'];
/** Management access tokens from the client-credentials grant live an hour at most. */
const ACCESS_TOKEN_TTL = 3600;

/**
 * The token endpoint: the client-credentials grant (management access tokens, RFC 6749 4.4) and
 * RFC 8693 token exchange (down-scoping). Both mint children that never exceed their parent.
 */
export class TokenEndpoint {
  constructor(
    private readonly core: IssuerCore,
    /** Per address: every grant mints a token and rewrites the state, so none is unlimited. */
    private readonly grants?: RateLimiter,
  ) {}

  async token(req: IncomingMessage, body: Body): Promise<Body> {
    const wait = this.grants?.take(req.socket.remoteAddress ?? '');
    if (wait !== undefined) throw tooMany('too many token requests from this address', wait);
    if (body.grant_type === CLIENT_CREDENTIALS) return this.clientCredentials(req, body);
    if (body.grant_type === TOKEN_EXCHANGE) return this.exchange(body);
    throw new HttpError(400, 'unsupported_grant_type', `grant_type must be ${CLIENT_CREDENTIALS} or ${TOKEN_EXCHANGE}`);
  }

  /**
   * RFC 6749 4.4: the client is a credential (client_id = its id, client_secret = its value)
   * holding the management scope; it gets a short-lived access token with the scopes asked for,
   * never more than it holds. client_secret_basic or client_secret_post.
   */
  async clientCredentials(req: IncomingMessage, body: Body): Promise<Body> {
    let clientId: string | undefined;
    let secret: string | undefined;
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        clientId = decodeURIComponent(decoded.slice(0, colon));
        secret = decodeURIComponent(decoded.slice(colon + 1));
      }
    } else if (typeof body.client_id === 'string' && typeof body.client_secret === 'string') {
      clientId = body.client_id;
      secret = body.client_secret;
    }
    const client = secret !== undefined ? this.core.state.byHash.get(sha256(secret)) : undefined;
    if (!client || client.id !== clientId || !this.core.isActive(client) || client.derived_from) {
      throw new HttpError(401, 'invalid_client', 'client authentication failed', { 'www-authenticate': 'Basic realm="credctl-issuer"' });
    }
    const scopes = this.core.scopesFrom(body.scope, false) ?? client.scopes;
    if (!isNarrowerOrEqual(scopes, client.scopes, REFERENCE_SCOPES))
      throw new HttpError(400, 'invalid_scope', 'an access token cannot be wider than its client');
    const { record, value, expires } = this.core.derive(client, scopes, ACCESS_TOKEN_TTL, `client_credentials:${client.id}`);
    this.core.event('created', `credential:${client.id}`, { credential_id: record.id }, { scopes, derived_from: client.id, grant: CLIENT_CREDENTIALS });
    await this.core.state.persist();
    return { access_token: value, token_type: 'Bearer', expires_in: Math.round((expires - this.core.now()) / 1000), scope: scopes.join(' ') };
  }

  /** RFC 8693 token exchange for down-scoping: never wider, never longer-lived than the subject. */
  async exchange(body: Body): Promise<Body> {
    if (typeof body.subject_token !== 'string') throw new HttpError(400, 'invalid_request', 'subject_token is required');
    if (typeof body.subject_token_type !== 'string' || !SUBJECT_TOKEN_TYPES.includes(body.subject_token_type)) {
      throw new HttpError(400, 'invalid_request', `subject_token_type is required: ${SUBJECT_TOKEN_TYPES.join(' or ')}`);
    }
    const parent = this.core.state.byHash.get(sha256(body.subject_token));
    if (!parent || !this.core.isActive(parent)) throw new HttpError(400, 'invalid_grant', 'subject_token is not an active credential');
    const scopes = this.core.scopesFrom(body.scope, false) ?? parent.scopes;
    if (!isNarrowerOrEqual(scopes, parent.scopes, REFERENCE_SCOPES))
      throw new HttpError(400, 'invalid_scope', 'an exchanged credential cannot be wider than its subject');
    const asked = Number(body.ttl_seconds);
    const ttl = Number.isInteger(asked) && asked > 0 ? Math.min(asked, MAX_REQUEST_TTL) : DEFAULT_REQUEST_TTL;
    const { record, value, expires } = this.core.derive(parent, scopes, ttl, `token_exchange:${parent.id}`);
    this.core.event('created', `credential:${parent.id}`, { credential_id: record.id }, { scopes, derived_from: parent.id });
    await this.core.state.persist();
    return {
      access_token: value,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: Math.round((expires - this.core.now()) / 1000),
      scope: scopes.join(' '),
      credential_id: record.id,
    };
  }
}
