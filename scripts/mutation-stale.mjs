#!/usr/bin/env node
// `npm run mutation:stale`: which committed mutation results no longer describe the code. Each
// results file (test/mutation/<module>.json) keeps the exact text of the module and of the tests
// it ran; when either has changed since, the figures the README quotes for that module are stale
// until `npm run mutation -- --mutate <module>` runs again (incremental: only what changed).
// Prints one line per stale module and exits 1 when any is stale; silent and 0 when none is.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MUTATED_MODULES, resultsFileFor } from '../stryker.config.mjs';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));

/** The files whose text differs from what a results file recorded ('module' or 'test' + path). */
function changedSince(resultsFile) {
  const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  const differs = (path, recorded) => !existsSync(path) || readFileSync(path, 'utf8') !== recorded;
  return [
    ...Object.entries(results.files ?? {})
      .filter(([path, r]) => differs(path, r.source))
      .map(([path]) => `module ${path}`),
    ...Object.entries(results.testFiles ?? {})
      .filter(([path, r]) => differs(path, r.source))
      .map(([path]) => `test ${path}`),
  ];
}

let stale = 0;
for (const { file } of MUTATED_MODULES) {
  const resultsFile = resultsFileFor(file);
  const changed = existsSync(resultsFile) ? changedSince(resultsFile) : ['no results yet'];
  if (!changed.length) continue;
  stale++;
  console.log(`${file}: ${changed.join(', ')}`);
}
process.exit(stale ? 1 : 0);
