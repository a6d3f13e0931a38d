/**
 * The audit log: `.credctl/audit.jsonl`, append-only, hash-chained, every entry signed with
 * Ed25519, with signed checkpoints (RFC 6962 root, C2SP note) in `.credctl/checkpoints`.
 *
 * Library API (what commands and the rotation engine call):
 *
 *   import { withAudit } from '../audit/log.js';
 *   await withAudit(async (audit) => {
 *     await audit.append({ action: 'credential.revoke', subject: { fingerprint, provider, target },
 *                          outcome: 'ok', details: { step: 5 } });
 *     ... // the action itself
 *   }, { store });  // optional: a SecretStore you already opened (else the project's store)
 *
 *   // or by hand:
 *   const audit = await openAuditLog(paths, { store, actor });
 *   await audit.append({...});   // returns the written AuditEntry
 *   await audit.checkpoint();    // withAudit does this for you at the end if anything was appended
 *
 * Rules:
 *   - Fail closed: append() throws (a CredctlError, exit 4 or 8) when the entry cannot be written,
 *     and the caller must not go ahead with the action. Append BEFORE the side effect you record
 *     (or record "started" before and the outcome after), and for reads before printing the value.
 *   - Never put a value in subject or details: use fingerprint() and names. As a last line of
 *     defence, append() masks (with redact()) any value this process read from or wrote to the
 *     secret store, and any string shaped like a well-known key format, and counts them in
 *     details.maskedValues.
 *   - Actor: options.actor, else $CREDCTL_ACTOR (an agent id), else user@host.
 *   - Concurrency: append and checkpoint run under `.credctl/audit.jsonl.lock` (stale locks from
 *     dead processes are broken), and re-read the tail under the lock, so parallel credctl
 *     processes always extend one chain.
 *   - The signing key is made on first append: private key in the secret store as
 *     `credctl/audit-signing-key`, public key written to `.credctl/audit.pub` (commit or publish it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { atomicWriteFileSync } from '../core/atomic-write.js';
import { CredctlError, describeSystemError, integrityError, storeError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import { projectPaths, type ProjectPaths } from '../core/paths.js';
import { maskValues, redact } from '../core/redact.js';
import { knownSecretValues } from '../store/known-values.js';
import type { AuditLogStore } from '../state/types.js';
import { fileAuditStore } from '../state/files.js';
import type { SecretStore } from '../store/types.js';
import { formatCheckpoint, parseCheckpoints } from './checkpoint.js';
import { entryHash, GENESIS_PREV, type AuditEntry, type AuditOutcome, type AuditSubject, type AuditValue } from './entry.js';
import {
  AUDIT_KEY_NAME,
  committedPublicKey,
  generateSigningKey,
  parsePublicKey,
  privateKeyFromPem,
  publicPemOf,
  samePublicKey,
  signEntryHash,
} from './keys.js';
import { merkleRoot } from './merkle.js';

export type { AuditEntry, AuditOutcome, AuditSubject, AuditValue } from './entry.js';

export interface AuditInput {
  action: string;
  subject?: AuditSubject;
  outcome: AuditOutcome | string;
  details?: Record<string, AuditValue | undefined>;
  /** Overrides the log's actor for this entry (e.g. an agent acting on a person's behalf). */
  actor?: string;
}

export type AuditPaths = Pick<ProjectPaths, 'stateDir' | 'audit' | 'auditPub' | 'auditCheckpoints'>;

export interface AuditLogOptions {
  /** Where the log's bytes are kept (the state seam); default: the files under `paths`. */
  storage?: AuditLogStore;
  /** The secret store holding the signing key, or a function opening it on first need. */
  store?: SecretStore | (() => Promise<SecretStore>);
  actor?: string;
  env?: NodeJS.ProcessEnv;
  /** One-time messages for the person (stderr), e.g. "created an audit signing key". */
  note?: (message: string) => void;
}

export function defaultActor(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CREDCTL_ACTOR?.trim()) return env.CREDCTL_ACTOR.trim();
  let user = env.USER || env.USERNAME || 'unknown';
  try {
    user = userInfo().username || user;
  } catch {
    // No passwd entry (some containers): keep the environment's idea.
  }
  return `${user}@${hostname()}`;
}

// Shapes of well-known secret formats: masked even when the store never saw the value.
const SECRET_SHAPES =
  /(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}|whsec_[A-Za-z0-9]{10,}|sk-(?:proj-|ant-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[A-Z0-9]{16}|AIza[A-Za-z0-9_-]{30,}|npm_[A-Za-z0-9]{30,}|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;

function maskString(s: string, counter: { n: number }): string {
  let out = maskValues(s, knownSecretValues());
  out = out.replace(SECRET_SHAPES, (m) => redact(m));
  if (out !== s) counter.n++;
  return out;
}

function sanitize(value: AuditValue | undefined, counter: { n: number }): AuditValue | undefined {
  if (typeof value === 'string') return maskString(value, counter);
  if (Array.isArray(value)) return value.map((v) => sanitize(v, counter) ?? null);
  if (value && typeof value === 'object') {
    const out: Record<string, AuditValue> = {};
    for (const [k, v] of Object.entries(value)) {
      const s = sanitize(v, counter);
      if (s !== undefined) out[maskString(k, counter)] = s;
    }
    return out;
  }
  return value;
}

/** The last entry's seq and hash, read from the end of the log; null for an empty log. */
function readTail(storage: AuditLogStore): { seq: number; hash: string } | null {
  let last: ReturnType<AuditLogStore['lastLine']>;
  try {
    last = storage.lastLine();
  } catch (err) {
    throw wrapWriteError(err, `audit log ${storage.location}`);
  }
  if (last === null) return null;
  if (!last.complete) {
    throw integrityError(
      `the audit log ${storage.location} ends with a partial entry (an interrupted write?)`,
      'Run `credctl audit verify` to see where; nothing was appended.',
    );
  }
  try {
    const e = JSON.parse(last.line) as Partial<AuditEntry>;
    if (typeof e.seq === 'number' && typeof e.hash === 'string' && /^[0-9a-f]{64}$/.test(e.hash)) return { seq: e.seq, hash: e.hash };
  } catch {
    // fall through
  }
  throw integrityError(`the last entry of the audit log ${storage.location} is unreadable`, 'Run `credctl audit verify` to see where; nothing was appended.');
}

/** Read what the log is about to extend; failing to read it is failing to write (exit 4), not a crash. */
function readOrFail(read: () => string, what: string): string {
  try {
    return read();
  } catch (err) {
    throw wrapWriteError(err, what);
  }
}

function wrapWriteError(err: unknown, what: string): CredctlError {
  if (err instanceof CredctlError) return err;
  return integrityError(`cannot write the ${what}: ${describeSystemError(err)}`, 'Nothing was done: credctl does not act without recording it.');
}

export class AuditLog {
  readonly paths: AuditPaths;
  readonly actor: string;
  /** Entries this instance appended (withAudit checkpoints when > 0). */
  appended = 0;
  private readonly storeSource: AuditLogOptions['store'];
  private readonly note: (message: string) => void;
  private signingKey: KeyObject | undefined;
  private readonly storage: AuditLogStore;

  constructor(paths: AuditPaths, options: AuditLogOptions = {}) {
    this.paths = paths;
    this.storage = options.storage ?? fileAuditStore(paths);
    this.actor = options.actor ?? defaultActor(options.env);
    this.storeSource = options.store;
    this.note = options.note ?? (() => {});
  }

  private async lock(): Promise<{ release(): void }> {
    try {
      return await this.storage.lock();
    } catch (err) {
      // Fail closed with the audit log's own code (4), whatever refused the directory (a file in
      // its place, a symbolic link, another user's directory); a lock held too long by another
      // credctl keeps its own words and code (8).
      if (err instanceof CredctlError && err.exitCode === ExitCode.Store) throw err;
      if (err instanceof CredctlError)
        throw integrityError(`cannot write the audit log: ${err.message}`, err.hint ?? 'Nothing was done: credctl does not act without recording it.');
      throw wrapWriteError(err, 'audit log directory');
    }
  }

  private async store(): Promise<SecretStore> {
    const s = this.storeSource;
    if (!s) {
      const { openStore } = await import('../store/open.js');
      return openStore({ paths: projectPaths(), note: this.note });
    }
    return typeof s === 'function' ? s() : s;
  }

  /** Where this log's public key is written: audit.pub, unless the committed one is someone else's. */
  private get localPub(): string {
    return join(this.paths.stateDir, 'audit.local.pub');
  }

  /**
   * The signing key, created on first use. Called under the audit lock, so only one process
   * creates it. A committed `.credctl/audit.pub` is pinned: it is never overwritten. A clone
   * whose store lacks that key signs its own log with a new key, kept apart in
   * `.credctl/audit.local.pub` (and `audit verify` keeps verifying against the committed key).
   */
  private async key(): Promise<KeyObject> {
    if (this.signingKey) return this.signingKey;
    const store = await this.store();
    const pem = await store.get(AUDIT_KEY_NAME, { label: 'current' });
    const committed = committedPublicKey(this.paths.auditPub);
    const pubOnDisk = existsSync(this.paths.auditPub) ? readFileSync(this.paths.auditPub, 'utf8') : null;
    const logHasEntries = readTail(this.storage) !== null;
    if (pem === null) {
      if (pubOnDisk && logHasEntries) {
        throw storeError(
          `the audit signing key (${AUDIT_KEY_NAME}) is not in the ${store.backend} secret store, but this project's audit log was signed with one`,
          'Restore the secret store (or the keychain / CREDCTL_PASSPHRASE it needs); to start a new log, move .credctl/audit.jsonl, audit.pub and checkpoints away.',
        );
      }
      const made = generateSigningKey();
      await store.put(AUDIT_KEY_NAME, made.privatePem, ['current']);
      if (committed !== undefined) {
        // Stryker disable next-line ObjectLiteral: 0o644 is atomicWriteFileSync's default mode; said here so no one reads the key file as owner-only
        atomicWriteFileSync(this.localPub, made.publicPem, { mode: 0o644 });
        this.note(
          `credctl: this repository's committed audit.pub is another key, and your secret store does not hold it; your audit log is signed with a new key (public key in ${this.localPub}). The committed audit.pub is left as it is.`,
        );
      } else {
        // Stryker disable next-line ObjectLiteral: 0o644 is atomicWriteFileSync's default mode; said here so no one reads the key file as owner-only
        atomicWriteFileSync(this.paths.auditPub, made.publicPem, { mode: 0o644 });
        this.note(
          `credctl: created the audit signing key (private key in the secret store as ${AUDIT_KEY_NAME}, public key in ${this.paths.auditPub}: commit or publish it).`,
        );
      }
      this.signingKey = privateKeyFromPem(made.privatePem);
      return this.signingKey;
    }
    const key = privateKeyFromPem(pem);
    const pub = publicPemOf(key);
    const ours = parsePublicKey(pub);
    if (committed !== undefined && !samePublicKey(parsePublicKey(committed, `${this.paths.auditPub} (committed)`), ours)) {
      // Not the committed key: this clone's own log, whose public key lives beside it.
      const local = existsSync(this.localPub) ? readFileSync(this.localPub, 'utf8') : null;
      // Stryker disable next-line ObjectLiteral: 0o644 is atomicWriteFileSync's default mode; said here so no one reads the key file as owner-only
      if (local === null) atomicWriteFileSync(this.localPub, pub, { mode: 0o644 });
      else if (!samePublicKey(parsePublicKey(local, this.localPub), ours))
        throw integrityError(
          `the audit signing key in the secret store does not match ${this.localPub}`,
          'Someone replaced one of them; run `credctl audit verify --pubkey <the published key>`.',
        );
    } else if (pubOnDisk === null) atomicWriteFileSync(this.paths.auditPub, pub, { mode: 0o644 });
    else if (!samePublicKey(parsePublicKey(pubOnDisk, this.paths.auditPub), ours)) {
      throw integrityError(
        `the audit signing key in the secret store does not match ${this.paths.auditPub}`,
        'Someone replaced one of them; run `credctl audit verify --pubkey <the published key>`.',
      );
    }
    this.signingKey = key;
    return key;
  }

  /** Append one signed entry. Throws (fail closed) if it cannot be written. */
  async append(input: AuditInput): Promise<AuditEntry> {
    if (!input.action || typeof input.action !== 'string') throw new TypeError('audit.append: action is required');
    const counter = { n: 0 };
    const subject = (sanitize((input.subject ?? {}) as AuditValue, counter) ?? {}) as AuditSubject;
    const details = input.details ? (sanitize(input.details as AuditValue, counter) as Record<string, AuditValue>) : undefined;
    const lock = await this.lock();
    try {
      const key = await this.key();
      const tail = readTail(this.storage);
      const body: Omit<AuditEntry, 'hash' | 'sig'> = {
        v: 1,
        seq: (tail?.seq ?? 0) + 1,
        time: new Date().toISOString(),
        actor: maskString(input.actor ?? this.actor, counter),
        action: input.action,
        subject,
        outcome: input.outcome,
        ...(details || counter.n ? { details: { ...(details ?? {}), ...(counter.n ? { maskedValues: counter.n } : {}) } } : {}),
        prev: tail?.hash ?? GENESIS_PREV,
      };
      const hash = entryHash(body);
      const entry: AuditEntry = { ...body, hash, sig: signEntryHash(key, hash) };
      try {
        this.storage.appendLog(JSON.stringify(entry) + '\n');
      } catch (err) {
        throw wrapWriteError(err, `audit log ${this.storage.location}`);
      }
      this.appended++;
      return entry;
    } finally {
      lock.release();
    }
  }

  /**
   * Append a signed checkpoint of the whole log as it is now (other processes' entries included),
   * unless the latest checkpoint already covers it. Returns the note, or null if none was needed.
   */
  async checkpoint(): Promise<string | null> {
    const lock = await this.lock();
    try {
      const text = readOrFail(() => this.storage.readLog(), `audit log ${this.storage.location}`);
      if (text && !text.endsWith('\n')) throw integrityError(`the audit log ${this.storage.location} ends with a partial entry`, 'Run `credctl audit verify`.');
      const lines = text ? text.slice(0, -1).split('\n') : [];
      if (lines.length === 0) return null;
      const existing = parseCheckpoints(readOrFail(() => this.storage.readCheckpoints(), `checkpoint file ${this.storage.checkpointsLocation}`)).checkpoints;
      if (existing.at(-1)?.size === lines.length) return null;
      const key = await this.key();
      const { createPublicKey } = await import('node:crypto');
      const note = formatCheckpoint(key, createPublicKey(key), lines.length, merkleRoot(lines));
      try {
        this.storage.appendCheckpoint(note);
      } catch (err) {
        throw wrapWriteError(err, `checkpoint file ${this.storage.checkpointsLocation}`);
      }
      return note;
    } finally {
      lock.release();
    }
  }
}

export async function openAuditLog(paths: AuditPaths = projectPaths(), options: AuditLogOptions = {}): Promise<AuditLog> {
  return new AuditLog(paths, options);
}

/**
 * Run `fn` with the project's audit log and write a signed checkpoint at the end if anything was
 * appended, whether `fn` succeeded or failed (a failed action's entries need a checkpoint too).
 */
export async function withAudit<T>(fn: (audit: AuditLog) => Promise<T>, options: AuditLogOptions & { paths?: AuditPaths } = {}): Promise<T> {
  const audit = await openAuditLog(options.paths ?? projectPaths(), options);
  let result: T;
  try {
    result = await fn(audit);
  } catch (err) {
    // Stryker disable next-line ArrowFunction: the checkpoint's own failure is dropped either way (the command's error is what the caller sees)
    if (audit.appended > 0) await audit.checkpoint().catch(() => null);
    throw err;
  }
  if (audit.appended > 0) await audit.checkpoint();
  return result;
}
