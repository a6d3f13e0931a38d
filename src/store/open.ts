import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { storeError, usageError } from '../core/errors.js';
import { projectPaths, type ProjectPaths } from '../core/paths.js';
import { FileStore } from './file-store.js';
import { KeychainStore, keychainHint, probeKeychain } from './keychain-store.js';
import type { SecretStore, StoreBackend } from './types.js';

/**
 * Which backend a project uses, decided in this order:
 *   1. CREDCTL_STORE=keychain|file forces one (keychain fails with exit 8 and a hint if none answers);
 *   2. the backend that already holds this project's secrets (.credctl/keychain-index.json, or
 *      .credctl/store.enc.json), so a keychain that is locked today never makes credctl silently
 *      start a second, empty store;
 *   3. a fresh project: the OS keychain if one answers a write/read/delete probe, else the file.
 * The fresh choice is announced once on stderr; `credctl store status` says it any time.
 */
export interface StoreChoice {
  backend: StoreBackend;
  reason: string;
  /** True when nothing was decided before (no state yet): the caller announces the choice. */
  fresh: boolean;
  /** When the keychain was probed and did not answer: why. */
  keychainProblem?: string;
}

export interface OpenStoreOptions {
  paths?: ProjectPaths;
  env?: NodeJS.ProcessEnv;
  /** One-time messages for the person (stderr). Default: silent. */
  note?: (message: string) => void;
}

export function keychainIndexPath(paths: ProjectPaths): string {
  return join(paths.stateDir, 'keychain-index.json');
}

export async function chooseBackend(paths: ProjectPaths, env: NodeJS.ProcessEnv = process.env): Promise<StoreChoice> {
  const forced = env.CREDCTL_STORE?.trim();
  if (forced) {
    if (forced !== 'keychain' && forced !== 'file') throw usageError(`CREDCTL_STORE must be "keychain" or "file", not "${forced}"`);
    if (forced === 'keychain') {
      const probe = await probeKeychain();
      if (!probe.ok) throw storeError(`CREDCTL_STORE=keychain, but no OS keychain answers: ${probe.reason}`, keychainHint());
    }
    return { backend: forced, reason: 'forced by CREDCTL_STORE', fresh: false };
  }
  if (existsSync(keychainIndexPath(paths))) return { backend: 'keychain', reason: 'this project keeps its secrets in the OS keychain', fresh: false };
  if (existsSync(paths.store)) return { backend: 'file', reason: 'this project keeps its secrets in the encrypted file', fresh: false };
  const probe = await probeKeychain();
  if (probe.ok) return { backend: 'keychain', reason: 'an OS keychain answered', fresh: true };
  return { backend: 'file', reason: `no OS keychain answered (${probe.reason})`, fresh: true, keychainProblem: probe.reason };
}

export function storeFor(backend: StoreBackend, paths: ProjectPaths, options: OpenStoreOptions = {}): SecretStore {
  return backend === 'keychain'
    ? new KeychainStore({ indexPath: keychainIndexPath(paths) })
    : new FileStore({ path: paths.store, env: options.env, note: options.note });
}

/** The project's secret store, chosen as above. */
export async function openStore(options: OpenStoreOptions = {}): Promise<SecretStore> {
  const paths = options.paths ?? projectPaths();
  const choice = await chooseBackend(paths, options.env);
  if (choice.fresh && options.note) {
    options.note(
      choice.backend === 'keychain'
        ? "credctl: keeping this project's secrets in the OS keychain (set CREDCTL_STORE=file for an encrypted file instead)."
        : `credctl: ${choice.reason}; keeping this project's secrets in the encrypted file ${paths.store} (set CREDCTL_PASSPHRASE or CREDCTL_KEY_FILE to choose its key).`,
    );
  }
  return storeFor(choice.backend, paths, options);
}
