import type { SafeHttp } from '../net/http.js';
import { GraphIndex, where, whatBreaksIfRevoked } from '../graph/query.js';
import type { CredentialNode, Graph } from '../graph/types.js';
import { manualStep } from '../providers/registry.js';
import type { WiredProvider } from '../integrations/providers.js';
import type { ProjectSettings } from '../config/sections.js';
import type { Plan } from '../plan/types.js';
import type { Exposed, ValueVault } from './exposure.js';
import type { BlastItem, BlastReport } from './model.js';
import { partsFromProject, partsFromValues, probeAll, valueFromProject, type ProbeRequest, type ProbeResult } from './probe.js';
import { fingerprint } from '../core/fingerprint.js';

/**
 * The blast radius of a leak: for every exposed credential, what it can access, whether it is
 * live, where it is used, what breaks if it is revoked now, how bad it is and in which order to
 * rotate. Pure assembly over the graph plus one harmless probe per credential (optional).
 */
export interface BlastInput {
  root: string;
  graph: Graph;
  exposed: Exposed[];
  vault: ValueVault;
  providers: WiredProvider[];
  settings: ProjectSettings;
  /** The rotation plan for the exposed credentials in the graph (its order is the recovery order). */
  plan?: Plan;
  /** The secret each part of a multi-part credential goes with (an AWS key id → its secret key), by id. */
  partOwners?: ReadonlyMap<string, string>;
  /** Ask providers about liveness and access (default true). */
  probe?: boolean;
  /** A provider's admin credential for the probes, where the trusted project names one. */
  adminSecretFor?: (provider: string) => (() => Promise<string>) | undefined;
  /** A provider's plain ids, from credctl.yaml as far as it is trusted (actionableSettings). */
  settingsFor?: (provider: string) => Record<string, string> | undefined;
  /** The network client for the probes, knowing the origins the user trusted. */
  http?: SafeHttp;
  sources: string[];
  now?: Date;
}

interface Evidence {
  via: Set<string>;
  public: boolean;
  exposed?: Exposed;
  /** A scanner that reported it also verified it live (trufflehog). */
  verified?: boolean;
}

/** Which graph credentials the evidence points at; the rest are reported as seen only in the leak. */
export function resolveExposure(graph: Graph, exposed: Exposed[], root?: string): { inGraph: Map<string, Evidence>; outside: Map<string, Evidence> } {
  const creds = new Map(graph.nodes.filter((n): n is CredentialNode => n.type === 'credential').map((n) => [n.id, n]));
  const inGraph = new Map<string, Evidence>();
  const outside = new Map<string, Evidence>();
  const add = (map: Map<string, Evidence>, id: string, e: Exposed, via = e.via) => {
    const ev = map.get(id) ?? { via: new Set<string>(), public: false, exposed: e };
    ev.via.add(via);
    ev.public ||= Boolean(e.public);
    if (e.verified) ev.verified = true;
    map.set(id, ev);
  };
  // The password inside a connection URL the graph knows (history and scanners report the part).
  let parents: Map<string, string> | undefined;
  const parentOf = (fp: string) => {
    if (!root) return undefined;
    parents ??= embeddedParts(root, graph);
    return parents.get(fp);
  };
  for (const e of exposed) {
    if (e.fingerprint) {
      if (creds.has(e.fingerprint)) add(inGraph, e.fingerprint, e);
      else if (parentOf(e.fingerprint)) add(inGraph, parentOf(e.fingerprint)!, e, `${e.via} (its password)`);
      else if (e.ruleId || !e.name) add(outside, e.fingerprint, e);
      // A value bound to a name but unknown to the rules and the graph is not reported on its own
      // (a leaked PORT=3000 is not a credential); the name-only path below covers real bindings.
      continue;
    }
    if (e.name) for (const c of creds.values()) if (c.names.includes(e.name)) add(inGraph, c.id, e);
  }
  // One line of evidence is one credential: a rule's match inside a value the graph knows (the
  // password of a leaked DATABASE_URL, the base64 text of a Secret's data) is not reported again.
  const lineOf = (via: string) => via.replace(/ \(base64\)$/, '');
  const coveredLines = new Set([...inGraph.values()].flatMap((ev) => [...ev.via].map(lineOf)));
  for (const [id, ev] of outside) if ([...ev.via].every((v) => coveredLines.has(lineOf(v)))) outside.delete(id);
  // A credential that embeds an exposed one (a DATABASE_URL around a leaked password) is exposed too.
  for (const edge of graph.edges) {
    if (edge.type !== 'derived-from') continue;
    const inner = inGraph.get(edge.to);
    if (inner && !inGraph.has(edge.from)) {
      for (const via of inner.via) add(inGraph, edge.from, inner.exposed ?? { via }, `${via} (embeds an exposed credential)`);
    }
  }
  return { inGraph, outside };
}

/** fingerprint of an embedded password → the connection-string credential around it. */
function embeddedParts(root: string, graph: Graph): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of graph.nodes) {
    if (n.type !== 'credential' || n.kind !== 'connection_string') continue;
    const value = valueFromProject(root, graph, n.id);
    if (!value) continue;
    try {
      const password = decodeURIComponent(new URL(value).password);
      if (password) out.set(fingerprint(password), n.id);
    } catch {
      /* not a URL */
    }
  }
  return out;
}

function score(item: Omit<BlastItem, 'score' | 'scoreReasons'>, ageDays: number | undefined): { score: number; reasons: string[] } {
  let s = 20;
  const reasons: string[] = [];
  const env = (item.environment ?? '').toLowerCase();
  if (/live|prod/.test(env)) {
    s += 20;
    reasons.push('live/production credential (+20)');
  } else if (/test|dev/.test(env)) {
    s -= 10;
    reasons.push('test/development credential (-10)');
  }
  if (item.liveness.status === 'active') {
    s += 20;
    reasons.push('verified active (+20)');
  } else if (item.liveness.status === 'inactive') {
    s -= 30;
    reasons.push('provider already refuses it (-30)');
  }
  const risks = item.access.scopes.map((x) => x.risk);
  if (risks.includes('admin')) {
    s += 25;
    reasons.push('admin scope (+25)');
  } else if (risks.includes('write')) {
    s += 15;
    reasons.push('write scope (+15)');
  } else if (risks.includes('read')) {
    s += 5;
    reasons.push('read-only scope (+5)');
  } else if (item.access.status === 'unknown') {
    s += 10;
    reasons.push('access unknown, assume broad (+10)');
  }
  if (item.public) {
    s += 15;
    reasons.push('publicly exposed (+15)');
  }
  // Where a scan saw the files: committed means in git history (every clone has it); only
  // git-ignored files means it never left this machine through git.
  const git = item.places.map((p) => p.git).filter((g) => g !== undefined);
  if (git.includes('committed')) {
    s += 10;
    reasons.push('committed to the repository: every clone and its history hold it (+10)');
  } else if (git.length > 0 && git.every((g) => g === 'ignored')) {
    s -= 10;
    reasons.push('only in git-ignored files: never committed, on this machine only (-10)');
  }
  const spread = Math.min(10, 2 * Math.max(0, item.places.length + item.targets.length - 1));
  if (spread) {
    s += spread;
    reasons.push(`${plural(item.places.length, 'place')}, ${plural(item.targets.length, 'target')} (+${spread})`);
  }
  if (item.breaks.length) {
    s += 5;
    reasons.push(`${plural(item.breaks.length, 'consumer')} depend${item.breaks.length === 1 ? 's' : ''} on it alone (+5)`);
  }
  if (ageDays !== undefined && ageDays > 90) {
    s += 5;
    reasons.push(`${Math.round(ageDays)} days old (+5)`);
  }
  return { score: Math.max(0, Math.min(100, s)), reasons };
}

/** An item before its probe: everything the graph and the leak say about the credential. */
type Base = Omit<BlastItem, 'score' | 'scoreReasons' | 'liveness' | 'access' | 'revocable'>;

/** Items are gathered first and every provider asked at once (paced per vendor), then scored. */
interface Pending {
  base: Base;
  request: ProbeRequest;
  verified: boolean;
}

/** What every step of the report reads: the input and its providers by id. */
interface BlastContext {
  input: BlastInput;
  providers: Map<string, WiredProvider>;
}

export async function blastRadius(input: BlastInput): Promise<BlastReport> {
  const now = input.now ?? new Date();
  const ctx: BlastContext = { input, providers: new Map(input.providers.map((p) => [p.id, p])) };
  const { inGraph, outside } = resolveExposure(input.graph, input.exposed, input.root);
  const pending = [...pendingInGraph(ctx, inGraph), ...pendingOutside(ctx, outside)];
  const probed = await probeExposed(ctx, pending);
  const items = pending.map((x) => finishItem(ctx, x.base, probed.get(x.base.id) ?? notChecked(x.request.provider), x.verified));

  items.sort((a, b) => b.score - a.score || (a.names[0] ?? a.id).localeCompare(b.names[0] ?? b.id));
  const order = numberRotationOrder(items, input.plan);
  return {
    generatedAt: now.toISOString(),
    root: input.root,
    sources: input.sources,
    items,
    order,
    cycles: input.plan?.order.cycles ?? [],
    summary: {
      exposed: items.length,
      active: items.filter((i) => i.liveness.status === 'active').length,
      critical: items.filter((i) => i.score >= 80).length,
      public: items.filter((i) => i.public).length,
      breaking: items.filter((i) => i.breaks.length > 0).length,
    },
  };
}

/** One probe request per item, carrying the admin secret and settings the trusted project gives its provider. */
function pendingItem(ctx: BlastContext, base: Base, value: string | undefined, verified = false, parts?: Record<string, string>): Pending {
  const adminSecret = ctx.input.adminSecretFor?.(base.provider);
  const settings = ctx.input.settingsFor?.(base.provider);
  return {
    base,
    verified,
    request: {
      key: base.id,
      value,
      provider: ctx.providers.get(base.provider),
      ...(parts ? { parts } : {}),
      ...(adminSecret ? { adminSecret } : {}),
      ...(settings ? { settings } : {}),
    },
  };
}

/** A credential the graph knows: where it is used, what breaks without it and how the plan rotates it. */
function pendingInGraph(ctx: BlastContext, inGraph: Map<string, Evidence>): Pending[] {
  const { input, providers } = ctx;
  const planById = new Map((input.plan?.credentials ?? []).map((c) => [c.id, c]));
  const out: Pending[] = [];
  const ix = new GraphIndex(input.graph);
  for (const [id, ev] of inGraph) {
    const w = where(input.graph, id, ix);
    const cred = w.credentials.find((c) => c.id === id)!;
    const planned = planById.get(id);
    const provider = providers.get(cred.provider);
    const manual =
      (provider?.manifest?.manual_operations?.create ?? provider?.manifest?.manual_operations?.rotate) ? manualStep(provider, 'create') : undefined;
    // The value is only needed to ask the provider; do not go reading files otherwise.
    const value = input.probe === false ? undefined : (input.vault.get(id) ?? valueFromProject(input.root, input.graph, id));
    const parts = value === undefined ? undefined : partsFromProject(input.root, input.graph, id, provider?.integration?.parts);
    const base: Base = {
      id,
      redacted: cred.redacted,
      provider: cred.provider,
      kind: cred.kind,
      ...(cred.environment ? { environment: cred.environment } : {}),
      names: cred.names,
      exposedVia: [...ev.via],
      public: ev.public,
      inGraph: true,
      places: w.places.filter((p) => p.credential === id).map((p) => ({ file: p.file, line: p.line, ...(p.git ? { git: p.git } : {}) })),
      consumers: w.consumers.map((c) => ({ id: c.id, kind: c.kind, label: c.label, file: c.file })),
      targets: w.targets.filter((t) => t.credentials.includes(id)).map((t) => ({ key: t.id, label: t.label })),
      breaks: whatBreaksIfRevoked(input.graph, id, ix).map((c) => ({ consumer: c.label, name: cred.names[0] ?? '' })),
      overbroad: false,
      unusedScopes: [],
      rotation: planned
        ? {
            strategy: planned.strategy,
            ...(planned.strategy === 'manual' ? { note: planned.steps.find((s) => s.manual)?.manual?.url ?? 'create it by hand' } : {}),
          }
        : { strategy: manual ? 'manual' : 'none', ...(manual?.url ? { note: manual.url } : {}) },
      ...(owner(input.settings, cred.names) ? { owner: owner(input.settings, cred.names) } : {}),
    };
    // A part whose secret did not leak with it is still rotated (and recovered) with that secret.
    const secretId = input.partOwners?.get(id);
    const secretPlan = secretId ? planById.get(secretId) : undefined;
    if (secretId && secretPlan) {
      const label = secretPlan.names[0] ?? secretPlan.redacted;
      base.rotation = { strategy: secretPlan.strategy, note: `rotated together with ${label}`, partOf: secretId };
    }
    out.push(pendingItem(ctx, base, value, ev.verified, parts));
  }
  return out;
}

/** A secret seen only in the leak: nothing here uses it, but it still has to be rotated or revoked at its provider. */
function pendingOutside(ctx: BlastContext, outside: Map<string, Evidence>): Pending[] {
  const { input, providers } = ctx;
  const out: Pending[] = [];
  for (const [id, ev] of outside) {
    const e = ev.exposed!;
    const provider = e.provider ? providers.get(e.provider) : undefined;
    const base: Base = {
      id,
      redacted: e.redacted ?? '?',
      provider: e.provider ?? 'unknown',
      kind: e.kind ?? 'generic_secret',
      names: e.name ? [e.name] : [],
      exposedVia: [...ev.via],
      public: ev.public,
      inGraph: false,
      places: [],
      consumers: [],
      targets: [],
      breaks: [],
      overbroad: false,
      unusedScopes: [],
      rotation: {
        strategy: provider?.capabilities.rotate === 'api' ? 'api' : provider ? 'manual' : 'none',
        note: 'not used in this project: rotate or revoke it at the provider',
      },
    };
    out.push(
      pendingItem(
        ctx,
        base,
        input.probe === false ? undefined : input.vault.get(id),
        ev.verified,
        // A secret seen only in the leak: its parts (an AWS key id) from the same leak, when one fits.
        input.probe === false ? undefined : partsFromValues([...input.vault.values()], provider?.integration?.parts),
      ),
    );
  }
  return out;
}

/** The answer for an item nobody asked about: unknown, with what the provider could revoke. */
const notChecked = (p: WiredProvider | undefined): ProbeResult => ({
  liveness: { status: 'unknown', reason: 'not checked (--no-probe)' },
  access: { status: 'unknown', reason: 'not checked (--no-probe)', scopes: [] },
  revoke: p?.capabilities.revoke ?? 'none',
});

/**
 * Asks every provider at once. A part of a multi-part credential (an AWS key id) is not a key on
 * its own: it is not asked about alone (the id is no secret to sign with); it lives, dies and is
 * rotated with its secret.
 */
async function probeExposed(ctx: BlastContext, pending: Pending[]): Promise<Map<string, ProbeResult>> {
  const { input, providers } = ctx;
  const partIds = new Set(
    pending
      .filter((x) => {
        const declared = providers.get(x.base.provider)?.integration?.parts ?? [];
        const value = x.request.value;
        return declared.some((p) => x.base.names.some((n) => p.envNames.includes(n)) || (value !== undefined && partsFromValues([value], [p]) !== undefined));
      })
      .map((x) => x.base.id),
  );
  const isPart = (x: Pending) => partIds.has(x.base.id);
  const parts = pending.filter(isPart);
  const partValue = new Map(parts.map((x) => [x.base.id, x.request.value]));
  for (const x of parts) x.request = { ...x.request, value: undefined };
  const probed =
    input.probe === false
      ? new Map<string, ProbeResult>()
      : await probeAll(
          pending.map((x) => x.request),
          input.http ? { http: input.http } : {},
        );
  for (const x of parts)
    answerWithItsSecret(
      x,
      partValue.get(x.base.id),
      pending.filter((o) => o.base.provider === x.base.provider && !isPart(o)),
      probed,
    );
  return probed;
}

/** An identifier grants nothing alone: it takes its secret's liveness and rotation, and its secret's item carries the access. */
function answerWithItsSecret(x: Pending, value: string | undefined, siblings: Pending[], probed: Map<string, ProbeResult>): void {
  // Its own secret: the one whose parts hold this value; else the only secret of that provider.
  const secret =
    siblings.find((o) => value !== undefined && Object.values(o.request.parts ?? {}).includes(value)) ?? (siblings.length === 1 ? siblings[0] : undefined);
  if (!secret) return;
  const label = secret.base.names[0] ?? secret.base.redacted;
  const result = probed.get(secret.base.id) ?? notChecked(secret.request.provider);
  probed.set(x.base.id, {
    ...result,
    liveness: { ...result.liveness, reason: `the identifier of ${label}, checked with it` },
    access: { status: 'known', scopes: [], reason: `an identifier: ${label} holds the access` },
  });
  x.base.rotation = { ...secret.base.rotation, note: `rotated together with ${label}`, partOf: secret.base.id };
}

/** The probe's answer decides liveness, access and over-breadth, and only then can the item be scored. */
function finishItem(ctx: BlastContext, base: Base, probed: ProbeResult, verified: boolean): BlastItem {
  const { input, providers } = ctx;
  // Where credctl could not ask the provider itself, the reporting scanner's own check counts.
  if (verified && probed.liveness.status === 'unknown')
    probed.liveness = { status: 'active', reason: 'verified live by the scanner that reported it (trufflehog)' };
  const declared = base.names.map((n) => input.settings.credentials[n]?.scopes).find((s) => s !== undefined);
  const held = probed.access.scopes;
  const unusedScopes = declared
    ? held.filter((s) => !declared.includes(s.scope)).map((s) => s.scope)
    : held.filter((s) => s.risk === 'admin').map((s) => s.scope);
  const partial = {
    ...base,
    liveness: probed.liveness,
    access: probed.access,
    overbroad: unusedScopes.length > 0,
    unusedScopes,
    ...(probed.identity ? { identity: probed.identity } : {}),
    ...(probed.lastUsedAt ? { lastUsedAt: probed.lastUsedAt } : {}),
    revocable: probed.revoke,
    ...(providers.get(base.provider)?.integration?.revoke?.warning ? { revokeNote: providers.get(base.provider)!.integration!.revoke!.warning } : {}),
  };
  const { score: sc, reasons } = score(partial, undefined);
  if (partial.overbroad)
    reasons.push(
      declared ? `holds scopes its consumers do not need: ${unusedScopes.join(', ')}` : `an application key with admin scope: ${unusedScopes.join(', ')}`,
    );
  return { ...partial, score: sc, scoreReasons: reasons };
}

/** The plan's order is the recovery order: each item learns its place in it. */
function numberRotationOrder(items: BlastItem[], plan: Plan | undefined): string[] {
  const itemById = new Map(items.map((x) => [x.id, x]));
  // A secret rotated only for the part of it that leaked (an AWS key id) stands in the order as that part.
  const order = (plan ? plan.order.batches.flat() : []).map((id) => (itemById.has(id) ? id : (items.find((x) => x.rotation.partOf === id)?.id ?? id)));
  order.forEach((id, i) => {
    const item = itemById.get(id);
    if (item) item.rotation.order = i + 1;
  });
  return order;
}

function owner(settings: ProjectSettings, names: string[]): string | undefined {
  for (const n of names) if (settings.credentials[n]?.owner) return settings.credentials[n]!.owner;
  return undefined;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
