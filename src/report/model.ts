import type { CredentialIdentity } from '../core/credential.js';

/**
 * The blast-radius report: per exposed credential, everything a person needs the hour after a
 * leak. Plain data (rendered to terminal, JSON, Markdown, HTML); never holds a value.
 */
export type Risk = 'read' | 'write' | 'admin';

export interface AccessScope {
  scope: string;
  description: string;
  risk: Risk;
}

export interface BlastItem extends CredentialIdentity {
  /** How it was exposed (one line per piece of evidence). */
  exposedVia: string[];
  public: boolean;
  /** False when the exposed value is not in the usage graph (seen only in the leak). */
  inGraph: boolean;
  access: { status: 'known' | 'unknown'; reason?: string; scopes: AccessScope[] };
  liveness: { status: 'active' | 'inactive' | 'unknown'; reason?: string };
  /** Who it acts as and in which account, when the provider says (never a value). */
  identity?: { credentialId?: string; principal?: string; account?: string; kind?: string };
  /** When the provider last saw it used (ISO), where it says. */
  lastUsedAt?: string;
  /** Whether credctl can revoke it now: `api` (credctl revoke), `manual` (a dashboard step), `none`. */
  revocable: 'api' | 'manual' | 'none';
  /** What revoking it also does, where the vendor has a consequence to know (GitHub: deploy keys it made go too). */
  revokeNote?: string;
  /** git: where the file stands with git, when a scan of a work tree saw it (ignored = this machine only). */
  places: { file: string; line?: number; git?: 'committed' | 'untracked' | 'ignored' }[];
  consumers: { id: string; kind: string; label: string; file?: string }[];
  targets: { key: string; label: string }[];
  /** Consumers that stop working if it is revoked now (no other source for the name). */
  breaks: { consumer: string; name: string }[];
  score: number;
  scoreReasons: string[];
  overbroad: boolean;
  unusedScopes: string[];
  /** partOf: the id of the secret this identifier belongs to (an AWS key id's secret key). */
  rotation: { order?: number; strategy: 'api' | 'manual' | 'generate' | 'none'; note?: string; partOf?: string };
  owner?: string;
}

export interface BlastReport {
  generatedAt: string;
  root: string;
  sources: string[];
  items: BlastItem[];
  /** Credential ids in the safe rotation order (guards first). */
  order: string[];
  cycles: string[][];
  summary: { exposed: number; active: number; critical: number; public: number; breaking: number };
  /** Exposed values credctl had already dealt with (rotated and revoked, or accepted in an incident): not counted as exposed. */
  recovered?: BlastRecovered[];
}

export interface BlastRecovered {
  id: string;
  redacted: string;
  name?: string;
  state: 'old-revoked' | 'old-deactivated' | 'accepted';
  incident?: string;
  runId?: string;
  via: string[];
}

export function severity(score: number): 'critical' | 'high' | 'medium' | 'low' {
  if (score >= 80) return 'critical';
  if (score >= 55) return 'high';
  if (score >= 30) return 'medium';
  return 'low';
}

/** One line on a value credctl had already dealt with. */
export function recoveredText(r: BlastRecovered): string {
  const what =
    r.state === 'accepted' ? 'accepted' : r.state === 'old-deactivated' ? 'rotated; the old value is deactivated' : 'rotated; the old value is revoked';
  const where = [r.incident ? `incident ${r.incident}` : undefined, r.runId ? `run ${r.runId}` : undefined].filter(Boolean).join(', ');
  return where ? `${what} (${where})` : what;
}
