import type { Manifest } from '../../../providers/manifest.js';
import { MODULES, type CheckResult, type Module, type ModuleVerdict } from './types.js';

/**
 * Which modules an issuer offers (spec section 9): its `conformance_profile` when it has one,
 * else derived from supported_operations and the endpoints it names. Core is always claimed.
 */
export function offeredModules(m: Manifest | undefined): Set<Module> {
  const out = new Set<Module>(['core']);
  if (!m) return out;
  const declared = (m as { conformance_profile?: unknown }).conformance_profile;
  if (Array.isArray(declared)) {
    for (const x of declared) if ((MODULES as readonly string[]).includes(x)) out.add(x as Module);
    return out;
  }
  const has = (...ops: string[]) => ops.every((op) => m.supported_operations.includes(op as never));
  const named = (member: string) => typeof (m as unknown as Record<string, unknown>)[member] === 'string';
  if (has('create', 'rotate')) out.add('rotation');
  if (has('deactivate', 'reactivate')) out.add('deactivation');
  if (has('request', 'approve') && named('access_request_endpoint')) out.add('access-requests');
  if (named('token_exchange_endpoint')) out.add('exchange');
  if (has('audit')) out.add('audit');
  if (named('events_endpoint')) out.add('events');
  if (named('leak_report_endpoint')) out.add('leak-report');
  return out;
}

/** A module passes when nothing in it failed and everything in it ran. */
export function verdicts(offered: Set<Module>, checks: CheckResult[]): Record<Module, ModuleVerdict> {
  const out = {} as Record<Module, ModuleVerdict>;
  for (const m of MODULES) {
    const mine = checks.filter((c) => c.module === m);
    if (mine.some((c) => c.status === 'fail')) out[m] = 'fail';
    else if (!offered.has(m)) out[m] = 'not offered';
    else if (!mine.some((c) => c.status === 'pass')) out[m] = 'skipped';
    else out[m] = mine.some((c) => c.status === 'skip') ? 'partial' : 'pass';
  }
  return out;
}
