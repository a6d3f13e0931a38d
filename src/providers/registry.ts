import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { inputError, parserMessage } from '../core/errors.js';
import type { Operation, Support } from './adapter.js';
import { validateManifest, validatePermissions, supportOf, type Manifest, type PermissionSchemaDoc } from './manifest.js';
import { providersDir } from './rules.js';

// The YAML parser prints warnings (an unknown !tag) with a frame of the line, which may hold a
// value; credctl reports problems itself, so the parser stays quiet.
const QUIET = { logLevel: 'error' } as const;

/**
 * The provider registry: one folder per provider under providers/, holding rules.yaml
 * (detection, loaded by rules.ts) and provider.yaml (lifecycle, loaded here):
 *
 *   id: stripe                    # must equal the folder name
 *   name: Stripe
 *   docs: https://...             # the vendor's page about these credentials
 *   env_names: [STRIPE_SECRET_KEY]
 *   adapter: aws                  # optional: the integration, src/integrations/<name>/ (verify, rotate...);
 *                                 # "standard" = the standard client (the issuer publishes a manifest)
 *   issuer: https://...           # optional: the origin publishing /.well-known/credential-issuer
 *   notes: ...
 *   manifest: {...}               # built-in manifest (spec/credential-issuer.schema.json); for a
 *                                 # publishing issuer, an offline snapshot superseded by discovery
 *   permissions: {scopes: [...]}  # spec/credential-permissions.schema.json
 *
 * A folder with only rules.yaml is a detection-only provider: listed, with no lifecycle support.
 */
export type ManifestSource = 'published' | 'built-in' | 'none';

export interface ProviderEntry {
  id: string;
  name: string;
  docs?: string;
  envNames: string[];
  notes?: string;
  /** Where a published manifest lives (after credctl.yaml overrides). */
  issuer?: string;
  source: ManifestSource;
  manifest?: Manifest;
  permissions?: PermissionSchemaDoc;
  /** The integration named by `adapter:` (src/integrations/<module>/; see integrations/providers.ts). */
  adapter?: { module: string };
  hasRules: boolean;
  support: Record<Operation, Support>;
  /** Known from its issuer alone: named in credctl.yaml, described by its fetched manifest (no folder here). */
  fromIssuer?: boolean;
}

const NO_SUPPORT = supportOf({ supported_operations: [] });

export function parseProviderFile(id: string, text: string, where: string, hasRules: boolean): ProviderEntry {
  let doc: Record<string, unknown>;
  try {
    doc = (YAML.parse(text, QUIET) ?? {}) as Record<string, unknown>;
  } catch (err) {
    throw inputError(`${where}: invalid YAML: ${parserMessage(err)}`);
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) throw inputError(`${where}: must be a YAML mapping`);
  if (doc.id !== id) throw inputError(`${where}: id must be "${id}" (the folder name)`);
  if (typeof doc.name !== 'string' || !doc.name) throw inputError(`${where}: name is required`);
  const strings = (v: unknown, field: string): string[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw inputError(`${where}: ${field} must be a list of strings`);
    return v;
  };
  const optionalString = (v: unknown, field: string): string | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw inputError(`${where}: ${field} must be a string`);
    return v;
  };
  const manifest = doc.manifest === undefined ? undefined : validateManifest(doc.manifest, { source: `${where}: manifest` });
  const permissions = doc.permissions === undefined ? undefined : validatePermissions(doc.permissions, `${where}: permissions`);
  const issuer = optionalString(doc.issuer, 'issuer');
  const adapterName = optionalString(doc.adapter, 'adapter');
  if (adapterName && !/^[a-z0-9-]+$/.test(adapterName)) throw inputError(`${where}: adapter must be a module name like "aws"`);
  return {
    id,
    name: doc.name,
    docs: optionalString(doc.docs, 'docs'),
    envNames: strings(doc.env_names, 'env_names'),
    notes: optionalString(doc.notes, 'notes')?.trim(),
    issuer,
    source: issuer ? 'published' : manifest ? 'built-in' : 'none',
    manifest,
    permissions,
    adapter: adapterName ? { module: adapterName } : undefined,
    hasRules,
    support: manifest ? supportOf(manifest) : NO_SUPPORT,
  };
}

/**
 * A provider credctl knows only from its issuer: credctl.yaml names it (`providers.acme.issuer`),
 * there is no providers/acme/ folder, and the manifest fetched from that issuer says everything
 * (name, operations, patterns). It is driven by the standard client, like any publishing issuer.
 */
export function issuerProviderEntry(id: string, issuer: string, manifest: Manifest, permissions?: PermissionSchemaDoc): ProviderEntry {
  return {
    id,
    name: manifest.display_name?.slice(0, 80) || id,
    ...(manifest.service_documentation ? { docs: manifest.service_documentation } : {}),
    envNames: [],
    issuer,
    source: 'published',
    manifest,
    ...(permissions ? { permissions } : {}),
    adapter: { module: 'standard' },
    hasRules: (manifest.credential_patterns?.length ?? 0) > 0,
    support: supportOf(manifest),
    fromIssuer: true,
  };
}

// The issuer-only providers of the project this process works on (set before a command runs,
// src/integrations/standard/onboard.ts): every registry lookup below includes them.
let onboarded: ProviderEntry[] = [];
let onboardedGeneration = 0;

export function setOnboardedProviders(entries: readonly ProviderEntry[]): void {
  onboarded = [...entries];
  onboardedGeneration++;
}

/** Bumped on every change, so a cache of the registry knows when it is stale. */
export function onboardedVersion(): number {
  return onboardedGeneration;
}

/**
 * Every provider folder, sorted by id, then (for the shipped folder) the issuer-only providers
 * onboarded for this project. `overrides` maps a provider id to its issuer URL.
 */
export function loadProviders(options: { dir?: string; overrides?: Record<string, string> } = {}): ProviderEntry[] {
  const entries = loadProviderFolders(options);
  if (options.dir !== undefined || onboarded.length === 0) return entries;
  const known = new Set(entries.map((e) => e.id));
  return [...entries, ...onboarded.filter((e) => !known.has(e.id)).map((e) => ({ ...e }))].sort((a, b) => a.id.localeCompare(b.id));
}

function loadProviderFolders(options: { dir?: string; overrides?: Record<string, string> }): ProviderEntry[] {
  const dir = options.dir ?? providersDir();
  const entries: ProviderEntry[] = [];
  for (const id of readdirSync(dir).sort()) {
    const folder = join(dir, id);
    const providerFile = join(folder, 'provider.yaml');
    const hasRules = existsSync(join(folder, 'rules.yaml'));
    if (!existsSync(providerFile)) {
      if (hasRules) entries.push({ id, name: id, envNames: [], source: 'none', hasRules, support: NO_SUPPORT });
      continue;
    }
    const entry = parseProviderFile(id, readFileSync(providerFile, 'utf8'), `providers/${id}/provider.yaml`, hasRules);
    const override = options.overrides?.[id];
    if (override) {
      entry.issuer = override;
      entry.source = 'published';
    }
    entries.push(entry);
  }
  return entries;
}

/**
 * How a person does `op` by hand for this provider: the manifest's manual step for it (falling
 * back to "rotate", which covers both creating and retiring a key), and its dashboard link.
 */
export function manualStep(entry: ProviderEntry | undefined, op: 'create' | 'revoke'): { instructions?: string; url?: string } {
  const m = entry?.manifest;
  const step = m?.manual_operations?.[op] ?? m?.manual_operations?.rotate;
  const url = step?.url ?? m?.dashboard_url;
  return { ...(step?.instructions ? { instructions: step.instructions } : {}), ...(url ? { url } : {}) };
}
