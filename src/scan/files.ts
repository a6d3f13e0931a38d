import { gitSync } from '../core/git.js';
import { lstatSync, readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';

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
  if (!options.noIgnore && isGitWorkTree(root)) return gitFiles(root);
  return walk(root);
}

function gitFiles(root: string): string[] {
  // -z: NUL-separated, so names with newlines or quotes come through intact.
  const out = gitSync(root, ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', '.'], { maxBuffer: 1 << 30 }).toString('utf8');
  const seen = new Set<string>();
  for (const p of out.split('\0')) {
    if (!p) continue;
    // A tracked file deleted from the work tree, or a submodule (a directory), is not a file to read.
    try {
      if (!lstatSync(join(root, p)).isFile()) continue;
    } catch {
      continue;
    }
    seen.add(p);
  }
  return [...seen].sort();
}

/**
 * Every regular file below root; follows no symlinks (so loops cannot trap it), skips .git.
 * Directory entries carry their type (d_type), so a file costs no stat of its own; where the
 * file system does not report types, Node stats the entry itself.
 */
function walk(root: string): string[] {
  const out: string[] = [];
  const visited = new Set<string>();
  const stack = [''];
  while (stack.length) {
    const rel = stack.pop()!;
    const dir = rel ? join(root, rel) : root;
    let real: string;
    try {
      real = realpathSync.native(dir); // one syscall; the JS version lstats every path component
    } catch {
      continue;
    }
    if (visited.has(real)) continue;
    visited.add(real);
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
