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
// - Beside the bundle, dist/cli/staged-hook.bundle.json names the compiled modules it was made
//   from and a SHA-256 over their content. bin/credctl checks that digest before it uses the
//   bundle, so a `tsc` run alone (which changes the modules, not the bundle) never leaves a
//   stale bundle in use. Content, not modification times: a package manager extracting the
//   tarball gives the files whatever times it likes.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const distDir = fileURLToPath(new URL('../dist/', import.meta.url));
const input = fileURLToPath(new URL('../dist/cli/staged-hook.js', import.meta.url));
const file = fileURLToPath(new URL('../dist/cli/staged-hook.bundle.js', import.meta.url));
const manifest = fileURLToPath(new URL('../dist/cli/staged-hook.bundle.json', import.meta.url));
const notOnTheStagedPath = /[\\/]dist[\\/](scan[\\/]engine|scan[\\/]history|graph[\\/]build)\.js$/;

/** The digest bin/credctl recomputes: each input's dist-relative path and content, in order. */
function digest(inputs) {
  const hash = createHash('sha256');
  for (const path of inputs)
    hash
      .update(path)
      .update('\0')
      .update(readFileSync(distDir + path))
      .update('\0');
  return hash.digest('hex');
}

rmSync(file, { force: true });
rmSync(manifest, { force: true });
try {
  const { rolldown } = await import('rolldown');
  const bundle = await rolldown({
    input,
    platform: 'node',
    logLevel: 'warn',
    external: (id, importer) =>
      notOnTheStagedPath.test(id) || (importer !== undefined && /^\.\.?\//.test(id) && notOnTheStagedPath.test(new URL(id, `file://${importer}`).pathname)),
  });
  const { output } = await bundle.write({ file, format: 'esm', codeSplitting: false });
  await bundle.close();
  const inputs = Object.keys(output[0].modules)
    .filter((id) => id.startsWith(distDir))
    .map((id) => relative(distDir, id).split(sep).join('/'))
    .sort();
  if (!inputs.includes('cli/staged-hook.js')) throw new Error('the bundle does not contain its entry');
  writeFileSync(manifest, JSON.stringify({ inputs, sha256: digest(inputs) }, null, 1) + '\n');
} catch (err) {
  rmSync(file, { force: true });
  rmSync(manifest, { force: true });
  const why = String(err?.message ?? err).split('\n')[0];
  process.stderr.write(
    `credctl build: the pre-commit bundle was not built (${why}); \`credctl scan --staged\` uses the unbundled modules, a little slower to start.\n`,
  );
}
