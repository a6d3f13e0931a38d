import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { inputError } from '../core/errors.js';
import { OPERATIONS, type Operation, type Support } from './adapter.js';
import { isLoopbackHost } from '../net/http.js';

/**
 * The credential-issuer manifest and permission schema: their types, and validation against the
 * JSON Schemas published in spec/ (the same files a provider validates its own document with).
 * Errors name the exact place: `supported_operations[3]: unknown operation "rotat"`.
 */
export interface ManualStep {
  url: string;
  instructions?: string;
}

export interface CredentialPattern {
  name: string;
  regex: string;
  kind?: string;
  environment?: string;
}

export interface Manifest {
  issuer: string;
  spec_version?: string;
  display_name?: string;
  service_documentation?: string;
  dashboard_url?: string;
  credential_issuer_endpoint?: string;
  introspection_endpoint?: string;
  revocation_endpoint?: string;
  access_request_endpoint?: string;
  audit_endpoint?: string;
  token_exchange_endpoint?: string;
  whoami_endpoint?: string;
  permission_schema_url?: string;
  supported_credential_types?: string[];
  supported_operations: Operation[];
  manual_operations?: Partial<Record<Operation, ManualStep>>;
  auth_methods?: string[];
  scopes_supported?: string[];
  environments_supported?: string[];
  supports_expiring_credentials?: boolean;
  supports_workload_bound_credentials?: boolean;
  supports_rotation?: boolean;
  supports_revocation?: boolean;
  supports_audit?: boolean;
  supports_deactivation?: boolean;
  supports_idempotency_keys?: boolean;
  idempotency_key_header?: string;
  secret_shown_once?: boolean;
  max_concurrent_credentials?: number | null;
  revocation_latency_seconds?: number;
  max_ttl_seconds?: number;
  rotation_strategy?: 'overlap' | 'roll' | 'roll_with_grace' | 'alternating_users';
  credential_patterns?: CredentialPattern[];
}

export interface PermissionSchemaDoc {
  issuer?: string;
  scopes: { name: string; description: string; risk: 'read' | 'write' | 'admin'; implies?: string[] }[];
}

export const ENDPOINT_FIELDS = [
  'credential_issuer_endpoint',
  'introspection_endpoint',
  'revocation_endpoint',
  'access_request_endpoint',
  'audit_endpoint',
  'token_exchange_endpoint',
  'whoami_endpoint',
  'permission_schema_url',
] as const;

/** spec/ sits next to src/ and dist/ alike. */
export const specDir = (): URL => new URL('../../spec/', import.meta.url);

let validators: { manifest: ValidateFunction; permissions: ValidateFunction } | undefined;

function compiled(): { manifest: ValidateFunction; permissions: ValidateFunction } {
  if (validators) return validators;
  const ajv = new Ajv({ allErrors: true, strict: false });
  const load = (name: string) => JSON.parse(readFileSync(new URL(name, specDir()), 'utf8')) as object;
  validators = {
    manifest: ajv.compile(load('credential-issuer.schema.json')),
    permissions: ajv.compile(load('credential-permissions.schema.json')),
  };
  return validators;
}

/** What a list of values is a list of, for "unknown operation" rather than "must be equal to one of". */
const NOUNS: Record<string, string> = {
  supported_operations: 'operation',
  manual_operations: 'operation',
  supported_credential_types: 'credential type',
  auth_methods: 'auth method',
  rotation_strategy: 'rotation strategy',
  risk: 'risk level',
};

/** `/supported_operations/3` → `supported_operations[3]`. */
function jsonPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : out ? `.${part}` : part;
  }
  return out;
}

function valueAt(doc: unknown, pointer: string): unknown {
  let cur = doc;
  for (const raw of pointer.split('/').slice(1)) cur = (cur as Record<string, unknown> | undefined)?.[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  return cur;
}

const show = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function describe(error: ErrorObject, doc: unknown): string {
  const path = jsonPath(error.instancePath);
  const at = (p: string) => (p ? `${p}: ` : '');
  const value = valueAt(doc, error.instancePath);
  const field = /([a-z_]+)(?:\[\d+\])?$/.exec(path)?.[1] ?? '';
  switch (error.keyword) {
    case 'required': {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      return `${at(path)}missing required field "${missing}"`;
    }
    case 'enum': {
      const noun = NOUNS[field];
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      return noun ? `${path}: unknown ${noun} ${show(value)}` : `${path}: ${show(value)} is not one of ${allowed.map(show).join(', ')}`;
    }
    case 'propertyNames': {
      const name = (error.params as { propertyName: string }).propertyName;
      return `${path}: unknown ${NOUNS[field] ?? 'key'} "${name}"`;
    }
    case 'type': {
      const expected = (error.params as { type: string | string[] }).type;
      return `${at(path)}must be ${[expected].flat().join(' or ')}, not ${typeName(value)}`;
    }
    case 'pattern':
      if (field === 'issuer') return `issuer: must be an origin such as https://api.example.com (no path, query or fragment), got ${show(value)}`;
      if (typeof value === 'string' && /url|endpoint|documentation/.test(field)) return `${path}: must be an http(s) URL, got ${show(value)}`;
      return `${path}: ${show(value)} does not have the expected form`;
    case 'uniqueItems': {
      const { i, j } = error.params as { i: number; j: number };
      return `${path}: duplicate entries at [${j}] and [${i}]`;
    }
    default:
      return `${at(path)}${error.message ?? 'is invalid'}`;
  }
}

function formatErrors(errors: ErrorObject[], doc: unknown): string[] {
  // propertyNames also reports the inner enum failure without the name; keep the clearer one.
  const relevant = errors.filter((e) => !(e.keyword === 'enum' && e.propertyName !== undefined));
  return [...new Set(relevant.map((e) => describe(e, doc)))];
}

export interface ValidationOptions {
  /** Where the document came from, for messages ("manifest from https://..."). */
  source: string;
  /** When fetched: the origin it was fetched from, which `issuer` must equal (RFC 8414 §3.3). */
  expectedIssuer?: string;
}

/** Validate a parsed manifest; throws one inputError line (exit 3) listing what is wrong. */
export function validateManifest(doc: unknown, options: ValidationOptions): Manifest {
  const fail = (problems: string[]) =>
    inputError(
      `${options.source} is not a valid credential-issuer manifest: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`,
    );
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw fail([`the document must be a JSON object, not ${typeName(doc)}`]);
  const validate = compiled().manifest;
  if (!validate(doc)) throw fail(formatErrors(validate.errors ?? [], doc));
  const manifest = doc as Manifest;
  const problems: string[] = [];
  const loopbackIssuer = isLoopbackHost(new URL(manifest.issuer).hostname);
  if (!loopbackIssuer && !manifest.issuer.startsWith('https://')) problems.push('issuer: must use https');
  for (const field of ENDPOINT_FIELDS) {
    const value = manifest[field];
    if (value && value.startsWith('http://') && !(loopbackIssuer && isLoopbackHost(new URL(value).hostname))) {
      problems.push(`${field}: must use https`);
    }
  }
  manifest.credential_patterns?.forEach((p, i) => {
    try {
      new RegExp(p.regex);
    } catch {
      problems.push(`credential_patterns[${i}].regex: not a valid regular expression`);
    }
  });
  for (const op of Object.keys(manifest.manual_operations ?? {})) {
    if (manifest.supported_operations.includes(op as Operation)) problems.push(`manual_operations.${op}: also listed in supported_operations`);
  }
  if (problems.length) throw fail(problems);
  if (options.expectedIssuer !== undefined && manifest.issuer !== options.expectedIssuer) {
    throw inputError(
      `${options.source}: issuer ${show(manifest.issuer)} does not equal the origin it was fetched from (${options.expectedIssuer})`,
      'A manifest may only describe the origin that serves it (RFC 8414 section 3.3).',
    );
  }
  return manifest;
}

export function validatePermissions(doc: unknown, source: string): PermissionSchemaDoc {
  const validate = compiled().permissions;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || !validate(doc)) {
    const problems = doc && typeof doc === 'object' ? formatErrors(validate.errors ?? [], doc) : ['the document must be a JSON object'];
    throw inputError(`${source} is not a valid permission schema: ${problems.slice(0, 5).join('; ')}`);
  }
  const schema = doc as PermissionSchemaDoc;
  const names = new Set(schema.scopes.map((s) => s.name));
  for (const [i, s] of schema.scopes.entries()) {
    for (const implied of s.implies ?? []) {
      if (!names.has(implied)) throw inputError(`${source} is not a valid permission schema: scopes[${i}].implies: unknown scope "${implied}"`);
    }
  }
  return schema;
}

/** api / manual / none for every operation. */
export function supportOf(manifest: Pick<Manifest, 'supported_operations' | 'manual_operations'>): Record<Operation, Support> {
  const out = {} as Record<Operation, Support>;
  for (const op of OPERATIONS) {
    out[op] = manifest.supported_operations.includes(op) ? 'api' : manifest.manual_operations?.[op] ? 'manual' : 'none';
  }
  return out;
}
