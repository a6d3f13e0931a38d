import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { AuditEntry } from '../audit/entry.js';
import { parsePublicKey, samePublicKey } from '../audit/keys.js';
import { verifyAudit } from '../audit/verify.js';
import { canonicalJson } from '../core/canonical-json.js';
import { CredctlError, inputError, integrityError } from '../core/errors.js';
import type { CredentialProgress, RecoveryState } from './progress.js';
import type { RecheckResult } from './recheck.js';
import { asIncident, type IncidentRecord } from './record.js';

/**
 * The proof that an incident's recovery is complete, checkable offline on another machine with
 * only the audit public key.
 *
 * It holds the incident record, where each exposed credential ended (from the runs' journals),
 * what the providers and targets answered when it closed, and the project's whole signed audit
 * log with its checkpoints. The log's `incident.close` entry (Ed25519-signed, hash-chained,
 * covered by a signed checkpoint) records the SHA-256 of everything else in the proof, so the
 * proof is signed by the same key as the log. The file must also be byte-for-byte the form
 * credctl wrote, so that no byte of it can change unnoticed (not even whitespace).
 * It holds no secret value: the audit log never does, and the rest is ids, names and outcomes.
 */
export const PROOF_FORMAT = 'credctl-incident-proof/v1';

export interface ProofCredential {
  id: string;
  names: string[];
  provider: string;
  redacted: string;
  state: RecoveryState;
  runId?: string;
  targets: { label: string; envName?: string; state: string }[];
  accepted?: { reason: string; verified?: string };
}

export interface IncidentProof {
  format: typeof PROOF_FORMAT;
  incident: IncidentRecord;
  credentials: ProofCredential[];
  verification: RecheckResult[];
  /** Audit entries (seq numbers) that record this incident and the rotations of its credentials. */
  coveredBy: number[];
  audit: { publicKey: string; log: string; checkpoints: string };
}

export function proofCredentials(progress: CredentialProgress[]): ProofCredential[] {
  return progress.map((p) => ({
    id: p.credential.id,
    names: p.credential.names,
    provider: p.credential.provider,
    redacted: p.credential.redacted,
    state: p.state,
    ...(p.runId ? { runId: p.runId } : {}),
    targets: p.targets.map((t) => ({ label: t.label, ...(t.envName ? { envName: t.envName } : {}), state: t.state })),
    ...(p.credential.accepted
      ? { accepted: { reason: p.credential.accepted.reason, ...(p.credential.accepted.verified ? { verified: p.credential.accepted.verified } : {}) } }
      : {}),
  }));
}

/**
 * What the close entry signs: every part of the proof except the log itself (which signs itself),
 * the digest (which it is), and `coveredBy` (which verify recomputes from the log and compares).
 */
export function proofDigest(p: { incident: IncidentRecord; credentials: ProofCredential[]; verification: RecheckResult[] }): string {
  const { closed, ...incident } = p.incident;
  const close = closed ? { at: closed.at, by: closed.by } : null;
  return createHash('sha256')
    .update(canonicalJson({ format: PROOF_FORMAT, incident, close, credentials: p.credentials, verification: p.verification }), 'utf8')
    .digest('hex');
}

function entriesOf(logText: string): AuditEntry[] {
  return logText
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEntry);
}

/** The seq numbers of the log entries that concern the incident and its credentials, in order. */
export function coveringEntries(logText: string, incident: IncidentRecord): number[] {
  const ids = new Set(incident.credentials.map((c) => c.id));
  return entriesOf(logText)
    .filter((e) => coversIncident(e, incident.id, ids))
    .map((e) => e.seq);
}

/**
 * Does the incident record say what the signed log says? The credentials it opened with (the
 * `incident.open` entry lists their ids) and each acceptance (an `incident.accept` entry with the
 * same credential and reason). Undefined when it does; else what differs.
 */
export function incidentLogMismatch(incident: IncidentRecord, logText: string): string | undefined {
  const entries = entriesOf(logText);
  const open = entries.find((e) => e.action === 'incident.open' && e.details?.incident === incident.id);
  if (!open) return 'the audit log has no opening of it';
  const listed = Array.isArray(open.details?.credentials) ? (open.details!.credentials as unknown[]).map(String).sort() : [];
  const recorded = incident.credentials.map((c) => c.id).sort();
  if (listed.join(',') !== recorded.join(',')) return 'its credentials differ from those the audit log says it opened with';
  for (const c of incident.credentials) {
    if (!c.accepted) continue;
    const said = entries.some(
      (e) =>
        // Stryker disable next-line OptionalChaining: details is known to be there once its incident matched
        e.action === 'incident.accept' && e.details?.incident === incident.id && e.subject?.credential === c.id && e.details?.reason === c.accepted!.reason,
    );
    if (!said) return `the acceptance of ${c.id} is not in the audit log`;
  }
  return undefined;
}

/** The one text form of a proof: what `close` writes and what `verify` demands, byte for byte. */
export function proofText(proof: IncidentProof): string {
  return JSON.stringify(proof, null, 1) + '\n';
}

/** Does this audit entry concern the incident (its own entries, or a rotation of one of its credentials)? */
export function coversIncident(entry: AuditEntry, incidentId: string, credentialIds: ReadonlySet<string>): boolean {
  if (entry.details?.incident === incidentId) return true;
  const s = entry.subject ?? {};
  const cred = typeof s.credential === 'string' ? s.credential : s.fingerprint;
  return typeof cred === 'string' && credentialIds.has(cred);
}

export interface ProofVerdict {
  incident: string;
  title: string;
  closedAt: string;
  credentials: number;
  auditEntries: number;
  pinnedKey: boolean;
}

const broken = (file: string, why: string) =>
  integrityError(
    `${file} is not an intact credctl incident proof: ${why}`,
    'Ask for the proof again from whoever closed the incident; do not trust this copy.',
  );

/** A proof is the log plus a few kilobytes; anything this large is not one (and is not read whole). */
const MAX_PROOF_BYTES = 256 * 1024 * 1024;

/** Check a proof file offline. Any change to any byte is exit 4; a missing file is exit 3. */
export function verifyProof(file: string, pubkeyPem?: string): ProofVerdict {
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw broken(file, 'not a regular file');
    // Stryker disable next-line EqualityOperator: whether the limit itself is allowed is no behaviour anyone relies on
    if (st.size > MAX_PROOF_BYTES) throw broken(file, `larger than ${MAX_PROOF_BYTES / 1024 / 1024} MiB`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof CredctlError) throw err;
    throw inputError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return verifyProofText(file, text, pubkeyPem);
  } catch (err) {
    // A proof is hostile input: whatever shape it has, the answer is "not intact", never a crash.
    // (No known shape throws anything but a CredctlError past the checks above; this is the net
    // for one that would.)
    // Stryker disable next-line ConditionalExpression: no known input reaches here with another error
    if (err instanceof CredctlError) throw err;
    // Stryker disable next-line StringLiteral: as above, never reached by a known input
    throw broken(file, 'its parts are not what a proof holds');
  }
}

function verifyProofText(file: string, text: string, pubkeyPem?: string): ProofVerdict {
  let proof: IncidentProof;
  try {
    proof = JSON.parse(text) as IncidentProof;
  } catch {
    throw broken(file, 'not valid JSON');
  }
  if (proof?.format !== PROOF_FORMAT) throw broken(file, `not ${PROOF_FORMAT}`);
  if (proofText(proof) !== text) throw broken(file, 'it is not byte for byte what credctl wrote (edited?)');
  const { incident, audit } = proof;
  if (!incident?.closed || typeof audit?.log !== 'string' || typeof audit.checkpoints !== 'string' || typeof audit.publicKey !== 'string') {
    throw broken(file, 'a part is missing');
  }
  try {
    asIncident(incident, file);
  } catch {
    throw broken(file, 'its incident record is malformed');
  }
  if (typeof incident.closed.proofDigest !== 'string' || typeof incident.closed.at !== 'string') throw broken(file, 'its close is malformed');
  let publicKey: ReturnType<typeof parsePublicKey>;
  let ownKey: ReturnType<typeof parsePublicKey>;
  try {
    ownKey = parsePublicKey(audit.publicKey, `the public key in ${file}`);
  } catch (err) {
    // Stryker disable next-line StringLiteral: parsePublicKey throws only credctl errors; the fallback is a net
    throw broken(file, err instanceof CredctlError ? err.message : 'unreadable public key');
  }
  if (pubkeyPem === undefined) publicKey = ownKey;
  else {
    // A pinned key must be the proof's own: a proof carrying another key was not made by this log's
    // owner (and no byte of the proof goes unchecked).
    publicKey = parsePublicKey(pubkeyPem, 'the --pubkey file');
    if (!samePublicKey(ownKey, publicKey)) throw broken(file, 'its public key is not the one given with --pubkey');
    if (audit.publicKey !== publicKey.export({ type: 'spki', format: 'pem' }).toString() && audit.publicKey.trim() !== pubkeyPem.trim()) {
      throw broken(file, 'its copy of the public key is not byte for byte the key given with --pubkey');
    }
  }
  const result = verifyAudit({ logText: audit.log, checkpointsText: audit.checkpoints, publicKey });
  // Stryker disable next-line StringLiteral: a log that does not verify always names its first problem; the fallback is a net
  if (!result.ok) throw broken(file, `its audit log does not verify: ${result.firstProblem?.message ?? 'unknown problem'}`);
  const entries = entriesOf(audit.log);
  const digest = proofDigest(proof);
  // A close retried after a failed write may leave an earlier close: the one that counts records this digest.
  const close = entries.find((e) => {
    if (e.details?.proofDigest !== digest || e.outcome !== 'ok') return false;
    // Only a close entry of this incident carries this digest (the digest covers the incident's
    // id); the action and the incident are checked all the same.
    // Stryker disable next-line ConditionalExpression,LogicalOperator,OptionalChaining: equivalent, as said above
    return e.action === 'incident.close' && e.details?.incident === incident.id;
  });
  if (!close || incident.closed.proofDigest !== digest) throw broken(file, 'its contents differ from what the signed close entry recorded');
  const mismatch = incidentLogMismatch(incident, audit.log);
  if (mismatch) throw broken(file, `its incident record disagrees with its audit log: ${mismatch}`);
  if ((result.latestCheckpoint?.size ?? 0) < close.seq) throw broken(file, 'no signed checkpoint covers the close entry');
  const covered = coveringEntries(audit.log, incident);
  if (!Array.isArray(proof.coveredBy) || proof.coveredBy.join(',') !== covered.join(',')) {
    throw broken(file, 'the audit entries it cites are not exactly those that concern the incident');
  }
  return {
    incident: incident.id,
    title: incident.title,
    // The time the signed close entry carries, not the record's copy of it.
    closedAt: close.time,
    credentials: incident.credentials.length,
    auditEntries: covered.length,
    pinnedKey: pubkeyPem !== undefined,
  };
}
