import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { describeSystemError, inputError, refusedError } from './errors.js';

/**
 * Where a project-relative path really leads, refused (exit 6) unless it stays under the
 * project's real root: no absolute paths, no `..`, and no symbolic link (a committed
 * `secrets -> /outside` directory, or a link as the file itself) that leads out. For a file that
 * does not exist yet, its deepest existing ancestor is what is checked.
 */
export function resolveInsideProject(projectRoot: string, file: string): string {
  if (isAbsolute(file) || file.split(/[\\/]/).includes('..')) {
    throw refusedError(`${file}: credctl writes only inside the project, by a relative path without ".."`);
  }
  let root: string;
  try {
    root = realpathSync(projectRoot);
  } catch (err) {
    throw inputError(`cannot read the project root ${projectRoot}: ${describeSystemError(err)}`);
  }
  const wanted = resolve(root, file);
  let existing = wanted;
  const rest: string[] = [];
  for (;;) {
    try {
      existing = realpathSync(existing);
      break;
    } catch {
      // A link to a path that does not exist (yet) could be made to lead anywhere: refused.
      if (isSymlink(existing))
        throw refusedError(
          `${file} is or passes through a symbolic link to a path that does not exist; refused`,
          'credctl writes only inside the project. Replace the link with the real file if it belongs here.',
        );
      const parent = dirname(existing);
      // Stryker disable next-line ConditionalExpression: the walk stops at the filesystem root, which always exists (realpath succeeds there first)
      if (parent === existing) break;
      rest.unshift(basename(existing));
      existing = parent;
    }
  }
  const real = join(existing, ...rest);
  const rel = relative(root, real);
  // `..` or `../…` is the parent; a name such as `..env` is a file inside.
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw refusedError(
      `${file} leads outside the project (to ${real}) through a symbolic link; refused`,
      'credctl writes only inside the project. Replace the link with the real file if it belongs here.',
    );
  }
  return real;
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
