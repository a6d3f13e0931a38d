import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWriteFileSync } from '../core/atomic-write.js';
import { inputError, parserMessage, describeSystemError } from '../core/errors.js';
import { newAdminToken, type Environment, type Sealed } from './keys.js';

/**
 * The reference issuer's data directory:
 *   admin-token   the management token (0600; read by `credctl issuer mint` and tests)
 *   state.json    credentials (hashes only), access requests, idempotency records (0600, atomic rewrite)
 *   events.jsonl  the audit trail, one event per line, append-only (0600)
 *
 * Mutations are applied in memory, then `persist()` writes once per event-loop turn for every
 * mutation made in that turn; handlers answer only after the write, so an acknowledged change
 * survives a crash, and a burst of 100 rotations costs a handful of fsyncs rather than 100.
 */
export type CredentialStatus = 'active' | 'deactivated' | 'revoked';

export interface CredentialRecord {
  id: string;
  name: string;
  scopes: string[];
  environment: Environment;
  /** SHA-256 of the value: the only form of it the issuer keeps. */
  hash: string;
  /** Prefix and last 4 characters, for people matching a key to a row. */
  hint: string;
  status: CredentialStatus;
  created_at: string;
  expires_at: string | null;
  created_by: string;
  rotated_from?: string;
  /** Set for credentials minted by token exchange: they work only while this parent does. */
  derived_from?: string;
  revoked_at?: string;
  deactivated_at?: string;
  last_used_at?: string;
}

export interface IdempotencyRecord {
  key_hash: string;
  operation: string;
  body_hash: string;
  credential_id: string;
  sealed: Sealed;
  created_at: string;
}

export type AccessRequestStatus = 'pending' | 'approved' | 'denied' | 'delivered';

export interface AccessRequestRecord {
  id: string;
  requester: string;
  reason: string;
  scopes: string[];
  environment: Environment;
  ttl_seconds: number;
  status: AccessRequestStatus;
  created_at: string;
  /** When a pending request lapses (RFC 8628 expires_in); absent in 0.1 data = never. */
  expires_at?: string;
  /** RFC 8628 user code a person matches on the approval page. */
  user_code?: string;
  decided_at?: string;
  credential_id?: string;
  /** SHA-256 of the secret the requester got back; it alone can pick up the credential. */
  secret_hash: string;
}

export interface AuditEvent {
  id: string;
  at: string;
  action: string;
  actor: string;
  credential_id?: string;
  request_id?: string;
  detail?: Record<string, unknown>;
}

interface StateFile {
  version: 1;
  credentials: CredentialRecord[];
  requests: AccessRequestRecord[];
  idempotency: IdempotencyRecord[];
}

const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

export class IssuerState {
  readonly credentials = new Map<string, CredentialRecord>();
  readonly byHash = new Map<string, CredentialRecord>();
  readonly requests = new Map<string, AccessRequestRecord>();
  readonly idempotency = new Map<string, IdempotencyRecord>();
  readonly events: AuditEvent[] = [];
  readonly adminToken: string;
  readonly adminTokenFile: string;

  private readonly stateFile: string;
  private readonly eventsFile: string;
  private pendingEvents: AuditEvent[] = [];
  private flush?: Promise<void>;

  constructor(readonly dataDir: string) {
    try {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw inputError(
        `cannot use ${dataDir} as the issuer's data directory: ${describeSystemError(err)}`,
        'Pass --data with a directory (it is created if missing).',
      );
    }
    this.stateFile = join(dataDir, 'state.json');
    this.eventsFile = join(dataDir, 'events.jsonl');
    this.adminTokenFile = join(dataDir, 'admin-token');
    if (!existsSync(this.adminTokenFile)) atomicWriteFileSync(this.adminTokenFile, newAdminToken() + '\n', { mode: 0o600 });
    chmodSync(this.adminTokenFile, 0o600);
    this.adminToken = readFileSync(this.adminTokenFile, 'utf8').trim();
    this.load();
  }

  private load(): void {
    if (existsSync(this.stateFile)) {
      let doc: StateFile;
      try {
        doc = JSON.parse(readFileSync(this.stateFile, 'utf8')) as StateFile;
      } catch (err) {
        // Refuse to start rather than overwrite credentials we could not read.
        throw inputError(
          `${this.stateFile} is not valid JSON (${parserMessage(err)}); refusing to start`,
          'Restore it from a backup or start with another --data directory.',
        );
      }
      for (const c of doc.credentials ?? []) this.addCredential(c);
      for (const r of doc.requests ?? []) this.requests.set(r.id, r);
      const cutoff = Date.now() - IDEMPOTENCY_WINDOW_MS;
      for (const i of doc.idempotency ?? []) if (Date.parse(i.created_at) > cutoff) this.idempotency.set(i.key_hash, i);
    }
    if (existsSync(this.eventsFile)) {
      for (const line of readFileSync(this.eventsFile, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          this.events.push(JSON.parse(line) as AuditEvent);
        } catch {
          // A line cut short by a crash mid-append: everything before it is intact.
        }
      }
    }
  }

  addCredential(c: CredentialRecord): void {
    this.credentials.set(c.id, c);
    this.byHash.set(c.hash, c);
  }

  record(event: AuditEvent): void {
    this.events.push(event);
    this.pendingEvents.push(event);
  }

  /** Write every change made so far; resolves once it is on disk. */
  persist(): Promise<void> {
    this.flush ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.flush = undefined;
        try {
          this.writeNow();
          resolve();
        } catch (err) {
          reject(err);
        }
      });
    });
    return this.flush;
  }

  private writeNow(): void {
    const cutoff = Date.now() - IDEMPOTENCY_WINDOW_MS;
    for (const [k, i] of this.idempotency) if (Date.parse(i.created_at) <= cutoff) this.idempotency.delete(k);
    const doc: StateFile = {
      version: 1,
      credentials: [...this.credentials.values()],
      requests: [...this.requests.values()],
      idempotency: [...this.idempotency.values()],
    };
    atomicWriteFileSync(this.stateFile, JSON.stringify(doc), { mode: 0o600 });
    if (this.pendingEvents.length) {
      const lines = this.pendingEvents.map((e) => JSON.stringify(e) + '\n').join('');
      this.pendingEvents = [];
      appendFileSync(this.eventsFile, lines, { mode: 0o600 });
    }
  }
}
