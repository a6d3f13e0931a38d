import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { inputError, parserMessage } from '../core/errors.js';
import type { Operation, Support } from './adapter.js';
import { validateManifest, validatePermissions, supportOf, type Manifest, type PermissionSchemaDoc } from './manifest.js';
import { onboardedProviders } from './onboarded.js';
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
 *   self_issued:                  # optional: secrets nobody else issues (docs/self-issued.md);
 *     - names: [SESSION_SECRET, '*_JWT_SECRET']   #   credctl generates their replacement
 *       alphabet: same            # same (the old value's) | hex | base64url | alnum
 *       min_length: 32
 *       only_consumers: [compose-service]  # optional: only when nothing else uses the name
 *       note: ...                 # optional: shown in the plan
 *   manual_by_kind:               # optional: dashboard steps for one kind of credential
 *     webhook_secret: { create: {url, instructions}, revoke: {url, instructions} }
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
  /** Secrets of this provider that the project issues itself: credctl generates their replacement. */
  selfIssued?: SelfIssuedRule[];
  /** Dashboard steps for one kind of credential, where they differ from the provider's (Stripe webhook secrets). */
  manualByKind?: Record<string, Partial<Record<'create' | 'revoke', { url?: string; instructions?: string }>>>;
  /** Known from its issuer alone: named in credctl.yaml, described by its fetched manifest (no folder here). */
  fromIssuer?: boolean;
}

/** One `self_issued:` entry of provider.yaml. */
export interface SelfIssuedRule {
  /** Env names, exact or with `*` for any run of characters (`*_SESSION_SECRET`). */
  names: string[];
  alphabet: 'same' | 'hex' | 'base64url' | 'alnum';
  minLength: number;
  /** Only when every consumer of the name is one of these kinds (a compose service's own password). */
  onlyConsumers?: string[];
  note?: string;
}

const ALPHABETS = ['same', 'hex', 'base64url', 'alnum'] as const;

function parseSelfIssued(v: unknown, where: string): SelfIssuedRule[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw inputError(`${where}: self_issued must be a list`);
  return v.map((raw, i) => {
    const at = `${where}: self_issued[${i}]`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw inputError(`${at} must be a mapping`);
    const r = raw as Record<string, unknown>;
    const names = r.names;
    if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string' && /^[A-Za-z0-9_*.-]{1,100}$/.test(n)))
      throw inputError(`${at}.names must list env names (letters, digits, _ and * only)`);
    const alphabet = r.alphabet ?? 'same';
    if (!(ALPHABETS as readonly unknown[]).includes(alphabet)) throw inputError(`${at}.alphabet must be one of ${ALPHABETS.join(', ')}`);
    const minLength = r.min_length ?? 32;
    if (typeof minLength !== 'number' || !Number.isInteger(minLength) || minLength < 32 || minLength > 1024)
      throw inputError(`${at}.min_length must be a whole number from 32 to 1024`);
    const only = r.only_consumers;
    if (only !== undefined && (!Array.isArray(only) || !only.every((x) => typeof x === 'string')))
      throw inputError(`${at}.only_consumers must be a list of consumer kinds`);
    if (r.note !== undefined && typeof r.note !== 'string') throw inputError(`${at}.note must be a string`);
    return {
      names: names as string[],
      alphabet: alphabet as SelfIssuedRule['alphabet'],
      minLength,
      ...(only ? { onlyConsumers: only as string[] } : {}),
      ...(typeof r.note === 'string' ? { note: r.note.trim() } : {}),
    };
  });
}

function parseManualByKind(v: unknown, where: string): ProviderEntry['manualByKind'] {
  if (v === undefined) return undefined;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw inputError(`${where}: manual_by_kind must be a mapping of credential kind to steps`);
  const out: NonNullable<ProviderEntry['manualByKind']> = {};
  for (const [kind, ops] of Object.entries(v as Record<string, unknown>)) {
    if (!ops || typeof ops !== 'object' || Array.isArray(ops)) throw inputError(`${where}: manual_by_kind.${kind} must be a mapping`);
    out[kind] = {};
    for (const [op, step] of Object.entries(ops as Record<string, unknown>)) {
      if (op !== 'create' && op !== 'revoke') throw inputError(`${where}: manual_by_kind.${kind}.${op}: only create and revoke`);
      const st = step as Record<string, unknown> | null;
      if (
        !st ||
        typeof st !== 'object' ||
        (st.url !== undefined && typeof st.url !== 'string') ||
        (st.instructions !== undefined && typeof st.instructions !== 'string')
      )
        throw inputError(`${where}: manual_by_kind.${kind}.${op} must be { url, instructions }`);
      out[kind]![op] = { ...(st.url ? { url: st.url as string } : {}), ...(st.instructions ? { instructions: st.instructions as string } : {}) };
    }
  }
  return out;
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
    ...(doc.self_issued !== undefined ? { selfIssued: parseSelfIssued(doc.self_issued, where) } : {}),
    ...(doc.manual_by_kind !== undefined ? { manualByKind: parseManualByKind(doc.manual_by_kind, where) } : {}),
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

// The issuer-only providers of the project this process works on (./onboarded.ts): every
// registry lookup below includes them.
export { onboardedVersion, setOnboardedProviders } from './onboarded.js';

/**
 * Every provider folder, sorted by id, then (for the shipped folder) the issuer-only providers
 * onboarded for this project. `overrides` maps a provider id to its issuer URL.
 */
export function loadProviders(options: { dir?: string; overrides?: Record<string, string> } = {}): ProviderEntry[] {
  const entries = loadProviderFolders(options);
  const onboarded = onboardedProviders();
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
export function manualStep(entry: ProviderEntry | undefined, op: 'create' | 'revoke', kind?: string): { instructions?: string; url?: string } {
  // A kind with its own dashboard steps (a Stripe webhook secret is rolled on its endpoint, not the API-keys page).
  const byKind = kind ? entry?.manualByKind?.[kind]?.[op] : undefined;
  if (byKind?.url || byKind?.instructions) return byKind;
  const m = entry?.manifest;
  const step = m?.manual_operations?.[op] ?? m?.manual_operations?.rotate;
  const url = step?.url ?? m?.dashboard_url;
  return { ...(step?.instructions ? { instructions: step.instructions } : {}), ...(url ? { url } : {}) };
}
