/**
 * The one face every target plugin wears, so the rotation engine can drive a .env file, a
 * Kubernetes manifest, GitHub Actions secrets or Vercel env the same way:
 *
 *   readFingerprint → write (idempotent) → verify
 *
 * A target is described by a TargetRef: a small JSON object that goes into plan files and run
 * journals. It names *where* a value lives and never holds a value or a token.
 */

export interface TargetRefBase {
  /** Plugin type, e.g. `dotenv`, `k8s-secret`, `github-actions`, `vercel-env`. */
  type: string;
}

export interface DotenvTargetRef extends TargetRefBase {
  type: 'dotenv';
  /** Path relative to the project root; it must stay inside the project (no `..`, no link out). */
  file: string;
}

export interface ComposeEnvFileTargetRef extends TargetRefBase {
  type: 'compose-env-file';
  /** The env_file, relative to the project root. */
  file: string;
  /** The compose file and service that load it: shown to people, not needed to write. */
  composeFile?: string;
  service?: string;
}

export interface K8sSecretTargetRef extends TargetRefBase {
  type: 'k8s-secret';
  /** Manifest file (may hold several YAML documents). */
  file: string;
  /** metadata.name of the Secret. */
  name: string;
  /** metadata.namespace; when omitted, a Secret without namespace (or the only one with that name) matches. */
  namespace?: string;
  /** Key under data/stringData; defaults to the credential's env name passed to write(). */
  key?: string;
}

export interface GithubActionsTargetRef extends TargetRefBase {
  type: 'github-actions';
  /** `owner/name`. */
  repo: string;
  /** Deployment environment; when set, environment secrets are written instead of repository secrets. */
  environment?: string;
  /** API base URL (GitHub Enterprise); defaults to https://api.github.com. */
  apiUrl?: string;
}

export type VercelEnvTarget = 'production' | 'preview' | 'development';

export interface VercelEnvTargetRef extends TargetRefBase {
  type: 'vercel-env';
  projectId: string;
  teamId?: string;
  /** Which Vercel environments get the value; defaults to all three. */
  target?: VercelEnvTarget[];
  /** Store as `sensitive` (write-only, never readable back) instead of `encrypted`. */
  sensitive?: boolean;
  apiUrl?: string;
}

/** Every ref shape known here; plugins registered later (the local store) add their own. */
export type TargetRef =
  | DotenvTargetRef
  | ComposeEnvFileTargetRef
  | K8sSecretTargetRef
  | GithubActionsTargetRef
  | VercelEnvTargetRef
  | (TargetRefBase & Record<string, unknown>);

/**
 * What a target reads back: the fingerprint of the value it holds, `null` when the name is not
 * there at all, `'unknown'` when the target exists but never gives values back (GitHub secrets,
 * Vercel `sensitive` env) and credctl has no record of having written it.
 */
export type TargetFingerprint = string | null | 'unknown';

export interface WriteOptions {
  /**
   * Compare-and-swap guard: write only if the target currently holds this fingerprint (or
   * `null` = the name is absent). If it holds something else (and not already the new value)
   * the write is refused with ExitCode.Refused: someone changed it since the plan was made.
   * Ignored where the current value cannot be read ('unknown').
   */
  expectFingerprint?: string | null;
}

export interface WriteResult {
  /** `unchanged`: the value was already there, nothing was written. */
  status: 'written' | 'unchanged';
  /** describe() of the target: for progress lines and journals. */
  target: string;
  /** Fingerprint held before the write. */
  before: TargetFingerprint;
  /** Fingerprint of the value written. */
  after: string;
  /**
   * Server-side time of the write where the target has one (GitHub `updated_at`, Vercel
   * `updatedAt` as ISO): pass it back to verify() so it can check nothing older is there.
   */
  writtenAt?: string;
  /** Things a person must know, never values: "redeploy needed", "file is readable by others". */
  notes: string[];
}

export interface VerifyOptions {
  /** WriteResult.writtenAt of the write being verified. */
  writtenAt?: string;
}

/**
 * `true` the target holds exactly this value; `false` it does not (or the name is missing);
 * `'unverifiable'` the target cannot tell (write-only store with no write record to compare).
 * For GitHub Actions, where values are never readable, `true` means "the secret exists and was
 * updated at or after our write" (see docs/targets.md).
 */
export type VerifyResult = boolean | 'unverifiable';

export interface Target {
  readonly type: string;
  readonly ref: TargetRef;
  /** Human description without values: `.env (config/.env)`, `GitHub Actions secrets of acme/api`. */
  describe(): string;
  readFingerprint(name: string): Promise<TargetFingerprint>;
  /**
   * The value itself, for the engine only (e.g. to render a new DATABASE_URL from the old one):
   * null when absent, undefined when the target never gives values back. Never log or return it.
   */
  readValue(name: string): Promise<string | null | undefined>;
  write(name: string, value: string, opts?: WriteOptions): Promise<WriteResult>;
  verify(name: string, value: string, opts?: VerifyOptions): Promise<VerifyResult>;
}

/**
 * Whose credential a remote target needs to be written (the provider id: `github` for Actions
 * secrets, `vercel` for Vercel env); the engine answers from the plan's guard credential or the
 * provider's admin entry in the store.
 */
export type CredentialPurpose = string;

/**
 * A record of what credctl last wrote into write-only targets (fingerprints and server times,
 * never values), so that "already written" can be detected there too and a resumed run does not
 * redo work. Optional: without it, write-only targets are simply rewritten (their writes are
 * idempotent by nature) and read back as 'unknown'.
 */
export interface TargetLedgerEntry {
  fingerprint: string;
  /** Server-side update time observed right after our write. */
  remoteUpdatedAt: string;
}

export interface TargetLedger {
  get(key: string): Promise<TargetLedgerEntry | undefined>;
  set(key: string, entry: TargetLedgerEntry): Promise<void>;
}

export interface HttpPolicy {
  /** Per attempt, headers and body together (ms). Default 15000. */
  timeoutMs?: number;
  /** Extra attempts after the first for 5xx, 429, timeouts, resets and malformed bodies. Default 3. */
  retries?: number;
  /** First backoff (ms), doubled each attempt, with jitter. Default 250. */
  backoffMs?: number;
}

export interface TargetDeps {
  /** Relative file refs resolve against this. */
  projectRoot: string;
  /**
   * Returns the token a remote target needs (a GitHub token guarding Actions secrets, a Vercel
   * token), read by the engine from the store; null when there is none. Targets never open the
   * store themselves.
   */
  getCredential?: (purpose: CredentialPurpose, ref: TargetRef) => Promise<string | null>;
  /** Per target type API base URL overrides, e.g. `{ 'github-actions': 'http://127.0.0.1:4567' }` (tests). */
  apiUrl?: Partial<Record<string, string>>;
  http?: HttpPolicy;
  ledger?: TargetLedger;
  /** The network client (with the origins the user trusted); default: one that trusts none. */
  net?: import('../net/http.js').SafeHttp;
}

/** A place a person writes by hand: shown in plans, prompts and journals (never a value). */
export interface ManualPlace {
  /** Stable, shell-friendly id of the place, e.g. `github-actions:acme/api` (the confirm key adds `:ENV_NAME`). */
  id: string;
  /** For people: `GitHub Actions secrets of acme/api`. */
  label: string;
  /** The settings page where the value is set. */
  url?: string;
  /** One or two sentences: what to click and which name to set. */
  instructions: string;
}

/**
 * A target plugin, declared by an integration (src/integrations/<type>/). Its `type` is also the
 * graph's name for that kind of place, so a target node found in a repository and the plugin
 * that writes it are one name.
 */
export interface TargetPlugin<R extends TargetRef = TargetRef> {
  readonly type: string;
  /** Other words people use for it in credctl.yaml `access:` rules, e.g. `github`. */
  readonly aliases?: readonly string[];
  /**
   * Writes here need a credential of this provider, and a credential that can write here guards
   * it: revoking it before the new value is written would lock credctl out. Credentials are
   * recognised as guards by provider, or by env names holding one of `nameWords`; `deploy` is the
   * consumer's deploy target that marks a name as a deploy credential.
   */
  readonly guardedBy?: {
    provider: string;
    nameWords: readonly string[];
    deploy?: string;
    /**
     * The provider's scopes (its analyze grants' `scope`) any one of which lets a credential write
     * here. When a credential's grants are known and hold none of them, it does not guard this
     * target (a packages-read GitHub token cannot touch Actions secrets). Absent: not judged by scope.
     */
    writeScopes?: readonly string[];
  };
  /**
   * Where a person sets `envName` by hand when credctl cannot write here (no token, the API
   * unreachable): the exact page and what to do there. Absent: a generic description is used.
   */
  manualPlace?(ref: R, envName: string): ManualPlace;
  /**
   * The ref for a target the graph found (its attrs), or null when the node lacks what a write
   * needs. Absent: credctl finds these places but cannot write them (a manual step).
   */
  fromGraph?(attrs: Record<string, string | string[]>, key: string | undefined): R | null;
  /** Validate a ref read from a plan or config; throws inputError (exit 3) naming what is wrong. */
  parseRef(raw: Record<string, unknown>): R;
  /** Opening does no I/O; the first read or write does. */
  open(ref: R, deps: TargetDeps): Target;
}
