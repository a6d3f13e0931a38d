import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSources } from './layers.js';

// What src/ imports at run time must be installed for users: a package in `dependencies`, never
// only in `devDependencies` (an AWS key check once crashed an installed credctl for that).
const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

describe('runtime dependencies', () => {
  it('every package src/ imports (type-only imports aside) is a runtime dependency', () => {
    const missing = new Set<string>();
    for (const file of readSources(join(root, 'src'))) {
      for (const m of file.text.matchAll(/^\s*import\s+(?!type\b)[^'"]*?from\s+['"]([^'".][^'"]*)['"]|import\(\s*['"]([^'".][^'"]*)['"]\s*\)/gm)) {
        const spec = m[1] ?? m[2]!;
        if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!(name in pkg.dependencies)) missing.add(`${name} (${file.path})`);
      }
    }
    expect([...missing]).toEqual([]);
  });
});
