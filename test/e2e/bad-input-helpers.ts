import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli as inProcess, spawnCli } from '../helpers/cli.js';

/**
 * Helpers for test/e2e/bad-input.test.ts: run the CLI against temp projects and check
 * promise 7 (one clear line, documented exit code, no stack, nothing lost).
 */

/** Obviously fake secrets planted in every project; they must never be printed whole. */
export const FAKE_EXAMPLE_KEY = 'ccx_live_FAKEbadInput0a1b2c3d4e5f6g7h8i9j';
export const FAKE_STRIPE_KEY = 'sk_live_51FAKEbadInputZyXwVuTsRqPoNm';
export const CANARIES = [FAKE_EXAMPLE_KEY, FAKE_STRIPE_KEY];

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface Sandbox {
  base: string;
  home: string;
  env: NodeJS.ProcessEnv;
}

/** A HOME and a store key file in a temp dir, so no command touches the real home or keychain. */
export function makeSandbox(): Sandbox {
  const base = mkdtempSync(join(tmpdir(), 'credctl-bad-input-'));
  const home = join(base, 'home');
  mkdirSync(home, { mode: 0o700 });
  const keyFile = join(home, 'store.key');
  writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, CREDCTL_STORE: 'file', CREDCTL_KEY_FILE: keyFile, NO_COLOR: '1', CI: 'true' };
  // A stack trace printed only because the developer's shell has debugging on would hide the bug we look for.
  delete env.CREDCTL_DEBUG;
  delete env.CREDCTL_STATE_DIR;
  delete env.CREDCTL_PASSPHRASE;
  delete env.CREDCTL_FAILPOINT_JOURNAL;
  return { base, home, env };
}

/**
 * `credctl ...args` in `opts.cwd` with the sandbox's environment: in this process (test/helpers/cli.ts),
 * or as a real process with `spawn` (a heap limit in NODE_OPTIONS needs one), killed after timeoutMs.
 */
export async function runCli(
  sb: Sandbox,
  args: string[],
  opts: { cwd: string; input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; spawn?: boolean },
): Promise<CliResult> {
  const env = { ...sb.env, ...opts.env };
  if (opts.spawn) {
    const r = await spawnCli(args, { cwd: opts.cwd, env, input: opts.input, timeoutMs: opts.timeoutMs });
    return { status: r.code, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: r.ms };
  }
  const r = await inProcess(args, { cwd: opts.cwd, env, input: opts.input });
  return { status: r.code, signal: null, stdout: r.stdout, stderr: r.stderr, ms: r.ms };
}

function describe(r: CliResult): string {
  return `exit ${r.status}${r.signal ? ` (${r.signal})` : ''} after ${r.ms} ms\n--- stderr ---\n${r.stderr.slice(0, 1500)}\n--- stdout ---\n${r.stdout.slice(0, 500)}`;
}

function expectNoLeak(r: CliResult): void {
  for (const c of CANARIES) {
    expect(r.stdout.includes(c), `secret value on stdout\n${describe(r)}`).toBe(false);
    expect(r.stderr.includes(c), `secret value on stderr\n${describe(r)}`).toBe(false);
  }
}

/** No crash: an allowed exit code, no stack lines, no "internal error", no secret printed. */
export function expectNoCrash(r: CliResult, allowed: number[]): void {
  expect(allowed, describe(r)).toContain(r.status);
  expect(r.stderr, describe(r)).not.toMatch(/^\s+at /m);
  expect(r.stderr, describe(r)).not.toMatch(/internal error/i);
  expect(r.stderr, describe(r)).not.toMatch(/FATAL ERROR|heap out of memory/);
  expectNoLeak(r);
}

/**
 * Promise 7: the documented exit code, `credctl: <message>` plus at most a hint, no stack trace,
 * no "internal error". Commander's own usage errors (`error: ...`, exit 2) are accepted for code 2.
 */
export function expectCleanError(r: CliResult, code: number, message?: RegExp): void {
  expectNoCrash(r, [code]);
  const lines = r.stderr.replace(/\n+$/, '').split('\n');
  expect(lines.length, describe(r)).toBeGreaterThan(0);
  expect(lines.length, `more than 3 stderr lines\n${describe(r)}`).toBeLessThanOrEqual(3);
  const first = lines[0]!;
  if (code === 2) expect(first, describe(r)).toMatch(/^(credctl|error):/);
  else expect(first, describe(r)).toMatch(/^credctl: \S/);
  if (message) expect(r.stderr, describe(r)).toMatch(message);
}

export function git(cwd: string, ...args: string[]): void {
  execFileSync('git', args, {
    cwd,
    stdio: 'ignore',
    env: { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.test', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.test' },
  });
}

/** A git repo in a temp dir holding `files` (relative path → content). */
export function makeProject(sb: Sandbox, name: string, files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(join(sb.base, `${name}-`));
  git(root, 'init', '-q');
  for (const [rel, content] of Object.entries(files)) {
    const full = join(root, rel);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, content);
  }
  return root;
}

/** The standard project: two fake live keys in .env.production and a credctl.yaml naming an (unreachable) issuer. */
export function standardFiles(): Record<string, string> {
  return {
    '.env.production': `# production, pushed by hand\nNODE_ENV=production\nSTRIPE_SECRET_KEY=${FAKE_STRIPE_KEY}\nEXAMPLE_API_KEY=${FAKE_EXAMPLE_KEY}\n`,
    'credctl.yaml': 'providers:\n  example: { issuer: "http://127.0.0.1:9", admin: "store:example/admin" }\n',
  };
}

export function sha256(path: string): string {
  if (!existsSync(path)) return 'missing';
  if (statSync(path).isDirectory()) return `dir:${readdirSync(path).sort().join(',')}`;
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Digests of the given paths (relative to root), to prove a command left them byte-for-byte alone. */
export function snapshot(root: string, rels: string[]): Record<string, string> {
  return Object.fromEntries(rels.map((rel) => [rel, sha256(join(root, rel))]));
}
