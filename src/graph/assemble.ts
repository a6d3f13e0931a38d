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

export function assemble(input: AssembleInput): Graph {
  const warnings: GraphWarning[] = [];
  const bindings: (Binding & { file: string })[] = [];
  const refs: (Reference & { file: string })[] = [];
  const consumers = new Map<string, Consumer>();
  const targetDecls = new Map<string, TargetDecl>();
  const vercelProjects: NonNullable<ExtractResult['vercelProject']>[] = [];
  const calls: (NonNullable<ExtractResult['calls']>[number] & { file: string })[] = [];
  const callee = new Map<string, Set<string>>();

  for (const [file, r] of input.files) {
    warnings.push(...r.warnings);
    for (const b of r.bindings) bindings.push({ ...b, file });
    for (const c of r.consumers) if (!consumers.has(c.id)) consumers.set(c.id, c);
    for (const t of r.targets) if (!targetDecls.has(t.id)) targetDecls.set(t.id, t);
    if (r.vercelProject) vercelProjects.push(r.vercelProject);
    for (const c of r.calls ?? []) calls.push({ ...c, file });
    if (r.workflowCallSecrets) callee.set(file, new Set(r.workflowCallSecrets));
  }
  for (const [file, r] of input.files) {
    for (const ref of r.references) {
      // A reusable workflow's declared secret is a parameter: its callers say which repo secret fills it.
      const params = callee.get(file);
      if (params?.has(ref.name)) {
        const mapped = calls.filter((c) => resolveUses(c.file, c.uses) === file);
        const names = new Set<string>();
        for (const c of mapped) {
          if (c.inherit) names.add(ref.name);
          else if (c.map[ref.name]) names.add(c.map[ref.name]!);
        }
        if (names.size === 0) names.add(ref.name);
        for (const n of names) {
          refs.push({ ...ref, file, name: n, via: { target: ids.githubSecret(n) }, ...(n !== ref.name ? { as: ref.as ?? ref.name } : {}) });
        }
        continue;
      }
      refs.push({ ...ref, file });
    }
    // env_file / envFrom / secret volumes: the consumer gets every name kept in the target.
    for (const imp of r.imports) {
      for (const b of bindings) {
        if (b.target !== imp.from) continue;
        const key = b.key ?? b.name;
        refs.push({ name: key, consumer: imp.consumer, line: imp.line, file, via: { target: imp.from, ...(b.key ? { key } : {}) } });
      }
    }
  }

  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const addEdge = (e: GraphEdge) => {
    const key = [e.type, e.from, e.to, e.file ?? '', e.line ?? '', e.as ?? '', e.key ?? '', e.via ?? ''].join('\0');
    if (!edges.has(key)) edges.set(key, e);
  };

  // --- credentials, where they appear, what they are bound to and kept in
  const credPlaces = new Map<string, Set<string>>();
  const creds = new Map<string, CredentialNode>();
  const addCredential = (c: CredentialInfo | Finding, file: string) => {
    const id = 'fingerprint' in c ? c.fingerprint : '';
    let node = creds.get(id);
    if (!node) {
      node = { type: 'credential', id, provider: c.provider, kind: c.kind, names: [], redacted: c.redacted };
      creds.set(id, node);
    } else if (node.provider === 'unknown' && c.provider !== 'unknown') {
      // A rule that recognised the value beats a guess from a name.
      node.provider = c.provider;
      node.kind = c.kind;
    }
    if (c.environment && !node.environment) node.environment = c.environment;
    const places = credPlaces.get(id) ?? new Set<string>();
    places.add(file);
    credPlaces.set(id, places);
    return node;
  };
  const credentialParts = new Map<string, Set<string>>();
  for (const b of bindings) {
    if (!b.credential || isPlatformProvidedName(b.name)) continue;
    const node = addCredential(b.credential, b.file);
    if (!node.names.includes(b.name)) node.names.push(b.name);
    addEdge({ type: 'appears-in', from: node.id, to: ids.file(b.file), file: b.file, line: b.line });
    addEdge({ type: 'bound-to', from: node.id, to: ids.name(b.name) });
    addEdge({ type: 'stored-in', from: node.id, to: b.target, key: b.key ?? b.name });
    for (const p of b.credential.parts ?? []) {
      const s = credentialParts.get(node.id) ?? new Set<string>();
      s.add(p);
      credentialParts.set(node.id, s);
    }
  }
  // A finding of a value that is part of a known credential (the password inside a connection
  // URL bound to DATABASE_URL) is that credential seen again, not a second, unnamed one.
  const partOf = new Map<string, string>();
  for (const [id, parts] of credentialParts) for (const p of parts) if (!creds.has(p)) partOf.set(p, id);
  for (const f of input.findings ?? []) {
    const parent = partOf.get(f.fingerprint);
    const node = parent ? creds.get(parent)! : addCredential(f, f.file);
    if (parent) credPlaces.get(parent)?.add(f.file);
    addEdge({ type: 'appears-in', from: node.id, to: ids.file(f.file), file: f.file, line: f.line, ...(f.git ? { git: f.git } : {}) });
    if (f.name && !isPlatformProvidedName(f.name)) {
      if (!node.names.includes(f.name)) node.names.push(f.name);
      addEdge({ type: 'bound-to', from: node.id, to: ids.name(f.name) });
    }
  }
  for (const node of creds.values()) {
    if (!node.environment) {
      const envs = [...(credPlaces.get(node.id) ?? [])].map(environmentFromPath).filter((e): e is string => !!e);
      const best = ENV_RANK.find((e) => envs.includes(e));
      if (best) node.environment = best;
    }
    node.names.sort();
    nodes.set(node.id, node);
    for (const file of credPlaces.get(node.id) ?? []) nodes.set(ids.file(file), { type: 'file', id: ids.file(file), path: file });
    if (node.provider !== 'unknown') {
      nodes.set(ids.provider(node.provider), { type: 'provider', id: ids.provider(node.provider), provider: node.provider });
      addEdge({ type: 'issued-by', from: node.id, to: ids.provider(node.provider) });
    }
  }
  for (const [id, parts] of credentialParts) {
    for (const p of parts) if (creds.has(p) && p !== id) addEdge({ type: 'derived-from', from: id, to: p });
  }

  // --- which names belong in the graph: bound to a credential, secret-looking, or used as a secret
  const boundToCred = new Set(bindings.filter((b) => b.credential).map((b) => b.name));
  for (const f of input.findings ?? []) if (f.name) boundToCred.add(f.name);
  const relevant = (name: string, secret?: boolean) => !isPlatformProvidedName(name) && (boundToCred.has(name) || looksSecretName(name) || secret === true);
  const keptRefs = refs.filter((r) => relevant(r.name, r.secret));

  // --- remote targets: GitHub Actions secrets and Vercel env vars
  const repo = input.github;
  const targetEnvs = new Map<string, Set<string | undefined>>();
  for (const r of keptRefs) {
    if (!r.via?.target.startsWith('target:github-actions:')) continue;
    if (!targetDecls.has(r.via.target)) {
      targetDecls.set(r.via.target, {
        id: r.via.target,
        kind: 'github-actions',
        remote: true,
        label: `GitHub Actions secret ${r.name} of ${repo ?? '(unknown repository)'}`,
        attrs: { name: r.name, ...(repo ? { repo } : {}) },
      });
    }
    const env = consumers.get(r.consumer)?.attrs?.environment;
    const s = targetEnvs.get(r.via.target) ?? new Set();
    s.add(typeof env === 'string' ? (environmentFromWord(env) ?? env) : undefined);
    targetEnvs.set(r.via.target, s);
  }
  for (const p of vercelProjects) {
    const under = (file: string) => p.dir === '' || file === p.dir || file.startsWith(p.dir + '/');
    const names = new Set<string>();
    for (const r of keptRefs) {
      const c = consumers.get(r.consumer);
      if (!c || !under(c.file) || (c.kind !== 'code' && c.kind !== 'vercel-project')) continue;
      names.add(r.name);
    }
    for (const name of names) {
      const id = ids.vercelEnv(p.projectId, name);
      targetDecls.set(id, {
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
  // Inferred contents: the credentials bound to the same name, narrowed to the target's environment.
  for (const [targetId, envs] of targetEnvs) {
    const name = String(targetDecls.get(targetId)!.attrs!.name);
    const candidates = [...creds.values()].filter((c) => c.names.includes(name));
    const matches = (c: CredentialNode, env: string) =>
      normalizeEnvironment(c.environment) === env || [...(credPlaces.get(c.id) ?? [])].some((f) => environmentFromPath(f) === env);
    const picked = envs.has(undefined) ? candidates : candidates.filter((c) => [...envs].some((e) => matches(c, e!)));
    for (const c of picked) addEdge({ type: 'stored-in', from: c.id, to: targetId, key: name, inferred: true });
  }

  // --- referenced-by
  const keptTargets = new Set<string>();
  for (const e of edges.values()) if (e.type === 'stored-in') keptTargets.add(e.to);
  for (const t of targetDecls.values()) if (t.remote) keptTargets.add(t.id);
  const usedConsumers = new Set<string>();
  for (const r of keptRefs) {
    if (!consumers.has(r.consumer)) continue;
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
  for (const c of creds.values()) for (const n of c.names) nodes.set(ids.name(n), { type: 'name', id: ids.name(n), name: n });
  for (const id of usedConsumers) {
    const c = consumers.get(id)!;
    const node: ConsumerNode = { type: 'consumer', id, kind: c.kind, label: c.label, file: c.file, line: c.line };
    if (c.attrs && Object.keys(c.attrs).length) node.attrs = c.attrs;
    nodes.set(id, node);
  }
  for (const id of keptTargets) {
    const t = targetDecls.get(id);
    if (!t) continue;
    const node: TargetNode = { type: 'target', id, kind: t.kind, label: t.label };
    if (t.attrs) node.attrs = t.attrs;
    nodes.set(id, node);
  }

  addGuardEdges({ nodes, edges, creds, keptRefs, consumers, addEdge });

  return {
    schemaVersion: SCHEMA_VERSION,
    ...(repo ? { github: repo } : {}),
    nodes: [...nodes.values()].sort((a, b) => cmp(a.id, b.id)),
    edges: [...edges.values()].sort(edgeOrder),
    warnings: warnings.sort((a, b) => cmp(a.file, b.file) || a.line - b.line || cmp(a.message, b.message)),
  };
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
