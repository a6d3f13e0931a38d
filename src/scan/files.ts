import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

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
    return execFileSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() === 'true';
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
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', '.'], {
    cwd: root,
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'ignore'],
  }).toString('utf8');
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

/** Every regular file below root; follows no symlinks (so loops cannot trap it), skips .git. */
function walk(root: string): string[] {
  const out: string[] = [];
  const visited = new Set<string>();
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop()!;
    let real: string;
    try {
      real = realpathSync(dir);
    } catch {
      continue;
    }
    if (visited.has(real)) continue;
    visited.add(real);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue; // unreadable directory: skipped, not fatal
    }
    for (const name of names) {
      if (name === '.git') continue;
      const full = join(dir, name);
      let st;
      try {
        st = lstatSync(full);
      } catch {
        continue;
      }
      if (st.isDirectory()) stack.push(full);
      else if (st.isFile()) out.push(relative(root, full).split(sep).join('/'));
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
