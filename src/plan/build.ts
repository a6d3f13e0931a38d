import { timestampId } from '../core/text.js';
import { identityOf } from '../core/credential.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { usageError } from '../core/errors.js';
import { shownSafely } from '../core/redact.js';
import { VERSION } from '../core/version.js';
import type { CredentialNode, Graph, GraphEdge, GraphNode, TargetNode } from '../graph/types.js';
import { inputError } from '../core/errors.js';
import { manualStep, type SelfIssuedRule } from '../providers/registry.js';
import type { WiredProvider } from '../integrations/providers.js';
import { manualPlaceFor, targetKey, targetPlugin, targetRefFromGraph, targetTypes, tokenNeededFor } from '../integrations/targets.js';
import type { TargetRef } from '../targets/target.js';
import type { GuardSetting } from '../config/sections.js';
import { rotationOrder } from './order.js';
import type { GenerateSpec, HealthCheckSpec, Plan, PlanCredential, PlanStep, PlanTargetRef } from './types.js';

/**
 * From the usage graph, the provider registry and credctl.yaml to a rotation plan.
 *
 * Per credential: snapshot the value in use → create the replacement (API, or a person at a
 * hidden prompt) → seal it in the store → inject it into every target → health checks →
 * introspect → promote → revoke the old → confirm the provider refuses it. Across credentials:
 * guards first (see order.ts), ties broken by id so the same input always gives the same order.
 *
 * Targets credctl cannot write (a literal in a YAML config, an AWS SSM parameter, GitHub Actions
 * secrets with no GitHub token to write them) become `manual-inject` steps naming the exact place
 * (the target plugin's `manualPlace`); the old value is revoked only after each is confirmed.
 * A self-issued secret (provider.yaml `self_issued:`, or credctl.yaml `credentials.<NAME>.self_issued`)
 * that no API rotates is `generate`d: a random value credctl makes, seals and writes everywhere.
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
  /**
   * Whether credctl.yaml names a token of this provider for writing its targets
   * (providers.<id>.admin: store:<entry>). Absent: assumed yes. A remote target with no token
   * and no guard rotated in the same plan becomes a manual step.
   */
  hasTargetToken?(provider: string): boolean;
  /** credctl.yaml `guards:` for a credential known by these names. */
  guardsFor?(names: string[]): GuardSetting | undefined;
  /**
   * A credential's scopes, when its integration's analyze gave a complete list (a blast-radius
   * probe): guards are then judged by what it can write, not by its name. Undefined: unknown.
   */
  grantsFor?(credentialId: string): string[] | undefined;
  /** credctl.yaml `credentials.<NAME>.self_issued: true` for any of these names. */
  selfIssued?(names: string[]): boolean;
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
  const secretOf = new Map<string, string>();
  const atTarget = new Map<string, { role: string; envName: string }[]>();
  for (const n of graph.nodes) {
    if (n.type !== 'credential') continue;
    const provider = providers.get(n.provider);
    const declared = provider?.integration?.parts;
    if (!declared?.length) continue;
    // A part itself (AWS_ACCESS_KEY_ID, PROD_AWS_ACCESS_KEY_ID) is not a secret with parts.
    if (declared.some((p) => n.names.some((name) => p.envNames.some((partName) => name.includes(partName))))) continue;
    const partNames = new Set(declared.flatMap((p) => p.envNames));
    const secretNames = (provider?.envNames ?? []).filter((name) => !partNames.has(name));
    for (const e of storedIn(n.id)) {
      // The secret's own affix in this place (PROD_ of PROD_AWS_SECRET_ACCESS_KEY): its parts
      // carry the same one, so two AWS keys in one file each get their own key id.
      const { pre, post } = affixOf(e.key, secretNames);
      const found: { role: string; envName: string }[] = [];
      for (const part of declared) {
        const names = part.envNames.map((partName) => pre + partName + post);
        const other = (byTarget.get(e.to) ?? []).find((o) => o.from !== n.id && o.key !== undefined && names.includes(o.key));
        if (other) {
          found.push({ role: part.role, envName: other.key! });
          partIds.add(other.from);
          if (!secretOf.has(other.from)) secretOf.set(other.from, n.id);
        }
      }
      if (found.length) atTarget.set(`${n.id}\0${e.to}`, found);
    }
  }
  return { partIds, secretOf, at: (credId: string, targetId: string) => atTarget.get(`${credId}\0${targetId}`) ?? [] };
}

/**
 * The secret each part of a multi-part credential goes with (an AWS key id → its secret access
 * key's id), as the plan pairs them: a part is rotated, and recovered, with its secret.
 */
export function secretsOfParts(graph: Graph, providers: WiredProvider[]): ReadonlyMap<string, string> {
  const edgesFrom = new Map<string, GraphEdge[]>();
  for (const e of graph.edges) edgesFrom.set(e.from, [...(edgesFrom.get(e.from) ?? []), e]);
  return multiPartIndex(graph, new Map(providers.map((p) => [p.id, p])), edgesFrom).secretOf;
}

/** What surrounds a provider's usual secret name in a binding's name (`PROD_` + AWS_SECRET_ACCESS_KEY); none when it is not there. */
function affixOf(key: string | undefined, secretNames: readonly string[]): { pre: string; post: string } {
  for (const name of secretNames) {
    const at = key?.indexOf(name) ?? -1;
    if (key !== undefined && at >= 0) return { pre: key.slice(0, at), post: key.slice(at + name.length) };
  }
  return { pre: '', post: '' };
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

  // Edges in a fixed order, so that a shuffled graph gives the same plan.
  for (const list of edgesFrom.values()) list.sort((a, b) => cmp(a.type, b.type) || cmp(a.to, b.to) || cmp(a.key ?? '', b.key ?? ''));
  const guarded = inferGuards(selected, graph, edgesFrom, nodeById, input);
  const world: PlanWorld = { input, providers, edgesFrom, nodeById, stores, files, manifests, targetKeyOfNode, partsOf, guarded };
  const credentials: PlanCredential[] = selected.map((c) => planCredential(c, world));

  const order = orderByGuards(credentials, guarded, nodeById, targetKeyOfNode);

  const now = input.now ?? new Date();
  return {
    apiVersion: 'credctl/v1',
    kind: 'RotationPlan',
    id: `plan-${timestampId(now)}`,
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
  guarded: GuardInference;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Which target nodes each selected credential guards, and why. credctl.yaml `guards:` decides
 * where it speaks (`none`, or exactly the listed targets). Otherwise the graph's guard edges
 * (from the credential's provider or env name), kept only where the credential's known scopes
 * can write there (the target plugin's `guardedBy.writeScopes`); with no scope knowledge an
 * edge is kept and marked assumed, which the plan says in its orderReason.
 */
export interface GuardInference {
  /** credential id → target node ids it guards. */
  targets: Map<string, Set<string>>;
  /** credential id → how its guards were decided, for the orderReason. */
  basis: Map<string, string>;
}

function inferGuards(
  selected: CredentialNode[],
  graph: Graph,
  edgesFrom: Map<string, GraphEdge[]>,
  nodeById: Map<string, GraphNode>,
  input: PlanBuildInput,
): GuardInference {
  const targets = new Map<string, Set<string>>();
  const basis = new Map<string, string>();
  const targetNodes = graph.nodes.filter((n): n is TargetNode => n.type === 'target').sort((a, b) => cmp(a.id, b.id));
  const known = new Set(targetTypes());
  for (const c of [...selected].sort((a, b) => cmp(a.id, b.id))) {
    const setting = input.guardsFor?.(c.names);
    const set = new Set<string>();
    if (setting === 'none') {
      basis.set(c.id, 'credctl.yaml says it guards nothing');
    } else if (Array.isArray(setting)) {
      for (const entry of setting) {
        const [type, place] = splitOnce(entry);
        const plugin = targetPlugin(type) ?? [...known].map((t) => targetPlugin(t)!).find((p) => p.aliases?.includes(type));
        if (!plugin) throw inputError(`credctl.yaml: guards.${c.names[0] ?? c.id}: unknown target type "${type}"`, `known types: ${[...known].join(', ')}`);
        for (const t of targetNodes) {
          if (t.kind !== plugin.type) continue;
          if (place !== undefined && !placeMatches(t, place)) continue;
          if ((edgesFrom.get(c.id) ?? []).some((e) => e.type === 'stored-in' && e.to === t.id)) continue;
          set.add(t.id);
        }
      }
      basis.set(c.id, 'as credctl.yaml guards: says');
    } else {
      const grants = input.grantsFor?.(c.id);
      const why = new Set<string>();
      for (const e of edgesFrom.get(c.id) ?? []) {
        if (e.type !== 'guards') continue;
        const node = nodeById.get(e.to);
        if (node?.type !== 'target') continue;
        const writeScopes = targetPlugin(node.kind)?.guardedBy?.writeScopes;
        if (grants && writeScopes) {
          const can = grants.filter((g) => writeScopes.includes(g));
          if (can.length === 0) continue;
          why.add(`its scopes can write there: ${can.join(', ')}`);
        } else {
          const from = e.reason?.startsWith('provider') ? 'provider' : 'name';
          why.add(
            grants
              ? `assumed from its ${from}: the target declares no scopes to judge by (credctl.yaml guards: can say otherwise)`
              : `assumed from its ${from}: its scopes are not known (credctl.yaml guards: can say otherwise)`,
          );
        }
        set.add(e.to);
      }
      if (why.size) basis.set(c.id, [...why].sort().join('; '));
    }
    if (set.size) targets.set(c.id, set);
  }
  return { targets, basis };
}

function splitOnce(entry: string): [string, string | undefined] {
  const i = entry.indexOf(':');
  return i < 0 ? [entry, undefined] : [entry.slice(0, i), entry.slice(i + 1)];
}

/** `github-actions:acme/api` matches the Actions secrets of acme/api; a file, project or name the same way. */
function placeMatches(t: TargetNode, place: string): boolean {
  const a = t.attrs ?? {};
  return [a.repo, a.project, a.file, a.name].some((v) => v === place);
}

/**
 * A self-issued secret: one the provider's `self_issued:` rules name (the generic provider's for
 * credentials no vendor's rule recognised), or one credctl.yaml declares (generic ones only: a
 * vendor's key is never replaced by a random string). Not when another credential embeds it (a
 * password inside a DATABASE_URL would be left behind), nor, for a rule with `only_consumers`,
 * when anything but those consumers reads its names.
 */
function selfIssuedSpec(c: CredentialNode, w: PlanWorld): { spec: GenerateSpec; note?: string } | undefined {
  const { input, providers, nodeById, edgesFrom } = w;
  const generic = c.provider === 'generic' || c.provider === 'unknown';
  const embedded = [...edgesFrom.values()].some((list) => list.some((e) => e.type === 'derived-from' && e.to === c.id));
  if (embedded) return undefined;
  if (generic && input.selfIssued?.(c.names)) return { spec: { alphabet: 'same', minLength: 32 } };
  const rules: SelfIssuedRule[] = [
    ...(providers.get(c.provider)?.selfIssued ?? []),
    ...(generic && c.provider !== 'generic' ? (providers.get('generic')?.selfIssued ?? []) : []),
  ];
  const named = (pattern: string) => {
    const body = pattern.replace(/[.+?^$()|[\]\\{}]/g, '\\$&').replace(/\*/g, '.*');
    const re = new RegExp('^' + body + '$');
    return c.names.some((n) => re.test(n));
  };
  for (const rule of rules) {
    if (!rule.names.some(named)) continue;
    if (rule.onlyConsumers) {
      const consumers = c.names.flatMap((n) => (edgesFrom.get(`name:${n}`) ?? []).filter((e) => e.type === 'referenced-by').map((e) => nodeById.get(e.to)));
      if (consumers.length === 0 || consumers.some((n) => n?.type !== 'consumer' || !rule.onlyConsumers!.includes(n.kind))) continue;
    }
    return { spec: { alphabet: rule.alphabet, minLength: rule.minLength }, ...(rule.note ? { note: rule.note } : {}) };
  }
  return undefined;
}

/** One credential's plan while it is built: what its steps are decided from, and what they collect. */
interface CredentialPlanning {
  c: CredentialNode;
  w: PlanWorld;
  provider: WiredProvider | undefined;
  support: WiredProvider['support'] | undefined;
  /** An API makes the replacement (the integration can, and its admin credential is named). */
  canCreate: boolean;
  selfIssued: { spec: GenerateSpec; note?: string } | undefined;
  rotation: PlanCredential['rotation'];
  /** How steps and notes call the credential: its first name, else its redacted value. */
  short: string;
  sid: (s: string) => string;
  steps: PlanStep[];
  notes: string[];
  manualTargets: NonNullable<PlanCredential['manualTargets']>;
}

/** The steps for one credential: snapshot, create (API or by hand), store, inject, health, introspect, promote, revoke. */
function planCredential(c: CredentialNode, w: PlanWorld): PlanCredential {
  const p = rotationMeans(c, w);
  createSteps(p);
  stepsForTargets(p);
  checkSteps(p);
  revokeSteps(p);
  const { provider, canCreate, selfIssued, rotation, notes, manualTargets, steps } = p;
  const issuer = w.input.issuerFor?.(c.provider) ?? provider?.issuer;
  return {
    ...identityOf(c),
    ...(issuer && canCreate ? { issuer } : {}),
    storeName: w.stores.get(c.id)!,
    strategy: canCreate ? 'api' : selfIssued ? 'generate' : 'manual',
    ...(canCreate && rotation ? { rotation } : {}),
    guards: [],
    ...(notes.length ? { notes } : {}),
    ...(manualTargets.length ? { manualTargets } : {}),
    steps,
  } as PlanCredential;
}

/** Every later step depends on how the replacement is made: by API, generated, or by hand; the notes say why. */
function rotationMeans(c: CredentialNode, w: PlanWorld): CredentialPlanning {
  const { input, providers, manifests } = w;
  const provider = providers.get(c.provider);
  if (provider?.manifest && !manifests[provider.id]) manifests[provider.id] = sha256(JSON.stringify(provider.manifest));
  const support = provider?.support;
  // `support` is what the provider's integration can do (src/integrations/providers.ts): 'api'
  // only where code is wired behind it.
  const apiCapable = support?.create === 'api' || support?.rotate === 'api';
  const adminReady = input.hasAdmin?.(c.provider) ?? true;
  const canCreate = apiCapable && adminReady;
  // No API makes it, and nobody but the project issues it: credctl generates the replacement.
  const selfIssued = canCreate ? undefined : selfIssuedSpec(c, w);
  const short = c.names[0] ?? c.redacted;
  const notes: string[] = [];
  if (selfIssued?.note) notes.push(selfIssued.note);
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
  const strategy = declared === 'overlap' && provider?.manifest?.rotation_strategy === 'alternating_users' ? 'alternating-users' : declared;
  // With no grace period the old credential is revoked as soon as the new one is everywhere: that
  // is an overlap, whatever the integration does when a grace period is asked for.
  const rotation = strategy === 'deactivation-grace' && !(w.input.graceDays && w.input.graceDays > 0) ? 'overlap' : strategy;
  if (canCreate && rotation === 'roll') {
    notes.push(
      `${provider!.name} rolls the value in place: the old ${short} stops working the moment the replacement is made, so its targets fail until each holds the new one (credctl writes them straight after).`,
    );
  }
  const sid = (s: string) => `${c.id}/${s}`;
  return { c, w, provider, support, canCreate, selfIssued, rotation, short, sid, steps: [], notes, manualTargets: [] };
}

/** The replacement exists and is sealed before anything is written: snapshot, then generate, create or a person at the prompt. */
function createSteps(p: CredentialPlanning): void {
  const { c, provider, canCreate, selfIssued, rotation, short, sid, steps } = p;
  const manualCreate = manualStep(provider, 'create', c.kind);
  steps.push({ id: sid('snapshot'), action: 'snapshot', description: `Seal the ${short} value in use now (${c.redacted}) in the store, for rollback` });
  if (selfIssued) {
    const shape = selfIssued.spec.alphabet === 'same' ? "in the old value's alphabet" : selfIssued.spec.alphabet;
    steps.push({
      id: sid('generate'),
      action: 'generate',
      description: `Generate a new random ${short} (${shape}, at least ${Math.max(32, selfIssued.spec.minLength)} characters and no shorter than the old one) and seal it in the store`,
      generate: selfIssued.spec,
    });
  } else if (canCreate) {
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
    description: `Check the new ${short} is sealed in the store as pending (store entry ${p.w.stores.get(c.id)})`,
  });
}

/**
 * One inject per target credctl can write; a `manual-inject` naming the exact place for the rest.
 * Places set by hand come after every write credctl makes, and before health checks and revoke.
 */
function stepsForTargets(p: CredentialPlanning): void {
  const { c, sid, steps } = p;
  const { input, edgesFrom, nodeById, files, targetKeyOfNode, partsOf, guarded } = p.w;
  let n = 0;
  const manualSteps: PlanStep[] = [];
  // A remote target is written with a token of its provider: one credctl.yaml names, or the
  // guard rotated earlier in this plan. Without either, a person sets it.
  const tokenFor = (t: TargetNode, provider: string) =>
    (input.hasTargetToken?.(provider) ?? true) || [...guarded.targets.values()].some((set) => set.has(t.id));
  for (const e of edgesFrom.get(c.id) ?? []) {
    if (e.type !== 'stored-in') continue;
    const t = nodeById.get(e.to);
    if (!t || t.type !== 'target') continue;
    const envName = e.key ?? c.names[0] ?? '';
    const ref = targetRefFor(t, e.key);
    const needs = ref ? tokenNeededFor(ref as TargetRef) : undefined;
    if (ref) targetKeyOfNode.set(t.id, targetKey(ref as TargetRef));
    if (ref && (!needs || tokenFor(t, needs))) {
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
      continue;
    }
    const step = manualInjectStep(p, t, ref, needs, envName, manualSteps.length);
    if (step) manualSteps.push(step);
  }
  steps.push(...manualSteps);
}

/** A target credctl cannot write: a person sets it, and the old value waits for their confirmation (undefined when that place is already asked for). */
function manualInjectStep(
  p: CredentialPlanning,
  t: TargetNode,
  ref: PlanTargetRef | null,
  needs: string | undefined,
  envName: string,
  index: number,
): PlanStep | undefined {
  const { c, sid, notes, manualTargets } = p;
  const place = ref
    ? manualPlaceFor(ref as TargetRef, envName)
    : {
        id: t.id.replace(/^target:/, ''),
        label: t.label,
        instructions: `Replace ${envName} in ${t.label} with the new value.`,
        confirmKey: `${t.id.replace(/^target:/, '')}:${envName}`,
      };
  if (manualTargets.some((m) => m.key === place.confirmKey)) return undefined;
  const why = ref
    ? `credctl has no ${needs} token to write it (name one in credctl.yaml providers.${needs}.admin, or rotate the token that guards it in the same plan)`
    : 'credctl cannot write it';
  notes.push(
    `${place.label} holds ${envName} and ${why}: set it by hand (credctl store get ${p.w.stores.get(c.id)} --label pending prints the new value); the old one is revoked only after you confirm it (on the terminal, or apply --resume RUN --confirm-manual ${place.confirmKey}).`,
  );
  manualTargets.push({ place: place.label, envName, key: place.confirmKey, ...(place.url ? { url: place.url } : {}) });
  return {
    id: sid(`manual-inject/${index}`),
    action: 'manual-inject',
    description: `By hand: set ${envName} in ${place.label} to the new value, then confirm`,
    ...(ref ? { target: ref } : {}),
    envName,
    manual: { instructions: place.instructions, ...(place.url ? { url: place.url } : {}), place: place.label, confirmKey: place.confirmKey },
  };
}

/** Before the new value becomes current: the project's health checks pass and the provider says it is active. */
function checkSteps(p: CredentialPlanning): void {
  const { c, provider, support, canCreate, short, sid, steps } = p;
  for (const check of p.w.input.healthFor?.(c.names) ?? []) {
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
}

/** The old value dies last, as gently as the provider allows: deactivated for a grace period, retired, revoked, or by hand. */
function revokeSteps(p: CredentialPlanning): void {
  const { c, provider, support, canCreate, selfIssued, short, sid, steps, notes } = p;
  const input = p.w.input;
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
  } else if (selfIssued) {
    steps.push({
      id: sid('revoke'),
      action: 'revoke',
      mode: 'retire',
      description: `Retire the old ${short} (${c.redacted}): nothing issues it but this project, so it is dead once no target holds it (checked)`,
    });
  } else if (support?.revoke === 'api' && canCreate) {
    if (grace) notes.push(`${provider!.name} cannot deactivate a credential reversibly, so the old ${short} is revoked at once (no grace period).`);
    steps.push({ id: sid('revoke'), action: 'revoke', mode: 'revoke', description: `Revoke the old ${short} (${c.redacted}) at ${provider!.name}` });
    if (support.introspect === 'api')
      steps.push({ id: sid('verify-revoked'), action: 'verify-revoked', description: `Confirm ${provider!.name} now refuses the old ${short}` });
  } else {
    const manualRevoke = manualStep(provider, 'revoke', c.kind);
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
}

/**
 * Guards first: a credential guards the targets it is needed to write (inferGuards), so it is
 * rotated before every credential written there. Sorts `credentials` into that order; ties are
 * broken by id (order.ts), so the same project always gives the same order.
 */
function orderByGuards(credentials: PlanCredential[], guarded: GuardInference, nodeById: Map<string, GraphNode>, targetKeyOfNode: Map<string, string>) {
  const guardEdges = new Map<string, Set<string>>();
  for (const cred of credentials) {
    const keys = new Set<string>();
    for (const nodeId of guarded.targets.get(cred.id) ?? []) {
      const node = nodeById.get(nodeId);
      const key =
        targetKeyOfNode.get(nodeId) ??
        (node?.type === 'target'
          ? (() => {
              const r = targetRefFor(node, undefined);
              return r ? targetKey(r as TargetRef) : undefined;
            })()
          : undefined);
      if (key) keys.add(key);
    }
    cred.guards = [...keys].sort();
  }
  for (const g of credentials) {
    if (g.guards.length === 0) continue;
    const dependents = new Set<string>();
    for (const c of credentials) {
      if (c.steps.some((s) => (s.action === 'inject' || s.action === 'manual-inject') && s.target && g.guards.includes(targetKey(s.target as TargetRef))))
        dependents.add(c.id);
    }
    if (dependents.size) guardEdges.set(g.id, dependents);
  }
  const order = rotationOrder({ ids: credentials.map((c) => c.id), guards: guardEdges });
  for (const cred of credentials) {
    const dependents = guardEdges.get(cred.id);
    if (dependents && [...dependents].some((d) => d !== cred.id)) {
      const basis = guarded.basis.get(cred.id);
      cred.orderReason = `guards ${cred.guards.length} target(s) where ${[...dependents].filter((d) => d !== cred.id).length} other credential(s) are written: rotated first${basis ? ` (${basis})` : ''}`;
    }
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
