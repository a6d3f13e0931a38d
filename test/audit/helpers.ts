import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPaths, type ProjectPaths } from '../../src/core/paths.js';
import { FileStore } from '../../src/store/file-store.js';

/** A project dir with a key-file encrypted store, so audit tests need no keychain or passphrase. */
export interface AuditFixture {
  dir: string;
  paths: ProjectPaths;
  env: NodeJS.ProcessEnv;
  store: FileStore;
}

export function auditFixture(): AuditFixture {
  const dir = mkdtempSync(join(tmpdir(), 'credctl-audit-'));
  mkdirSync(join(dir, 'home'));
  const keyFile = join(dir, 'home', 'store.key');
  writeFileSync(keyFile, 'ef'.repeat(32), { mode: 0o600 });
  const env = { HOME: join(dir, 'home'), CREDCTL_KEY_FILE: keyFile, CREDCTL_STORE: 'file' };
  const saved = process.env.CREDCTL_STATE_DIR;
  delete process.env.CREDCTL_STATE_DIR;
  const paths = projectPaths(join(dir, 'project'));
  if (saved !== undefined) process.env.CREDCTL_STATE_DIR = saved;
  const store = new FileStore({ path: paths.store, env });
  return { dir, paths, env, store };
}
