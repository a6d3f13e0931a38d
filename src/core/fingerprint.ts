import { createHash } from 'node:crypto';

/**
 * A credential's identity everywhere in credctl (graph, findings, baselines, plans, audit log).
 *
 * SHA-256 over a domain-separated input, truncated to 96 bits and hex-encoded. It is stable across
 * machines (so a committed baseline or a plan made on one laptop matches on another) and not
 * reversible for real credentials, which are high-entropy. For low-entropy values (weak database
 * passwords) a fingerprint can be brute-forced like any unsalted hash: the graph and plans stay in
 * .credctl/ (gitignored), and the README says so.
 */
const DOMAIN = 'credctl/fingerprint/v1\0';
export const FINGERPRINT_PREFIX = 'fp_';
const FINGERPRINT_RE = /^fp_[0-9a-f]{24}$/;

export function fingerprint(value: string): string {
  const digest = createHash('sha256').update(DOMAIN).update(value, 'utf8').digest('hex');
  return FINGERPRINT_PREFIX + digest.slice(0, 24);
}

export function isFingerprint(text: string): boolean {
  return FINGERPRINT_RE.test(text);
}

/** Short form for tables: fp_3b1f0c9a2d4e. Accepted wherever a fingerprint is, as a prefix. */
export function shortFingerprint(fp: string): string {
  return fp.slice(0, FINGERPRINT_PREFIX.length + 12);
}
