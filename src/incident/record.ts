import { timestampId } from '../core/text.js';
import type { CredentialIdentity } from '../core/credential.js';
import { inputError, usageError } from '../core/errors.js';
import { shownSafely } from '../core/redact.js';
import type { IncidentStore } from '../state/types.js';

/**
 * An incident: the exposed credentials one leak put at risk, remembered from the moment it was
 * opened until a proof says the recovery is complete. It is what `blast-radius` found at the time
 * (identity, evidence, where each was kept) plus what people decided since (accepted risks) and
 * the close. It never holds a value: ids are fingerprints, evidence is files and lines.
 */
export const INCIDENT_SCHEMA = 1;

export interface IncidentCredential extends CredentialIdentity {
  /** How it was exposed, one line per piece of evidence (which leak, which file and line). */
  evidence: string[];
  /** Where the value sat in the project when the incident was opened. */
  places: { file: string; line?: number }[];
  /** Where it was kept (targets), when the incident was opened. */
  keptIn: { key: string; label: string }[];
  /** False when the value was seen only in the leak, not in this project. */
  inGraph: boolean;
  /** What its provider said when the incident was opened. */
  livenessAtOpen: 'active' | 'inactive' | 'unknown';
  /** Position in the safe rotation order when opened (1 = first), when it has one. */
  order?: number;
  /** An identifier (an AWS key id) that lives and dies with this secret's id: it has no state of its own. */
  partOf?: string;
  /** That secret's env name, for the command to run when the secret itself did not leak (not in the incident). */
  partOfName?: string;
  /** The person decided this one needs no rotation, and why. */
  accepted?: { reason: string; at: string; by: string; verified?: string };
}

export interface IncidentRecord {
  schemaVersion: typeof INCIDENT_SCHEMA;
  id: string;
  title: string;
  openedAt: string;
  openedBy: string;
  /** The exposure inputs, as blast-radius described them (`--leaked .env.leaked`, `--from-env`...). */
  sources: string[];
  credentials: IncidentCredential[];
  closed?: { at: string; by: string; proofDigest: string };
}

/** `inc-YYYYMMDD-HHMMSS-xxxxxx`: sorts by opening time, safe as a directory name. */
export function newIncidentId(now = new Date()): string {
  return `inc-${timestampId(now)}`;
}

/** Validate a stored document before trusting its shape (a hand-edited or damaged record is exit 3). */
export function asIncident(doc: unknown, where: string): IncidentRecord {
  const d = doc as Partial<IncidentRecord> | undefined;
  const ok =
    d?.schemaVersion === INCIDENT_SCHEMA &&
    typeof d.id === 'string' &&
    typeof d.title === 'string' &&
    typeof d.openedAt === 'string' &&
    Array.isArray(d.sources) &&
    Array.isArray(d.credentials) &&
    d.credentials.every(
      (c) =>
        typeof c?.id === 'string' &&
        Array.isArray(c.names) &&
        c.names.every((n) => typeof n === 'string') &&
        typeof c.provider === 'string' &&
        typeof c.redacted === 'string' &&
        Array.isArray(c.evidence) &&
        Array.isArray(c.places) &&
        Array.isArray(c.keptIn) &&
        (c.accepted === undefined || (typeof c.accepted === 'object' && c.accepted !== null && typeof c.accepted.reason === 'string')),
    );
  if (!ok) throw inputError(`${where}: not a credctl incident record (schema ${INCIDENT_SCHEMA})`);
  return d as IncidentRecord;
}

export function readIncident(store: IncidentStore, id: string): IncidentRecord {
  const doc = store.read(id);
  if (!doc) throw usageError(`no incident ${id} in ${store.location}`, 'List incidents with `credctl incident status`.');
  return asIncident(doc, `${store.location}/${id}`);
}

export function allIncidents(store: IncidentStore): IncidentRecord[] {
  return store.ids().map((id) => readIncident(store, id));
}

/**
 * The incident a command means: the one named, else the only open one. Several open and none
 * named is a usage error that lists them, never a guess.
 */
export function pickIncident(store: IncidentStore, id: string | undefined): IncidentRecord {
  if (id) return readIncident(store, id);
  const open = allIncidents(store).filter((i) => !i.closed);
  if (open.length === 1) return open[0]!;
  if (open.length === 0) throw usageError('no open incident', 'Open one with `credctl incident open --leaked FILE --title "..."`.');
  throw usageError(`${open.length} incidents are open: name one (${open.map((i) => i.id).join(', ')})`);
}

/** Find an exposed credential of an incident by id (or its prefix), env name or redacted form. */
export function findCredential(incident: IncidentRecord, query: string): IncidentCredential {
  const q = query.trim();
  const hits = incident.credentials.filter((c) => c.id === q || (q.startsWith('fp_') && q.length >= 8 && c.id.startsWith(q)) || c.names.includes(q));
  if (hits.length === 1) return hits[0]!;
  if (hits.length === 0) throw usageError(`incident ${incident.id} has no exposed credential ${shownSafely(q)}`, 'See `credctl incident status`.');
  throw usageError(`${shownSafely(q)} names ${hits.length} credentials of ${incident.id}: use its id (${hits.map((h) => h.id).join(', ')})`);
}
