/**
 * A rotation plan: what `credctl plan` writes and `credctl apply` runs. It is a file a person
 * reads and approves, so every field is plain data, and it never holds a secret value: only
 * fingerprints, redacted forms, names and target descriptions.
 */
import type { CredentialIdentity } from '../core/credential.js';
export type StepAction =
  | 'snapshot' // seal the value in use now in the store as `previous`-to-be, for rollback
  | 'create' // ask the provider for a replacement (idempotency key = run + credential)
  | 'manual-create' // a person creates it in a dashboard and pastes it at a hidden prompt
  | 'generate' // credctl makes a strong random value (a self-issued secret) and seals it in the store
  | 'store' // seal the new value in the local store as `pending` (promise 1: before any use)
  | 'inject' // write the new value into one target
  | 'manual-inject' // a person puts the new value into a place credctl cannot write, and confirms it
  | 'health' // one health check with the new value
  | 'introspect' // ask the provider whether the new credential is active with the expected scopes
  | 'promote' // store label pending → current, current → previous
  | 'revoke' // revoke (or deactivate) the old credential at the provider
  | 'verify-revoked'; // the provider now refuses the old value

/** Where a value is kept and can be written. Serialisable; the targets module opens it. */
export interface PlanTargetRef {
  type: string;
  [key: string]: unknown;
}

/** Health checks are declared in credctl.yaml; their shape is owned by src/config/health-checks.ts. */
export type { HealthCheckSpec } from '../config/health-checks.js';
import type { HealthCheckSpec } from '../config/health-checks.js';

export interface PlanStep {
  id: string;
  action: StepAction;
  /** One sentence a person reads when reviewing the plan. */
  description: string;
  target?: PlanTargetRef;
  /** The env name the value is written under in `target`. */
  envName?: string;
  /**
   * The other parts of a multi-part credential written next to it in the same target (an AWS
   * key id under AWS_ACCESS_KEY_ID): role → env name. Their new values come from the create step.
   */
  parts?: { role: string; envName: string }[];
  check?: HealthCheckSpec;
  /**
   * revoke: revoke at once, or deactivate (reversible) and delete after the grace period; retire:
   * a self-issued secret has no issuer to ask, so the old value is retired once no target holds it.
   */
  mode?: 'revoke' | 'deactivate' | 'retire';
  /** revoke with mode deactivate: days until `credctl finalize` deletes the old credential. */
  graceDays?: number;
  manual?: ManualInstructions;
  /** generate: how the new value is made (src/plan/generate.ts). */
  generate?: GenerateSpec;
}

export interface ManualInstructions {
  instructions: string;
  url?: string;
  /** manual-inject: the place, for people (`GitHub Actions secrets of acme/api`). */
  place?: string;
  /**
   * manual-inject: the key that confirms this place without a prompt
   * (`credctl apply --resume RUN --confirm-manual KEY`), e.g. `github-actions:acme/api:STRIPE_KEY`.
   */
  confirmKey?: string;
}

/**
 * A generated replacement: `same` keeps the old value's alphabet (hex stays hex, base64 becomes
 * base64url, letters and digits stay letters and digits); the length is the largest of
 * `minLength`, 32 and the old value's length.
 */
export interface GenerateSpec {
  alphabet: 'same' | 'hex' | 'base64url' | 'alnum';
  minLength: number;
}

export interface PlanCredential extends CredentialIdentity {
  /** The issuer URL for providers that speak the standard. */
  issuer?: string;
  /** Scopes the replacement gets: the same as the old one's, or narrower. */
  scopes?: string[];
  /** The secret-store entry that holds this credential's versions. */
  storeName: string;
  /** api: the provider makes it; manual: a person does; generate: credctl makes a random value (self-issued). */
  strategy: 'api' | 'manual' | 'generate';
  /** How the API makes the replacement (src/integrations/types.ts RotationStrategy), when `strategy` is api. */
  rotation?: 'overlap' | 'roll' | 'alternating-users' | 'deactivation-grace';
  /** Targets this credential guards (it must be rotated before values are written there). */
  guards: string[];
  /** Why it sits where it does in the order. */
  orderReason?: string;
  /** Things a person must do that credctl cannot (a copy in a file it cannot rewrite). */
  notes?: string[];
  /**
   * Places that hold the old value and that credctl cannot write (a literal in a config file, an
   * SSM parameter): the old credential is revoked only after a person confirms each was replaced.
   */
  manualTargets?: { place: string; envName: string; key: string; url?: string }[];
  steps: PlanStep[];
}

export interface PlanInputs {
  /** sha256 of the usage graph's credential/target content when the plan was made. */
  graph: string;
  /** sha256 of every file the plan reads or writes, relative to the project root. */
  files: Record<string, string>;
  /** Manifest digest per provider, for providers whose capabilities came from a manifest. */
  manifests: Record<string, string>;
  tool: string;
}

export interface Plan {
  apiVersion: 'credctl/v1';
  kind: 'RotationPlan';
  id: string;
  createdAt: string;
  /** Project root the plan was made for (absolute). */
  root: string;
  inputs: PlanInputs;
  order: { batches: string[][]; cycles: string[][]; rule: string };
  credentials: PlanCredential[];
}

/**
 * What running a plan came to (src/apply/engine.ts fills it in; `credctl apply` and the demo print
 * it): kept with the plan so that rendering it does not depend on the engine.
 */
export interface RunSummary {
  runId: string;
  runDir: string;
  rotated: string[];
  failed: RunFailure[];
  skipped: { id: string; reason: string }[];
  revoked: string[];
  /** Of those, the ones only deactivated (reversible): `credctl finalize` deletes them after the date. */
  deactivated: { id: string; deleteAfter: string }[];
  /** Old credentials the provider confirmed it now refuses. */
  refusedAfterRevoke: string[];
  healthChecksPassed: number;
  healthChecksFailed: number;
  /**
   * Credentials paused (not failed, not rolled back) until a person confirms manual targets: the
   * new value is live where credctl could write it, the old one is not revoked. Resume with
   * `credctl apply --resume RUN --confirm-manual KEY` (one per key) or on a terminal.
   */
  awaitingManual?: { id: string; keys: string[] }[];
}

/** One credential that did not rotate, and what it was left as: what the summary says happened. */
export interface RunFailure {
  id: string;
  /** The credential's first env name, for people. */
  name?: string;
  reason: string;
  /**
   * `rolled-back`: the old value is back in every target credctl wrote (see `unrestored`) and it
   * is current in the store. `new-value-live`: the failure came after the new value was in every
   * target and current, so nothing was undone; the old credential is not revoked yet (resumable).
   */
  state: 'rolled-back' | 'new-value-live';
  /** Rolled back, but these targets could not be given the old value again (fix them by hand). */
  unrestored?: string[];
  /**
   * The replacement this run created and could not revoke while rolling back: still live at the
   * provider, in no target. A person deletes it: `where` says at which place.
   */
  leftover?: { redacted: string; id?: string; reason: string; where?: string };
}
