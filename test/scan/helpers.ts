import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';

/** Shared by the scan tests: temp dirs, real git repos, obviously fake secrets, a pinned rule set. */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(REPO, 'bin/credctl');

const made: string[] = [];
export function tempDir(prefix = 'credctl-scan-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}
export function cleanup(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function write(root: string, rel: string, content: string | Buffer): string {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
  return p;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Deterministic pseudo-random characters, so each fake secret is distinct and high-entropy. */
function chars(seed: number, n: number, alphabet = ALNUM): string {
  let x = (seed * 2654435761) >>> 0 || 1;
  let s = '';
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    s += alphabet[x % alphabet.length];
  }
  return s;
}
/** Fake credentials: FAKE inside every one, formats that the pinned rules (below) recognise. */
export const fake = {
  stripe: (seed: number) => `sk_live_51FAKE${chars(seed, 24)}`,
  stripeTest: (seed: number) => `sk_test_51FAKE${chars(seed, 24)}`,
  github: (seed: number) => `ghp_FAKE${chars(seed, 32)}`,
  awsId: (seed: number) => `AKIAFAKE${chars(seed, 12, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
  awsSecret: (seed: number) => `FAKE${chars(seed, 36, ALNUM + '/+')}`,
};

/**
 * A rule set pinned for these tests, so that rules other people add to providers/ cannot change
 * what the engine tests expect. Includes a paired rule (AWS secret ↔ key id) and a multi-line
 * rule (PEM private key).
 */
export const TEST_RULES: Record<string, string> = {
  stripe: `provider: stripe
rules:
  - id: stripe-secret-key
    name: Stripe secret key
    kind: api_key
    regex: '\\b(sk_(?:live|test)_[0-9a-zA-Z]{24,247})\\b'
    keywords: [sk_live_, sk_test_]
    environment:
      - { match: '^sk_live_', env: live }
      - { match: '^sk_test_', env: test }
`,
  github: `provider: github
rules:
  - id: github-classic-pat
    name: GitHub personal access token (classic)
    kind: token
    regex: '\\b(ghp_[0-9A-Za-z]{36})\\b'
    keywords: [ghp_]
`,
  aws: `provider: aws
rules:
  - id: aws-access-key-id
    name: AWS access key ID
    kind: access_key_id
    regex: '\\b((?:AKIA|ASIA)[0-9A-Z]{16})\\b'
    keywords: [akia, asia]
  - id: aws-secret-access-key
    name: AWS secret access key
    kind: secret_access_key
    flags: i
    regex: 'aws_?secret_?access_?key\\s*[=:]\\s*["'']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])'
    keywords: [aws_secret, secret_access_key, awssecret]
    pairs: aws-access-key-id
`,
  pem: `provider: pem
rules:
  - id: private-key
    name: Private key
    kind: private_key
    regex: '(-----BEGIN (?:RSA |EC |OPENSSH )?PRIVATE KEY-----[\\s\\S]{20,8000}?-----END (?:RSA |EC |OPENSSH )?PRIVATE KEY-----)'
    keywords: ['-----begin']
`,
};

export function testRulesDir(): string {
  const dir = tempDir('credctl-rules-');
  for (const [provider, text] of Object.entries(TEST_RULES)) write(dir, `${provider}/rules.yaml`, text);
  return dir;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

export function gitRepo(): string {
  const d = tempDir('credctl-git-');
  git(d, 'init', '-q', '-b', 'main');
  git(d, 'config', 'user.name', 'Alice Example');
  git(d, 'config', 'user.email', 'alice@example.test');
  git(d, 'config', 'commit.gpgsign', 'false');
  return d;
}

export function commit(cwd: string, message: string, env: Record<string, string> = {}): string {
  execFileSync('git', ['add', '-A'], { cwd });
  execFileSync('git', ['commit', '-q', '-m', message], { cwd, env: { ...process.env, ...env } });
  return git(cwd, 'rev-parse', 'HEAD').trim();
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `credctl ...args` in this process (test/helpers/cli.ts), with the same environment as credctl()
 * below; use it unless the test is about the real process (a git hook, the installed bin, the bundle).
 */
export async function runCredctl(args: string[], opts: { cwd?: string; input?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  const r = await runCli(args, { cwd: opts.cwd, input: opts.input, env: { ...process.env, NO_COLOR: '1', CI: '1', ...opts.env } });
  return { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Run the real CLI (bin/credctl → dist/). `npm test` builds dist/ first. */
export function credctl(args: string[], opts: { cwd?: string; input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd,
    input: opts.input,
    ...(opts.timeoutMs ? { timeout: opts.timeoutMs, killSignal: 'SIGKILL' as const } : {}),
    env: { ...process.env, NO_COLOR: '1', CI: '1', ...opts.env },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
