import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { usageError } from '../core/errors.js';
import { shownSafely } from '../core/redact.js';
import { VERSION } from '../core/version.js';
import type { CredentialNode, Graph, GraphEdge, GraphNode, TargetNode } from '../graph/types.js';
import { manualStep } from '../providers/registry.js';
import type { WiredProvider } from '../integrations/providers.js';
import { targetKey, targetRefFromGraph } from '../integrations/targets.js';
import type { TargetRef } from '../targets/target.js';
import { rotationOrder } from './order.js';
import type { HealthCheckSpec, Plan, PlanCredential, PlanStep, PlanTargetRef } from './types.js';

/**
 * From the usage graph, the provider registry and credctl.yaml to a rotation plan.
 *
 * Per credential: snapshot the value in use → create the replacement (API, or a person at a
 * hidden prompt) → seal it in the store → inject it into every target → health checks →
 * introspect → promote → revoke the old → confirm the provider refuses it. Across credentials:
 * guards first (see order.ts). Targets credctl cannot write safely (a literal in a YAML config,
 * an AWS SSM parameter) become manual steps with instructions.
 */
export interface PlanSelection {
  all?: boolean;
  /** Fingerprints or unambiguous prefixes. */
  ids?: string[];
  names?: string[];
}

export interface PlanBuildInput {
  root: string;
  graph: Graph;
  providers: WiredProvider[];
  select: PlanSelection;
  /** Health checks declared for a credential, by any of its env names (credctl.yaml). */
  healthFor?(names: string[]): HealthCheckSpec[];
  /** Where a provider's issuer lives after credctl.yaml overrides. */
  issuerFor?(provider: string): string | undefined;
  /** Whether credctl.yaml names the admin credential for a provider (needed to create and revoke). */
  hasAdmin?(provider: string): boolean;
  /**
   * Revoke the old credential reversibly: deactivate it, and let `credctl finalize` delete it
   * after this many days (where the provider can deactivate and reactivate). 0 or absent: revoke.
   */
  graceDays?: number;
  now?: Date;
}

export const ORDER_RULE =
  'A credential that guards a target is rotated, and its old value revoked, before any new value is written into that target. ' +
  'Cycles run one member at a time, the one guarding the most credentials first.';

export function selectCredentials(graph: Graph, select: PlanSelection): CredentialNode[] {
  const creds = graph.nodes.filter((n): n is CredentialNode => n.type === 'credential');
  if (select.all) return creds;
  const picked = new Map<string, CredentialNode>();
  const byId = new Map(creds.map((c) => [c.id, c]));
  for (const id of select.ids ?? []) {
    const exact = byId.get(id);
    const hits = exact ? [exact] : creds.filter((c) => c.id.startsWith(id));
    if (hits.length === 0)
      throw usageError(`no credential ${shownSafely(id)} in the usage graph`, 'Run `credctl scan` first, or `credctl graph` to list credentials.');
    if (hits.length > 1) throw usageError(`credential prefix ${shownSafely(id)} is ambiguous (${hits.length} match)`);
    picked.set(hits[0]!.id, hits[0]!);
  }
  for (const name of select.names ?? []) {
    const hits = creds.filter((c) => c.names.includes(name));
    if (hits.length === 0)
      throw usageError(`no credential bound to ${shownSafely(name)} in the usage graph`, 'Run `credctl scan` first, or check the name with `credctl where`.');
    for (const h of hits) picked.set(h.id, h);
  }
  if (picked.size === 0) throw usageError('nothing selected: pass --project, --credential ID or --name NAME');
  return [...picked.values()];
}

/** A graph target as something the targets module can open, or null if credctl cannot write it. */
export function targetRefFor(node: TargetNode, key: string | undefined): PlanTargetRef | null {
  return targetRefFromGraph(node.kind, node.attrs, key) as PlanTargetRef | null;
}

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

/** A digest of what the plan depends on in the graph: credentials, targets and how they connect. */
export function graphDigest(graph: Graph): string {
  const creds = graph.nodes
    .filter((n) => n.type === 'credential')
    .map((n) => n.id)
    .sort();
  const targets = graph.nodes
    .filter((n) => n.type === 'target')
    .map((n) => n.id)
    .sort();
  const edges = graph.edges
    .filter((e) => e.type === 'stored-in' || e.type === 'guards' || e.type === 'bound-to')
    .map((e) => `${e.type}|${e.from}|${e.to}|${e.key ?? ''}`)
    .sort();
  return sha256(JSON.stringify({ creds, targets, edges }));
}

export function fileDigest(root: string, file: string): string {
  const p = isAbsolute(file) ? file : join(root, file);
  return existsSync(p) ? sha256(readFileSync(p)) : 'absent';
}

/**
 * Multi-part credentials (src/integrations/types.ts CredentialPart): for a secret whose
 * integration declares parts, the credentials stored next to it in the same target under a
 * part's env name are its parts (the AWS key id beside the secret key).
 */
function multiPartIndex(graph: Graph, providers: Map<string, WiredProvider>, edgesFrom: Map<string, GraphEdge[]>) {
  const storedIn = (id: string) => (edgesFrom.get(id) ?? []).filter((e) => e.type === 'stored-in');
  const byTarget = new Map<string, GraphEdge[]>();
  for (const e of graph.edges) if (e.type === 'stored-in') byTarget.set(e.to, [...(byTarget.get(e.to) ?? []), e]);
  const partIds = new Set<string>();
  const atTarget = new Map<string, { role: string; envName: string }[]>();
  for (const n of graph.nodes) {
    if (n.type !== 'credential') continue;
    const declared = providers.get(n.provider)?.integration?.parts;
    if (!declared?.length) continue;
    // The secret itself is not one of its parts.
    if (declared.some((p) => n.names.some((name) => p.envNames.includes(name)))) continue;
    for (const e of storedIn(n.id)) {
      const found: { role: string; envName: string }[] = [];
      for (const part of declared) {
        const other = (byTarget.get(e.to) ?? []).find((o) => o.from !== n.id && o.key !== undefined && part.envNames.includes(o.key));
        if (other) {
          found.push({ role: part.role, envName: other.key! });
          partIds.add(other.from);
        }
      }
      if (found.length) atTarget.set(`${n.id}\0${e.to}`, found);
    }
  }
  return { partIds, at: (credId: string, targetId: string) => atTarget.get(`${credId}\0${targetId}`) ?? [] };
}

function storeNames(creds: CredentialNode[]): Map<string, string> {
  const byName = new Map<string, number>();
  for (const c of creds) byName.set(c.names[0] ?? c.id, (byName.get(c.names[0] ?? c.id) ?? 0) + 1);
  const out = new Map<string, string>();
  for (const c of creds) {
    const base = c.names[0] ?? c.id;
    // Two credentials bound to the same name (a test key in .env, a live key in .env.production)
    // get distinct store entries.
    out.set(c.id, byName.get(base)! > 1 ? `${base}.${c.environment ?? c.id.slice(3, 11)}` : base);
  }
  return out;
}

export function buildPlan(input: PlanBuildInput): Plan {
  const { graph, root } = input;
  const nodeById = new Map(graph.nodes.map((n) => [n.id, n]));
  const providers = new Map(input.providers.map((p) => [p.id, p]));
  const edgesFrom = new Map<string, GraphEdge[]>();
  for (const e of graph.edges) {
    const list = edgesFrom.get(e.from) ?? [];
    list.push(e);
    edgesFrom.set(e.from, list);
  }
  const partsOf = multiPartIndex(graph, providers, edgesFrom);
  // A part of a multi-part credential (an AWS key id) is rotated with its secret, not on its own.
  const chosen = selectCredentials(graph, input.select);
  const selected = chosen.filter((c) => !partsOf.partIds.has(c.id));
  if (chosen.length > 0 && selected.length === 0) {
    throw usageError(
      `${chosen.map((c) => c.names[0] ?? c.redacted).join(', ')} is part of a credential rotated with its secret`,
      'Name the secret it goes with (for an AWS key id: AWS_SECRET_ACCESS_KEY).',
    );
  }
  const stores = storeNames(selected);
  const files = new Set<string>();
  const manifests: Record<string, string> = {};
  const targetKeyOfNode = new Map<string, string>();

  const world: PlanWorld = { input, providers, edgesFrom, nodeById, stores, files, manifests, targetKeyOfNode, partsOf };
  const credentials: PlanCredential[] = selected.map((c) => planCredential(c, world));

  const order = orderByGuards(credentials, edgesFrom, nodeById, targetKeyOfNode);

  const now = input.now ?? new Date();
  return {
    apiVersion: 'credctl/v1',
    kind: 'RotationPlan',
    id: `plan-${now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}-${randomBytes(3).toString('hex')}`,
    createdAt: now.toISOString(),
    root,
    inputs: {
      graph: graphDigest(graph),
      files: Object.fromEntries([...files].sort().map((f) => [f, fileDigest(root, f)])),
      manifests,
      tool: VERSION,
    },
    order: { batches: order.batches, cycles: order.cycles, rule: ORDER_RULE },
    credentials,
  };
}

/** What one credential's plan is built from: the graph indexed, the providers, what the plan collects. */
interface PlanWorld {
  input: PlanBuildInput;
  providers: Map<string, WiredProvider>;
  edgesFrom: Map<string, GraphEdge[]>;
  nodeById: Map<string, GraphNode>;
  stores: Map<string, string>;
  /** Collected: the files the plan writes (their digests go into the plan). */
  files: Set<string>;
  /** Collected: each provider manifest's digest. */
  manifests: Record<string, string>;
  /** Collected: graph target node → target key, for the guards. */
  targetKeyOfNode: Map<string, string>;
  partsOf: ReturnType<typeof multiPartIndex>;
}

/** The steps for one credential: snapshot, create (API or by hand), store, inject, health, introspect, promote, revoke. */
function planCredential(c: CredentialNode, w: PlanWorld): PlanCredential {
  const { input, providers, edgesFrom, nodeById, stores, files, manifests, targetKeyOfNode, partsOf } = w;
  const provider = providers.get(c.provider);
  if (provider?.manifest && !manifests[provider.id]) manifests[provider.id] = sha256(JSON.stringify(provider.manifest));
  const support = provider?.support;
  // `support` is what the provider's integration can do (src/integrations/providers.ts): 'api'
  // only where code is wired behind it.
  const apiCapable = support?.create === 'api' || support?.rotate === 'api';
  const adminReady = input.hasAdmin?.(c.provider) ?? true;
  const canCreate = apiCapable && adminReady;
  const manualCreate = manualStep(provider, 'create');
  const short = c.names[0] ?? c.redacted;
  const steps: PlanStep[] = [];
  const sid = (s: string) => `${c.id}/${s}`;
  const notes: string[] = [];
  const manualTargets: { place: string; envName: string }[] = [];
  if (canCreate && provider?.manifest?.rotation_strategy === 'alternating_users') {
    notes.push(
      `${provider.name} rotates with alternating users: the replacement logs in as another user of the same group, so the user name in ${short} changes too.`,
    );
  }
  if (apiCapable && !adminReady)
    notes.push(
      `${provider?.name ?? c.provider} can rotate this through its API once credctl.yaml names its admin credential (providers.${c.provider}.admin: store:<entry>); until then it is manual.`,
    );

  // The integration's declared strategy; for a standard issuer, the one its manifest states.
  const declared = provider?.integration?.rotate?.strategy;
  const rotation = declared === 'overlap' && provider?.manifest?.rotation_strategy === 'alternating_users' ? 'alternating-users' : declared;
  if (canCreate && rotation === 'roll') {
    notes.push(
      `${provider!.name} rolls the value in place: the old ${short} stops working the moment the replacement is made, so its targets fail until each holds the new one (credctl writes them straight after).`,
    );
  }
  steps.push({ id: sid('snapshot'), action: 'snapshot', description: `Seal the ${short} value in use now (${c.redacted}) in the store, for rollback` });
  if (canCreate) {
    const how = rotation === 'roll' ? 'Roll' : 'Create a replacement for';
    steps.push({
      id: sid('create'),
      action: 'create',
      description: `${how} ${short} at ${provider!.name} with the same scopes${rotation ? ` (${rotation})` : ''}`,
    });
  } else {
    steps.push({
      id: sid('create'),
      action: 'manual-create',
      description: `Create a replacement for ${short} by hand at ${provider?.name ?? c.provider}, then paste it at the hidden prompt`,
      manual: {
        instructions: manualCreate.instructions ?? `Create a new ${c.kind} at ${provider?.name ?? c.provider} with the same permissions as the old one.`,
        ...(manualCreate.url ? { url: manualCreate.url } : {}),
      },
    });
  }
  steps.push({
    id: sid('store'),
    action: 'store',
    description: `Check the new ${short} is sealed in the store as pending (store entry ${stores.get(c.id)})`,
  });

  let n = 0;
  for (const e of edgesFrom.get(c.id) ?? []) {
    if (e.type !== 'stored-in') continue;
    const t = nodeById.get(e.to);
    if (!t || t.type !== 'target') continue;
    const envName = e.key ?? c.names[0] ?? '';
    const ref = targetRefFor(t, e.key);
    if (ref) {
      targetKeyOfNode.set(t.id, targetKey(ref as TargetRef));
      if (typeof ref.file === 'string') files.add(ref.file);
      const parts = partsOf.at(c.id, t.id);
      const also = parts.length ? ` (and ${parts.map((p) => p.envName).join(', ')})` : '';
      steps.push({
        id: sid(`inject/${n++}`),
        action: 'inject',
        description: `Write the new ${envName}${also} into ${t.label}`,
        target: ref,
        envName,
        ...(parts.length ? { parts } : {}),
      });
    } else {
      notes.push(
        `${t.label} holds it too and cannot be written by credctl: replace ${envName} there by hand (credctl store get ${stores.get(c.id)} prints the new value); the old one is revoked only after you confirm it.`,
      );
      manualTargets.push({ place: t.label, envName });
    }
  }
  for (const check of input.healthFor?.(c.names) ?? []) {
    steps.push({
      id: sid(`health/${steps.filter((s) => s.action === 'health').length}`),
      action: 'health',
      description: `Health check: ${'command' in check ? check.command : `HTTP ${check.http.url}`}`,
      check,
    });
  }
  if (support?.introspect === 'api' && canCreate)
    steps.push({ id: sid('introspect'), action: 'introspect', description: `Ask ${provider!.name} that the new ${short} is active` });
  steps.push({ id: sid('promote'), action: 'promote', description: `Mark the new ${short} current in the store (the old one becomes previous)` });
  const grace = input.graceDays && input.graceDays > 0 ? Math.ceil(input.graceDays) : 0;
  const reversible = support?.deactivate === 'api' && support.reactivate === 'api';
  if (support?.revoke === 'api' && canCreate && grace && reversible) {
    steps.push({
      id: sid('revoke'),
      action: 'revoke',
      mode: 'deactivate',
      graceDays: grace,
      description: `Deactivate the old ${short} (${c.redacted}) at ${provider!.name}: reversible (credctl rollback) for ${grace} day${grace === 1 ? '' : 's'}, then deleted by credctl finalize`,
    });
    if (support.introspect === 'api')
      steps.push({ id: sid('verify-revoked'), action: 'verify-revoked', description: `Confirm ${provider!.name} now refuses the old ${short}` });
  } else if (support?.revoke === 'api' && canCreate) {
    if (grace) notes.push(`${provider!.name} cannot deactivate a credential reversibly, so the old ${short} is revoked at once (no grace period).`);
    steps.push({ id: sid('revoke'), action: 'revoke', mode: 'revoke', description: `Revoke the old ${short} (${c.redacted}) at ${provider!.name}` });
    if (support.introspect === 'api')
      steps.push({ id: sid('verify-revoked'), action: 'verify-revoked', description: `Confirm ${provider!.name} now refuses the old ${short}` });
  } else {
    const manualRevoke = manualStep(provider, 'revoke');
    steps.push({
      id: sid('revoke'),
      action: 'revoke',
      mode: 'revoke',
      description: `Revoke the old ${short} (${c.redacted}) by hand at ${provider?.name ?? c.provider}`,
      manual: {
        instructions: manualRevoke.instructions ?? `Revoke or delete the old ${c.kind} ending ${c.redacted.slice(-4)} at ${provider?.name ?? c.provider}.`,
        ...(manualRevoke.url ? { url: manualRevoke.url } : {}),
      },
    });
  }
  const issuer = input.issuerFor?.(c.provider) ?? provider?.issuer;
  return {
    id: c.id,
    names: c.names,
    provider: c.provider,
    kind: c.kind,
    ...(c.environment ? { environment: c.environment } : {}),
    redacted: c.redacted,
    ...(issuer && canCreate ? { issuer } : {}),
    storeName: stores.get(c.id)!,
    strategy: canCreate ? 'api' : 'manual',
    ...(canCreate && rotation ? { rotation } : {}),
    guards: [],
    ...(notes.length ? { notes } : {}),
    ...(manualTargets.length ? { manualTargets } : {}),
    steps,
  } as PlanCredential;
}

/**
 * Guards first: a credential guards the targets it is needed to write (graph `guards` edges), so
 * it is rotated before every credential written there. Sorts `credentials` into that order.
 */
function orderByGuards(
  credentials: PlanCredential[],
  edgesFrom: Map<string, GraphEdge[]>,
  nodeById: Map<string, GraphNode>,
  targetKeyOfNode: Map<string, string>,
) {
  // Guards: a credential guards the targets it is needed to write (graph `guards` edges).
  const guardEdges = new Map<string, Set<string>>();
  for (const cred of credentials) {
    for (const e of edgesFrom.get(cred.id) ?? []) {
      if (e.type !== 'guards') continue;
      const key = targetKeyOfNode.get(e.to);
      const node = nodeById.get(e.to);
      const refKey =
        key ??
        (node?.type === 'target'
          ? (() => {
              const r = targetRefFor(node, undefined);
              return r ? targetKey(r as TargetRef) : undefined;
            })()
          : undefined);
      if (refKey) cred.guards.push(refKey);
    }
  }
  for (const g of credentials) {
    if (g.guards.length === 0) continue;
    const dependents = new Set<string>();
    for (const c of credentials) {
      if (c.steps.some((s) => s.action === 'inject' && s.target && g.guards.includes(targetKey(s.target as TargetRef)))) dependents.add(c.id);
    }
    if (dependents.size) guardEdges.set(g.id, dependents);
  }
  const order = rotationOrder({ ids: credentials.map((c) => c.id), guards: guardEdges });
  for (const cred of credentials) {
    const dependents = guardEdges.get(cred.id);
    if (dependents && [...dependents].some((d) => d !== cred.id))
      cred.orderReason = `guards ${cred.guards.length} target(s) where ${[...dependents].filter((d) => d !== cred.id).length} other credential(s) are written: rotated first`;
  }
  const rank = new Map(order.batches.flat().map((id, i) => [id, i]));
  credentials.sort((a, b) => rank.get(a.id)! - rank.get(b.id)!);
  return order;
}

/** What changed since the plan was made, in words; empty when it is still fresh. */
export function staleness(plan: Plan, currentGraph: Graph): string[] {
  const changes: string[] = [];
  if (plan.inputs.tool !== VERSION) changes.push(`credctl changed from ${plan.inputs.tool} to ${VERSION}`);
  if (graphDigest(currentGraph) !== plan.inputs.graph) changes.push('the usage graph changed (credentials, targets or bindings)');
  for (const [file, digest] of Object.entries(plan.inputs.files)) {
    if (fileDigest(plan.root, file) !== digest) changes.push(`${file} changed`);
  }
  return changes;
}
