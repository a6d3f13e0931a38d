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

/**
 * Refs come from plan files, which a repository or an attacker can edit: an API address in one
 * would send the guard token there. API addresses come only from trusted credctl.yaml
 * (providers.github.issuer, providers.vercel.issuer) or the caller, never from a ref.
 */
export function optionalApiUrl(raw: Record<string, unknown>, type: string): string | undefined {
  if (raw.apiUrl === undefined || raw.apiUrl === null) return undefined;
  throw inputError(
    `target ${type}: "apiUrl" is not accepted in a target`,
    'Set the API address in credctl.yaml (providers.<id>.issuer) and trust it with `credctl trust`.',
  );
}
