/**
 * Scopes and what they include. One permission schema (the `/.well-known/credential-permissions`
 * document) drives both enforcement in the reference issuer and narrowing checks in clients.
 */
export type Risk = 'read' | 'write' | 'admin';

export interface ScopeDefinition {
  name: string;
  description: string;
  risk: Risk;
  implies?: string[];
}

export interface PermissionSchema {
  issuer?: string;
  scopes: ScopeDefinition[];
}

/** The reference issuer's scopes. */
export const REFERENCE_SCOPES: ScopeDefinition[] = [
  { name: 'events:read', description: 'Read events (GET /v1/events).', risk: 'read' },
  { name: 'events:write', description: 'Send events (POST /v1/events); includes reading them.', risk: 'write', implies: ['events:read'] },
  { name: 'keys:read', description: 'List and introspect credentials and read the audit trail.', risk: 'read' },
  {
    name: 'keys:admin',
    description: 'Create, rotate, re-scope, deactivate and revoke credentials; approve access requests.',
    risk: 'admin',
    implies: ['keys:read'],
  },
];

/** Every scope `scopes` grants, following `implies` transitively. */
export function expandScopes(scopes: Iterable<string>, schema: ScopeDefinition[]): Set<string> {
  const byName = new Map(schema.map((s) => [s.name, s]));
  const out = new Set<string>();
  const stack = [...scopes];
  while (stack.length) {
    const s = stack.pop()!;
    if (out.has(s)) continue;
    out.add(s);
    stack.push(...(byName.get(s)?.implies ?? []));
  }
  return out;
}

/** True when every scope of `requested` is already granted by `granted` (the RFC 8693 down-scoping rule). */
export function isNarrowerOrEqual(requested: string[], granted: string[], schema: ScopeDefinition[]): boolean {
  const have = expandScopes(granted, schema);
  return requested.every((s) => have.has(s));
}

/** Parse a scope list given as an array or an OAuth space-separated string (commas accepted too). */
export function parseScopeList(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.every((s) => typeof s === 'string') ? [...new Set(value as string[])] : undefined;
  if (typeof value === 'string') return [...new Set(value.split(/[\s,]+/).filter(Boolean))];
  return undefined;
}
