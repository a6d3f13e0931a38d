// Mutation testing (`npm run mutation`, issue 18): do the tests of the modules that carry a promise
// (redaction, the audit log, the store, the journal...) fail when that module is broken? StrykerJS
// changes the code one small way at a time (a flipped condition, a removed anchor, an emptied
// string) and runs the tests that reach it; a change no test notices is a "survivor".
//
// To cover one more module: add a line to MUTATED_MODULES with its floor (the lowest score it may
// fall to before `npm run mutation` fails). Survivors that cannot be told apart from the original
// by any behaviour (equivalent mutants) are marked in the source with a
// `// Stryker disable next-line <mutator>: <reason>` comment.
//
// Too slow for per-commit CI on these machines (about an hour for the whole list): run it before
// resolving an issue that touches one of these modules. It is incremental: results are kept in
// test/mutation/incremental.json (committed), and a re-run only tests mutants whose code or tests
// changed. The README (Mutation testing) says how to run one module and when to use --force.

/** Each module with the floor its mutation score must keep (percent, killed / all valid mutants). */
export const MUTATED_MODULES = [
  { file: 'src/core/redact.ts', floor: 90 },
  { file: 'src/audit/verify.ts', floor: 90 },
  { file: 'src/audit/log.ts', floor: 80 },
  { file: 'src/store/file-store.ts', floor: 80 },
  { file: 'src/core/fingerprint.ts', floor: 80 },
  { file: 'src/apply/journal.ts', floor: 80 },
  { file: 'src/integrations/dotenv/rewrite.ts', floor: 80 },
  { file: 'src/plan/order.ts', floor: 80 },
  // To be added once their rewrites land (both are being reworked in other branches):
  //   { file: 'src/providers/http.ts', floor: 90 },       // the address guard
  //   { file: 'src/scan/placeholders.ts', floor: 80 },
];

function narrowed() {
  return process.argv.some((arg) => arg === '--mutate' || arg === '-m' || arg.startsWith('--mutate='));
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  // Only the test files that import a mutated module (directly or not) run, and for each mutant only
  // the tests that reached it.
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  coverageAnalysis: 'perTest',
  // Mutants that do not type-check are dropped before any test runs (they could never ship).
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  // Stryker marks files `// @ts-nocheck` by default; on fixtures that shifts every line a test expects.
  disableTypeChecks: 'src/**/*.ts',
  mutate: MUTATED_MODULES.map((m) => m.file),
  // The machines have 2 cores shared with other work: one test process. `--concurrency 2` on an idle machine.
  concurrency: 1,
  // The suite's slow tests (real git, PostgreSQL, child processes) need room on a loaded machine.
  timeoutMS: 20_000,
  dryRunTimeoutMinutes: 60,
  incremental: true,
  // A run narrowed with --mutate keeps its results apart, so it never overwrites the whole list's.
  incrementalFile: narrowed() ? 'reports/mutation/incremental-narrowed.json' : 'test/mutation/incremental.json',
  // Below the lowest module floor, Stryker itself fails the run; scripts/mutation-floors.mjs then
  // checks each module against its own floor.
  thresholds: { high: 90, low: 80, break: Math.min(...MUTATED_MODULES.map((m) => m.floor)) },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportTests: false },
  ignorePatterns: ['bench/.corpus', 'coverage', 'reports'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
