import { parseDuration, SECOND } from '../core/duration.js';
import { usageError } from '../core/errors.js';

/** `issuer mint --ttl`: whole seconds in the duration grammar (90s, 30m, 1h, 7d, 2w) → seconds. */
export function parseTtl(text: string): number {
  return parseDuration(text, { what: '--ttl', min: SECOND, step: SECOND, error: usageError }) / SECOND;
}
