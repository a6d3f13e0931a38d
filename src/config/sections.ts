import { inputError } from '../core/errors.js';
import { DAY, DURATION_UNITS, parseDuration } from '../core/duration.js';
import { parseHealthChecks, type HealthCheckSpec } from './health-checks.js';
import type { CredctlConfig } from './credctl-yaml.js';

/**
 * The parts of credctl.yaml that rotation, blast radius and status read, validated with messages
 * that name the key. (credctl-yaml.ts loads the file; this module gives the sections their types.)
 *
 *   providers:
 *     example: { issuer: http://127.0.0.1:8787, admin: store:example/admin }
 *   credentials:
 *     EVENTS_API_KEY:
 *       owner: platform-team
 *       scopes: [events:read]            # narrow the replacement (default: same as the old one)
 *       self_issued: true                # the project issues it (generic secrets only): credctl generates the replacement
 *       health:
 *         - command: npm run smoke
 *         - http: { url: http://127.0.0.1:3000/health, expect: 200 }
 *   guards:                              # which targets a token can write (default: inferred)
 *     GH_PACKAGES_TOKEN: none            # it guards nothing
 *     DEPLOY_TOKEN: [github-actions]     # exactly these target types (or type:repo / type:project / type:file)
 *   access:
 *     contractor-jane: { files: [.env.staging], targets: [github-actions], names: [STRIPE_KEY] }
 *   policy:
 *     max_age: 90d
 *     expiry_warning: 14d
 *     revoke_grace: 7d     # deactivate old credentials, delete them (credctl finalize) after 7 days
 */
export interface CredentialSettings {
  owner?: string;
  scopes?: string[];
  health: HealthCheckSpec[];
  /** The project issues this secret itself (session secret, a webhook secret it owns both ends of). */
  selfIssued?: boolean;
}

/**
 * What a token guards, by env name: `none`, `auto` (inferred from its scopes or, failing that, its
 * provider and name), or exactly the listed targets: a target type (`github-actions`) or a type
 * with the place (`github-actions:acme/api`, `vercel-env:prj_123`, `dotenv:deploy/app.env`).
 */
export type GuardSetting = 'none' | 'auto' | string[];

export interface AccessEntry {
  files: string[];
  targets: string[];
  names: string[];
  environments: string[];
}

export interface ProjectSettings {
  /** issuer: API base URL override; admin: store:<entry>; project: the vendor's project id (OpenAI). */
  /**
   * Per provider: where its API is (issuer), the store entry of its admin credential, and plain
   * ids its integration reads (`project`, `account`, `shop`...: `settings`, which holds `project` too).
   */
  providers: Record<string, { issuer?: string; admin?: string; project?: string; settings?: Record<string, string> }>;
  credentials: Record<string, CredentialSettings>;
  access: Record<string, AccessEntry>;
  /** credctl.yaml `guards:` (absent: every token's guards are inferred). */
  guards?: Record<string, GuardSetting>;
  policy: { maxAgeDays?: number; expiryWarningDays: number; graceDays?: number };
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What `providers.<id>` may hold: where the issuer is, the admin credential, and the plain ids
 * integrations declare in their `config:` (test/standard/onboarding-config.test.ts holds this list
 * equal to theirs). Anything else (a `provider:` typo, an `isuer:`) is an error, never ignored.
 */
export const PROVIDER_MEMBERS = [
  'issuer',
  'admin',
  'project',
  'account',
  'api_key',
  'api_version',
  'expires_in_days',
  'region',
  'shop',
  'site',
  'team',
] as const;
const CREDENTIAL_MEMBERS = ['owner', 'scopes', 'health', 'self_issued'];
const ACCESS_MEMBERS = ['files', 'targets', 'names', 'environments'];
const POLICY_MEMBERS = ['max_age', 'expiry_warning', 'revoke_grace'];

/** One line naming the unknown key and the file, with the keys that are known. */
function onlyKnown(map: Record<string, unknown>, known: readonly string[], where: string): void {
  for (const key of Object.keys(map)) {
    if (!known.includes(key)) throw inputError(`credctl.yaml: unknown key "${where}.${key.slice(0, 60)}"`, `Known here: ${known.join(', ')}.`);
  }
}

function strings(v: unknown, where: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw inputError(`credctl.yaml: ${where} must be a list of strings`);
  return v as string[];
}

/** A policy duration in days (fractions allowed): the grammar of src/core/duration.ts, such as 90d or 12w; 0 turns it off. */
export function parseDays(v: unknown, where: string): number {
  return parseDuration(v, { what: `credctl.yaml: ${where}`, allowZero: true, min: DURATION_UNITS.h }) / DAY;
}

export function projectSettings(config: CredctlConfig): ProjectSettings {
  const out: ProjectSettings = { providers: {}, credentials: {}, access: {}, policy: { expiryWarningDays: 14 } };
  if (config.providers !== undefined) {
    if (!isMap(config.providers)) throw inputError('credctl.yaml: providers must be a mapping of provider id to settings');
    for (const [id, raw] of Object.entries(config.providers)) {
      if (!isMap(raw)) throw inputError(`credctl.yaml: providers.${id} must be a mapping`);
      onlyKnown(raw, PROVIDER_MEMBERS, `providers.${id}`);
      if (raw.issuer !== undefined && typeof raw.issuer !== 'string') throw inputError(`credctl.yaml: providers.${id}.issuer must be a URL`);
      if (raw.admin !== undefined && (typeof raw.admin !== 'string' || !raw.admin.startsWith('store:'))) {
        throw inputError(`credctl.yaml: providers.${id}.admin must be store:<entry> (never a value)`);
      }
      if (raw.project !== undefined && (typeof raw.project !== 'string' || !raw.project))
        throw inputError(`credctl.yaml: providers.${id}.project must be a project id`);
      const settings: Record<string, string> = {};
      for (const [key, value] of Object.entries(raw)) {
        if (key === 'issuer' || key === 'admin') continue;
        // An id, never a value: short, one word. A secret belongs in the store (admin: store:<entry>).
        if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,199}$/.test(value)) {
          throw inputError(
            `credctl.yaml: providers.${id}.${key.slice(0, 40)} must be an id (letters, digits, . _ : @ / -)`,
            'Secrets go in the store: admin: store:<entry>.',
          );
        }
        settings[key] = value;
      }
      out.providers[id] = {
        issuer: raw.issuer as string | undefined,
        admin: raw.admin as string | undefined,
        ...(raw.project ? { project: raw.project as string } : {}),
        ...(Object.keys(settings).length ? { settings } : {}),
      };
    }
  }
  if (config.credentials !== undefined) {
    if (!isMap(config.credentials)) throw inputError('credctl.yaml: credentials must be a mapping of env name to settings');
    for (const [name, raw] of Object.entries(config.credentials)) {
      if (!isMap(raw)) throw inputError(`credctl.yaml: credentials.${name} must be a mapping`);
      onlyKnown(raw, CREDENTIAL_MEMBERS, `credentials.${name}`);
      if (raw.owner !== undefined && typeof raw.owner !== 'string') throw inputError(`credctl.yaml: credentials.${name}.owner must be a string`);
      out.credentials[name] = {
        owner: raw.owner as string | undefined,
        scopes: raw.scopes === undefined ? undefined : strings(raw.scopes, `credentials.${name}.scopes`),
        health: raw.health === undefined ? [] : parseHealthChecks(raw.health, `credctl.yaml: credentials.${name}.health`),
      };
      if (raw.self_issued !== undefined) {
        if (typeof raw.self_issued !== 'boolean') throw inputError(`credctl.yaml: credentials.${name}.self_issued must be true or false`);
        if (raw.self_issued) out.credentials[name]!.selfIssued = true;
      }
    }
  }
  if (config.access !== undefined) {
    if (!isMap(config.access)) throw inputError('credctl.yaml: access must be a mapping of person to what they could see');
    for (const [person, raw] of Object.entries(config.access)) {
      if (!isMap(raw)) throw inputError(`credctl.yaml: access.${person} must be a mapping`);
      onlyKnown(raw, ACCESS_MEMBERS, `access.${person}`);
      out.access[person] = {
        files: strings(raw.files, `access.${person}.files`),
        targets: strings(raw.targets, `access.${person}.targets`),
        names: strings(raw.names, `access.${person}.names`),
        environments: strings(raw.environments, `access.${person}.environments`),
      };
    }
  }
  if (config.guards !== undefined) out.guards = parseGuards(config.guards);
  if (config.policy !== undefined) {
    if (!isMap(config.policy)) throw inputError('credctl.yaml: policy must be a mapping');
    onlyKnown(config.policy, POLICY_MEMBERS, 'policy');
    if (config.policy.max_age !== undefined) out.policy.maxAgeDays = parseDays(config.policy.max_age, 'policy.max_age');
    if (config.policy.expiry_warning !== undefined) out.policy.expiryWarningDays = parseDays(config.policy.expiry_warning, 'policy.expiry_warning');
    if (config.policy.revoke_grace !== undefined) {
      out.policy.graceDays = parseDays(config.policy.revoke_grace, 'policy.revoke_grace');
      if (out.policy.graceDays > 3650) throw inputError('credctl.yaml: policy.revoke_grace must be at most 10 years (3650d)');
    }
  }
  return out;
}

const GUARD_TARGET = /^[a-z0-9][a-z0-9-]{0,40}(?::[A-Za-z0-9._/@-]{1,200})?$/;

function parseGuards(raw: unknown): Record<string, GuardSetting> {
  if (!isMap(raw)) throw inputError('credctl.yaml: guards must be a mapping of env name to none, auto or a list of targets');
  const out: Record<string, GuardSetting> = {};
  for (const [name, v] of Object.entries(raw)) {
    const at = `credctl.yaml: guards.${name.slice(0, 60)}`;
    if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,199}$/.test(name)) throw inputError(`${at}: the key must be an env name`);
    if (v === 'none' || v === 'auto') out[name] = v;
    else if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && GUARD_TARGET.test(x))) out[name] = [...(v as string[])].sort();
    else
      throw inputError(
        `${at} must be none, auto or a list of targets`,
        'A target is its type (github-actions, vercel-env, dotenv...) or type:place (github-actions:owner/repo).',
      );
  }
  return out;
}

/** What credctl.yaml says a credential known by these names guards (the first name with a setting wins), or undefined. */
export function guardsFor(settings: ProjectSettings, names: string[]): GuardSetting | undefined {
  for (const n of [...names].sort()) if (settings.guards?.[n] !== undefined) return settings.guards[n];
  return undefined;
}

/** Whether credctl.yaml declares a credential known by any of these names self-issued. */
export function selfIssuedIn(settings: ProjectSettings, names: string[]): boolean {
  return names.some((n) => settings.credentials[n]?.selfIssued === true);
}

/** Health checks for a credential known by any of these names. */
export function healthFor(settings: ProjectSettings, names: string[]): HealthCheckSpec[] {
  return names.flatMap((n) => settings.credentials[n]?.health ?? []);
}
