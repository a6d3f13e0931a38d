import { inputError } from '../core/errors.js';
import type { ManualPlace, Target, TargetDeps, TargetPlugin, TargetRef } from '../targets/target.js';
import { allIntegrations } from './registry.js';

/**
 * Every target type credctl can write: the `targets` the integrations declare (a new target is
 * a folder under src/integrations/<type>/ whose Integration lists its plugin), plus plugins a
 * module registers for itself (the local store).
 */
const plugins = new Map<string, TargetPlugin<any>>();
for (const integration of allIntegrations()) for (const p of integration.targets ?? []) plugins.set(p.type, p);

export function registerTarget(plugin: TargetPlugin<any>): void {
  plugins.set(plugin.type, plugin);
}

export function targetTypes(): string[] {
  return [...plugins.keys()].sort();
}

export function targetPlugins(): TargetPlugin<any>[] {
  return [...plugins.values()].sort((a, b) => a.type.localeCompare(b.type));
}

export function targetPlugin(type: string): TargetPlugin<any> | undefined {
  return plugins.get(type);
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

/** The ref credctl writes for a target the graph found, or null when no plugin can write it. */
export function targetRefFromGraph(kind: string, attrs: Record<string, string | string[]> | undefined, key: string | undefined): TargetRef | null {
  return plugins.get(kind)?.fromGraph?.(attrs ?? {}, key) ?? null;
}

/**
 * Where a person sets `envName` in this target by hand (the plugin's own page and steps), or a
 * plain description when the plugin declares none. The confirm key is `<place id>:<envName>`.
 */
export function manualPlaceFor(ref: TargetRef, envName: string): ManualPlace & { confirmKey: string } {
  const plugin = plugins.get(ref.type);
  const declared = plugin?.manualPlace?.(ref as never, envName);
  const raw = ref as unknown as Record<string, unknown>;
  const where = [raw.file, raw.repo, raw.projectId, raw.name, raw.secretId, raw.project].find((v): v is string => typeof v === 'string');
  const place: ManualPlace = declared ?? {
    id: `${ref.type}${where ? `:${where}` : ''}`,
    label: `${ref.type}${where ? ` ${where}` : ''}`,
    instructions: `Set ${envName} in ${ref.type}${where ? ` ${where}` : ''} to the new value.`,
  };
  return { ...place, confirmKey: `${place.id}:${envName}` };
}

/**
 * The provider whose token credctl needs to write this target (`github` for Actions secrets), or
 * undefined when it writes without one. A target kept in a project file (a Kubernetes manifest,
 * a compose env_file) is written as a file, even where a token of that platform guards it.
 */
export function tokenNeededFor(ref: TargetRef): string | undefined {
  if (typeof (ref as unknown as Record<string, unknown>).file === 'string') return undefined;
  return plugins.get(ref.type)?.guardedBy?.provider;
}
