import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// Loaded only for a root that has a .credctlignore: a pre-commit scan without one never pays for it.
const loadIgnore = (): typeof import('ignore') => createRequire(import.meta.url)('ignore') as typeof import('ignore');

/**
 * `.credctlignore` at a project root: gitignore syntax, paths relative to that root. Files it
 * matches are not scanned (working tree) and their lines are not reported (history, staged).
 * For files that hold accepted test values: fixtures, recorded HTTP cassettes, docs.
 */
export const CREDCTLIGNORE = '.credctlignore';

export type PathFilter = (relativePath: string) => boolean;

/** A predicate "is this root-relative path ignored", or null when the root has no .credctlignore. */
export function loadCredctlIgnore(root: string): PathFilter | null {
  let text: string;
  try {
    text = readFileSync(join(root, CREDCTLIGNORE), 'utf8');
  } catch {
    return null;
  }
  const ig = loadIgnore()().add(text);
  const filter: PathFilter = (p) => {
    if (!p || p.startsWith('../') || p.startsWith('/')) return false; // outside the root: not ours to judge
    return ig.ignores(p);
  };
  return filter;
}
