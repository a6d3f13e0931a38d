import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { basename, dirname } from 'node:path';
import { inputError } from '../core/errors.js';
import { gitSync } from '../core/git.js';

/**
 * The audit log's Ed25519 key: how it is encoded, named and used. The private key lives in the
 * secret store as PKCS#8 PEM under AUDIT_KEY_NAME; the public key is SPKI PEM in .credctl/audit.pub.
 */
export const AUDIT_KEY_NAME = 'credctl/audit-signing-key';

/** Domain separation: an audit signature can never be replayed as a signature over something else. */
const ENTRY_SIG_PREFIX = Buffer.from('credctl-audit/v1 entry\n', 'utf8');

export function generateSigningKey(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export function privateKeyFromPem(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw inputError('the audit signing key is not an Ed25519 key');
  return key;
}

export function publicPemOf(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
}

/**
 * A public key from PEM (SPKI), or 32 raw bytes as base64 or hex: what `--pubkey FILE` accepts.
 */
export function parsePublicKey(text: string, where = 'public key'): KeyObject {
  const t = text.trim();
  try {
    let key: KeyObject;
    if (t.startsWith('-----BEGIN')) key = createPublicKey(t);
    else {
      const raw = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
      if (raw.length !== 32) throw new Error('not 32 bytes');
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('not Ed25519');
    return key;
  } catch {
    throw inputError(`${where} is not an Ed25519 public key (PEM, or 32 bytes as base64/hex)`);
  }
}

export function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' }) as { x?: string };
  return Buffer.from(jwk.x ?? '', 'base64url');
}

export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  return rawPublicKey(a).equals(rawPublicKey(b));
}

/** Short stable id of a log's key: the first 16 hex of SHA-256 of the raw public key. */
export function logIdOf(key: KeyObject): string {
  return createHash('sha256').update(rawPublicKey(key)).digest('hex').slice(0, 16);
}

export function signEntryHash(privateKey: KeyObject, hashHex: string): string {
  return sign(null, Buffer.concat([ENTRY_SIG_PREFIX, Buffer.from(hashHex, 'hex')]), privateKey).toString('base64');
}

export function verifyEntryHash(publicKey: KeyObject, hashHex: string, sigB64: string): boolean {
  try {
    return verify(null, Buffer.concat([ENTRY_SIG_PREFIX, Buffer.from(hashHex, 'hex')]), publicKey, Buffer.from(sigB64, 'base64'));
  } catch {
    return false;
  }
}

/**
 * The audit public key as committed at HEAD, when `.credctl/audit.pub` is tracked: the copy the
 * team shares and verifies against. The working copy can be swapped by anyone with the checkout;
 * the committed one changes only by a commit, which history shows. Undefined when not tracked.
 */
export function committedPublicKey(auditPubPath: string): string | undefined {
  try {
    return gitSync(dirname(auditPubPath), ['show', `HEAD:./${basename(auditPubPath)}`]).toString('utf8');
  } catch {
    return undefined;
  }
}
