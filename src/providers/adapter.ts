import { CredctlError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';

/**
 * The operations of the credential-lifecycle standard, as its client speaks them
 * (src/integrations/standard/client.ts implements this for any issuer that publishes
 * `/.well-known/credential-issuer`). The face every vendor shows credctl is the Integration in
 * src/integrations/types.ts; this one is the standard's own API. Operations an issuer cannot do
 * through its API are absent from `capabilities` (with a dashboard link in its manifest) and
 * throw `UnsupportedOperation` if called anyway.
 *
 * Values appear in exactly two places: `CreatedCredential.value` (returned once by create,
 * rotate and access-request pick-up) and the `value` argument of introspect/revoke. Everything
 * else identifies a credential by its issuer id.
 */
export type Operation =
  | 'discover'
  | 'request'
  | 'approve'
  | 'create'
  | 'scope'
  | 'rotate'
  | 'revoke'
  | 'introspect'
  | 'list'
  | 'audit'
  | 'deactivate'
  | 'reactivate';

export const OPERATIONS: readonly Operation[] = [
  'discover',
  'request',
  'approve',
  'create',
  'scope',
  'rotate',
  'revoke',
  'introspect',
  'list',
  'audit',
  'deactivate',
  'reactivate',
];

/** How an operation is done for a provider: through its API, by a person in a dashboard, or not at all. */
export type Support = 'api' | 'manual' | 'none';

export interface CreateRequest {
  scopes: string[];
  environment?: string;
  /** Lifetime in seconds; omitted = the provider's default (often: never expires). */
  ttlSeconds?: number;
  name?: string;
  /** Makes a retried create return the same credential instead of minting a second one. */
  idempotencyKey?: string;
}

export interface RotateRequest {
  /** Same or narrower than the old credential's; omitted = the same. */
  scopes?: string[];
  ttlSeconds?: number;
  name?: string;
  idempotencyKey?: string;
}

export type CredentialState = 'active' | 'deactivated' | 'revoked' | 'expired';

/** A credential as an issuer describes it: never its value. */
export interface CredentialInfo {
  id: string;
  name?: string;
  scopes: string[];
  environment?: string;
  status: CredentialState;
  createdAt?: string;
  expiresAt: string | null;
  /** Redacted form (prefix + last 4) when the issuer offers one. */
  hint?: string;
  rotatedFrom?: string;
}

export interface CreatedCredential extends CredentialInfo {
  /** The secret, shown once. Seal it in the store before doing anything else with it. */
  value: string;
  /** True when an idempotent retry returned an existing credential. */
  replayed: boolean;
}

/** RFC 7662's answer, with scopes already split. */
export interface Introspection {
  active: boolean;
  scopes?: string[];
  exp?: number;
  iat?: number;
  id?: string;
  tokenType?: string;
  environment?: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  action: string;
  actor: string;
  credentialId?: string;
  detail?: Record<string, unknown>;
}

export interface Capabilities {
  operations: Record<Operation, Support>;
  maxConcurrentCredentials: number | null;
  revocationLatencySeconds?: number;
  secretShownOnce?: boolean;
  idempotencyKeys: boolean;
  expiringCredentials: boolean;
  /** Can a credential's value be checked with a harmless authenticated call (whoami)? */
  whoami: boolean;
}

export interface ProviderAdapter {
  readonly providerId: string;
  capabilities(): Promise<Capabilities>;
  create(request: CreateRequest): Promise<CreatedCredential>;
  /** A new credential next to the old one; the old stays valid until revoked. */
  rotate(id: string, request?: RotateRequest): Promise<CreatedCredential>;
  /** Idempotent: revoking an unknown or already revoked credential succeeds. */
  revoke(target: { id: string } | { value: string }): Promise<void>;
  deactivate(id: string): Promise<CredentialInfo>;
  reactivate(id: string): Promise<CredentialInfo>;
  introspect(value: string): Promise<Introspection>;
  list(): Promise<CredentialInfo[]>;
  audit?(id?: string): Promise<AuditEntry[]>;
  /** The harmless call that proves a value works: who it is and what it holds. */
  whoami?(value: string): Promise<{ id: string; scopes: string[]; environment?: string; expiresAt: string | null }>;
}

/** Refused (exit 6): the engine must route this step to a person (the registry has the dashboard link). */
export class UnsupportedOperation extends CredctlError {
  constructor(
    readonly provider: string,
    readonly operation: Operation,
    readonly dashboard?: string,
  ) {
    super(`${provider} does not support ${operation} through an API`, ExitCode.Refused, dashboard ? `Do it by hand at ${dashboard}` : undefined);
  }
}
