import { randomBytes, randomInt } from 'node:crypto';
import type { GenerateSpec } from './types.js';

/**
 * A replacement for a self-issued secret (a session secret, a JWT HMAC key, a compose service's
 * own database password): nobody else issues it, so credctl makes it, from node:crypto only.
 *
 * Its shape follows the rule, or the old value's when the rule says `same`: hex stays hex,
 * base64 (standard or url-safe, padded or not) becomes base64url, letters-and-digits stays
 * letters-and-digits, anything else becomes base64url. Its length is the largest of the rule's
 * minimum, 32, and the old value's length, so a replacement is never weaker than what it replaces.
 * A `base64:` prefix (Laravel's APP_KEY) means the app decodes the rest to a cipher key of a fixed
 * size: the replacement is that many random bytes (32 when the old one cannot be read), in
 * standard base64 behind the same prefix.
 */
export type Alphabet = Exclude<GenerateSpec['alphabet'], 'same'>;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const PREFIXES = ['base64:'];

/** The alphabet an old value is written in (its prefix left aside). */
export function alphabetOf(value: string): Alphabet {
  const body = stripPrefix(value).body;
  if (/^[0-9a-f]+$/.test(body) || /^[0-9A-F]+$/.test(body)) return 'hex';
  if (/^[A-Za-z0-9]+$/.test(body)) return 'alnum';
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(body)) return 'base64url';
  return 'base64url';
}

function stripPrefix(value: string): { prefix: string; body: string } {
  const prefix = PREFIXES.find((p) => value.startsWith(p)) ?? '';
  return { prefix, body: value.slice(prefix.length) };
}

export interface Generated {
  value: string;
  /** What was generated, for the journal: never the value. */
  alphabet: Alphabet | 'base64';
  length: number;
}

export function generateSecret(spec: GenerateSpec, oldValue?: string): Generated {
  const old = oldValue ? stripPrefix(oldValue) : { prefix: '', body: '' };
  if (old.prefix === 'base64:') {
    const bytes = Buffer.from(old.body, 'base64').length;
    const size = bytes === 16 || bytes === 32 || bytes === 64 ? bytes : 32;
    const body = randomBytes(size).toString('base64');
    return { value: old.prefix + body, alphabet: 'base64', length: body.length };
  }
  const alphabet: Alphabet = spec.alphabet === 'same' ? (oldValue ? alphabetOf(oldValue) : 'base64url') : spec.alphabet;
  const length = Math.max(spec.minLength, 32, old.body.length);
  let body: string;
  if (alphabet === 'hex')
    body = randomBytes(Math.ceil(length / 2))
      .toString('hex')
      .slice(0, length);
  else if (alphabet === 'base64url')
    body = randomBytes(Math.ceil((length * 3) / 4) + 1)
      .toString('base64url')
      .slice(0, length);
  else body = Array.from({ length }, () => ALNUM[randomInt(ALNUM.length)]).join('');
  // Upper-case hex stays upper-case.
  if (alphabet === 'hex' && /^[0-9A-F]+$/.test(old.body) && /[A-F]/.test(old.body)) body = body.toUpperCase();
  return { value: old.prefix + body, alphabet, length };
}
