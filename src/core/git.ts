import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/**
 * Every git command credctl runs goes through here, with the repository's dangerous
 * configuration neutralised. A repository can carry its own `.git/config` (a copied directory,
 * an archive, a shared drive), and some keys there make git run programs: core.fsmonitor runs a
 * command on every index read, diff.external and textconv run on diffs, core.pager and
 * core.sshCommand run commands, credential helpers are programs. These are overridden on the
 * command line (`-c` wins over every config file), and diff-producing commands also get
 * --no-ext-diff --no-textconv (scan/git.ts DIFF_FLAGS). Output-shaping keys are pinned too, so
 * the parsers see one format whatever the user's settings. Commands never annotate the work tree
 * (where clean filters would run): blame reads HEAD.
 */
export const GIT_SAFE_CONFIG: readonly string[] = [
  'core.fsmonitor=false',
  'core.hooksPath=/dev/null',
  'core.pager=cat',
  'core.sshCommand=false',
  'core.askPass=false',
  'credential.helper=',
  'diff.external=',
  'protocol.ext.allow=never',
  'core.quotePath=false',
  'color.ui=never',
  'diff.noprefix=false',
  'diff.mnemonicPrefix=false',
].flatMap((kv) => ['-c', kv]);

const withoutHooksPath = GIT_SAFE_CONFIG.filter((v, i, all) => v !== 'core.hooksPath=/dev/null' && all[i + 1] !== 'core.hooksPath=/dev/null');

/** Environment for git: no prompts, no optional index writes, nothing inherited that runs a program. */
export function gitEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', GIT_PAGER: 'cat' };
  delete env.GIT_EXTERNAL_DIFF;
  delete env.GIT_SSH_COMMAND;
  delete env.GIT_ASKPASS;
  return env;
}

export interface GitSyncOptions {
  maxBuffer?: number;
  /**
   * Keep the repository's core.hooksPath (only `credctl hook install` needs it: it asks git where
   * hooks go). Nothing credctl runs ever triggers a hook.
   */
  repoHooksPath?: boolean;
  /** Let git's stderr through (default: ignored). */
  stderr?: 'pipe' | 'ignore';
}

/** Run git synchronously with the safe configuration; returns stdout (throws like execFileSync). */
export function gitSync(cwd: string, args: string[], options: GitSyncOptions = {}): Buffer {
  const config = options.repoHooksPath ? withoutHooksPath : GIT_SAFE_CONFIG;
  return execFileSync('git', [...config, ...args], {
    cwd,
    env: gitEnv(),
    maxBuffer: options.maxBuffer ?? 64 << 20,
    stdio: ['ignore', 'pipe', options.stderr ?? 'ignore'],
  });
}

/** Start git with the safe configuration, streaming its output. */
export function gitSpawn(cwd: string, args: string[]): ChildProcessWithoutNullStreams {
  return spawn('git', [...GIT_SAFE_CONFIG, ...args], { cwd, env: gitEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
}
