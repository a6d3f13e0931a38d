import { inputError } from '../core/errors.js';
import { composeEnvFilePlugin } from './compose-env-file/index.js';
import { dotenvPlugin } from './dotenv/index.js';
import { githubActionsPlugin } from './github-actions/index.js';
import { k8sSecretPlugin } from './k8s-secret/index.js';
import type { Target, TargetDeps, TargetPlugin, TargetRef } from './target.js';
import { vercelEnvPlugin } from './vercel-env/index.js';

/**
 * Every target type credctl can write. A new target is a folder under src/targets/<type>/
 * exporting a TargetPlugin, plus one line here (or a registerTarget() call from the module that
 * owns it, as the local-store target does).
 */
const plugins = new Map<string, TargetPlugin<any>>();

export function registerTarget(plugin: TargetPlugin<any>): void {
  plugins.set(plugin.type, plugin);
}

for (const p of [dotenvPlugin, composeEnvFilePlugin, k8sSecretPlugin, githubActionsPlugin, vercelEnvPlugin]) registerTarget(p);

export function targetTypes(): string[] {
  return [...plugins.keys()].sort();
}

/** Validate a ref from a plan, config or journal (exit 3 on anything wrong). */
export function parseTargetRef(raw: unknown): TargetRef {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw inputError('a target must be an object with a "type"');
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string') throw inputError('a target must have a "type"');
  const plugin = plugins.get(type);
  if (!plugin) throw inputError(`unknown target type "${type.slice(0, 40)}"`, `known types: ${targetTypes().join(', ')}`);
  return plugin.parseRef(raw as Record<string, unknown>);
}

export function openTarget(ref: TargetRef, deps: TargetDeps): Target {
  const parsed = parseTargetRef(ref);
  return plugins.get(parsed.type)!.open(parsed, deps);
}

/**
 * A stable identity for a target, for journals and for de-duplicating the same target reached
 * from two places: the type plus its fields in sorted order.
 */
export function targetKey(ref: TargetRef): string {
  const entries = Object.entries(ref as unknown as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify(Object.fromEntries(entries));
}
