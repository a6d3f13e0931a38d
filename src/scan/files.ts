import { gitSync } from '../core/git.js';
import { lstatSync, readdirSync, statSync, type Dirent } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { holdsSecretsByNature, IGNORED_WALK_LIMITS, isBulkFolder } from './secret-files.js';

/**
 * Which files belong to a project: inside a git work tree, what git tracks plus untracked files
 * that are not ignored (what a `git add -A` would take); with `noIgnore` or outside git, every
 * regular file below the root except inside .git.
 * Paths come back relative to `root`, with `/` separators, sorted.
 *
 * Shared by the scanner and the usage graph so both see the same set of files.
 */
export interface ListOptions {
  noIgnore?: boolean;
}

export function isGitWorkTree(root: string): boolean {
  try {
    return gitSync(root, ['rev-parse', '--is-inside-work-tree']).toString().trim() === 'true';
  } catch {
    return false;
  }
}

export function listProjectFiles(root: string, options: ListOptions = {}): string[] {
  if (!options.noIgnore && isGitWorkTree(root)) return gitFiles(root).files;
  return walk(root);
}

/** Where a file stands with git: in the index (committed or staged), untracked, or ignored (local only). */
export type GitStatus = 'committed' | 'untracked' | 'ignored';

export interface ScanListing {
  /** Relative to the root, `/` separators, sorted. */
  files: string[];
  /** Each file's standing with git; absent outside a git work tree and with --no-ignore. */
  status?: Map<string, GitStatus>;
}

/**
 * What a scan of `root` reads: the project files (as listProjectFiles), plus, in a git work tree,
 * the ignored files that hold secrets by nature (.env*, keys, .npmrc, kubeconfigs ...), found
 * without entering ignored bulk folders (node_modules, build output). Each file's git standing is
 * reported, so a finding can say whether it is committed or only on this machine.
 */
export function listScanFiles(root: string, options: ListOptions = {}): ScanListing {
  if (options.noIgnore || !isGitWorkTree(root)) return { files: walk(root) };
  const { files, status } = gitFiles(root);
  const ignored = ignoredSecretFiles(root);
  for (const f of ignored) status.set(f, 'ignored');
  return { files: ignored.length ? [...files, ...ignored].sort() : files, status };
}

/**
 * git ls-files with -z (NUL-separated, so names with newlines or quotes come through intact),
 * run in `root`: the one place the file listing calls git.
 */
function gitLsFiles(root: string, args: string[]): string[] {
  const out = gitSync(root, ['ls-files', '-z', ...args, '--', '.'], { maxBuffer: 1 << 30 }).toString('utf8');
  return out.split('\0').filter((p) => p !== '');
}

function gitFiles(root: string): { files: string[]; status: Map<string, GitStatus> } {
  // -t tags each entry: `? ` for untracked, a letter (H, S, M, C, R, K) for what the index holds.
  const status = new Map<string, GitStatus>();
  for (const entry of gitLsFiles(root, ['-t', '--cached', '--others', '--exclude-standard'])) {
    const p = entry.slice(2);
    if (status.has(p)) continue;
    // A tracked file deleted from the work tree, or a submodule (a directory), is not a file to read.
    try {
      if (!lstatSync(join(root, p)).isFile()) continue;
    } catch {
      continue;
    }
    status.set(p, entry[0] === '?' ? 'untracked' : 'committed');
  }
  return { files: [...status.keys()].sort(), status };
}

/**
 * Ignored files that hold secrets by nature. git names ignored folders once (--directory), so
 * node_modules costs one line; folders that are not bulk are walked here, within limits.
 */
function ignoredSecretFiles(root: string): string[] {
  const out: string[] = [];
  let budget = IGNORED_WALK_LIMITS.entries;
  for (const p of gitLsFiles(root, ['--others', '--ignored', '--exclude-standard', '--directory', '--no-empty-directory'])) {
    if (p.endsWith('/')) {
      const dir = p.slice(0, -1);
      if (dir.split('/').some(isBulkFolder)) continue;
      budget = walkIgnored(root, dir, 0, budget, out);
      continue;
    }
    if (!holdsSecretsByNature(p)) continue;
    try {
      if (lstatSync(join(root, p)).isFile()) out.push(p);
    } catch {
      /* vanished */
    }
  }
  return out;
}

function walkIgnored(root: string, dir: string, depth: number, budget: number, out: string[]): number {
  if (depth > IGNORED_WALK_LIMITS.depth || budget <= 0) return budget;
  let entries: Dirent[];
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return budget;
  }
  for (const e of entries) {
    if (--budget <= 0) return 0;
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) {
      if (!isBulkFolder(e.name)) budget = walkIgnored(root, path, depth + 1, budget, out);
    } else if (e.isFile() && holdsSecretsByNature(path)) out.push(path);
  }
  return budget;
}

/**
 * Every regular file below root; follows no symlinks (so loops cannot trap it), skips .git.
 * Directory entries carry their type (d_type), so a file costs no stat of its own; where the
 * file system does not report types, Node lstats the entry itself. A symlink is never taken
 * for a directory, so no directory is reached twice: resolving each directory's real path to
 * guard against that cost ~15 ms on a 400-directory tree (realpath lstats every component).
 */
function walk(root: string): string[] {
  const out: string[] = [];
  const stack = [''];
  const prefix = root.endsWith(sep) ? root : root + sep;
  while (stack.length) {
    const rel = stack.pop()!;
    const dir = rel ? (sep === '/' ? prefix + rel : join(root, rel)) : root;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      entries = entriesOneByOne(dir); // unreadable directory: none; a vanished entry: that one skipped
    }
    for (const e of entries) {
      if (e.name === '.git') continue;
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) stack.push(path);
      else if (e.isFile()) out.push(path);
    }
  }
  return out.sort();
}

/** True if `path` is a directory (used to tell `scan DIR` from `scan FILE`). */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Where the file system reports no entry types, Node stats each entry inside readdirSync and
 * fails the whole listing if one vanished meanwhile. Then list again and stat one entry at a time.
 */
function entriesOneByOne(dir: string): Dirent[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Dirent[] = [];
  for (const name of names) {
    try {
      const st = lstatSync(join(dir, name));
      out.push({ name, isDirectory: () => st.isDirectory(), isFile: () => st.isFile() } as Dirent);
    } catch {
      /* gone, or unreadable: skipped */
    }
  }
  return out;
}

/** `abs` as findings show it: relative to `base` with `/` separators, or absolute when outside it. */
export function displayPath(abs: string, base: string): string {
  const rel = relative(base, abs);
  if (!rel) return '.';
  if (rel.startsWith('..') || isAbsolute(rel)) return abs.split(sep).join('/');
  return rel.split(sep).join('/');
}
