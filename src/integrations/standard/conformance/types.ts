import type { SafeHttpOptions } from '../../../net/http.js';

/**
 * The conformance suite's vocabulary: a check belongs to a module of the conformance profile
 * (spec section 9); the report says per module whether the issuer passes, fails or does not
 * offer it, and why a check was skipped.
 */
export const MODULES = ['core', 'rotation', 'deactivation', 'access-requests', 'exchange', 'audit', 'events', 'leak-report'] as const;
export type Module = (typeof MODULES)[number];

export interface CheckResult {
  name: string;
  module: Module;
  status: 'pass' | 'fail' | 'skip';
  detail?: string;
}

/**
 * Per module: `pass` (every check ran and passed), `partial` (nothing failed, some checks could
 * not run), `skipped` (offered, nothing could run), `fail`, or `not offered` (the manifest does
 * not claim it).
 */
export type ModuleVerdict = 'pass' | 'partial' | 'fail' | 'not offered' | 'skipped';

export interface ConformanceReport {
  issuer: string;
  passed: boolean;
  profile: Record<Module, ModuleVerdict>;
  checks: CheckResult[];
}

export interface ConformanceOptions extends SafeHttpOptions {
  adminToken?: string;
}

export class CheckFailed extends Error {}

/** A check that cannot run, with the real reason (printed as its detail). */
export class CheckSkipped extends Error {}

export function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailed(message);
}

export function skip(reason: string): never {
  throw new CheckSkipped(reason);
}

/** One line: `core: pass, rotation: pass, events: not offered`. */
export function profileLine(profile: Record<Module, ModuleVerdict>): string {
  return MODULES.map((m) => `${m}: ${profile[m]}`).join(', ');
}
