#!/usr/bin/env node
// `npm run build`, step 2 (after tsc): bundle the pre-commit entry, dist/cli/staged-hook.js, with
// everything it imports into one file, dist/cli/staged-hook.bundle.js, so the hook that runs on
// every commit loads one module instead of ~50 (about 45 ms less start-up). See
// src/cli/staged-hook.ts. bin/credctl uses the bundle when it exists and the modules otherwise,
// so this step is an optimisation: where rolldown cannot run (it needs Node 20.19+; credctl runs
// on 20.18), the build says so and goes on, and any old bundle is removed so none goes stale.
//
// - Packages loaded on demand with createRequire (yaml, ignore) stay in node_modules.
// - What `scan` imports lazily for its other modes (working tree, history, the usage graph) is
//   left out: those imports stay imports of the dist/ modules, which --staged never reaches.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const input = fileURLToPath(new URL('../dist/cli/staged-hook.js', import.meta.url));
const file = fileURLToPath(new URL('../dist/cli/staged-hook.bundle.js', import.meta.url));
const notOnTheStagedPath = /[\\/]dist[\\/](scan[\\/]engine|scan[\\/]history|graph[\\/]build)\.js$/;

rmSync(file, { force: true });
try {
  const { build } = await import('rolldown');
  await build({
    input,
    platform: 'node',
    logLevel: 'warn',
    external: (id, importer) =>
      notOnTheStagedPath.test(id) || (importer !== undefined && /^\.\.?\//.test(id) && notOnTheStagedPath.test(new URL(id, `file://${importer}`).pathname)),
    output: { file, format: 'esm', codeSplitting: false },
    write: true,
  });
} catch (err) {
  rmSync(file, { force: true });
  const why = String(err?.message ?? err).split('\n')[0];
  process.stderr.write(`credctl build: the pre-commit bundle was not built (${why}); \`credctl scan --staged\` uses the unbundled modules, a little slower to start.\n`);
}
