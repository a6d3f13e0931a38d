import { fingerprint } from '../core/fingerprint.js';
import { redact } from '../core/redact.js';
import type { Confidence, CredentialKind } from '../providers/rules.js';
import type { RawMatch } from './detect.js';

/**
 * A finding: everything credctl reports about a credential it saw, and nothing that reveals it.
 * There is deliberately no `value` field; a RawMatch becomes a Finding at the edge of the matcher.
 */
export interface Finding {
  ruleId: string;
  provider: string;
  kind: CredentialKind;
  environment?: string;
  /** Path relative to the scan root, with `/` separators; `-` for stdin. */
  file: string;
  line: number;
  column: number;
  fingerprint: string;
  redacted: string;
  confidence: Confidence;
  /** Present for public identifiers (a Firebase web API key): reported, but not a secret (see Severity). */
  severity?: 'info';
  /** The file held an encoding of the value (a Kubernetes Secret's base64 data); the fingerprint is of the value. */
  encoding?: 'base64';
  /** The env-var or key name the value is assigned to, when known. */
  name?: string;
  /** Fingerprint of the partner credential (an AWS secret's access key id). */
  pairedWith?: string;
  /** History scans: first commit that added it, its author and date, how many commits carried it. */
  commit?: string;
  author?: string;
  date?: string;
  commits?: number;
  /** History scans: whether the value is still in the working tree. */
  status?: 'present' | 'deleted';
  /**
   * Working-tree scans in a git repository: committed (in the index, so in history once pushed),
   * untracked, or ignored (only on this machine: git-ignored files that hold secrets by nature).
   */
  git?: 'committed' | 'untracked' | 'ignored';
}

export function toFinding(m: RawMatch, file: string, line: number, column: number): Finding {
  const f: Finding = {
    ruleId: m.rule.id,
    provider: m.rule.provider,
    kind: m.rule.kind,
    file,
    line,
    column,
    fingerprint: fingerprint(m.value),
    redacted: redact(m.value),
    confidence: m.rule.confidence,
  };
  if (m.rule.severity === 'info') f.severity = 'info';
  if (m.encoding) f.encoding = m.encoding;
  if (m.environment) f.environment = m.environment;
  if (m.name) f.name = m.name;
  return f;
}
