import type { SecretStore } from '../store/types.js';
import type { HealthCheckSpec, PlanCredential, PlanTargetRef } from '../plan/types.js';

/**
 * What the apply engine needs from the rest of credctl, as narrow interfaces. The CLI wires in
 * the real implementations (issuer clients, PostgreSQL, .env files, GitHub, the store, the audit
 * log); tests wire in the same real implementations against local servers and temp dirs.
 */

import type { RotationProvider } from '../integrations/types.js';

export type { RotationProvider };

/** One place a value is kept under an env name. */
export interface BindingTarget {
  describe(): string;
  /** The binding's current text, null if absent, undefined if the target cannot be read (write-only APIs). */
  read(name: string): Promise<string | null | undefined>;
  /** Write; returns 'unchanged' when the value was already there (idempotent). */
  write(name: string, value: string): Promise<'written' | 'unchanged'>;
  verify(name: string, value: string): Promise<boolean | 'unverifiable'>;
}

export interface HealthOutcome {
  passed: boolean;
  reason?: string;
  /** Output tail with every secret masked. */
  output?: string;
}

export interface AuditSink {
  /** Fail closed: throws if the entry cannot be written, and the action must not go ahead. */
  append(entry: { action: string; subject: Record<string, unknown>; outcome: string; details?: Record<string, unknown> }): Promise<void>;
}

export interface Prompter {
  secret(message: string): Promise<string>;
  confirm(message: string): Promise<boolean>;
}

export type EngineEvent =
  | { type: 'note'; message: string }
  | { type: 'credential-start'; credential: PlanCredential }
  | {
      type: 'step';
      credential: PlanCredential;
      step: string;
      action: string;
      state: 'start' | 'done' | 'skipped' | 'failed';
      detail?: string;
      /** A failed health check: the last lines it printed, every secret value known to the run masked. */
      output?: string;
    }
  | { type: 'credential-end'; credential: PlanCredential; outcome: 'rotated' | 'failed' | 'skipped'; reason?: string };

export interface EngineDeps {
  root: string;
  store: SecretStore;
  audit: AuditSink;
  provider(credential: PlanCredential): RotationProvider;
  /**
   * Open a target. `guardValue(targetKey(ref))` gives the current value of the credential that
   * guards it (a GitHub token for Actions secrets), or null when the plan has none for it.
   */
  openTarget(ref: PlanTargetRef, guardValue: (targetKey: string) => Promise<string | null>): BindingTarget;
  runHealthCheck(check: HealthCheckSpec, env: Record<string, string>, secrets: string[]): Promise<HealthOutcome>;
  /** null under --no-input: steps that need a person fail with a clear refusal. */
  prompter: Prompter | null;
  /**
   * Why a pasted replacement does not look like this provider's credential (its published
   * patterns or detection rules), or undefined when it does or nothing is known. A mistyped or
   * wrong value is refused unless `acceptUnrecognised` (--force).
   */
  /** Why a pasted value (or, with `partRole`, one of its parts, an AWS key id) does not look like it should; undefined when it does. */
  checkPastedValue?(credential: PlanCredential, value: string, partRole?: string): string | undefined;
  acceptUnrecognised?: boolean;
  /** Where a person revokes this provider's credentials by hand (its dashboard), for a replacement credctl could not revoke. */
  revokePlace?(credential: PlanCredential): string | undefined;
  /**
   * Manual places a person confirmed ahead of time (`--confirm-manual KEY`, repeated): the
   * confirm keys of manual-inject steps (or their step ids). Under --no-input a manual place
   * not listed pauses the credential instead of prompting.
   */
  confirmedManual?: ReadonlySet<string>;
  onEvent?(event: EngineEvent): void;
  concurrency: number;
  /**
   * Aborted when the person stops the run (Ctrl-C): no new step starts, the step under way
   * finishes and is journaled, a prompt waiting for them is cancelled, and the run is journaled
   * as interrupted (resumable with `apply --resume`).
   */
  signal?: AbortSignal;
}
