/**
 * The secret store's one interface. Two backends implement it (OS keychain, encrypted file);
 * rotation seals every new value here before using it anywhere (design promise 1).
 *
 * Versions carry staging labels as AWS Secrets Manager does: `pending` (created, not yet in use),
 * `current` (in use), `previous` (the one before, kept for rollback). A label is on at most one
 * version of a name at a time; moving it moves it. Moving `current` to a new version moves
 * `previous` to the version that was current, and a version that becomes `current` loses `pending`
 * (rotation's "finish" step), as AWS Secrets Manager does. `rolled-back` marks the replacement
 * of the last rotation that was undone (it takes `pending` away): tried, never in use.
 *
 * Names: 1-200 characters of [A-Za-z0-9_.:/@+-], starting with a letter, digit or `_`. Names
 * under `credctl/` are credctl's own (the audit signing key); `store list` hides them unless --all.
 */
export type VersionLabel = 'pending' | 'current' | 'previous' | 'rolled-back';
export const VERSION_LABELS: readonly VersionLabel[] = ['pending', 'current', 'previous', 'rolled-back'];

export type StoreBackend = 'keychain' | 'file';

export interface SecretVersionInfo {
  version: number;
  labels: VersionLabel[];
  createdAt: string;
  /** fingerprint() of the value, so callers can compare without reading the value. */
  fingerprint: string;
}

export interface SecretEntryInfo {
  name: string;
  versions: number;
  latest: number;
  labels: Partial<Record<VersionLabel, number>>;
  updatedAt: string;
}

export interface SecretStore {
  readonly backend: StoreBackend;
  /** Human description for `credctl store status` ("Secret Service (gnome-keyring)", "encrypted file .credctl/store.enc.json"). */
  describe(): string;
  /** Adds a new version; labels given move to it. Returns the new version's info. */
  put(name: string, value: string, labels?: VersionLabel[]): Promise<SecretVersionInfo>;
  /** A version's value: by number, by label, or the latest when neither is given; null if absent. */
  get(name: string, select?: { version?: number; label?: VersionLabel }): Promise<string | null>;
  versions(name: string): Promise<SecretVersionInfo[]>;
  /** Move `label` to `version` of `name` (e.g. promote pending to current). */
  setLabel(name: string, version: number, label: VersionLabel): Promise<void>;
  /** Names and metadata only: never values. */
  list(): Promise<SecretEntryInfo[]>;
  /** Remove every version of `name`. Returns false when there was nothing to remove. */
  delete(name: string): Promise<boolean>;
}
