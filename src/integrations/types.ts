import type { SafeHttp } from '../net/http.js';
import type { TargetPlugin } from '../targets/target.js';

/**
 * The one face every integration shows. An integration is one folder, src/integrations/<id>/,
 * whose index.ts default-exports an `Integration`; the registry (./registry.ts) finds it by
 * folder name, and a provider uses it by naming it in providers/<provider>/provider.yaml
 * (`adapter: <id>`). Every part is optional: an integration declares what the vendor's API
 * allows, and the capabilities credctl reports (`credctl providers list --json`) are computed
 * from what is declared here, so "can be planned" and "is wired" are one fact.
 *
 *   verify   a harmless call made with the credential itself: is it live, whose is it, which account
 *   analyze  what it can reach, in the vendor's words, each mapped to read / write / admin
 *   revoke   retire a leaked credential through the API (emergency revocation, or a rotation's last step)
 *   rotate   make a replacement next to the old one, with a named strategy, for the apply engine
 *   targets  places it can write a value to (GitHub Actions secrets, Vercel env...)
 *   manual   the dashboard steps for what the API cannot do
 *
 * Values reach an integration only as arguments and never leave it except as the `value` of a
 * credential it creates. Everything it returns (identity, grants, reasons) is shown to people and
 * written to reports, so it must hold no secret: ids, names, scopes, account names only.
 * Every network call goes through `ctx.http` (the one safe client) to `ctx.api`.
 */
export interface Integration {
  /** The folder name, and the `adapter:` value in provider.yaml. */
  readonly id: string;
  /** Human name of what it talks to, e.g. "GitHub REST API". */
  readonly title: string;
  /**
   * Where the vendor's API lives. credctl.yaml `providers.<provider>.issuer` replaces it (a
   * self-hosted GitLab, a stand-in in tests), and only once the user trusted that file.
   */
  readonly defaultApi?: string;
  /**
   * The credctl.yaml keys under `providers.<provider>` this integration reads, besides `issuer`:
   * `admin` is a store entry (`store:<entry>`, never a value) holding an admin credential; any
   * other key is a plain id (an account, project or team id).
   */
  readonly config?: readonly ConfigKey[];
  /**
   * A credential made of several values used together (AWS key id + secret, Twilio SID +
   * secret): the other parts, by role, with the env names they usually go under. The credential
   * credctl tracks is the secret part; the others are found next to it and passed in `parts`.
   */
  readonly parts?: readonly CredentialPart[];
  verify?(credential: CredentialValue, ctx: IntegrationContext): Promise<Verification>;
  analyze?(credential: CredentialValue, ctx: IntegrationContext): Promise<Analysis>;
  revoke?: RevokeFace;
  rotate?: RotateFace;
  targets?: readonly TargetPlugin<any>[];
  /** How a person does what the API cannot: dashboard URL and steps, per operation. */
  manual?: Partial<Record<'rotate' | 'revoke', ManualStep>>;
  /**
   * The vendor's published rate limit for the calls verify and analyze make, so checking many
   * leaked keys at once paces itself instead of earning 429s. Default: 8 calls at a time.
   */
  rateLimit?: { concurrency?: number; requests?: number; perMs?: number };
  /**
   * The provider's published manifest says what can be done (the standard client serves any
   * issuer, each with its own operations), and the API lives at the provider's issuer: without
   * one there is nothing to ask.
   */
  followsManifest?: boolean;
}

export interface ConfigKey {
  key: string;
  /** Only `admin` may be a secret, and then it must be `store:<entry>`. */
  secret?: boolean;
  required?: boolean;
  description: string;
}

/**
 * A part of a multi-part credential that is an identifier, not a secret (an AWS access key id, a
 * Twilio SID): it may appear in plans' run journals and reports. The secret part is the credential.
 */
export interface CredentialPart {
  /** The role of the part, e.g. `access-key-id`. */
  role: string;
  /** The env names it is found under, in order of preference. */
  envNames: readonly string[];
  /** How to recognise the part's value when a name is not enough. */
  pattern?: RegExp;
}

/** A credential's value, with its other parts when it has several (role → value). */
export interface CredentialValue {
  value: string;
  parts?: Record<string, string>;
}

export interface IntegrationContext {
  /** The one safe HTTP client, already told which origins the user trusted. */
  http: SafeHttp;
  /** The API base URL: the trusted override or `defaultApi`, without a trailing slash. */
  api: string;
  /** The provider this call is for (an integration may serve several providers). */
  provider: string;
  /** Plain config values (`providers.<provider>.<key>`), e.g. an account id. */
  setting(key: string): string | undefined;
  /**
   * The admin credential (`providers.<provider>.admin: store:<entry>`), read from the store after
   * checking the user trusted that entry to go to this provider. Throws (exit 6 or 7) with the
   * fix when it is not configured or not stored.
   */
  adminSecret(): Promise<string>;
}

/**
 * What a harmless call says. `live`: the vendor accepted the credential just now. `dead`: the
 * vendor refused it as invalid, revoked or expired (a 401, or its own "invalid token" answer).
 * `unknown`: the call could not tell (network, 5xx, 429, a 403 that only means "not allowed to ask").
 */
export interface Verification {
  status: 'live' | 'dead' | 'unknown';
  /** One line for people, no values: "GitHub accepted it just now", "Stripe: 401 invalid_api_key". */
  reason: string;
  identity?: Identity;
  /** ISO time, where the vendor says. */
  expiresAt?: string;
  lastUsedAt?: string;
}

export interface Identity {
  /** The credential's own id at the vendor (key id, token id), when the vendor says. */
  credentialId?: string;
  /** Who it acts as: a user login, a bot, a service account. */
  principal?: string;
  /** Which account, organisation, team or workspace. */
  account?: string;
  /** The vendor's name for the kind of credential: "classic PAT", "restricted key". */
  kind?: string;
}

export type Risk = 'read' | 'write' | 'admin';

export interface Grant {
  /** The vendor's own term: an OAuth scope, a permission, a policy action. */
  scope: string;
  risk: Risk;
  description?: string;
  /** What it applies to, where the vendor says: a repository, a bucket, a zone. */
  resource?: string;
}

export interface Analysis {
  grants: Grant[];
  /** False when the vendor only reveals part of the access (say what is missing in `note`). */
  complete: boolean;
  note?: string;
}

export interface RevokeFace {
  /**
   * Revoke the credential for good. Idempotent: one already revoked or unknown to the vendor is
   * 'already'. `irreversible` is shown before a person confirms.
   */
  run(credential: CredentialValue, ctx: IntegrationContext): Promise<'revoked' | 'already'>;
  /** Needs the admin credential (true) or only the leaked value itself (false). */
  needsAdmin: boolean;
  /** A consequence a person must know before confirming, e.g. "deploy keys it created are deleted too". */
  warning?: string;
}

/**
 * How a replacement comes to exist next to the old credential:
 *   overlap             a second key is created; both work until the old one is revoked
 *   roll                the vendor replaces the value in place (the old value dies at once, or after the vendor's grace)
 *   alternating-users   a second login is made with the same rights (databases)
 *   deactivation-grace  overlap, then the old key is deactivated (reversible) before it is deleted
 */
export type RotationStrategy = 'overlap' | 'roll' | 'alternating-users' | 'deactivation-grace';

export interface RotateFace {
  strategy: RotationStrategy;
  /** Why this strategy, shown in the plan. */
  summary?: string;
  /** The engine's view of this vendor for one credential of a plan. */
  provider(credential: RotationSubject, ctx: IntegrationContext): RotationProvider;
}

export interface ManualStep {
  url: string;
  instructions: string;
}

/** How an operation is done: through the API, by a person, or not at all. */
export type Support = 'api' | 'manual' | 'none';

export interface IntegrationCapabilities {
  verify: Support;
  analyze: Support;
  revoke: Support;
  rotate: Support;
}

/** What rotation knows of the credential being replaced (a plan's credential, no value). */
export interface RotationSubject {
  id: string;
  names: string[];
  provider: string;
  environment?: string;
  /** Narrower scopes for the replacement; absent = the same as the old credential's. */
  scopes?: string[];
  /** The issuer the plan was made for (checked against the trusted one). */
  issuer?: string;
  kind?: string;
}

/** A provider as rotation sees it. Every method must be idempotent (promise 4). */
export interface RotationProvider {
  /** The provider's id for the credential currently in use (e.g. a role name), from its binding. */
  identify(input: { oldValue: string; binding: string; parts?: Record<string, string> }): Promise<string | undefined>;
  /**
   * Create the replacement. Same idempotency key → same credential (a resumed run). A multi-part
   * credential returns its new parts too (AWS: the new key id), written next to the value.
   */
  create(input: { credential: RotationSubject; oldId?: string; oldValue?: string; oldParts?: Record<string, string>; idempotencyKey: string }): Promise<{
    value: string;
    id?: string;
    parts?: Record<string, string> /** The issuer's link to the credential it replaces (standard `/rotate`). */;
    rotatedFrom?: string;
  }>;
  /** Revoke (or deactivate) a credential; one already revoked is not an error. */
  revoke(input: { value: string; id?: string; parts?: Record<string, string>; mode: 'revoke' | 'deactivate' }): Promise<'revoked' | 'already'>;
  /** Undo a deactivation (rollback within a grace period). Absent: the provider cannot. */
  reactivate?(input: { value: string; id?: string; parts?: Record<string, string> }): Promise<void>;
  /** Is the credential accepted right now? 'unknown' when the provider cannot tell. */
  isActive(input: { value: string; id?: string; binding?: string; parts?: Record<string, string> }): Promise<boolean | 'unknown'>;
  /** The binding's text with the old credential replaced by the new (default: substring swap). */
  render?(input: { binding: string; oldValue: string; newValue: string; newId?: string; oldId?: string }): string;
}
