// Mutation testing (`npm run mutation`, issue 18): do the tests of the modules that carry a promise
// (redaction, the audit log, the store, the journal...) fail when that module is broken? StrykerJS
// changes the code one small way at a time (a flipped condition, a removed anchor, an emptied
// string) and runs the tests that reach it; a change no test notices is a "survivor".
//
// To cover one more module: add a line to MUTATED_MODULES with its floor (the lowest score it may
// fall to before `npm run mutation` fails) and the test files that are to catch its breaks.
// Survivors that cannot be told apart from the original by any behaviour (equivalent mutants) are
// marked in the source with a `// Stryker disable next-line <mutator>: <reason>` comment.
//
// Too slow for per-commit CI on these machines: run it before resolving an issue that touches one
// of these modules. It is incremental: each module's results are kept in
// test/mutation/<module>.json (committed), and a re-run only tests mutants whose code or tests
// changed. The README (Mutation testing) says how to run one module and when to use --force.

/**
 * Each module with the floor its mutation score must keep (percent, killed / all valid mutants)
 * and the test files that judge it: each module is run on its own, with only those tests, and
 * keeps its results in a file of its own (scripts/mutation.mjs). Its own tests must catch a break
 * without help from the rest of the suite, and the run stays short: these modules are imported by
 * nearly every command, so a mutant in a top-level constant (a regex, say; no coverage can trace
 * it to a test) would otherwise run most of the suite. A module listed without `tests` is run
 * with every test file that imports it, in one shared run (results: test/mutation/incremental.json).
 */
/** The standard client's face and its HTTP client are judged by the same tests: its own, and the issuers'. */
const STANDARD_CLIENT_TESTS = [
  'test/integrations/standard/*.test.ts',
  'test/standard/issuer.test.ts',
  'test/standard/issuer-v02.test.ts',
  'test/standard/onboarding-client.test.ts',
];

export const MUTATED_MODULES = [
  { file: 'src/core/redact.ts', floor: 90, tests: ['test/core/redact-fingerprint.test.ts'] },
  { file: 'src/audit/verify.ts', floor: 90, tests: ['test/audit/*.test.ts'] },
  { file: 'src/audit/log.ts', floor: 80, tests: ['test/audit/*.test.ts', 'test/state/*.test.ts'] },
  { file: 'src/store/file-store.ts', floor: 80, tests: ['test/store/file-store.test.ts', 'test/audit/log.test.ts', 'test/store/file-store-compat.test.ts'] },
  { file: 'src/core/fingerprint.ts', floor: 80, tests: ['test/core/redact-fingerprint.test.ts', 'test/targets/ledger.test.ts'] },
  { file: 'src/apply/journal.ts', floor: 80, tests: ['test/plan/journal.test.ts', 'test/plan/journal-close.test.ts'] },
  {
    file: 'src/integrations/dotenv/rewrite.ts',
    floor: 80,
    tests: [
      'test/targets/dotenv.test.ts',
      'test/targets/dotenv-recheck.test.ts',
      'test/targets/dotenv-rewrite-exact.test.ts',
      'test/targets/binding-adapter.test.ts',
    ],
  },
  { file: 'src/plan/order.ts', floor: 80, tests: ['test/plan/order.test.ts', 'test/apply/guard-order.test.ts'] },
  // The address guard: every blocked address form must be refused.
  { file: 'src/net/address-policy.ts', floor: 90, tests: ['test/net/address-policy.test.ts', 'test/security/network.test.ts'] },
  // Paths a repository names must stay under the real project root.
  { file: 'src/core/inside-project.ts', floor: 80, tests: ['test/core/inside-project.test.ts', 'test/security/filesystem.test.ts'] },
  // The signed proof that an incident is closed.
  { file: 'src/incident/proof.ts', floor: 80, tests: ['test/incident/*.test.ts'] },
  // The one safe network client every outbound request goes through.
  { file: 'src/net/http.ts', floor: 80, tests: ['test/net/http.test.ts', 'test/net/http-edges.test.ts', 'test/security/network.test.ts'] },
  {
    file: 'src/scan/placeholders.ts',
    floor: 80,
    tests: ['test/scan/placeholder-reasons.test.ts', 'test/rules/placeholders.test.ts', 'test/scan/placeholder-edges.test.ts'],
  },
  // The trust gate: nothing a repository says is used before the user trusted it.
  {
    file: 'src/trust/gate.ts',
    floor: 80,
    tests: ['test/trust/gate.test.ts', 'test/security/hostile-config.test.ts', 'test/trust/gate-pins.test.ts', 'test/trust/gate-prompt.test.ts'],
  },
  // A plan file is checked before apply acts on it.
  { file: 'src/plan/verify.ts', floor: 80, tests: ['test/plan/verify.test.ts', 'test/security/hostile-plan.test.ts'] },
  // The verify/revoke plumbing every vendor folder uses, judged by its own tests and two vendors'.
  {
    file: 'src/integrations/kit.ts',
    floor: 80,
    tests: ['test/integrations/kit.test.ts', 'test/integrations/stripe/*.test.ts', 'test/integrations/github/*.test.ts'],
  },
  // Each vendor folder's verify, analyze, revoke and rotate, judged by its tests against the
  // vendor's local stand-in (the vendors whose keys leak most, first).
  { file: 'src/integrations/stripe/index.ts', floor: 80, tests: ['test/integrations/stripe/*.test.ts'] },
  { file: 'src/integrations/github/index.ts', floor: 80, tests: ['test/integrations/github/*.test.ts'] },
  { file: 'src/integrations/aws/index.ts', floor: 80, tests: ['test/integrations/aws/*.test.ts'] },
  { file: 'src/integrations/aws/sigv4.ts', floor: 80, tests: ['test/integrations/aws/*.test.ts'] },
  { file: 'src/integrations/anthropic/index.ts', floor: 80, tests: ['test/integrations/anthropic/*.test.ts'] },
  { file: 'src/integrations/openai/index.ts', floor: 80, tests: ['test/integrations/openai/*.test.ts', 'test/apply/openai.test.ts'] },
  { file: 'src/integrations/openai/admin.ts', floor: 80, tests: ['test/integrations/openai/*.test.ts', 'test/apply/openai.test.ts'] },
  { file: 'src/integrations/slack/index.ts', floor: 80, tests: ['test/integrations/slack/*.test.ts'] },
  { file: 'src/integrations/google/index.ts', floor: 80, tests: ['test/integrations/google/*.test.ts'] },
  { file: 'src/integrations/sendgrid/index.ts', floor: 80, tests: ['test/integrations/sendgrid/*.test.ts'] },
  { file: 'src/integrations/cloudflare/index.ts', floor: 80, tests: ['test/integrations/cloudflare/*.test.ts'] },
  { file: 'src/integrations/datadog/index.ts', floor: 80, tests: ['test/integrations/datadog/*.test.ts'] },
  { file: 'src/integrations/discord/index.ts', floor: 80, tests: ['test/integrations/discord/*.test.ts'] },
  { file: 'src/integrations/gitlab/index.ts', floor: 80, tests: ['test/integrations/gitlab/*.test.ts'] },
  { file: 'src/integrations/mailgun/index.ts', floor: 80, tests: ['test/integrations/mailgun/*.test.ts'] },
  { file: 'src/integrations/npm/index.ts', floor: 80, tests: ['test/integrations/npm/*.test.ts'] },
  { file: 'src/integrations/sentry/index.ts', floor: 80, tests: ['test/integrations/sentry/*.test.ts'] },
  { file: 'src/integrations/shopify/index.ts', floor: 80, tests: ['test/integrations/shopify/*.test.ts'] },
  { file: 'src/integrations/supabase/index.ts', floor: 80, tests: ['test/integrations/supabase/*.test.ts'] },
  { file: 'src/integrations/telegram/index.ts', floor: 80, tests: ['test/integrations/telegram/*.test.ts'] },
  { file: 'src/integrations/twilio/index.ts', floor: 80, tests: ['test/integrations/twilio/*.test.ts'] },
  { file: 'src/integrations/vercel/index.ts', floor: 80, tests: ['test/integrations/vercel/*.test.ts'] },
  { file: 'src/integrations/postgres/index.ts', floor: 80, tests: ['test/integrations/postgres/*.test.ts', 'test/providers/postgres-adapter.test.ts'] },
  { file: 'src/integrations/postgres/admin.ts', floor: 80, tests: ['test/integrations/postgres/*.test.ts', 'test/providers/postgres-adapter.test.ts'] },
  {
    file: 'src/integrations/standard/index.ts',
    floor: 80,
    tests: STANDARD_CLIENT_TESTS,
  },
  {
    file: 'src/integrations/standard/client.ts',
    floor: 80,
    tests: STANDARD_CLIENT_TESTS,
  },
];

/**
 * A module run on its own (CREDCTL_MUTATION_MODULE, set by scripts/mutation.mjs), or undefined.
 * Its tests are the only ones vitest.mutation.config.ts includes. (Stryker's own `testFiles`
 * option cannot be used: with it, a mutant in a top-level constant runs no test and survives.)
 */
export const own = MUTATED_MODULES.find((m) => m.tests && m.file === process.env.CREDCTL_MUTATION_MODULE);

/** Where a module run on its own keeps its results: test/mutation/<name>.json. */
export function resultsFileFor(file) {
  return `test/mutation/${file
    .replace(/^src\//, '')
    .replace(/\.ts$/, '')
    .replace(/[/.]/g, '-')}.json`;
}

/** The JSON report of a run: the shared run's, or the module's own. */
export function reportFileFor(file) {
  return file ? `reports/mutation/${resultsFileFor(file).slice('test/mutation/'.length)}` : 'reports/mutation/mutation.json';
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  // For each mutant only the tests that reached it run. A module run on its own needs no search for
  // related files (its test files are the only ones vitest knows; a vendor folder is reached through
  // the registry's discovery, which that search cannot follow); a shared run looks for the test
  // files that import the mutated modules.
  vitest: { configFile: 'vitest.mutation.config.ts', related: !own },
  coverageAnalysis: 'perTest',
  // Mutants that do not type-check are dropped before any test runs (they could never ship).
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  // Stryker marks files `// @ts-nocheck` by default; on fixtures that shifts every line a test expects.
  disableTypeChecks: 'src/**/*.ts',
  mutate: own ? [own.file] : MUTATED_MODULES.filter((m) => !m.tests).map((m) => m.file),
  // The machines have 2 cores shared with other work: one test process. `--concurrency 2` on an idle machine.
  concurrency: 1,
  // The suite's slow tests (real git, PostgreSQL, child processes) need room on a loaded machine.
  timeoutMS: 20_000,
  dryRunTimeoutMinutes: 60,
  incremental: true,
  // One results file for whole and narrowed runs: Stryker keeps the results of the modules a
  // narrowed run (--mutate) did not test, so narrowing never loses the others' figures.
  incrementalFile: own ? resultsFileFor(own.file) : 'test/mutation/incremental.json',
  // Stryker only colours the scores; scripts/mutation.mjs holds each module to its own floor once
  // every run has ended (a break here would stop before the other modules were tested).
  thresholds: { high: 90, low: 80, break: null },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: reportFileFor(own?.file).replace(/\.json$/, '.html') },
  jsonReporter: { fileName: reportFileFor(own?.file) },
  clearTextReporter: { allowColor: false, logTests: false, reportTests: false },
  ignorePatterns: ['bench/.corpus', 'coverage', 'reports'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
