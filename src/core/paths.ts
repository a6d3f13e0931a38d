import { existsSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { refusedError } from './errors.js';

/**
 * Where project state lives: `.credctl/` at the git root, or in the current directory outside git.
 * Found by walking up for `.git` (a directory, or a file for worktrees/submodules) rather than
 * spawning git, because every command needs it and a process spawn costs ~10 ms.
 */
export function findProjectRoot(start: string = process.cwd()): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}

export interface ProjectPaths {
  root: string;
  stateDir: string;
  graph: string;
  audit: string;
  auditPub: string;
  auditCheckpoints: string;
  runs: string;
  store: string;
  cache: string;
  config: string;
}

export function projectPaths(root: string = findProjectRoot()): ProjectPaths {
  const stateDir = process.env.CREDCTL_STATE_DIR ? resolve(process.env.CREDCTL_STATE_DIR) : join(root, '.credctl');
  return {
    root,
    stateDir,
    graph: join(stateDir, 'graph.json'),
    audit: join(stateDir, 'audit.jsonl'),
    auditPub: join(stateDir, 'audit.pub'),
    auditCheckpoints: join(stateDir, 'checkpoints'),
    runs: join(stateDir, 'runs'),
    store: join(stateDir, 'store.enc.json'),
    cache: join(stateDir, 'cache'),
    config: join(root, 'credctl.yaml'),
  };
}

/**
 * Create a state directory with owner-only permissions, or check the one that is there: it must
 * be a real directory owned by this user. A repository can commit `.credctl` as a symbolic link
 * to another project's state (its graph would be overwritten, its store used) or a directory
 * someone else controls; both are refused (exit 6).
 */
export function ensureDir(dir: string, mode = 0o700): string {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    mkdirSync(dir, { recursive: true, mode });
    return dir;
  }
  if (st.isSymbolicLink())
    throw refusedError(
      `${dir} is a symbolic link; credctl keeps its state only in a real directory`,
      `Remove the link (it may point into another project), then run the command again.`,
    );
  if (!st.isDirectory()) throw refusedError(`${dir} exists and is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0 && st.uid !== uid)
    throw refusedError(`${dir} belongs to another user; credctl keeps its state only in a directory you own`);
  return dir;
}

/**
 * Create the project's state directory (owner-only) with a .gitignore inside that keeps it out
 * of commits: the graph's fingerprints of weak passwords can be brute-forced, and journals and
 * caches are local. Only the audit log's public key is meant to be shared.
 */
export function ensureStateDir(dir: string): string {
  ensureDir(dir);
  const ignore = join(dir, '.gitignore');
  if (!existsSync(ignore)) {
    try {
      writeFileSync(
        ignore,
        '# credctl state: local only (fingerprints, journals, caches). Only audit.pub is meant to be shared.\n*\n!.gitignore\n!audit.pub\n',
        { mode: 0o644, flag: 'wx' },
      );
    } catch {
      // Another process wrote it first, or the directory is read-only: nothing to do.
    }
  }
  return dir;
}
