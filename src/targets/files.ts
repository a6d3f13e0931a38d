import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { resolveInsideProject } from '../core/inside-project.js';
import { atomicWriteFileSync } from '../core/atomic-write.js';
import { describeSystemError, inputError, refusedError } from '../core/errors.js';

export { resolveInsideProject };

/**
 * File plumbing shared by the file targets (.env, compose env_file, k8s manifests).
 *
 * Mode policy: an existing file keeps its mode (a team may rely on 0640 for a service group);
 * a file credctl creates is 0600. A file readable by others gets a note, not a silent chmod.
 * A symlink inside the project is followed and the real file replaced, so the link stays a link;
 * one that leads outside the project is refused (resolveInsideProject).
 */
export interface TargetFile {
  /** As given in the ref, for messages. */
  display: string;
  /** Absolute path of the real file (symlinks resolved when it exists). */
  path: string;
}

export function resolveTargetFile(projectRoot: string, file: string): TargetFile {
  return { display: file, path: resolveInsideProject(projectRoot, file) };
}

/** The file's text, or null when it does not exist. */
export function readTargetText(f: TargetFile): string | null {
  try {
    if (!existsSync(f.path)) return null;
    if (statSync(f.path).isDirectory()) throw inputError(`${f.display} is a directory, not a file`);
    return readFileSync(f.path, 'utf8');
  } catch (err) {
    if ((err as { exitCode?: number }).exitCode !== undefined) throw err;
    throw inputError(`cannot read ${f.display}: ${describeSystemError(err)}`);
  }
}

export interface WrittenFile {
  mode: number;
  created: boolean;
}

export function writeTargetText(f: TargetFile, text: string): WrittenFile {
  let mode = 0o600;
  let created = true;
  try {
    mode = statSync(f.path).mode & 0o777;
    created = false;
  } catch {
    mkdirSync(dirname(f.path), { recursive: true });
  }
  try {
    atomicWriteFileSync(f.path, text, { mode });
  } catch (err) {
    throw refusedError(`cannot write ${f.display}: ${describeSystemError(err)}`, 'the file was left as it was');
  }
  return { mode, created };
}

export function modeNotes(f: TargetFile, w: WrittenFile): string[] {
  if (w.created) return [`created ${f.display} (mode 0600)`];
  if (w.mode & 0o077) return [`${f.display} is readable by others (mode 0${w.mode.toString(8)}); consider chmod 600`];
  return [];
}
