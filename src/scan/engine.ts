import { shownSafely } from '../core/redact.js';
import { createReadStream, statSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { describeSystemError, inputError } from '../core/errors.js';
import { findProjectRoot } from '../core/paths.js';
import type { Baseline } from './baseline.js';
import { loadCredctlIgnore, type PathFilter } from './credctlignore.js';
import { compileRules } from './rules-cache.js';
import { loadProjectDetection, type ProjectDetection } from './custom-rules.js';
import { displayPath, isDirectory, listScanFiles, type GitStatus } from './files.js';
import { finish } from './finish.js';
import type { Finding } from './finding.js';
import { defaultWorkerCount, startPool, workerScriptAvailable } from './pool.js';
import { takePrestarted } from './prestart.js';
import { scanFiles, type BatchResult, type FileJob } from './scan-file.js';
import { scanStream } from './scan-stream.js';
import { addStats, DEFAULT_MAX_FILE_SIZE, emptyStats, type ScanResult } from './types.js';
import * as io from '../core/io.js';

// Kept importable from here for library users; they live in small modules so `--staged` and
// `--history` can use them without loading the thread pool and the file walker.
export { compileRules } from './rules-cache.js';
export { displayPath } from './files.js';
export { finish } from './finish.js';

/**
 * The working-tree scanner as a library: `scanPaths({ paths })` → `{ findings, stats }`.
 * Directories are expanded to their project files (git's view of them unless noIgnore), files
 * are read one at a time, and big inputs are spread over worker threads.
 */
export interface ScanOptions {
  /** Directories, files, and `-` for stdin. Default: the current directory. */
  paths?: string[];
  /** Findings' `file` is relative to this directory (default: cwd); paths outside it stay absolute. */
  base?: string;
  /** Scan every file: ignore .gitignore and .credctlignore. */
  noIgnore?: boolean;
  maxFileSize?: number;
  /** A providers/ folder other than the built-in one. */
  rulesDir?: string;
  /**
   * The project's own rules and allowlist (credctl.yaml detection). Default: read from the project
   * root of the first directory scanned (or the current directory); false: none.
   */
  projectRules?: ProjectDetection | false;
  /**
   * Threads scanning side by side, this one included (0 or 1 = this thread only); default: one
   * per core when the input is big enough.
   */
  workers?: number;
  baseline?: Baseline;
  /** Keep findings under a `credctl:allow` comment (history uses this to tell present from deleted). */
  reportAllowed?: boolean;
  /** Do not apply .credctlignore (but still honour .gitignore unless noIgnore). */
  ignoreCredctlignore?: boolean;
  /** Where `-` reads from (default process.stdin). */
  stdin?: AsyncIterable<Buffer | string>;
  onProgress?: (p: { files: number; bytes: number; elapsedMs: number }) => void;
}

/** Below these, starting threads costs more than it saves (a thread start is ~30 ms). */
const THREAD_MIN_FILES = 50;
const THREAD_MIN_BYTES = 2 * 1024 * 1024;

interface Inputs {
  jobs: FileJob[];
  streams: { display: string; open: () => AsyncIterable<Buffer | string> }[];
  ignored: number;
}

function resolveInputs(options: ScanOptions, base: string): Inputs {
  const paths = options.paths?.length ? options.paths : ['.'];
  const jobs: FileJob[] = [];
  const streams: Inputs['streams'] = [];
  const seen = new Set<string>();
  let ignored = 0;
  const filters = new Map<string, PathFilter | null>();
  // The project root of each directory a scan starts from, found once: looking it up per file
  // (several existsSync calls walking up) was a measurable share of a many-small-files scan.
  const roots = new Map<string, string>();
  const ignoredByCredctl = (abs: string, searchFrom: string): boolean => {
    if (options.noIgnore || options.ignoreCredctlignore) return false;
    let root = roots.get(searchFrom);
    if (root === undefined) roots.set(searchFrom, (root = findProjectRoot(searchFrom)));
    if (!filters.has(root)) filters.set(root, loadCredctlIgnore(root));
    const filter = filters.get(root);
    return filter ? filter(relative(root, abs).split(sep).join('/')) : false;
  };
  const add = (abs: string, display = displayPath(abs, base), git?: GitStatus) => {
    if (seen.has(abs)) return;
    seen.add(abs);
    jobs.push(git ? { path: abs, display, git } : { path: abs, display });
  };

  for (const p of paths) {
    if (p === '-') {
      streams.push({ display: '-', open: () => options.stdin ?? io.input() });
      continue;
    }
    const abs = resolve(p);
    let st: Stats;
    try {
      st = statSync(abs);
    } catch (err) {
      throw inputError(`cannot scan ${shownSafely(p)}: ${describeSystemError(err)}`);
    }
    if (st.isDirectory()) {
      // Paths below the directory are built by concatenation: path.join and path.relative per
      // file cost ~35 ms on a 7,000-file tree, before any thread gets work.
      // A directory outside `base` (scan ..) can still hold files inside it: those are shown
      // relative, so only a directory inside `base` takes the shortcut.
      const dirDisplay = displayPath(abs, base);
      const inside = !isAbsolute(dirDisplay);
      const prefix = abs.endsWith(sep) ? abs : abs + sep;
      const listing = listScanFiles(abs, { noIgnore: options.noIgnore });
      for (const rel of listing.files) {
        const file = sep === '/' ? prefix + rel : join(abs, rel);
        const git = listing.status?.get(rel);
        if (ignoredByCredctl(file, abs)) ignored++;
        else if (!inside) add(file, undefined, git);
        else add(file, dirDisplay === '.' ? rel : dirDisplay.endsWith('/') ? dirDisplay + rel : `${dirDisplay}/${rel}`, git);
      }
    } else if (st.isFile()) {
      if (ignoredByCredctl(abs, dirname(abs))) ignored++;
      else add(abs);
    } else if (st.isFIFO() || st.isCharacterDevice() || st.isSocket()) {
      // `credctl scan <(kubectl get secret -o yaml)`: a pipe is read as a stream, like stdin.
      streams.push({ display: displayPath(abs, base), open: () => createReadStream(abs) });
    } else {
      throw inputError(`cannot scan ${shownSafely(p)}: not a file or directory`);
    }
  }
  return { jobs, streams, ignored };
}

/** credctl.yaml's detection section of the project the scan is of: the first directory's, else the current one's. */
function projectDetectionFor(paths: string[] | undefined): ProjectDetection | undefined {
  const dir = (paths ?? []).find((p) => p !== '-' && isDirectory(p));
  return loadProjectDetection(findProjectRoot(dir ? resolve(dir) : process.cwd()));
}

/** True when the job list is big enough for threads to pay off (stats files only until it knows). */
function worthThreads(jobs: FileJob[]): boolean {
  if (jobs.length < THREAD_MIN_FILES) return false;
  let bytes = 0;
  for (const j of jobs) {
    try {
      bytes += statSync(j.path).size;
    } catch {
      /* unreadable: the scan will count it */
    }
    if (bytes >= THREAD_MIN_BYTES) return true;
  }
  return false;
}

export async function scanPaths(options: ScanOptions = {}): Promise<ScanResult> {
  const started = performance.now();
  const base = resolve(options.base ?? process.cwd());
  const maxFileSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  const project = options.projectRules === false ? undefined : (options.projectRules ?? projectDetectionFor(options.paths));
  const set = compileRules(options.rulesDir, project); // also validates the rules before any thread starts
  // A directory may well be big: boot the threads now, while the main thread lists its files.
  // The main thread scans alongside them, so `wanted` threads in all means wanted - 1 workers.
  const wanted = options.workers ?? defaultWorkerCount();
  const threaded = wanted > 1 && workerScriptAvailable() && (options.paths?.length ? options.paths : ['.']).some((p) => p !== '-' && isDirectory(p));
  // Threads bin/credctl started before the CLI loaded are used, or stopped when not needed.
  const prestarted = takePrestarted(threaded ? wanted - 1 : 0);
  const pool = threaded
    ? startPool(wanted - 1, { rulesDir: options.rulesDir, maxFileSize, reportAllowed: options.reportAllowed, ...(project ? { project } : {}) }, prestarted)
    : undefined;
  try {
    const inputs = resolveInputs(options, base);
    const stats = emptyStats();
    stats.skipped.ignored = inputs.ignored;
    const findings: Finding[] = [];
    const progress = { files: 0, bytes: 0 };
    const collect = (r: BatchResult) => {
      addStats(stats, r.stats);
      for (const f of r.findings) findings.push(f);
      progress.files += r.stats.filesScanned + r.stats.skipped.binary + r.stats.skipped.tooLarge + r.stats.skipped.unreadable;
      progress.bytes += r.stats.bytesScanned;
      options.onProgress?.({ ...progress, elapsedMs: performance.now() - started });
    };

    if (pool && worthThreads(inputs.jobs)) {
      stats.workers = pool.size + 1;
      await pool.run(inputs.jobs, collect, (batch) => scanFiles(set, batch, maxFileSize, options.reportAllowed));
    } else {
      // In this thread, in batches too, so progress keeps moving on a slow disk.
      for (let i = 0; i < inputs.jobs.length; i += 64) collect(scanFiles(set, inputs.jobs.slice(i, i + 64), maxFileSize, options.reportAllowed));
    }
    for (const s of inputs.streams) collect(await scanStream(set, s.open(), s.display));
    return finish(findings, stats, started, options.baseline);
  } finally {
    await pool?.close();
  }
}
