import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';

/**
 * One line of `.credctl/audit.jsonl`.
 *
 * `hash` = hex SHA-256 of the canonical JSON (sorted keys, no whitespace) of the entry without
 * `hash` and `sig`; `prev` is the previous entry's `hash` (64 zeros for the first entry), so the
 * entries form a chain; `sig` = base64 Ed25519 signature over "credctl-audit/v1 entry\n" || the
 * 32 hash bytes.
 */
export type AuditOutcome = 'ok' | 'failed' | 'denied' | 'refused' | 'started' | 'skipped';

export type AuditValue = string | number | boolean | null | AuditValue[] | { [key: string]: AuditValue };

export interface AuditSubject {
  /** fingerprint() of the credential concerned. */
  fingerprint?: string;
  provider?: string;
  target?: string;
  /** Env or store name (never a value). */
  name?: string;
  [key: string]: AuditValue | undefined;
}

export interface AuditEntry {
  v: 1;
  seq: number;
  time: string;
  actor: string;
  action: string;
  subject: AuditSubject;
  outcome: AuditOutcome | string;
  details?: Record<string, AuditValue>;
  prev: string;
  hash: string;
  sig: string;
}

export const GENESIS_PREV = '0'.repeat(64);

export function entryHash(entry: Omit<AuditEntry, 'hash' | 'sig'> & Partial<Pick<AuditEntry, 'hash' | 'sig'>>): string {
  const { hash: _h, sig: _s, ...body } = entry;
  return createHash('sha256').update(canonicalJson(body), 'utf8').digest('hex');
}
