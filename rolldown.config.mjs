// `npm run build` step 2 (after tsc): bundle the pre-commit entry, dist/cli/staged-hook.js, with
// everything it imports into one file, so the hook that runs on every commit loads one module
// instead of ~50 (about 45 ms less start-up). See src/cli/staged-hook.ts.
// - Packages loaded on demand with createRequire (yaml, ignore) stay in node_modules.
// - What `scan` imports lazily for its other modes (working tree, history, the usage graph) is
//   left out: those imports stay imports of the dist/ modules, which --staged never reaches.
import { fileURLToPath } from 'node:url';

const notOnTheStagedPath = /[\\/]dist[\\/](scan[\\/]engine|scan[\\/]history|graph[\\/]build)\.js$/;

export default {
  input: fileURLToPath(new URL('dist/cli/staged-hook.js', import.meta.url)),
  platform: 'node',
  logLevel: 'warn',
  external: (id, importer) => notOnTheStagedPath.test(id) || (importer !== undefined && /^\.\.?\//.test(id) && notOnTheStagedPath.test(new URL(id, `file://${importer}`).pathname)),
  output: { file: fileURLToPath(new URL('dist/cli/staged-hook.bundle.js', import.meta.url)), format: 'esm', codeSplitting: false },
};
