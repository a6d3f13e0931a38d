import { randomInt } from 'node:crypto';

/**
 * RFC 8628 section 6.1 user codes: 8 characters from 20 consonants (no vowels, so no words;
 * no look-alike digits), shown as XXXX-XXXX, for a person to match an approval page to a request.
 */
const ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';

export function newUserCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}
