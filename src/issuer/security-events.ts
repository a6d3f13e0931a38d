import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { atomicWriteFileSync } from '../core/atomic-write.js';
import { newId } from './keys.js';

/**
 * Security Event Tokens (RFC 8417) about credentials, signed with the issuer's ES256 key (public
 * half at `jwks_uri`) and delivered by polling in the manner of RFC 8936: a receiver POSTs
 * `{ack?, maxEvents?}` and gets `{sets: {jti: SET}, moreAvailable}`. Each receiver (management
 * principal) has its own stream over the last 1000 SETs: what one acknowledges, others still get. Event types are borrowed from the OpenID Shared Signals profiles:
 *   CAEP credential-change (created, rotated, revoked...) and RISC credential-compromise
 *   (a leak was reported). The subject is an RFC 9493 "opaque" identifier: the credential id.
 */
export const CAEP_CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/credential-change';
export const RISC_CREDENTIAL_COMPROMISE = 'https://schemas.openid.net/secevent/risc/event-type/credential-compromise';

export type ChangeType = 'create' | 'revoke' | 'update' | 'delete';

const KEPT = 1000;

export class SecurityEvents {
  private readonly log = new Map<string, string>();
  private readonly acked = new Map<string, Set<string>>();

  private constructor(
    private readonly key: CryptoKey,
    private readonly kid: string,
    readonly jwks: { keys: JWK[] },
    private readonly issuer: string,
  ) {}

  /** The signing key lives in the data directory (0600) so SETs stay verifiable across restarts. */
  static async open(dataDir: string, issuer: string): Promise<SecurityEvents> {
    const file = join(dataDir, 'set-signing-key.jwk');
    let priv: JWK;
    if (existsSync(file)) {
      // Owner-only, as when it was made: a copy restored with other modes is tightened again.
      chmodSync(file, 0o600);
      priv = JSON.parse(readFileSync(file, 'utf8')) as JWK;
    } else {
      const pair = await generateKeyPair('ES256', { extractable: true });
      priv = { ...(await exportJWK(pair.privateKey)), kid: newId('key'), alg: 'ES256' };
      atomicWriteFileSync(file, JSON.stringify(priv), { mode: 0o600 });
    }
    const { d: _d, ...pub } = priv;
    const key = (await importJWK(priv, 'ES256')) as CryptoKey;
    return new SecurityEvents(key, priv.kid!, { keys: [{ ...pub, use: 'sig', alg: 'ES256' }] }, issuer);
  }

  /** Sign one SET and queue it for the next poll. */
  async emit(type: string, credentialId: string, claims: Record<string, unknown>): Promise<void> {
    const jti = newId('set');
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({
      sub_id: { format: 'opaque', id: credentialId },
      events: { [type]: { event_timestamp: now, ...claims } },
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'secevent+jwt', kid: this.kid })
      .setIssuer(this.issuer)
      .setAudience(this.issuer)
      .setIssuedAt(now)
      .setJti(jti)
      .sign(this.key);
    this.log.set(jti, token);
    if (this.log.size > KEPT) {
      const oldest = this.log.keys().next().value!;
      this.log.delete(oldest);
      for (const seen of this.acked.values()) seen.delete(oldest);
    }
  }

  credentialChange(credentialId: string, change: ChangeType, extra: Record<string, unknown> = {}): Promise<void> {
    return this.emit(CAEP_CREDENTIAL_CHANGE, credentialId, { credential_type: 'api_key', change_type: change, ...extra });
  }

  compromise(credentialId: string, extra: Record<string, unknown> = {}): Promise<void> {
    return this.emit(RISC_CREDENTIAL_COMPROMISE, credentialId, { credential_type: 'api_key', ...extra });
  }

  /** RFC 8936 poll for one receiver: record its acknowledgements, hand out up to maxEvents of the rest. */
  poll(receiver: string, ack: string[], maxEvents: number): { sets: Record<string, string>; moreAvailable: boolean } {
    let seen = this.acked.get(receiver);
    if (!seen) this.acked.set(receiver, (seen = new Set()));
    for (const jti of ack) if (this.log.has(jti)) seen.add(jti);
    const sets: Record<string, string> = {};
    let n = 0;
    let more = false;
    for (const [jti, token] of this.log) {
      if (seen.has(jti)) continue;
      if (n >= maxEvents) {
        more = true;
        break;
      }
      sets[jti] = token;
      n += 1;
    }
    return { sets, moreAvailable: more };
  }
}
