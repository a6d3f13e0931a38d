import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The reference issuer's secrets and how it keeps them: values are random base62, only their
 * SHA-256 is stored, and the few values that must survive until a client picks them up
 * (idempotent replays, approved access requests) are sealed under a key derived from a secret
 * that only the client holds, so the issuer's data directory alone never yields a credential.
 */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 * 62: rejecting bytes above it keeps every character equally likely.
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

export type Environment = 'live' | 'test';

/** `ccx_live_` or `ccx_test_` + exactly 32 base62 characters (about 190 bits). */
export const CREDENTIAL_PATTERN = '^ccx_(?:live|test)_[0-9A-Za-z]{32}$';
const CREDENTIAL_RE = new RegExp(CREDENTIAL_PATTERN);

export const newCredentialValue = (env: Environment): string => `ccx_${env}_${randomBase62(32)}`;
export const looksLikeCredential = (value: string): boolean => CREDENTIAL_RE.test(value);
export const newAdminToken = (): string => `ccadm_${randomBase62(43)}`;
export const newRequestSecret = (): string => `ccreq_${randomBase62(32)}`;
export const newId = (prefix: string): string => `${prefix}_${randomBase62(16)}`;

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Compare two secrets in constant time (by their hashes, so lengths never leak either). */
export function secretEquals(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export interface Sealed {
  iv: string;
  data: string;
  tag: string;
}

function sealKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'credctl-issuer/v1', purpose, 32));
}

/** AES-256-GCM under a key derived from `secret` (an idempotency key or a request secret). */
export function seal(value: string, secret: string, purpose: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKey(secret, purpose), iv);
  const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64'), data: data.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

export function unseal(sealed: Sealed, secret: string, purpose: string): string | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealKey(secret, purpose), Buffer.from(sealed.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
