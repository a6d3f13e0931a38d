import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { CompiledRuleSet } from './detect.js';
import { decodeText } from './decode.js';
import type { Finding } from './finding.js';
import type { GitStatus } from './files.js';
import { scanText } from './scan-text.js';
import { emptyStats, type ScanStats } from './types.js';

/**
 * Scan files one at a time: open, check the size before reading (so an oversized file costs one
 * fstat), read, decode, match, forget. Only the current file is ever in memory. The same code
 * runs in the main thread and in the worker threads.
 */
export interface FileJob {
  /** Absolute path to read. */
  path: string;
  /** Path as reported in findings. */
  display: string;
  /** The file's standing with git (committed, untracked, or ignored: on this machine only). */
  git?: GitStatus;
}

export interface BatchResult {
  findings: Finding[];
  stats: ScanStats;
}

export function scanFiles(set: CompiledRuleSet, jobs: FileJob[], maxFileSize: number, reportAllowed = false): BatchResult {
  const stats = emptyStats();
  const findings: Finding[] = [];
  for (const job of jobs) {
    const buf = readBounded(job.path, maxFileSize);
    if (buf === 'tooLarge' || buf === 'unreadable') {
      stats.skipped[buf]++;
      continue;
    }
    const decoded = decodeText(buf);
    if ('binary' in decoded) {
      stats.skipped.binary++;
      continue;
    }
    stats.filesScanned++;
    stats.bytesScanned += buf.length;
    const r = scanText(set, decoded.text, job.display, job.git ? { reportAllowed, extra: { git: job.git } } : { reportAllowed });
    stats.suppressed.allowComment += r.allowed;
    for (const f of r.findings) findings.push(f);
  }
  return { findings, stats };
}

let shared = Buffer.allocUnsafe(256 * 1024);
/** A buffer of at least `size` bytes, valid until the next call (files above 4 MB get their own). */
function readBuffer(size: number): Buffer {
  if (size > shared.length) {
    if (size > 4 * 1024 * 1024) return Buffer.allocUnsafe(size);
    shared = Buffer.allocUnsafe(Math.max(size, shared.length * 2));
  }
  return shared.subarray(0, size);
}

/**
 * The file's bytes, or why not: over the size limit, or unreadable (permissions, vanished, a
 * directory). The bytes live in a buffer the next call reuses (a new buffer per file was garbage
 * collection on every file of a many-small-files scan): decode them before reading another file.
 */
export function readBounded(path: string, maxFileSize: number): Buffer | 'tooLarge' | 'unreadable' {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 'unreadable';
  }
  try {
    // Most files are small: one read into the shared buffer that comes back short has read the
    // whole file, with no fstat (a syscall and a Stats object with four Dates, per file). A
    // full buffer means a bigger file: then its size decides (over the limit: not read further).
    const first = shared;
    const probe = Math.min(first.length, maxFileSize + 1);
    let n = readSync(fd, first, 0, probe, 0);
    if (n < probe) return first.subarray(0, n);
    const st = fstatSync(fd);
    if (!st.isFile()) return 'unreadable';
    if (st.size > maxFileSize) return 'tooLarge';
    // Read at most the size fstat saw: a file growing under us cannot push us past the limit.
    const buf = readBuffer(Math.max(st.size, 1));
    n = Math.min(n, buf.length);
    if (buf.buffer !== first.buffer || buf.byteOffset !== first.byteOffset) buf.set(first.subarray(0, n));
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, n);
      if (r === 0) break;
      n += r;
    }
    return buf.subarray(0, n);
  } catch {
    return 'unreadable';
  } finally {
    closeSync(fd);
  }
}
