import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inputError } from './errors.js';
import { findProjectRoot } from './paths.js';

/**
 * The project a command works on when it keeps state (.credctl/: the usage graph, runs, the
 * audit log): the directory given with --root (or as the command's DIR argument), else the git
 * repository around the current directory. Outside any repository it refuses instead of making
 * the current directory a project: run in a shared temp directory, a scan once walked all of it
 * and left a 2.5 MB graph behind.
 */
export function isInsideGitRepository(root: string): boolean {
  return Boolean(process.env.GIT_DIR) || existsSync(join(root, '.git'));
}

export function requireProjectRoot(explicit?: string, flag = '--root DIR'): string {
  if (explicit !== undefined) return resolve(explicit);
  const root = findProjectRoot();
  if (isInsideGitRepository(root)) return root;
  throw inputError(
    'not inside a git repository: credctl keeps project state (.credctl/) only in a project',
    `Run it inside the repository, or name the project directory with ${flag}.`,
  );
}
