import { inputError } from '../core/errors.js';

/**
 * Small validators for TargetRef fields. Refs come from plan files a person may have edited, so a
 * bad one is bad input (exit 3) with a message naming the field, never a crash.
 */
export function requireString(raw: Record<string, unknown>, field: string, type: string): string {
  const v = raw[field];
  if (typeof v !== 'string' || v.trim() === '') throw inputError(`target ${type}: "${field}" must be a non-empty string`);
  return v;
}

export function optionalString(raw: Record<string, unknown>, field: string, type: string): string | undefined {
  const v = raw[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.trim() === '') throw inputError(`target ${type}: "${field}" must be a non-empty string when given`);
  return v;
}

export function optionalBoolean(raw: Record<string, unknown>, field: string, type: string): boolean | undefined {
  const v = raw[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw inputError(`target ${type}: "${field}" must be true or false`);
  return v;
}

/** An http(s) base URL without trailing slash. */
export function optionalApiUrl(raw: Record<string, unknown>, type: string): string | undefined {
  const v = optionalString(raw, 'apiUrl', type);
  if (v === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw inputError(`target ${type}: "apiUrl" is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw inputError(`target ${type}: "apiUrl" must be http(s)`);
  return v.replace(/\/+$/, '');
}
