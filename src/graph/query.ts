/**
 * Questions asked of a built graph: "where is this used?" and "what breaks if it is revoked?".
 */
import { identityOf } from '../core/credential.js';
import type { CredentialIdentity } from '../core/credential.js';
import { inputError } from '../core/errors.js';
import { shownSafely } from '../core/redact.js';
import { normalizeEnvironment } from './names.js';
import type { ConsumerNode, CredentialNode, Graph, GraphEdge, GraphNode, TargetNode } from './types.js';

export class GraphIndex {
  readonly byId = new Map<string, GraphNode>();
  readonly out = new Map<string, GraphEdge[]>();
  readonly in = new Map<string, GraphEdge[]>();
  constructor(readonly graph: Graph) {
    for (const n of graph.nodes) this.byId.set(n.id, n);
    for (const e of graph.edges) {
      (this.out.get(e.from) ?? this.out.set(e.from, []).get(e.from)!).push(e);
      (this.in.get(e.to) ?? this.in.set(e.to, []).get(e.to)!).push(e);
    }
  }
  outOf(id: string, type: GraphEdge['type']): GraphEdge[] {
    return (this.out.get(id) ?? []).filter((e) => e.type === type);
  }
  inOf(id: string, type: GraphEdge['type']): GraphEdge[] {
    return (this.in.get(id) ?? []).filter((e) => e.type === type);
  }
  credentials(): CredentialNode[] {
    return this.graph.nodes.filter((n): n is CredentialNode => n.type === 'credential');
  }
  private order?: Map<GraphEdge, number>;
  /** An edge's position in the graph (results keep the graph's order). */
  position(e: GraphEdge): number {
    this.order ??= new Map(this.graph.edges.map((x, i) => [x, i]));
    return this.order.get(e) ?? 0;
  }
  private viaIndex?: Map<string, GraphEdge[]>;
  /** referenced-by edges that say they are delivered from target `id`. */
  refsVia(id: string): GraphEdge[] {
    if (!this.viaIndex) {
      this.viaIndex = new Map();
      for (const e of this.graph.edges) {
        if (e.type === 'referenced-by' && e.via) (this.viaIndex.get(e.via) ?? this.viaIndex.set(e.via, []).get(e.via)!).push(e);
      }
    }
    return this.viaIndex.get(id) ?? [];
  }
}

export interface WherePlace {
  file: string;
  line: number;
  credential: string;
  git?: 'committed' | 'untracked' | 'ignored';
}
export interface WhereConsumer {
  id: string;
  kind: string;
  label: string;
  file: string;
  line: number;
  uses: { name: string; file: string; line: number; as?: string; via?: string }[];
  attrs?: Record<string, string | string[]>;
}
export interface WhereTarget {
  id: string;
  kind: string;
  label: string;
  credentials: string[];
  inferred?: boolean;
}
export type WhereCredential = CredentialIdentity;

export interface WhereResult {
  query: string;
  matched: 'name' | 'credential' | 'file';
  names: string[];
  credentials: WhereCredential[];
  places: WherePlace[];
  consumers: WhereConsumer[];
  targets: WhereTarget[];
  /** Targets the matched credentials are needed to write. */
  guards: WhereTarget[];
}

/** Resolve a NAME, a fingerprint (a prefix is enough) or a file path, and gather everything around it. */
/** Pass a GraphIndex when asking many questions of one graph (blast radius over thousands). */
export function where(graph: Graph, query: string, ix: GraphIndex = new GraphIndex(graph)): WhereResult {
  // Someone may paste a key here: errors show a high-entropy or overlong query redacted.
  const shown = shownSafely(query);
  let matched: WhereResult['matched'];
  let credIds: string[] = [];
  let names: string[] = [];
  let fileConsumers: string[] = [];
  if (query.startsWith('fp_')) {
    credIds =
      ix.byId.get(query)?.type === 'credential'
        ? [query]
        : ix
            .credentials()
            .filter((c) => c.id.startsWith(query))
            .map((c) => c.id);
    if (credIds.length === 0) throw inputError(`no credential in the graph has a fingerprint starting with ${shown}`);
    if (credIds.length > 1 && !credIds.includes(query))
      throw inputError(`${shown} matches ${credIds.length} credentials`, 'Give more characters of the fingerprint.');
    matched = 'credential';
    names = [...new Set(credIds.flatMap((id) => ix.outOf(id, 'bound-to').map((e) => e.to.slice(5))))];
  } else if (ix.byId.has(`name:${query}`)) {
    matched = 'name';
    names = [query];
    credIds = ix.inOf(`name:${query}`, 'bound-to').map((e) => e.from);
  } else {
    const path = query.replace(/^\.\//, '');
    credIds = [...new Set(ix.inOf(`file:${path}`, 'appears-in').map((e) => e.from))];
    fileConsumers = graph.nodes.filter((n): n is ConsumerNode => n.type === 'consumer' && n.file === path).map((n) => n.id);
    if (credIds.length === 0 && fileConsumers.length === 0) {
      throw inputError(
        `nothing in the graph matches ${shown}`,
        'Give an env var name (STRIPE_SECRET_KEY), a fingerprint (fp_...) or a file path relative to the project root.',
      );
    }
    matched = 'file';
    names = [
      ...new Set([
        ...credIds.flatMap((id) => ix.outOf(id, 'bound-to').map((e) => e.to.slice(5))),
        ...fileConsumers.flatMap((id) => ix.inOf(id, 'referenced-by').map((e) => e.from.slice(5))),
      ]),
    ];
  }
  names.sort();

  const credentials = credIds.map((id) => ix.byId.get(id) as CredentialNode).map(identityOf);
  const places = credIds.flatMap((id) =>
    ix.outOf(id, 'appears-in').map((e): WherePlace => ({ file: e.file!, line: e.line!, credential: id, ...(e.git ? { git: e.git } : {}) })),
  );
  places.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));

  const consumers = new Map<string, WhereConsumer>();
  const consumerIds = matched === 'file' && credIds.length === 0 ? fileConsumers : [];
  const refEdges = names.flatMap((n) => ix.outOf(`name:${n}`, 'referenced-by'));
  for (const e of refEdges) consumerIds.push(e.to);
  for (const id of consumerIds) {
    const c = ix.byId.get(id) as ConsumerNode | undefined;
    if (!c || consumers.has(id)) continue;
    consumers.set(id, { id, kind: c.kind, label: c.label, file: c.file, line: c.line, uses: [], ...(c.attrs ? { attrs: c.attrs } : {}) });
  }
  for (const e of refEdges) {
    consumers.get(e.to)?.uses.push({ name: e.from.slice(5), file: e.file!, line: e.line!, ...(e.as ? { as: e.as } : {}), ...(e.via ? { via: e.via } : {}) });
  }

  const targets = new Map<string, WhereTarget>();
  const addTarget = (map: Map<string, WhereTarget>, id: string, cred?: string, inferred?: boolean) => {
    const t = ix.byId.get(id) as TargetNode | undefined;
    if (!t) return;
    const entry = map.get(id) ?? { id, kind: t.kind, label: t.label, credentials: [] };
    if (cred && !entry.credentials.includes(cred)) entry.credentials.push(cred);
    if (inferred) entry.inferred = true;
    map.set(id, entry);
  };
  for (const id of credIds) for (const e of ix.outOf(id, 'stored-in')) addTarget(targets, e.to, id, e.inferred);
  for (const e of refEdges) if (e.via) addTarget(targets, e.via);
  const guards = new Map<string, WhereTarget>();
  for (const id of credIds) for (const e of ix.outOf(id, 'guards')) addTarget(guards, e.to, id);

  const byId = <T extends { id: string }>(m: Map<string, T>) => [...m.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  return { query, matched, names, credentials, places, consumers: byId(consumers), targets: byId(targets), guards: byId(guards) };
}

export interface ConsumerImpact {
  consumer: ConsumerNode;
  /** Names through which the consumer gets the credential. */
  names: string[];
  /** Other credentials that can serve the same name to this consumer in the same environment. */
  alternatives: string[];
  broken: boolean;
}

/**
 * Every consumer that gets `credentialId` through some name, and whether revoking it breaks that
 * consumer. A consumer's sources for a name are:
 *   - when the reference says where the value comes from (a GitHub secret, a Secret key, a compose
 *     env_file or literal): the credentials stored in that target under that key;
 *   - otherwise (code reading the process environment): every credential bound to the name,
 *     grouped by environment (prod, staging, test, dev, or none).
 * The consumer breaks when, for some name, the credential is its only source in that group;
 * a consumer that can also get the name from a different credential there is not broken.
 */
export function dependentsOf(graph: Graph, credentialId: string, ix: GraphIndex = new GraphIndex(graph)): ConsumerImpact[] {
  const cred = ix.byId.get(credentialId);
  if (!cred || cred.type !== 'credential') throw inputError(`no credential ${credentialId} in the graph`);
  const envOf = (id: string) => normalizeEnvironment((ix.byId.get(id) as CredentialNode | undefined)?.environment) ?? 'none';
  const impacts = new Map<string, ConsumerImpact>();
  // Only references that can reach this credential: through a name it is bound to, or from a
  // target it is stored in. (Equivalent to checking every referenced-by edge, without the scan.)
  const candidates = new Set<GraphEdge>();
  for (const b of ix.outOf(credentialId, 'bound-to')) for (const e of ix.outOf(b.to, 'referenced-by')) candidates.add(e);
  for (const s of ix.outOf(credentialId, 'stored-in')) for (const e of ix.refsVia(s.to)) candidates.add(e);
  // A key delivered under another env name (a Kubernetes secretKeyRef with key stripe-key and name
  // STRIPE_API_KEY): code reading that env name depends on this credential too.
  const aliases = new Set<string>();
  for (const s of ix.outOf(credentialId, 'stored-in')) for (const e of ix.refsVia(s.to)) if (e.as && e.from.slice(5) === s.key) aliases.add(e.as);
  for (const a of aliases) for (const e of ix.outOf(`name:${a}`, 'referenced-by')) if (!e.via) candidates.add(e);
  for (const e of [...candidates].sort((a, b) => ix.position(a) - ix.position(b))) {
    const name = e.from.slice(5);
    let sources: string[];
    if (e.via) {
      // A reference's name is the key it is kept under in its source (Secret key, secret name).
      sources = ix
        .inOf(e.via, 'stored-in')
        .filter((s) => s.key === name)
        .map((s) => s.from);
    } else {
      sources = ix.inOf(e.from, 'bound-to').map((b) => b.from);
      if (aliases.has(name)) sources.push(credentialId);
      sources = sources.filter((s) => envOf(s) === envOf(credentialId));
    }
    sources = [...new Set(sources)];
    if (!sources.includes(credentialId)) continue;
    const consumer = ix.byId.get(e.to) as ConsumerNode;
    const impact = impacts.get(e.to) ?? { consumer, names: [], alternatives: [], broken: false };
    if (!impact.names.includes(name)) impact.names.push(name);
    const others = sources.filter((s) => s !== credentialId);
    for (const o of others) if (!impact.alternatives.includes(o)) impact.alternatives.push(o);
    if (others.length === 0) impact.broken = true;
    impacts.set(e.to, impact);
  }
  return [...impacts.values()].sort((a, b) => (a.consumer.id < b.consumer.id ? -1 : 1));
}

/** The consumers that stop working when `credentialId` is revoked (see dependentsOf for the rule). */
export function whatBreaksIfRevoked(graph: Graph, credentialId: string, ix?: GraphIndex): ConsumerNode[] {
  return dependentsOf(graph, credentialId, ix)
    .filter((i) => i.broken)
    .map((i) => i.consumer);
}
