import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync, chmodSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { randomBytes, scryptSync } from 'node:crypto';
import { describeSystemError, storeError } from '../core/errors.js';

/**
 * Where the encrypted file store's 32-byte master key comes from, in this order:
 *   1. CREDCTL_KEY_FILE: a file holding 32 random bytes as 64 hex or base64 characters (or raw).
 *   2. CREDCTL_PASSPHRASE: scrypt(passphrase, salt, N=2^17, r=8, p=1) (OWASP's minimum for scrypt;
 *      about 0.3 s and 128 MiB once per process). The salt and parameters live in the store file.
 *   3. Neither: a random key generated once at $XDG_CONFIG_HOME/credctl/store.key (default
 *      ~/.config/credctl/store.key), mode 0600, outside the repository, announced once on stderr.
 *      This keeps a fresh machine or CI working with no setup while keeping the key out of the repo;
 *      it protects against the state file leaking alone (a copied repo, a backup), not against
 *      someone who can read your home directory.
 * An existing store file says which kind it was made with, and that kind is required to open it.
 */
export type KdfParams = { type: 'scrypt'; salt: string; N: number; r: number; p: number } | { type: 'keyfile' };

export const SCRYPT_DEFAULTS = { N: 1 << 17, r: 8, p: 1 } as const;
// Bounds for parameters read from a file, so a crafted file cannot make us allocate gigabytes.
const MAX_N = 1 << 20;

export function defaultKeyFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME ? resolve(env.XDG_CONFIG_HOME) : join(env.HOME || homedir(), '.config');
  return join(base, 'credctl', 'store.key');
}

export function parseKeyFile(path: string): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw storeError(
      `cannot read key file ${path}: ${describeSystemError(err)}`,
      'Set CREDCTL_KEY_FILE to a readable file holding a 32-byte key (64 hex characters).',
    );
  }
  const text = raw.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(text)) {
    const b = Buffer.from(text, 'base64');
    if (b.length === 32) return b;
  }
  if (raw.length === 32) return raw;
  throw storeError(`key file ${path} does not hold a 32-byte key`, 'Generate one with: openssl rand -hex 32 > FILE && chmod 600 FILE');
}

/** Create the default key file if it does not exist (race-safe: O_EXCL). Returns true if created. */
function ensureDefaultKeyFile(path: string): boolean {
  if (existsSync(path)) return false;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw storeError(`cannot create key file ${path}: ${describeSystemError(err)}`, 'Set CREDCTL_PASSPHRASE or CREDCTL_KEY_FILE instead.');
  }
  try {
    writeSync(fd, randomBytes(32).toString('hex') + '\n');
  } finally {
    closeSync(fd);
  }
  chmodSync(path, 0o600);
  return true;
}

export interface ResolvedKey {
  key: Buffer;
  kdf: KdfParams;
  /** Where the key came from, for `store status` (never the key itself). */
  source: string;
}

function scrypt(passphrase: string, p: { salt: string; N: number; r: number; p: number }): Buffer {
  if (!(p.N > 1 && p.N <= MAX_N && (p.N & (p.N - 1)) === 0 && p.r >= 1 && p.r <= 32 && p.p >= 1 && p.p <= 16)) {
    throw storeError('the store file has implausible scrypt parameters', 'The file may be corrupted; restore it from a backup.');
  }
  return scryptSync(passphrase, Buffer.from(p.salt, 'base64'), 32, { N: p.N, r: p.r, p: p.p, maxmem: 256 * 1024 * 1024 });
}

/** The key for an existing file made with `kdf`. */
export function keyForExisting(kdf: KdfParams, env: NodeJS.ProcessEnv): ResolvedKey {
  if (kdf.type === 'scrypt') {
    const pass = env.CREDCTL_PASSPHRASE;
    if (!pass) {
      throw storeError('the secret store file is encrypted with a passphrase', 'Set CREDCTL_PASSPHRASE (or CREDCTL_STORE=keychain to use the OS keychain).');
    }
    return { key: scrypt(pass, kdf), kdf, source: 'CREDCTL_PASSPHRASE (scrypt)' };
  }
  const path = env.CREDCTL_KEY_FILE ? resolve(env.CREDCTL_KEY_FILE) : defaultKeyFilePath(env);
  if (!env.CREDCTL_KEY_FILE && !existsSync(path)) {
    throw storeError(
      `the secret store file is encrypted with a key file, and ${path} does not exist`,
      'Set CREDCTL_KEY_FILE to the key file it was made with.',
    );
  }
  return { key: parseKeyFile(path), kdf, source: env.CREDCTL_KEY_FILE ? `CREDCTL_KEY_FILE (${path})` : `key file ${path}` };
}

/** The key for a new file, per the order documented above. */
export function keyForNew(env: NodeJS.ProcessEnv, note: (msg: string) => void): ResolvedKey {
  if (env.CREDCTL_KEY_FILE) {
    const path = resolve(env.CREDCTL_KEY_FILE);
    return { key: parseKeyFile(path), kdf: { type: 'keyfile' }, source: `CREDCTL_KEY_FILE (${path})` };
  }
  if (env.CREDCTL_PASSPHRASE) {
    const kdf = { type: 'scrypt' as const, salt: randomBytes(16).toString('base64'), ...SCRYPT_DEFAULTS };
    return { key: scrypt(env.CREDCTL_PASSPHRASE, kdf), kdf, source: 'CREDCTL_PASSPHRASE (scrypt)' };
  }
  const path = defaultKeyFilePath(env);
  if (ensureDefaultKeyFile(path)) {
    note(
      `credctl: no keychain, CREDCTL_PASSPHRASE or CREDCTL_KEY_FILE; generated a store key at ${path} (mode 0600). Back it up: without it the store cannot be read.`,
    );
  }
  return { key: parseKeyFile(path), kdf: { type: 'keyfile' }, source: `key file ${path}` };
}
