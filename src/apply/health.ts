import { execa } from 'execa';
import type { CommandHealthCheck, HealthCheckSpec, HttpHealthCheck } from '../config/health-checks.js';
import { maskValues } from '../core/redact.js';
import { SafeHttp } from '../net/http.js';

/**
 * Health checks: does the thing that uses a credential still work with the new value?
 *
 *   health:
 *     - command: npm run smoke            # shell string, run at the project root
 *       timeout: 60s                      # optional (also timeoutMs)
 *       retries: 2                        # optional
 *     - http: { url: https://api.example.test/health, expect: 200 }
 *     - http: { url: https://api.example.test/me, expect: [200, 204], bearer: true }
 *     - http: { url: https://api.example.test/me, valueHeader: X-Api-Key }
 *
 * The new value reaches a check in exactly two ways, both explicit:
 *   - a command gets it ONLY in its environment, under the credential's env name(s); never in
 *     its arguments, never in credctl's own environment. That environment is minimal: PATH and
 *     a few harmless locale/home variables (CHILD_BASE_ENV), the names the check lists in
 *     `env:`, and the new value. Never CREDCTL_* (a passphrase would open the store), never the
 *     rest of credctl's environment (it may hold other secrets);
 *   - an HTTP check sends it only when asked to, as `Authorization: Bearer <value>` (`bearer: true`)
 *     or in one named header (`valueHeader`). There is no `${VALUE}` templating: a template could
 *     put the value into a URL, and URLs end up in logs.
 * Everything a check returns (output tail, reason) is masked with maskValues() first, including
 * the value's base64 and URL-encoded forms.
 *
 * HTTP checks go through credctl's one network client (address guard, https except loopback,
 * a size cap on the answer). Every attempt has a timeout; a failing check is retried a bounded number of times with
 * exponential backoff (a service may need a moment to pick up a new value). A command that
 * times out is killed with its whole process group, so a `sleep` under `sh -c` cannot outlive it.
 * What a check may say and how credctl.yaml's `health:` is validated: src/config/health-checks.ts.
 */

export interface HealthPolicy {
  /** Default per-attempt timeout: commands 60 s, HTTP 10 s. */
  commandTimeoutMs?: number;
  httpTimeoutMs?: number;
  /** Default extra attempts after the first. Default 2. */
  retries?: number;
  /** First backoff; doubled each attempt. Default 1000 ms. */
  backoffMs?: number;
}

export interface HealthCheckOptions {
  /** Working directory for command checks: the project root. Default process.cwd(). */
  cwd?: string;
  policy?: HealthPolicy;
  /** Where a command's allowed variables are read from. Default process.env. */
  parentEnv?: NodeJS.ProcessEnv;
  /** The network client for HTTP checks (with the origins the user trusted). */
  http?: SafeHttp;
}

/** What every command check inherits: enough to find programs and run them, nothing secret. */
export const CHILD_BASE_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TMPDIR',
  'TERM',
  'TZ',
  'SYSTEMROOT',
  'COMSPEC',
  'PATHEXT',
];

/** A command check's whole environment: the base, the names it asked for, then the new value(s). */
export function childEnvironment(spec: CommandHealthCheck, values: Record<string, string>, parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [...CHILD_BASE_ENV, ...(spec.env ?? [])]) {
    const v = parent[name];
    if (v !== undefined && !name.startsWith('CREDCTL_')) out[name] = v;
  }
  return { ...out, ...values };
}

export interface HealthResult {
  /** What was checked, without values: `command: npm run smoke`, `http GET https://…/health`. */
  check: string;
  passed: boolean;
  attempts: number;
  durationMs: number;
  /** Why the last attempt failed (masked). */
  reason?: string;
  /** Last lines of the command's output, or the start of the HTTP body (masked). */
  output?: string;
  /** HTTP status of the last attempt. */
  status?: number;
}

const OUTPUT_TAIL_CHARS = 2000;

export function describeHealthCheck(spec: HealthCheckSpec): string {
  if ('command' in spec) return `command: ${spec.command}`;
  return `http ${(spec.http.method ?? 'GET').toUpperCase()} ${spec.http.url}`;
}

/**
 * Run one check. `env` maps the credential's env name(s) to the new value; `secrets` are every
 * value to mask in what comes back (the new value, the old value, tokens).
 */
export async function runHealthCheck(
  spec: HealthCheckSpec,
  env: Record<string, string>,
  secrets: string[],
  opts: HealthCheckOptions = {},
): Promise<HealthResult> {
  const policy = opts.policy ?? {};
  const mask = maskList([...secrets, ...Object.values(env)]);
  const isCommand = 'command' in spec;
  const retries = (isCommand ? spec.retries : spec.http.retries) ?? policy.retries ?? 2;
  const timeoutMs = (isCommand ? spec.timeoutMs : spec.http.timeoutMs) ?? (isCommand ? (policy.commandTimeoutMs ?? 60_000) : (policy.httpTimeoutMs ?? 10_000));
  const backoffMs = policy.backoffMs ?? 1000;
  const started = Date.now();
  let last: AttemptOutcome = { passed: false, reason: 'not run' };
  let attempts = 0;
  for (let i = 0; i <= retries; i++) {
    attempts++;
    last = isCommand
      ? await attemptCommand(spec, childEnvironment(spec, env, opts.parentEnv), timeoutMs, opts.cwd ?? process.cwd())
      : await attemptHttp(spec, env, timeoutMs, opts.http);
    if (last.passed) break;
    if (i < retries) await new Promise((r) => setTimeout(r, backoffMs * 2 ** i));
  }
  const result: HealthResult = {
    check: maskValues(describeHealthCheck(spec), mask),
    passed: last.passed,
    attempts,
    durationMs: Date.now() - started,
  };
  if (!last.passed && last.reason) result.reason = maskValues(last.reason, mask);
  if (last.output) result.output = tail(maskValues(last.output, mask));
  if (last.status !== undefined) result.status = last.status;
  return result;
}

/** Run checks in order; all of them run, so a person sees every failure at once. */
export async function runHealthChecks(
  specs: HealthCheckSpec[],
  env: Record<string, string>,
  secrets: string[],
  opts: HealthCheckOptions = {},
): Promise<HealthResult[]> {
  const out: HealthResult[] = [];
  for (const s of specs) out.push(await runHealthCheck(s, env, secrets, opts));
  return out;
}

interface AttemptOutcome {
  passed: boolean;
  reason?: string;
  output?: string;
  status?: number;
}

async function attemptCommand(spec: CommandHealthCheck, env: Record<string, string>, timeoutMs: number, cwd: string): Promise<AttemptOutcome> {
  const posix = process.platform !== 'win32';
  const sub = execa(spec.command, {
    shell: true,
    cwd,
    env,
    extendEnv: false,
    stdin: 'ignore',
    all: true,
    reject: false,
    stripFinalNewline: false,
    maxBuffer: 4 * 1024 * 1024,
    // Its own process group, so a timeout can kill everything the shell started.
    detached: posix,
    cleanup: !posix,
  });
  let timedOut = false;
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (posix && sub.pid !== undefined) process.kill(-sub.pid, signal);
      else sub.kill(signal);
    } catch {
      // Already gone.
    }
  };
  let forceTimer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup('SIGTERM');
    forceTimer = setTimeout(() => killGroup('SIGKILL'), 1000);
  }, timeoutMs);
  try {
    const res = await sub;
    const output = typeof res.all === 'string' ? res.all : '';
    if (timedOut) return { passed: false, reason: `timed out after ${timeoutMs} ms`, output };
    if (res.exitCode === 0) return { passed: true, output };
    if (res.exitCode === undefined) return { passed: false, reason: `could not run (${res.signal ? `killed by ${res.signal}` : 'failed to start'})`, output };
    return { passed: false, reason: `exit code ${res.exitCode}`, output };
  } finally {
    clearTimeout(timer);
    if (forceTimer) clearTimeout(forceTimer);
  }
}

async function attemptHttp(spec: HttpHealthCheck, env: Record<string, string>, timeoutMs: number, client?: SafeHttp): Promise<AttemptOutcome> {
  const h = spec.http;
  const value = Object.values(env)[0];
  const headers: Record<string, string> = { 'user-agent': 'credctl-health', ...(h.headers ?? {}) };
  if (h.bearer || h.valueHeader) {
    if (value === undefined) return { passed: false, reason: 'the check asks for the value but none was given' };
    if (h.bearer) headers.authorization = `Bearer ${value}`;
    if (h.valueHeader) headers[h.valueHeader.toLowerCase()] = value;
  }
  const expect = h.expect === undefined ? null : Array.isArray(h.expect) ? h.expect : [h.expect];
  const http = client ?? new SafeHttp({ timeoutMs, maxBodyBytes: 64 * 1024 });
  try {
    const res = await http.request(h.url, { method: (h.method ?? 'GET').toUpperCase() as 'GET', headers, secrets: value ? [value] : [] });
    const body = res.body.toString('utf8');
    const ok = expect ? expect.includes(res.status) : res.status >= 200 && res.status < 300;
    const output = body.slice(0, 500);
    if (ok) return { passed: true, status: res.status, output };
    return { passed: false, status: res.status, output, reason: `HTTP ${res.status} (expected ${expect ? expect.join(' or ') : '2xx'})` };
  } catch (err) {
    return { passed: false, reason: describeHttpError(err, timeoutMs) };
  } finally {
    if (!client) await http.close();
  }
}

function describeHttpError(err: unknown, timeoutMs: number): string {
  const e = err as { code?: string; name?: string; exitCode?: number; message?: string } | undefined;
  // The network client's own refusals and failures are already one clear line.
  if (e?.exitCode !== undefined && e.message) {
    if (e.message.includes('timed out')) return `timed out after ${timeoutMs} ms`;
    if (e.message.includes('connection refused')) return 'connection refused';
    if (e.message.includes('connection closed')) return 'connection reset';
    return e.message;
  }
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.code === 'UND_ERR_HEADERS_TIMEOUT' || e?.code === 'UND_ERR_BODY_TIMEOUT') {
    return `timed out after ${timeoutMs} ms`;
  }
  if (e?.code === 'ECONNREFUSED') return 'connection refused';
  if (e?.code === 'ECONNRESET' || e?.code === 'UND_ERR_SOCKET') return 'connection reset';
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') return 'host not found';
  return e?.code ? `request failed (${e.code})` : 'request failed';
}

/** The values plus the encodings a program is likely to print them in. */
function maskList(values: string[]): string[] {
  const out = new Set<string>();
  for (const v of values) {
    if (!v) continue;
    out.add(v);
    out.add(Buffer.from(v, 'utf8').toString('base64'));
    out.add(Buffer.from(v, 'utf8').toString('base64url'));
    out.add(encodeURIComponent(v));
  }
  return [...out];
}

function tail(text: string): string {
  if (text.length <= OUTPUT_TAIL_CHARS) return text;
  // Cut at a line start so the tail does not begin mid-line.
  const cut = text.slice(-OUTPUT_TAIL_CHARS);
  const nl = cut.indexOf('\n');
  return nl >= 0 && nl < 200 ? cut.slice(nl + 1) : cut;
}
