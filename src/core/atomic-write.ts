import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync, chmodSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, basename, join } from 'node:path';
import { CredctlError, describeSystemError, inputError } from './errors.js';

export interface AtomicWriteOptions {
  /** File mode for the new file. Secrets are always 0o600 (design promise 5). */
  mode?: number;
}

/**
 * Write a file so that readers see either the old content or the new, never half of it, even if
 * the process is killed: write a temp file in the same directory, fsync it, rename it over the
 * target, then fsync the directory so the rename itself survives a crash.
 */
export function atomicWriteFileSync(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  try {
    writeAtomically(path, data, options.mode ?? 0o644);
  } catch (err) {
    if (err instanceof CredctlError) throw err;
    // A missing directory, no permission, a full disk: the user's to fix, said in one line.
    throw inputError(`cannot write ${path}: ${describeSystemError(err)}`);
  }
}

function writeAtomically(path: string, data: string | Uint8Array, mode: number): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw err;
  }
  closeSync(fd);
  // openSync's mode is filtered by the umask; secrets must be exactly 0600 whatever the umask.
  chmodSync(tmp, mode);
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  }
}
