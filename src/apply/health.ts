import { execa } from 'execa';
import { inputError } from '../core/errors.js';
import { DURATION_UNITS, parseDuration as parseDurationGrammar } from '../core/duration.js';
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
 */
export type HealthCheckSpec = CommandHealthCheck | HttpHealthCheck;

export interface CommandHealthCheck {
  command: string;
  /** Names from credctl's environment the command also gets (never CREDCTL_*). */
  env?: string[];
  timeoutMs?: number;
  retries?: number;
}

export interface HttpHealthCheck {
  http: {
    url: string;
    /** Expected status (or list); default: any 2xx. */
    expect?: number | number[];
    method?: string;
    /** Static headers; they never carry the value (use bearer / valueHeader). */
    headers?: Record<string, string>;
    bearer?: boolean;
    valueHeader?: string;
    timeoutMs?: number;
    retries?: number;
  };
}

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
export const CHILD_BASE_ENV = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TMPDIR', 'TERM', 'TZ', 'SYSTEMROOT', 'COMSPEC', 'PATHEXT'];

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
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

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
  const timeoutMs = (isCommand ? spec.timeoutMs : spec.http.timeoutMs) ?? (isCommand ? policy.commandTimeoutMs ?? 60_000 : policy.httpTimeoutMs ?? 10_000);
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
export async function runHealthChecks(specs: HealthCheckSpec[], env: Record<string, string>, secrets: string[], opts: HealthCheckOptions = {}): Promise<HealthResult[]> {
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

/** Validate `health:` from credctl.yaml (or a plan). Bad input names where it is. */
export function parseHealthChecks(raw: unknown, where: string): HealthCheckSpec[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw inputError(`${where}: health must be a list of checks`);
  return raw.map((item, i) => parseOne(item, `${where}: health[${i}]`));
}

function parseOne(item: unknown, where: string): HealthCheckSpec {
  if (!item || typeof item !== 'object' || Array.isArray(item)) throw inputError(`${where} must be {command: ...} or {http: {...}}`);
  const o = item as Record<string, unknown>;
  const hasCommand = 'command' in o;
  const hasHttp = 'http' in o;
  if (hasCommand === hasHttp) throw inputError(`${where} must have exactly one of command or http`);
  if (hasCommand) {
    if (typeof o.command !== 'string' || o.command.trim() === '') throw inputError(`${where}: command must be a non-empty string`);
    const spec: CommandHealthCheck = { command: o.command };
    if (o.env !== undefined) {
      if (!Array.isArray(o.env) || !o.env.every((n) => typeof n === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(n))) throw inputError(`${where}: env must be a list of variable names`);
      const own = (o.env as string[]).find((n) => n.startsWith('CREDCTL_'));
      if (own) throw inputError(`${where}: env may not pass ${own}: credctl's own variables never reach a health check`);
      spec.env = o.env as string[];
    }
    const timeoutMs = parseDuration(o.timeoutMs ?? o.timeout, `${where}: timeout`);
    const retries = parseRetries(o.retries, `${where}: retries`);
    if (timeoutMs !== undefined) spec.timeoutMs = timeoutMs;
    if (retries !== undefined) spec.retries = retries;
    return spec;
  }
  const h = o.http as Record<string, unknown> | undefined;
  if (!h || typeof h !== 'object' || Array.isArray(h)) throw inputError(`${where}: http must be a mapping with a url`);
  if (typeof h.url !== 'string') throw inputError(`${where}: http.url is required`);
  let url: URL;
  try {
    url = new URL(h.url);
  } catch {
    throw inputError(`${where}: http.url is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw inputError(`${where}: http.url must be http(s)`);
  if (url.username || url.password) throw inputError(`${where}: http.url must not carry credentials; use bearer or valueHeader`);
  const spec: HttpHealthCheck = { http: { url: h.url } };
  if (h.expect !== undefined) {
    const list = Array.isArray(h.expect) ? h.expect : [h.expect];
    if (list.length === 0 || !list.every((s) => Number.isInteger(s) && (s as number) >= 100 && (s as number) <= 599)) {
      throw inputError(`${where}: http.expect must be a status code or a list of them`);
    }
    spec.http.expect = Array.isArray(h.expect) ? (list as number[]) : (h.expect as number);
  }
  if (h.method !== undefined) {
    if (typeof h.method !== 'string' || !/^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/i.test(h.method)) throw inputError(`${where}: http.method is not an HTTP method`);
    spec.http.method = h.method.toUpperCase();
  }
  if (h.headers !== undefined) {
    if (!h.headers || typeof h.headers !== 'object' || Array.isArray(h.headers)) throw inputError(`${where}: http.headers must be a mapping`);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(h.headers)) {
      if (!HEADER_NAME.test(k) || typeof v !== 'string') throw inputError(`${where}: http.headers.${k} must be a header name with a string value`);
      if (/\$\{/.test(v)) throw inputError(`${where}: http.headers.${k}: templates are not supported`, 'send the value with bearer: true or valueHeader: <name>');
      headers[k] = v;
    }
    spec.http.headers = headers;
  }
  if (h.bearer !== undefined) {
    if (typeof h.bearer !== 'boolean') throw inputError(`${where}: http.bearer must be true or false`);
    spec.http.bearer = h.bearer;
  }
  if (h.valueHeader !== undefined) {
    if (typeof h.valueHeader !== 'string' || !HEADER_NAME.test(h.valueHeader)) throw inputError(`${where}: http.valueHeader must be a header name`);
    spec.http.valueHeader = h.valueHeader;
  }
  const timeoutMs = parseDuration(h.timeoutMs ?? h.timeout, `${where}: http.timeout`);
  const retries = parseRetries(h.retries, `${where}: http.retries`);
  if (timeoutMs !== undefined) spec.http.timeoutMs = timeoutMs;
  if (retries !== undefined) spec.http.retries = retries;
  return spec;
}

/** `30s`, `500ms`, `2m` (src/core/duration.ts), or a number of milliseconds (timeoutMs). */
function parseDuration(v: unknown, where: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  return parseDurationGrammar(v, { what: where, numbersAreMs: true, max: DURATION_UNITS.h });
}

function parseRetries(v: unknown, where: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 10) throw inputError(`${where} must be a whole number from 0 to 10`);
  return v as number;
}
