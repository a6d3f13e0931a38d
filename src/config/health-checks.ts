import { inputError } from '../core/errors.js';
import { DURATION_UNITS, parseDuration as parseDurationGrammar } from '../core/duration.js';

/**
 * The `health:` checks a project declares in credctl.yaml (and a plan carries): their shape and
 * their validation. Kept in config, not with the code that runs them (src/apply/health.ts), so
 * that reading credctl.yaml and building a plan do not depend on the rotation engine.
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

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

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
      if (!Array.isArray(o.env) || !o.env.every((n) => typeof n === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(n)))
        throw inputError(`${where}: env must be a list of variable names`);
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
    if (typeof h.method !== 'string' || !/^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/i.test(h.method))
      throw inputError(`${where}: http.method is not an HTTP method`);
    spec.http.method = h.method.toUpperCase();
  }
  if (h.headers !== undefined) {
    if (!h.headers || typeof h.headers !== 'object' || Array.isArray(h.headers)) throw inputError(`${where}: http.headers must be a mapping`);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(h.headers)) {
      if (!HEADER_NAME.test(k) || typeof v !== 'string') throw inputError(`${where}: http.headers.${k} must be a header name with a string value`);
      if (/\$\{/.test(v))
        throw inputError(`${where}: http.headers.${k}: templates are not supported`, 'send the value with bearer: true or valueHeader: <name>');
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
