import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { atomicWriteFileSync } from '../core/atomic-write.js';
import { describeSystemError, inputError, storeError } from '../core/errors.js';
import { fingerprint } from '../core/fingerprint.js';
import { ensureStateDir } from '../core/paths.js';
import { rememberSecretValue } from './known-values.js';
import { acquireLockAsync } from './lockfile.js';
import { addVersion, checkSecretName, entryInfo, moveLabel, selectVersion, versionInfos, type SecretMeta } from './metadata.js';
import type { SecretEntryInfo, SecretStore, SecretVersionInfo, VersionLabel } from './types.js';

/**
 * The OS keychain backend (macOS Keychain, Windows Credential Manager, Linux Secret Service)
 * through @napi-rs/keyring.
 *
 * The keychain holds each version's value as one item: service `credctl:<project-id>`, account
 * `<name>#<version>`. A keychain can only look items up by account, so version metadata (numbers,
 * labels, createdAt, fingerprints; never values) lives in `.credctl/keychain-index.json` (mode 0600).
 * The project id is random, made with the index, so two projects (or two clones) never share items.
 * Values are written to the keychain before the index points at them, so the index never names a
 * value that is not there; a crash in between leaves an orphan item, never a dangling entry.
 *
 * @napi-rs/keyring's getPassword() returns null both for "no such item" and for "keychain not
 * reachable", so a null for a version the index lists is reported as the keychain being
 * unavailable, never as "no secret".
 */
const FORMAT = 'credctl-keychain-index/v1';
const TIMEOUT_MS = 15_000;

interface KeychainIndex {
  format: string;
  projectId: string;
  secrets: Record<string, SecretMeta>;
}

type Keyring = typeof import('@napi-rs/keyring');
let keyringModule: Promise<Keyring> | undefined;
export function loadKeyring(): Promise<Keyring> {
  return (keyringModule ??= import('@napi-rs/keyring'));
}

/** The first line of a keyring error (the native module appends a Rust backtrace). */
export function keyringMessage(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.split('\n')[0]!.trim();
}

export function keychainHint(): string {
  return 'Unlock the OS keychain (Linux: start gnome-keyring with a session D-Bus), or set CREDCTL_STORE=file with CREDCTL_PASSPHRASE.';
}

export interface KeychainStoreOptions {
  indexPath: string;
}

export class KeychainStore implements SecretStore {
  readonly backend = 'keychain' as const;
  private readonly indexPath: string;

  constructor(options: KeychainStoreOptions) {
    this.indexPath = options.indexPath;
  }

  describe(): string {
    const kind = process.platform === 'darwin' ? 'macOS Keychain' : process.platform === 'win32' ? 'Windows Credential Manager' : 'Secret Service (D-Bus)';
    const idx = this.readIndex();
    return `OS keychain: ${kind}, service ${idx ? `credctl:${idx.projectId}` : '(not created yet)'}`;
  }

  private readIndex(): KeychainIndex | null {
    if (!existsSync(this.indexPath)) return null;
    try {
      const idx = JSON.parse(readFileSync(this.indexPath, 'utf8')) as KeychainIndex;
      if (idx.format !== FORMAT || typeof idx.projectId !== 'string' || typeof idx.secrets !== 'object') throw new SyntaxError('format');
      return idx;
    } catch (err) {
      const why = err instanceof SyntaxError ? 'is not a credctl keychain index' : describeSystemError(err);
      throw storeError(`cannot read ${this.indexPath}: ${why}`, 'Restore it from a backup; the values themselves are still in the keychain.');
    }
  }

  private service(idx: KeychainIndex): string {
    return `credctl:${idx.projectId}`;
  }

  private async entry(idx: KeychainIndex, name: string, version: number) {
    const { AsyncEntry } = await loadKeyring();
    return new AsyncEntry(this.service(idx), `${name}#${version}`);
  }

  /** Run a read-modify-write of the index under the store lock; `fn` may do keychain I/O. */
  private async mutate<T>(fn: (idx: KeychainIndex) => Promise<T>): Promise<T> {
    try {
      ensureStateDir(dirname(this.indexPath));
    } catch (err) {
      throw storeError(`cannot create ${dirname(this.indexPath)}: ${describeSystemError(err)}`);
    }
    // Held across the awaited keychain calls: released in finally, never by an interleaving task.
    const lock = await acquireLockAsync(this.indexPath + '.lock', { what: 'secret store' });
    try {
      const idx = this.readIndex() ?? { format: FORMAT, projectId: randomBytes(8).toString('hex'), secrets: {} };
      const out = await fn(idx);
      atomicWriteFileSync(this.indexPath, JSON.stringify(idx, null, 1) + '\n', { mode: 0o600 });
      return out;
    } finally {
      lock.release();
    }
  }

  async put(name: string, value: string, labels: VersionLabel[] = []): Promise<SecretVersionInfo> {
    checkSecretName(name);
    rememberSecretValue(value);
    const info = await this.mutate(async (idx) => {
      const { meta, info } = addVersion(idx.secrets[name], fingerprint(value), labels);
      const entry = await this.entry(idx, name, info.version);
      try {
        await entry.setPassword(value, AbortSignal.timeout(TIMEOUT_MS));
      } catch (err) {
        throw storeError(`the OS keychain refused to store ${name}: ${keyringMessage(err)}`, keychainHint());
      }
      idx.secrets[name] = meta;
      return info;
    });
    return (await this.versions(name)).find((v) => v.version === info.version)!;
  }

  async get(name: string, select: { version?: number; label?: VersionLabel } = {}): Promise<string | null> {
    checkSecretName(name);
    const idx = this.readIndex();
    const meta = idx?.secrets[name];
    const version = selectVersion(meta, select);
    if (!idx || version === null) return null;
    let value: string | null | undefined;
    try {
      value = await (await this.entry(idx, name, version)).getPassword(AbortSignal.timeout(TIMEOUT_MS));
    } catch (err) {
      throw storeError(`the OS keychain could not be read: ${keyringMessage(err)}`, keychainHint());
    }
    if (value === null || value === undefined) {
      throw storeError(`the OS keychain did not return ${name} v${version} (locked, unreachable, or the item was removed outside credctl)`, keychainHint());
    }
    rememberSecretValue(value);
    return value;
  }

  async versions(name: string): Promise<SecretVersionInfo[]> {
    checkSecretName(name);
    return versionInfos(this.readIndex()?.secrets[name]);
  }

  async setLabel(name: string, version: number, label: VersionLabel): Promise<void> {
    checkSecretName(name);
    await this.mutate(async (idx) => {
      const meta = idx.secrets[name];
      if (!meta) throw inputError(`no secret named ${name}`);
      moveLabel(meta, version, label);
      meta.updatedAt = new Date().toISOString();
    });
  }

  async list(): Promise<SecretEntryInfo[]> {
    const idx = this.readIndex();
    if (!idx) return [];
    return Object.keys(idx.secrets)
      .sort()
      .map((n) => entryInfo(n, idx.secrets[n]!));
  }

  async delete(name: string): Promise<boolean> {
    checkSecretName(name);
    if (!this.readIndex()?.secrets[name]) return false;
    return this.mutate(async (idx) => {
      const meta = idx.secrets[name];
      if (!meta) return false;
      for (const v of meta.versions) {
        const entry = await this.entry(idx, name, v.version);
        try {
          await entry.deleteCredential(AbortSignal.timeout(TIMEOUT_MS));
        } catch (err) {
          // Already gone is fine (deleted outside credctl); anything else stops before the index changes.
          if (!/no (matching )?entry|not found|NoEntry/i.test(keyringMessage(err))) {
            throw storeError(`the OS keychain could not delete ${name} v${v.version}: ${keyringMessage(err)}`, keychainHint());
          }
        }
      }
      delete idx.secrets[name];
      return true;
    });
  }
}

/**
 * Does a keychain answer here? Writes, reads back and deletes a probe item, because listing or
 * reading cannot tell "empty" from "absent" with this library (see above).
 */
export async function probeKeychain(): Promise<{ ok: true } | { ok: false; reason: string }> {
  let keyring: Keyring;
  try {
    keyring = await loadKeyring();
  } catch (err) {
    return { ok: false, reason: `the keychain module could not load (${keyringMessage(err)})` };
  }
  if (process.platform === 'linux' && !process.env.DBUS_SESSION_BUS_ADDRESS) {
    return { ok: false, reason: 'no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)' };
  }
  const entry = new keyring.AsyncEntry('credctl:probe', `probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  const token = randomBytes(8).toString('hex');
  try {
    await entry.setPassword(token, AbortSignal.timeout(5_000));
    const back = await entry.getPassword(AbortSignal.timeout(5_000));
    await entry.deleteCredential(AbortSignal.timeout(5_000)).catch(() => false);
    if (back !== token) return { ok: false, reason: 'the keychain did not return what was written' };
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: keyringMessage(err) };
  }
}
