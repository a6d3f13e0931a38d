import { closeSync, openSync, readFileSync, unlinkSync, writeSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { pidAlive } from '../core/atomic-write.js';
import { storeError } from '../core/errors.js';

/**
 * A cross-process lock on a file path, used by the secret store and the audit log so two credctl
 * processes never interleave a read-modify-write (the audit chain would fork, a store write would
 * be lost).
 *
 * The lock is a file created with O_EXCL holding its owner (pid, host, time, a random token).
 * A lock is stale, and may be broken, when its owner is on this host and no longer alive, or when
 * it is older than `staleMs` (an owner on another host sharing the directory, or a hung process).
 * Breaking happens under a second short-lived "breaker" lock and only after re-reading the lock
 * and seeing the same token, so two waiters that both saw a stale lock cannot both break it and
 * one of them end up deleting the other's fresh lock.
 *
 * Everything is synchronous on purpose: the critical sections are tiny, and a synchronous lock
 * cannot be released by an unrelated await interleaving inside the same process.
 */
export interface LockOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** A lock older than this is broken even if its owner looks alive (default 60 s). */
  staleMs?: number;
  /** Name for error messages ("audit log", "secret store"). */
  what?: string;
}

interface LockOwner {
  pid: number;
  host: string;
  time: number;
  token: string;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof o.pid === 'number' && typeof o.token === 'string' && typeof o.time === 'number') return o as LockOwner;
    return null;
  } catch {
    return null;
  }
}

function isStale(path: string, owner: LockOwner | null, staleMs: number): boolean {
  if (owner) {
    if (owner.host === hostname() && !pidAlive(owner.pid)) return true;
    return Date.now() - owner.time > staleMs;
  }
  // Unreadable content: a writer died between create and write, or garbage. Judge by mtime.
  try {
    return Date.now() - statSync(path).mtimeMs > Math.min(staleMs, 5_000);
  } catch {
    return false;
  }
}

function tryCreate(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, JSON.stringify(owner));
  } finally {
    closeSync(fd);
  }
  return true;
}

function tryBreak(path: string, seen: LockOwner | null, staleMs: number): void {
  const breaker = path + '.break';
  const me: LockOwner = { pid: process.pid, host: hostname(), time: Date.now(), token: randomBytes(8).toString('hex') };
  if (!tryCreate(breaker, me)) {
    // Someone else is breaking; a breaker left by a crash is itself broken after a short while.
    const b = readOwner(breaker);
    if (isStale(breaker, b, 5_000)) {
      try {
        unlinkSync(breaker);
      } catch {
        /* raced */
      }
    }
    return;
  }
  try {
    const now = readOwner(path);
    const same = seen === null ? now === null : now?.token === seen.token;
    if (same && isStale(path, now, staleMs)) {
      try {
        unlinkSync(path);
      } catch {
        /* already gone */
      }
    }
  } finally {
    try {
      unlinkSync(breaker);
    } catch {
      /* gone */
    }
  }
}

export interface HeldLock {
  release(): void;
}

export function acquireLock(path: string, options: LockOptions = {}): HeldLock {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const staleMs = options.staleMs ?? 60_000;
  const owner: LockOwner = { pid: process.pid, host: hostname(), time: Date.now(), token: randomBytes(8).toString('hex') };
  const deadline = Date.now() + timeoutMs;
  let wait = 2;
  for (;;) {
    owner.time = Date.now();
    if (tryCreate(path, owner)) break;
    const seen = readOwner(path);
    if (isStale(path, seen, staleMs)) {
      tryBreak(path, seen, staleMs);
      continue;
    }
    if (Date.now() > deadline) {
      const by = seen ? ` (held by pid ${seen.pid} on ${seen.host})` : '';
      throw storeError(
        `could not lock the ${options.what ?? 'state'}: ${path} is locked${by}`,
        'Another credctl is running. If none is, delete that lock file.',
      );
    }
    // Jittered backoff so many waiters do not wake in lockstep.
    sleepSync(wait + Math.random() * wait);
    wait = Math.min(wait * 2, 50);
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      // Only remove the lock if it is still ours (it may have been broken as stale meanwhile).
      if (readOwner(path)?.token === owner.token) {
        try {
          unlinkSync(path);
        } catch {
          /* gone */
        }
      }
    },
  };
}

export function withLockSync<T>(path: string, options: LockOptions, fn: () => T): T {
  const lock = acquireLock(path, options);
  try {
    return fn();
  } finally {
    lock.release();
  }
}

/**
 * Queues of in-process holders per lock path. The file lock alone would deadlock when two async
 * tasks of the same process want it while the first awaits I/O: the second's synchronous wait
 * would block the event loop the first needs. So in-process callers queue here first.
 */
const inProcessTails = new Map<string, Promise<void>>();

/** Acquire the lock for an async critical section: in-process queue first, then the file lock. */
export async function acquireLockAsync(path: string, options: LockOptions = {}): Promise<HeldLock> {
  const before = inProcessTails.get(path) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((r) => (done = r));
  const tail = before.then(() => mine);
  inProcessTails.set(path, tail);
  await before;
  let file: HeldLock;
  try {
    file = acquireLock(path, options);
  } catch (err) {
    done();
    if (inProcessTails.get(path) === tail) inProcessTails.delete(path);
    throw err;
  }
  return {
    release() {
      file.release();
      done();
      if (inProcessTails.get(path) === tail) inProcessTails.delete(path);
    },
  };
}
