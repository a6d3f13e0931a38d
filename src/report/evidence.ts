import { targetPlugin } from '../integrations/targets.js';
import { gitSync } from '../core/git.js';
import { usageError, inputError } from '../core/errors.js';
import { shownSafely } from '../core/redact.js';
import type { ProjectSettings } from '../config/sections.js';
import type { CredentialNode, Graph, TargetNode } from '../graph/types.js';
import { scanHistory } from '../scan/history.js';
import { exposedInEnvironment, exposedInFile, exposedInReport, type Exposed, type ValueVault } from './exposure.js';

/**
 * Gather what was exposed from every source the person gives: leaked text, the process
 * environment, the repository's whole history (made public), names, fingerprints, another
 * scanner's report, or what a person could see (credctl.yaml `access:`).
 */
/** push(...items) overflows the call stack past ~100k items (a 50 MB report); this does not. */
function pushAll<T>(target: T[], items: T[]): void {
  for (const item of items) target.push(item);
}

export interface EvidenceOptions {
  leaked?: string[];
  fromEnv?: boolean;
  repoPublic?: boolean;
  since?: string;
  names?: string[];
  credentials?: string[];
  fromReport?: string[];
  person?: string;
}

export interface Evidence {
  exposed: Exposed[];
  vault: ValueVault;
  sources: string[];
}

export async function gatherEvidence(root: string, graph: Graph, settings: ProjectSettings, opts: EvidenceOptions): Promise<Evidence> {
  const exposed: Exposed[] = [];
  const vault: ValueVault = new Map();
  const sources: string[] = [];
  for (const file of opts.leaked ?? []) {
    pushAll(exposed, exposedInFile(file, true, vault));
    sources.push(file === '-' ? 'leaked text from stdin' : `leaked file ${file}`);
  }
  if (opts.fromEnv) {
    pushAll(exposed, exposedInEnvironment(process.env, vault));
    sources.push('this process environment (stolen-environment case)');
  }
  if (opts.repoPublic || opts.since) {
    pushAll(exposed, await historyExposure(root, opts.since));
    sources.push(opts.since ? `git history since ${opts.since}` : 'the whole git history (repository made public)');
  }
  for (const report of opts.fromReport ?? []) {
    pushAll(exposed, exposedInReport(report, root));
    sources.push(report === '-' ? 'scanner report from stdin' : `scanner report ${report}`);
  }
  for (const name of opts.names ?? []) {
    exposed.push({ name, via: `named: ${shownSafely(name)}` });
    sources.push(`name ${shownSafely(name)}`);
  }
  const creds = graph.nodes.filter((n): n is CredentialNode => n.type === 'credential');
  for (const id of opts.credentials ?? []) {
    const hits = creds.filter((c) => c.id.startsWith(id));
    if (hits.length !== 1)
      throw usageError(hits.length ? `credential prefix ${shownSafely(id)} is ambiguous` : `no credential ${shownSafely(id)} in the usage graph`);
    exposed.push({ fingerprint: hits[0]!.id, redacted: hits[0]!.redacted, via: `named: ${hits[0]!.id}` });
    sources.push(`credential ${hits[0]!.id}`);
  }
  if (opts.person) {
    pushAll(exposed, personExposure(graph, settings, opts.person));
    sources.push(`what ${opts.person} could see (credctl.yaml access)`);
  }
  if (sources.length === 0) {
    throw usageError('say what was exposed: --leaked FILE, --from-env, --repo-public, --name, --credential, --from-report FILE or --person NAME');
  }
  return { exposed, vault, sources };
}

async function historyExposure(root: string, since: string | undefined): Promise<Exposed[]> {
  const result = await scanHistory({ cwd: root, base: root });
  let inRange: Set<string> | undefined;
  if (since) {
    let out: string;
    try {
      // Commits reachable from any ref but not from `since`'s parents: `since` and what came after.
      if (since.startsWith('-')) throw new Error('not a revision');
      out = gitSync(root, ['rev-list', '--all', '--not', `${since}^@`]).toString('utf8');
      out += gitSync(root, ['rev-parse', '--verify', '--end-of-options', since]).toString('utf8');
    } catch {
      throw inputError(`--since ${since}: not a commit in this repository`);
    }
    inRange = new Set(out.split('\n').filter(Boolean));
  }
  return result.findings
    .filter((f) => !inRange || (f.commit && [...inRange].some((c) => c.startsWith(f.commit!))))
    .map((f) => ({
      fingerprint: f.fingerprint,
      redacted: f.redacted,
      ruleId: f.ruleId,
      provider: f.provider,
      kind: f.kind,
      ...(f.name ? { name: f.name } : {}),
      via: `git history ${f.file}:${f.line}${f.commit ? ` (first in ${f.commit.slice(0, 8)}${f.author ? ` by ${f.author}` : ''}, ${f.status ?? 'present'})` : ''}`,
      public: true,
    }));
}

function personExposure(graph: Graph, settings: ProjectSettings, person: string): Exposed[] {
  const access = settings.access[person];
  if (!access) {
    const known = Object.keys(settings.access);
    throw usageError(
      `no access entry for ${shownSafely(person)} in credctl.yaml`,
      known.length ? `Known: ${known.join(', ')}` : 'Add an access: section listing what each person could see.',
    );
  }
  const out: Exposed[] = [];
  const creds = graph.nodes.filter((n): n is CredentialNode => n.type === 'credential');
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const via = `${person} could see it`;
  for (const c of creds) {
    const files = graph.edges.filter((e) => e.type === 'appears-in' && e.from === c.id).map((e) => e.to.replace(/^file:/, ''));
    const targets = graph.edges
      .filter((e) => e.type === 'stored-in' && e.from === c.id)
      .map((e) => nodes.get(e.to) as TargetNode | undefined)
      .filter((t): t is TargetNode => Boolean(t));
    const reasons: string[] = [];
    for (const f of files) if (access.files.includes(f)) reasons.push(`file ${f}`);
    for (const t of targets) {
      const names = [t.kind, ...(targetPlugin(t.kind)?.aliases ?? [])];
      if (access.targets.some((want) => names.includes(want) || t.label === want || t.id === want)) reasons.push(t.label);
    }
    for (const n of c.names) if (access.names.includes(n)) reasons.push(`name ${n}`);
    if (c.environment && access.environments.includes(c.environment)) reasons.push(`environment ${c.environment}`);
    if (reasons.length) out.push({ fingerprint: c.id, redacted: c.redacted, via: `${via} (${[...new Set(reasons)].join(', ')})` });
  }
  return out;
}
