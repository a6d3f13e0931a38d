import { closeSync, constants, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync, chmodSync } from 'node:fs';
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

/** Temp files credctl writes next to their target: `.<name>.credctl-<pid>-<hex>.tmp`, mode 0600. */
export const TEMP_FILE = /^\..+\.credctl-\d+-[0-9a-f]{8}\.tmp$/;

function writeAtomically(path: string, data: string | Uint8Array, mode: number): void {
  const tmp = join(dirname(path), `.${basename(path)}.credctl-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  // Owner-only until it is complete: a crash must not leave a secret readable by others. The
  // final mode is set just before the rename.
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw err;
  }
  closeSync(fd);
  try {
    // openSync's mode is filtered by the umask; the final mode is exact whatever the umask.
    chmodSync(tmp, mode);
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw err;
  }
  fsyncDir(dirname(path));
}

/**
 * Remove temp files a killed credctl left in `dir` (they may hold a secret) and say which: called
 * on every run and resume for the directories credctl writes into.
 */
export function sweepTempFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!TEMP_FILE.test(name)) continue;
    const pid = Number(/credctl-(\d+)-/.exec(name)?.[1]);
    if (pid === process.pid || pidAlive(pid)) continue; // a write in progress, here or in another credctl
    try {
      unlinkSync(join(dir, name));
      removed.push(join(dir, name));
    } catch {
      // Gone already, or not ours to remove.
    }
  }
  return removed;
}

/** Is a process with this id running (on this host)? EPERM: it exists but belongs to someone else. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Open a state file for appending without following a symbolic link planted in its place. */
export function openForAppend(path: string, mode = 0o600): number {
  return openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, mode);
}

export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  }
}
