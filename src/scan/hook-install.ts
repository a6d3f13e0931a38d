import { gitSync } from '../core/git.js';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isAbsolute, join, resolve } from 'node:path';
import { atomicWriteFileSync } from '../core/atomic-write.js';
import { inputError, refusedError } from '../core/errors.js';

/**
 * `credctl hook install`: a git pre-commit hook that runs `credctl scan --staged`.
 *
 * The hook goes where git will run it: `git rev-parse --git-path hooks` honours core.hooksPath.
 * A hook we did not write is never replaced silently: --force moves it aside to
 * `pre-commit.credctl-backup` first. Where husky manages the hooks, the check is added to the
 * project's .husky/pre-commit (one line, once). lefthook keeps its commands in its YAML
 * configuration, which credctl does not rewrite: it prints the lines to add.
 */
export const HOOK_MARKER = '# credctl pre-commit hook';

export interface HookInstallResult {
  path: string;
  /** 'installed' (new), 'updated' (ours, rewritten), 'replaced' (foreign, moved aside with --force). */
  action: 'installed' | 'updated' | 'replaced';
  backup?: string;
  /** Hook managers found in the project, with what to add to their config. */
  integrations: { tool: 'husky' | 'lefthook'; file: string; instructions: string }[];
}

function git(cwd: string, args: string[]): string {
  return gitSync(cwd, args, { repoHooksPath: true }).toString().trim();
}

export function hooksDir(cwd: string): { root: string; dir: string } {
  let root: string;
  try {
    root = git(cwd, ['rev-parse', '--show-toplevel']);
  } catch {
    throw inputError(`${cwd} is not inside a git repository`, 'Run `git init` first, or run this command inside the repository.');
  }
  const p = git(root, ['rev-parse', '--git-path', 'hooks']);
  return { root, dir: isAbsolute(p) ? p : resolve(root, p) };
}

/** The shell script: prefer the credctl that installed it, then one on PATH, then the project's. */
export function hookScript(): string {
  const bin = fileURLToPath(new URL('../../bin/credctl', import.meta.url));
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return `#!/bin/sh
${HOOK_MARKER} (written by \`credctl hook install\`; safe to edit or delete).
# Blocks a commit whose staged changes add a credential. Skip once: git commit --no-verify
NODE=${q(process.execPath)}
CREDCTL=${q(bin)}
if [ -x "$NODE" ] && [ -f "$CREDCTL" ]; then
  exec "$NODE" "$CREDCTL" scan --staged
elif command -v credctl >/dev/null 2>&1; then
  exec credctl scan --staged
elif [ -x ./node_modules/.bin/credctl ]; then
  exec ./node_modules/.bin/credctl scan --staged
fi
echo "credctl pre-commit hook: credctl not found (npm install --save-dev credctl), commit blocked." >&2
exit 1
`;
}

export function detectIntegrations(root: string): HookInstallResult['integrations'] {
  const out: HookInstallResult['integrations'] = [];
  if (existsSync(join(root, '.husky'))) {
    out.push({
      tool: 'husky',
      file: '.husky/pre-commit',
      instructions: `husky runs .husky/pre-commit; add this line to it:  ${HUSKY_LINE}`,
    });
  }
  for (const f of ['lefthook.yml', '.lefthook.yml', 'lefthook.yaml', '.lefthook.yaml']) {
    if (!existsSync(join(root, f))) continue;
    out.push({
      tool: 'lefthook',
      file: f,
      instructions: `add to ${f}:\n  pre-commit:\n    commands:\n      credctl:\n        run: npx --no-install credctl scan --staged`,
    });
    break;
  }
  return out;
}

function isOurs(path: string): boolean {
  try {
    return readFileSync(path, 'utf8').includes(HOOK_MARKER);
  } catch {
    return false;
  }
}

/** The line husky runs (husky puts node_modules/.bin on PATH, so a local or global credctl is found). */
export const HUSKY_LINE = 'credctl scan --staged';

/**
 * husky owns the hooks directory (core.hooksPath = .husky/_ in husky 9, .husky before): its
 * pre-commit runs the project's .husky/pre-commit, a shell file the project keeps, so the check
 * goes there, as one line, once.
 */
function installIntoHusky(root: string): HookInstallResult {
  const path = join(root, '.husky', 'pre-commit');
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const integrations = detectIntegrations(root).filter((i) => i.tool !== 'husky');
  if (text.split('\n').some((line) => line.trim() === HUSKY_LINE)) return { path, action: 'updated', integrations };
  const add = `${text && !text.endsWith('\n') ? '\n' : ''}# credctl: block commits that add credentials (credctl hook install)\n${HUSKY_LINE}\n`;
  atomicWriteFileSync(path, text + add, { mode: 0o755 });
  chmodSync(path, 0o755);
  return { path, action: 'installed', integrations };
}

function managedByHusky(root: string, dir: string): boolean {
  return existsSync(join(root, '.husky')) && (dir === join(root, '.husky', '_') || dir === join(root, '.husky'));
}

export function installHook(cwd: string, { force = false } = {}): HookInstallResult {
  const { root, dir } = hooksDir(cwd);
  if (managedByHusky(root, dir)) return installIntoHusky(root);
  const path = join(dir, 'pre-commit');
  const integrations = detectIntegrations(root);
  let action: HookInstallResult['action'] = 'installed';
  let backup: string | undefined;
  if (existsSync(path)) {
    if (isOurs(path)) action = 'updated';
    else if (!force) {
      const hint = integrations.length
        ? `This project uses ${integrations.map((i) => i.tool).join(' and ')}: ${integrations[0]!.instructions.split('\n')[0]}`
        : 'Add `credctl scan --staged` to that hook yourself, or re-run with --force (the old hook is kept as pre-commit.credctl-backup).';
      throw refusedError(`${path} exists and was not written by credctl; not overwriting it`, hint);
    } else {
      backup = `${path}.credctl-backup`;
      renameSync(path, backup);
      action = 'replaced';
    }
  }
  mkdirSync(dir, { recursive: true });
  atomicWriteFileSync(path, hookScript(), { mode: 0o755 });
  chmodSync(path, 0o755);
  return { path, action, ...(backup ? { backup } : {}), integrations };
}

/** Remove the hook if credctl wrote it; restore a backed-up foreign hook. */
export function uninstallHook(cwd: string): { path: string; removed: boolean; restored?: string } {
  const { dir } = hooksDir(cwd);
  const path = join(dir, 'pre-commit');
  if (!existsSync(path) || !isOurs(path)) return { path, removed: false };
  unlinkSync(path);
  const backup = `${path}.credctl-backup`;
  if (existsSync(backup)) {
    renameSync(backup, path);
    return { path, removed: true, restored: backup };
  }
  return { path, removed: true };
}
