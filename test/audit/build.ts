import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Tests that spawn real processes run the compiled dist/. `npm test` builds first (pretest); when
 * a test file runs alone and dist/ is missing or older than src/store, src/audit or the CLI, build.
 */
const root = join(import.meta.dirname, '..', '..');

function newest(dir: string): number {
  let t = 0;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, f.name);
    t = Math.max(t, f.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export function ensureBuilt(): string {
  const marker = join(root, 'dist', 'audit', 'log.js');
  const src = Math.max(newest(join(root, 'src', 'audit')), newest(join(root, 'src', 'store')), newest(join(root, 'src', 'cli')));
  if (!existsSync(marker) || statSync(marker).mtimeMs < src) {
    try {
      execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'ignore' });
    } catch {
      // Type errors elsewhere in the tree still emit JS; the tests below fail if ours did not.
    }
  }
  return root;
}
