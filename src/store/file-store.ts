import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { canonicalJson } from '../core/canonical-json.js';
import { atomicWriteFileSync } from '../core/atomic-write.js';
import { describeSystemError, inputError, integrityError, storeError } from '../core/errors.js';
import { fingerprint } from '../core/fingerprint.js';
import { ensureStateDir } from '../core/paths.js';
import { keyForExisting, keyForNew, type KdfParams, type ResolvedKey } from './file-key.js';
import { rememberSecretValue } from './known-values.js';
import { withLockSync } from './lockfile.js';
import { addVersion, checkSecretName, entryInfo, moveLabel, selectVersion, versionInfos, type SecretMeta, type VersionMeta } from './metadata.js';
import type { SecretEntryInfo, SecretStore, SecretVersionInfo, VersionLabel } from './types.js';

/**
 * The encrypted-file backend (`.credctl/store.enc.json`), for machines without a keychain.
 *
 * Each value is sealed on its own with AES-256-GCM under a fresh random 96-bit nonce, with the
 * record's identity (`credctl-store/v1\0<name>\0<version>`) as additional authenticated data, so a
 * ciphertext moved to another name or version fails to open. Metadata (names, versions, labels,
 * fingerprints; never values) is in the clear so `list` needs no decryption, and the whole file is
 * covered by an HMAC so labels cannot be moved behind credctl's back. Encryption and MAC keys are
 * derived from the master key with HKDF-SHA256; a key-check HMAC tells "wrong passphrase" apart
 * from "file modified". Writes happen under a lock, re-read the file, and replace it atomically
 * with mode 0600.
 */
const FORMAT = 'credctl-store-enc/v1';

interface SealedVersion extends VersionMeta {
  nonce: string;
  /** base64(ciphertext || 16-byte GCM tag) */
  ciphertext: string;
}

interface SealedSecret extends SecretMeta {
  versions: SealedVersion[];
}

interface StoreFile {
  format: string;
  kdf: KdfParams;
  keyCheck: string;
  secrets: Record<string, SealedSecret>;
  mac: string;
}

interface Keys {
  enc: Buffer;
  mac: Buffer;
  resolved: ResolvedKey;
}

function deriveKeys(resolved: ResolvedKey): Keys {
  const sub = (info: string) => Buffer.from(hkdfSync('sha256', resolved.key, Buffer.alloc(0), info, 32));
  return { enc: sub('credctl-store/v1/enc'), mac: sub('credctl-store/v1/mac'), resolved };
}

function keyCheck(keys: Keys): string {
  return createHmac('sha256', keys.mac).update('credctl-store/v1/key-check').digest('base64');
}

function fileMac(keys: Keys, file: Omit<StoreFile, 'mac'>): string {
  const { format, kdf, keyCheck: kc, secrets } = file;
  return createHmac('sha256', keys.mac)
    .update(canonicalJson({ format, kdf, keyCheck: kc, secrets }))
    .digest('base64');
}

function aad(name: string, version: number): Buffer {
  return Buffer.from(`credctl-store/v1\0${name}\0${version}`, 'utf8');
}

function seal(keys: Keys, name: string, version: number, value: string): { nonce: string; ciphertext: string } {
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', keys.enc, nonce);
  c.setAAD(aad(name, version));
  const ct = Buffer.concat([c.update(value, 'utf8'), c.final(), c.getAuthTag()]);
  return { nonce: nonce.toString('base64'), ciphertext: ct.toString('base64') };
}

function open(keys: Keys, name: string, v: SealedVersion): string {
  const buf = Buffer.from(v.ciphertext, 'base64');
  if (buf.length < 16) throw integrityError(`secret store record ${name} v${v.version} is truncated`);
  const d = createDecipheriv('aes-256-gcm', keys.enc, Buffer.from(v.nonce, 'base64'));
  d.setAAD(aad(name, v.version));
  d.setAuthTag(buf.subarray(buf.length - 16));
  try {
    return Buffer.concat([d.update(buf.subarray(0, buf.length - 16)), d.final()]).toString('utf8');
  } catch {
    throw integrityError(
      `secret store record ${name} v${v.version} does not decrypt: it was modified or moved`,
      'Restore .credctl/store.enc.json from a backup.',
    );
  }
}

function macEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'base64');
  const y = Buffer.from(b, 'base64');
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface FileStoreOptions {
  path: string;
  env?: NodeJS.ProcessEnv;
  /** One-time messages for the person at the terminal (stderr). */
  note?: (message: string) => void;
}

export class FileStore implements SecretStore {
  readonly backend = 'file' as const;
  private readonly path: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly note: (message: string) => void;
  private keys: Keys | undefined;

  constructor(options: FileStoreOptions) {
    this.path = options.path;
    this.env = options.env ?? process.env;
    this.note = options.note ?? (() => {});
  }

  describe(): string {
    const rel = relative(process.cwd(), this.path) || this.path;
    const src = this.keys ? `; key from ${this.keys.resolved.source}` : '';
    return `encrypted file ${rel.startsWith('..') ? this.path : rel}${src}`;
  }

  /** Open the file (or prepare a new one) and check the key; throws a one-line error on a wrong key. */
  unlock(): void {
    this.read();
  }

  private get lockPath(): string {
    return this.path + '.lock';
  }

  /**
   * Read and authenticate the file; a missing file is an empty store. Only a write (`forWrite`)
   * settles the key of a new store, so reading commands (`store status`, `list`, `get`) never
   * create a key file.
   */
  private read(forWrite = false): StoreFile {
    if (!existsSync(this.path)) {
      if (!forWrite) return { format: FORMAT, kdf: { type: 'keyfile' }, keyCheck: '', secrets: {}, mac: '' };
      const keys = (this.keys ??= deriveKeys(keyForNew(this.env, this.note)));
      return { format: FORMAT, kdf: keys.resolved.kdf, keyCheck: keyCheck(keys), secrets: {}, mac: '' };
    }
    let file: StoreFile;
    try {
      file = JSON.parse(readFileSync(this.path, 'utf8')) as StoreFile;
    } catch (err) {
      const why = err instanceof SyntaxError ? 'is not valid JSON' : describeSystemError(err);
      throw storeError(`cannot read the secret store ${this.path}: ${why}`, 'Restore it from a backup, or move it away to start an empty store.');
    }
    if (file?.format !== FORMAT || !file.kdf || typeof file.keyCheck !== 'string' || typeof file.secrets !== 'object') {
      throw storeError(`${this.path} is not a credctl store file (${FORMAT})`);
    }
    if (!this.keys || JSON.stringify(this.keys.resolved.kdf) !== JSON.stringify(file.kdf)) {
      this.keys = deriveKeys(keyForExisting(file.kdf, this.env));
    }
    if (!macEqual(keyCheck(this.keys), file.keyCheck)) {
      const what = file.kdf.type === 'scrypt' ? 'CREDCTL_PASSPHRASE' : 'key file';
      this.keys = undefined;
      throw storeError(`wrong ${what}: it does not open the secret store ${this.path}`, `Use the ${what} the store was created with.`);
    }
    if (!macEqual(fileMac(this.keys, file), file.mac)) {
      throw integrityError(`the secret store ${this.path} was modified outside credctl (its MAC does not match)`, 'Restore it from a backup.');
    }
    return file;
  }

  private write(file: StoreFile): void {
    const keys = this.keys!;
    file.keyCheck = keyCheck(keys);
    file.mac = fileMac(keys, file);
    ensureStateDir(dirname(this.path));
    atomicWriteFileSync(this.path, JSON.stringify(file, null, 1) + '\n', { mode: 0o600 });
  }

  private mutate<T>(fn: (file: StoreFile) => T): T {
    try {
      ensureStateDir(dirname(this.path));
    } catch (err) {
      throw storeError(`cannot create ${dirname(this.path)}: ${describeSystemError(err)}`);
    }
    return withLockSync(this.lockPath, { what: 'secret store' }, () => {
      const file = this.read(true);
      const out = fn(file);
      this.write(file);
      return out;
    });
  }

  async put(name: string, value: string, labels: VersionLabel[] = []): Promise<SecretVersionInfo> {
    checkSecretName(name);
    rememberSecretValue(value);
    const info = this.mutate((file) => {
      const { meta, info } = addVersion(file.secrets[name], fingerprint(value), labels);
      const sealed = seal(this.keys!, name, info.version, value);
      const old = file.secrets[name]?.versions ?? [];
      file.secrets[name] = { ...meta, versions: [...old, { ...info, ...sealed }] };
      return info;
    });
    return versionInfos(this.read().secrets[name]).find((v) => v.version === info.version)!;
  }

  async get(name: string, select: { version?: number; label?: VersionLabel } = {}): Promise<string | null> {
    checkSecretName(name);
    const secret = this.read().secrets[name];
    const version = selectVersion(secret, select);
    if (version === null) return null;
    const value = open(this.keys!, name, secret!.versions.find((v) => v.version === version)!);
    rememberSecretValue(value);
    return value;
  }

  async versions(name: string): Promise<SecretVersionInfo[]> {
    checkSecretName(name);
    return versionInfos(this.read().secrets[name]);
  }

  async setLabel(name: string, version: number, label: VersionLabel): Promise<void> {
    checkSecretName(name);
    this.mutate((file) => {
      const s = file.secrets[name];
      if (!s) throw inputError(`no secret named ${name}`);
      moveLabel(s, version, label);
      s.updatedAt = new Date().toISOString();
    });
  }

  async list(): Promise<SecretEntryInfo[]> {
    const file = this.read();
    return Object.keys(file.secrets)
      .sort()
      .map((n) => entryInfo(n, file.secrets[n]!));
  }

  async delete(name: string): Promise<boolean> {
    checkSecretName(name);
    if (!existsSync(this.path)) return false;
    return this.mutate((file) => {
      if (!file.secrets[name]) return false;
      delete file.secrets[name];
      return true;
    });
  }
}
