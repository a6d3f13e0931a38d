import { gitSync } from '../core/git.js';
import { ensureTrusted } from '../trust/gate.js';
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { loadCredctlYaml, type CredctlConfig } from '../config/credctl-yaml.js';
import { projectSettings, type ProjectSettings } from '../config/sections.js';
import { projectPaths, type ProjectPaths } from '../core/paths.js';
import { projectState } from '../state/files.js';
import type { ProjectState } from '../state/types.js';
import { wiredProviders, type WiredProvider } from '../integrations/providers.js';
import { decideTrust, type TrustDecision } from '../trust/gate.js';
import { trustSurface, trustedOrigins } from '../trust/surface.js';

/**
 * One project, opened once per command and passed down: its real root (symlinks resolved, so
 * trust and path checks talk about the same directory), its state (paths, and the graph, runs and
 * ledger behind the seam of src/state/), credctl.yaml parsed and
 * validated, and whether the user trusts what that file asks for. Code below the CLI takes this
 * instead of re-deriving the root or re-reading credctl.yaml.
 */
export interface Project {
  /** The project root, as a real path. */
  root: string;
  paths: ProjectPaths;
  /** The graph, run journals and target ledger, wherever they are kept. */
  state: ProjectState;
  config: CredctlConfig;
  /** Every section of credctl.yaml, as written. */
  settings: ProjectSettings;
  trust: TrustDecision;
  env: NodeJS.ProcessEnv;
}

export interface OpenProjectOptions {
  env?: NodeJS.ProcessEnv;
}

export function openProject(root: string, options: OpenProjectOptions = {}): Project {
  const env = options.env ?? process.env;
  let real = resolve(root);
  try {
    real = realpathSync(real);
  } catch {
    // A root that does not exist yet is reported by whatever reads it first.
  }
  const config = loadCredctlYaml(real);
  const settings = projectSettings(config);
  const trust = decideTrust(real, trustSurface(config, settings), env);
  const paths = projectPaths(real);
  return { root: real, paths, state: projectState(paths), config, settings, trust, env };
}

/**
 * What credctl may act on: everything when trusted; otherwise credctl.yaml's issuers, admin
 * credentials and health checks are set aside, so nothing the repository says is contacted,
 * handed a secret or run. Owners, scopes, access and policy still apply (they only shape reports).
 */
export function actionableSettings(project: Project): ProjectSettings {
  if (project.trust.trusted) return project.settings;
  const credentials = Object.fromEntries(Object.entries(project.settings.credentials).map(([n, c]) => [n, { ...c, health: [] }]));
  const providers = Object.fromEntries(Object.entries(project.settings.providers).map(([id, p]) => [id, p.project ? { project: p.project } : {}]));
  return { ...project.settings, providers, credentials };
}

/** The provider registry with credctl.yaml's issuer URLs applied, only when they are trusted. */
export function projectProviders(project: Project): WiredProvider[] {
  const overrides: Record<string, string> = {};
  for (const [id, p] of Object.entries(actionableSettings(project).providers)) if (p.issuer) overrides[id] = p.issuer;
  return wiredProviders({ overrides });
}

/** Origins the network client may reach on private addresses: the trusted config's own URLs. */
export function projectTrustedOrigins(project: Project): string[] {
  return project.trust.trusted ? trustedOrigins(project.trust.surface) : [];
}

/** The one line a read-only command prints when it set the untrusted parts aside. */
export function untrustedNote(project: Project): string | undefined {
  if (project.trust.trusted) return undefined;
  return `credctl: credctl.yaml is not trusted here (${project.trust.reason}): its issuers, admin credentials and health checks are not used, so live checks go to built-in providers only. Review it with \`credctl trust\`.`;
}

/** Go ahead only where credctl.yaml is trusted (asking on a terminal); exit 6 otherwise. */
export async function trusted(project: Project, opts: { noInput: boolean; askTrust?: (lines: string[]) => Promise<boolean> }, what: string): Promise<void> {
  project.trust = await ensureTrusted(project.root, project.trust, {
    noInput: opts.noInput,
    env: project.env,
    what,
    ...(opts.askTrust ? { ask: opts.askTrust } : {}),
  });
}

/**
 * credctl's own state files that git tracks in this repository (runs, incidents, the audit log):
 * credctl never commits them (its state directory ignores itself), so tracked ones came with the
 * repository, and what they claim (a key revoked, a leak accepted) is not the user's record.
 */
export function committedState(project: Project): string[] {
  const rel = relative(project.root, project.paths.stateDir);
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) return [];
  try {
    return gitSync(project.root, ['ls-files', '-z', '--', `${rel}/runs`, `${rel}/incidents`, `${rel}/audit.jsonl`])
      .toString('utf8')
      .split('\0')
      .filter(Boolean);
  } catch {
    return []; // not a git repository: nothing came with it
  }
}
