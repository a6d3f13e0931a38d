import { issuerOrigin, WELL_KNOWN_PATH } from '../discover.js';

/**
 * The issuer identifier under test and where its manifest lives (RFC 8414 sections 2 and 3.1):
 * `https://api.example.com/eu` is served at `https://api.example.com/.well-known/credential-issuer/eu`.
 * Accepts the identifier or its well-known URL; a trailing slash is dropped.
 */
export interface IssuerIdentifier {
  origin: string;
  issuer: string;
  wellKnown: string;
}

export function issuerIdentifier(input: string): IssuerIdentifier {
  const origin = issuerOrigin(input);
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : `http://${input}`;
  let path = new URL(text).pathname.replace(/\/+$/, '');
  if (path === WELL_KNOWN_PATH || path.startsWith(`${WELL_KNOWN_PATH}/`)) path = path.slice(WELL_KNOWN_PATH.length);
  return { origin, issuer: origin + path, wellKnown: origin + WELL_KNOWN_PATH + path };
}
