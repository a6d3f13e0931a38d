/**
 * Per-file extract results in, one graph out. Everything that needs more than one file happens
 * here: one credential node per value wherever it appears, names joined across CI, code and
 * config, env_file / envFrom expansion, reusable-workflow secret mapping, the remote targets
 * (GitHub Actions secrets, Vercel env) with their inferred contents, and the guard edges.
 */
import type { Finding } from '../scan/finding.js';
import type {
  Binding,
  Consumer,
  ConsumerNode,
  CredentialInfo,
  CredentialNode,
  ExtractResult,
  Graph,
  GraphEdge,
  GraphNode,
  GraphWarning,
  Reference,
  TargetDecl,
  TargetNode,
} from './types.js';
import { targetPlugins } from '../integrations/targets.js';
import { ids } from './extractors/common.js';
import { environmentFromPath, environmentFromWord, isPlatformProvidedName, looksSecretName, nameParts, normalizeEnvironment } from './names.js';

export const SCHEMA_VERSION = 1;

export interface AssembleInput {
  /** Sorted by path. */
  files: [string, ExtractResult][];
  github?: string;
  findings?: Finding[];
}

/** Priority when one value sits in files of several environments: where it matters most wins. */
const ENV_RANK = ['prod', 'staging', 'test', 'dev'];

/**
 * Who can write a target, by target kind: credentials of these providers, or bound to a
 * secret-looking name that mentions the platform (VERCEL_TOKEN, KUBECONFIG). A CI job deploying
 * to the platform is where such names are used; the ones it uses are kept on the target as
 * `deployedWith` even when the value itself is only in the CI's store. See docs/graph.md.
 */
/** Who can write which kind of target: declared by each target plugin (`guardedBy`). */
function guardRules(): { targetKind: string; providers: string[]; nameWords: readonly string[]; deploy: string }[] {
  return targetPlugins()
    .filter((p) => p.guardedBy)
    .map((p) => ({ targetKind: p.type, providers: [p.guardedBy!.provider], nameWords: p.guardedBy!.nameWords, deploy: p.guardedBy!.deploy ?? '' }));
}

type Located<T> = T & { file: string };

/** What the per-file extracts say, pooled: every cross-file step needs all files' facts at once. */
interface Pooled {
  warnings: GraphWarning[];
  bindings: Located<Binding>[];
  consumers: Map<string, Consumer>;
  targetDecls: Map<string, TargetDecl>;
  vercelProjects: NonNullable<ExtractResult['vercelProject']>[];
  calls: Located<NonNullable<ExtractResult['calls']>[number]>[];
  callee: Map<string, Set<string>>;
}

/** The graph under construction, shared by the steps so each adds its part through one dedup rule. */
interface GraphBuilder {
  nodes: Map<string, GraphNode>;
  edges: Map<string, GraphEdge>;
  addEdge: (e: GraphEdge) => void;
}

/** Credentials seen so far, keyed by fingerprint, kept apart from nodes until their environment is known. */
interface Credentials {
  creds: Map<string, CredentialNode>;
  /** Files each value appears in. */
  places: Map<string, Set<string>>;
  /** Values a credential is made of (the password inside a connection URL). */
  parts: Map<string, Set<string>>;
}

export function assemble(input: AssembleInput): Graph {
  const pooled = poolExtracts(input.files);
  const refs = collectReferences(input.files, pooled);
  const g = graphBuilder();
  const known = addCredentials(g, pooled.bindings, input.findings ?? []);
  const relevant = relevantNames(pooled.bindings, input.findings ?? []);
  const keptRefs = refs.filter((r) => relevant(r.name, r.secret));
  const repo = input.github;
  const targetEnvs = new Map<string, Set<string | undefined>>();
  declareGithubSecrets(pooled, keptRefs, repo, targetEnvs);
  declareVercelEnvs(pooled, keptRefs, targetEnvs);
  inferTargetContents(g, known, pooled.targetDecls, targetEnvs);
  addReferences(g, known, pooled, keptRefs);
  addGuardEdges({ nodes: g.nodes, edges: g.edges, creds: known.creds, keptRefs, consumers: pooled.consumers, addEdge: g.addEdge });

  return {
    schemaVersion: SCHEMA_VERSION,
    ...(repo ? { github: repo } : {}),
    nodes: [...g.nodes.values()].sort((a, b) => cmp(a.id, b.id)),
    edges: [...g.edges.values()].sort(edgeOrder),
    warnings: pooled.warnings.sort((a, b) => cmp(a.file, b.file) || a.line - b.line || cmp(a.message, b.message)),
  };
}

/** First pass over the files: the references of the second pass need every file's bindings and callers. */
function poolExtracts(files: [string, ExtractResult][]): Pooled {
  const p: Pooled = { warnings: [], bindings: [], consumers: new Map(), targetDecls: new Map(), vercelProjects: [], calls: [], callee: new Map() };
  for (const [file, r] of files) {
    p.warnings.push(...r.warnings);
    for (const b of r.bindings) p.bindings.push({ ...b, file });
    for (const c of r.consumers) if (!p.consumers.has(c.id)) p.consumers.set(c.id, c);
    for (const t of r.targets) if (!p.targetDecls.has(t.id)) p.targetDecls.set(t.id, t);
    if (r.vercelProject) p.vercelProjects.push(r.vercelProject);
    for (const c of r.calls ?? []) p.calls.push({ ...c, file });
    if (r.workflowCallSecrets) p.callee.set(file, new Set(r.workflowCallSecrets));
  }
  return p;
}

/** References as written, plus the ones only other files explain: reusable-workflow parameters and imported env files. */
function collectReferences(files: [string, ExtractResult][], pooled: Pooled): Located<Reference>[] {
  const refs: Located<Reference>[] = [];
  for (const [file, r] of files) {
    for (const ref of r.references) {
      // A reusable workflow's declared secret is a parameter: its callers say which repo secret fills it.
      if (pooled.callee.get(file)?.has(ref.name)) refs.push(...workflowParameterRefs(pooled, file, ref));
      else refs.push({ ...ref, file });
    }
    // env_file / envFrom / secret volumes: the consumer gets every name kept in the target.
    for (const imp of r.imports) {
      for (const b of pooled.bindings) {
        if (b.target !== imp.from) continue;
        const key = b.key ?? b.name;
        refs.push({ name: key, consumer: imp.consumer, line: imp.line, file, via: { target: imp.from, ...(b.key ? { key } : {}) } });
      }
    }
  }
  return refs;
}

/** A reusable workflow's secret parameter names no repo secret by itself: its callers' mappings do. */
function workflowParameterRefs(pooled: Pooled, file: string, ref: Reference): Located<Reference>[] {
  const mapped = pooled.calls.filter((c) => resolveUses(c.file, c.uses) === file);
  const names = new Set<string>();
  for (const c of mapped) {
    if (c.inherit) names.add(ref.name);
    else if (c.map[ref.name]) names.add(c.map[ref.name]!);
  }
  if (names.size === 0) names.add(ref.name);
  return [...names].map((n) => ({ ...ref, file, name: n, via: { target: ids.githubSecret(n) }, ...(n !== ref.name ? { as: ref.as ?? ref.name } : {}) }));
}

/** One place for the edge dedup key, so no step can add the same edge twice. */
function graphBuilder(): GraphBuilder {
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const addEdge = (e: GraphEdge) => {
    const key = [e.type, e.from, e.to, e.file ?? '', e.line ?? '', e.as ?? '', e.key ?? '', e.via ?? ''].join('\0');
    if (!edges.has(key)) edges.set(key, e);
  };
  return { nodes, edges, addEdge };
}

/** Credentials, where they appear, what they are bound to and kept in: bindings first, then findings. */
function addCredentials(g: GraphBuilder, bindings: Located<Binding>[], findings: Finding[]): Credentials {
  const known: Credentials = { creds: new Map(), places: new Map(), parts: new Map() };
  credentialsFromBindings(g, known, bindings);
  credentialsFromFindings(g, known, findings);
  addCredentialNodes(g, known);
  return known;
}

/** One node per value wherever it appears: a second sighting adds a place and may name the provider. */
function noteCredential(known: Credentials, c: CredentialInfo | Finding, file: string): CredentialNode {
  const id = 'fingerprint' in c ? c.fingerprint : '';
  let node = known.creds.get(id);
  if (!node) {
    node = { type: 'credential', id, provider: c.provider, kind: c.kind, names: [], redacted: c.redacted };
    known.creds.set(id, node);
  } else if (node.provider === 'unknown' && c.provider !== 'unknown') {
    // A rule that recognised the value beats a guess from a name.
    node.provider = c.provider;
    node.kind = c.kind;
  }
  if (c.environment && !node.environment) node.environment = c.environment;
  const places = known.places.get(id) ?? new Set<string>();
  places.add(file);
  known.places.set(id, places);
  return node;
}

/** A binding says the most about a value: its name, the file and the target it is kept in. */
function credentialsFromBindings(g: GraphBuilder, known: Credentials, bindings: Located<Binding>[]): void {
  for (const b of bindings) {
    if (!b.credential || isPlatformProvidedName(b.name)) continue;
    const node = noteCredential(known, b.credential, b.file);
    if (!node.names.includes(b.name)) node.names.push(b.name);
    g.addEdge({ type: 'appears-in', from: node.id, to: ids.file(b.file), file: b.file, line: b.line });
    g.addEdge({ type: 'bound-to', from: node.id, to: ids.name(b.name) });
    g.addEdge({ type: 'stored-in', from: node.id, to: b.target, key: b.key ?? b.name });
    for (const p of b.credential.parts ?? []) {
      const s = known.parts.get(node.id) ?? new Set<string>();
      s.add(p);
      known.parts.set(node.id, s);
    }
  }
}

/**
 * Scan findings add the values no binding names. A finding of a value that is part of a known
 * credential (the password inside a connection URL bound to DATABASE_URL) is that credential seen
 * again, not a second, unnamed one.
 */
function credentialsFromFindings(g: GraphBuilder, known: Credentials, findings: Finding[]): void {
  const partOf = new Map<string, string>();
  for (const [id, parts] of known.parts) for (const p of parts) if (!known.creds.has(p)) partOf.set(p, id);
  for (const f of findings) {
    const parent = partOf.get(f.fingerprint);
    const node = parent ? known.creds.get(parent)! : noteCredential(known, f, f.file);
    if (parent) known.places.get(parent)?.add(f.file);
    g.addEdge({ type: 'appears-in', from: node.id, to: ids.file(f.file), file: f.file, line: f.line, ...(f.git ? { git: f.git } : {}) });
    if (f.name && !isPlatformProvidedName(f.name)) {
      if (!node.names.includes(f.name)) node.names.push(f.name);
      g.addEdge({ type: 'bound-to', from: node.id, to: ids.name(f.name) });
    }
  }
}

/** Only once every sighting is in can a credential's environment be guessed from its files. */
function addCredentialNodes(g: GraphBuilder, known: Credentials): void {
  for (const node of known.creds.values()) {
    if (!node.environment) {
      const envs = [...(known.places.get(node.id) ?? [])].map(environmentFromPath).filter((e): e is string => !!e);
      const best = ENV_RANK.find((e) => envs.includes(e));
      if (best) node.environment = best;
    }
    node.names.sort();
    g.nodes.set(node.id, node);
    for (const file of known.places.get(node.id) ?? []) g.nodes.set(ids.file(file), { type: 'file', id: ids.file(file), path: file });
    if (node.provider !== 'unknown') {
      g.nodes.set(ids.provider(node.provider), { type: 'provider', id: ids.provider(node.provider), provider: node.provider });
      g.addEdge({ type: 'issued-by', from: node.id, to: ids.provider(node.provider) });
    }
  }
  for (const [id, parts] of known.parts) {
    for (const p of parts) if (known.creds.has(p) && p !== id) g.addEdge({ type: 'derived-from', from: id, to: p });
  }
}

/** Which names belong in the graph: bound to a credential, secret-looking, or used as a secret. */
function relevantNames(bindings: Located<Binding>[], findings: Finding[]): (name: string, secret?: boolean) => boolean {
  const boundToCred = new Set(bindings.filter((b) => b.credential).map((b) => b.name));
  for (const f of findings) if (f.name) boundToCred.add(f.name);
  return (name, secret) => !isPlatformProvidedName(name) && (boundToCred.has(name) || looksSecretName(name) || secret === true);
}

/** GitHub Actions secrets exist only as names in workflows: declare each, with the environments reading it. */
function declareGithubSecrets(
  pooled: Pooled,
  keptRefs: Located<Reference>[],
  repo: string | undefined,
  targetEnvs: Map<string, Set<string | undefined>>,
): void {
  for (const r of keptRefs) {
    if (!r.via?.target.startsWith('target:github-actions:')) continue;
    if (!pooled.targetDecls.has(r.via.target)) {
      pooled.targetDecls.set(r.via.target, {
        id: r.via.target,
        kind: 'github-actions',
        remote: true,
        label: `GitHub Actions secret ${r.name} of ${repo ?? '(unknown repository)'}`,
        attrs: { name: r.name, ...(repo ? { repo } : {}) },
      });
    }
    const env = pooled.consumers.get(r.consumer)?.attrs?.environment;
    const s = targetEnvs.get(r.via.target) ?? new Set();
    s.add(typeof env === 'string' ? (environmentFromWord(env) ?? env) : undefined);
    targetEnvs.set(r.via.target, s);
  }
}

/** A linked Vercel project holds, as env vars, the secret names its code reads. */
function declareVercelEnvs(pooled: Pooled, keptRefs: Located<Reference>[], targetEnvs: Map<string, Set<string | undefined>>): void {
  for (const p of pooled.vercelProjects) {
    const under = (file: string) => p.dir === '' || file === p.dir || file.startsWith(p.dir + '/');
    const names = new Set<string>();
    for (const r of keptRefs) {
      const c = pooled.consumers.get(r.consumer);
      if (!c || !under(c.file) || (c.kind !== 'code' && c.kind !== 'vercel-project')) continue;
      names.add(r.name);
    }
    for (const name of names) {
      const id = ids.vercelEnv(p.projectId, name);
      pooled.targetDecls.set(id, {
        id,
        kind: 'vercel-env',
        remote: true,
        label: `Vercel env ${name} of project ${p.name ?? p.projectId}`,
        attrs: { name, project: p.projectId, ...(p.orgId ? { org: p.orgId } : {}), dir: p.dir || '.' },
      });
      // Vercel serves the production deployment from these values.
      targetEnvs.set(id, new Set(['prod']));
    }
  }
}

/** A remote target's value cannot be read: its contents are the credentials bound to the same name, narrowed to its environment. */
function inferTargetContents(
  g: GraphBuilder,
  known: Credentials,
  targetDecls: Map<string, TargetDecl>,
  targetEnvs: Map<string, Set<string | undefined>>,
): void {
  for (const [targetId, envs] of targetEnvs) {
    const name = String(targetDecls.get(targetId)!.attrs!.name);
    const candidates = [...known.creds.values()].filter((c) => c.names.includes(name));
    const matches = (c: CredentialNode, env: string) =>
      normalizeEnvironment(c.environment) === env || [...(known.places.get(c.id) ?? [])].some((f) => environmentFromPath(f) === env);
    const picked = envs.has(undefined) ? candidates : candidates.filter((c) => [...envs].some((e) => matches(c, e!)));
    for (const c of picked) g.addEdge({ type: 'stored-in', from: c.id, to: targetId, key: name, inferred: true });
  }
}

/** Referenced-by edges, and the name, consumer and target nodes they need: only targets that hold something or are remote stay. */
function addReferences(g: GraphBuilder, known: Credentials, pooled: Pooled, keptRefs: Located<Reference>[]): void {
  const { nodes, addEdge } = g;
  const keptTargets = new Set<string>();
  for (const e of g.edges.values()) if (e.type === 'stored-in') keptTargets.add(e.to);
  for (const t of pooled.targetDecls.values()) if (t.remote) keptTargets.add(t.id);
  const usedConsumers = new Set<string>();
  for (const r of keptRefs) {
    if (!pooled.consumers.has(r.consumer)) continue;
    usedConsumers.add(r.consumer);
    nodes.set(ids.name(r.name), { type: 'name', id: ids.name(r.name), name: r.name });
    const via = r.via && keptTargets.has(r.via.target) ? r.via.target : undefined;
    addEdge({
      type: 'referenced-by',
      from: ids.name(r.name),
      to: r.consumer,
      file: r.file,
      line: r.line,
      ...(r.as ? { as: r.as } : {}),
      ...(via ? { via } : {}),
    });
  }
  for (const c of known.creds.values()) for (const n of c.names) nodes.set(ids.name(n), { type: 'name', id: ids.name(n), name: n });
  for (const id of usedConsumers) {
    const c = pooled.consumers.get(id)!;
    const node: ConsumerNode = { type: 'consumer', id, kind: c.kind, label: c.label, file: c.file, line: c.line };
    if (c.attrs && Object.keys(c.attrs).length) node.attrs = c.attrs;
    nodes.set(id, node);
  }
  for (const id of keptTargets) {
    const t = pooled.targetDecls.get(id);
    if (!t) continue;
    const node: TargetNode = { type: 'target', id, kind: t.kind, label: t.label };
    if (t.attrs) node.attrs = t.attrs;
    nodes.set(id, node);
  }
}

/**
 * Guards: who can write a target. A credential of the target plugin's provider, or one bound to a
 * name holding its words (GH_TOKEN for Actions secrets), guards every target of that kind; a
 * consumer that deploys there marks the names it deploys with.
 */
function addGuardEdges(g: {
  nodes: Map<string, GraphNode>;
  edges: Map<string, GraphEdge>;
  creds: Map<string, CredentialNode>;
  keptRefs: (Reference & { file: string })[];
  consumers: Map<string, Consumer>;
  addEdge: (e: GraphEdge) => void;
}): void {
  const { nodes, edges, creds, keptRefs, consumers, addEdge } = g;
  for (const rule of guardRules()) {
    const targets = [...nodes.values()].filter((n): n is TargetNode => n.type === 'target' && n.kind === rule.targetKind);
    if (targets.length === 0) continue;
    const mentions = (name: string) => nameParts(name).some((p) => rule.nameWords.includes(p));
    const guards = new Map<string, string>();
    for (const c of creds.values()) {
      if (rule.providers.includes(c.provider)) guards.set(c.id, `provider ${c.provider}`);
      else if (c.names.some(mentions)) guards.set(c.id, `bound to ${c.names.filter(mentions).join(', ')}`);
    }
    const deployNames = new Set<string>();
    for (const r of keptRefs) {
      const to = consumers.get(r.consumer)?.attrs?.deploysTo;
      if (rule.deploy && Array.isArray(to) && to.includes(rule.deploy) && mentions(r.name)) deployNames.add(r.name);
    }
    const storedIn = new Set([...edges.values()].filter((e) => e.type === 'stored-in').map((e) => `${e.from}\0${e.to}`));
    for (const t of targets) {
      for (const [credId, reason] of guards) {
        // A value is not its own guard: writing it needs the other credential, not itself.
        if (storedIn.has(`${credId}\0${t.id}`)) continue;
        addEdge({ type: 'guards', from: credId, to: t.id, reason });
      }
      if (deployNames.size) t.attrs = { ...(t.attrs ?? {}), deployedWith: [...deployNames].sort() };
    }
  }
}

/** `./.github/workflows/x.yml` (local reusable workflow) -> its path; remote ones stay unresolved. */
function resolveUses(_callerFile: string, uses: string): string | undefined {
  const m = /^\.\/(.+?)(?:@.*)?$/.exec(uses.trim());
  return m ? m[1] : undefined;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function edgeOrder(a: GraphEdge, b: GraphEdge): number {
  return (
    cmp(a.type, b.type) ||
    cmp(a.from, b.from) ||
    cmp(a.to, b.to) ||
    cmp(a.file ?? '', b.file ?? '') ||
    (a.line ?? 0) - (b.line ?? 0) ||
    cmp(a.as ?? '', b.as ?? '') ||
    cmp(a.via ?? '', b.via ?? '')
  );
}
