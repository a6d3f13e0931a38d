#!/usr/bin/env node
// `npm run mutation [-- stryker options]`: run StrykerJS on the modules listed in
// stryker.config.mjs, then hold each module to its own floor. Stryker's thresholds.break can only
// judge the total, and a strong module must not hide a weak one. Prints one line per module (the
// table the README quotes) and exits 1 when Stryker failed, any module is below its floor, or a
// module it ran has a survivor no reason in test/mutation/reasons/ explains.
//
//   npm run mutation                                  every listed module, incremental
//   npm run mutation -- --force                       every mutant again, ignoring earlier results
//   npm run mutation -- --mutate src/core/redact.ts   one module (or several, comma-separated)
//   npm run mutation -- --retest-survivors            the mutants no test caught again, with every
//                                                     test; the killed ones' results are kept
//
// Modules tested together run in one Stryker run; each module that names its own tests
// (stryker.config.mjs) runs alone with those tests and keeps its results in its own file.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calculateMetrics } from 'mutation-testing-metrics';
import { MUTATED_MODULES, reportFileFor, resultsFileFor } from '../stryker.config.mjs';
import { writeSurvivorsReport } from './mutation-survivors.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const stryker = join(dirname(createRequire(import.meta.url).resolve('@stryker-mutator/core/package.json')), 'bin', 'stryker.js');

// `--mutate a,b` (or -m, --mutate=) picks modules; everything else goes to Stryker as given.
const args = process.argv.slice(2);
let wanted;
let retestSurvivors = false;
const passOn = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--mutate' || a === '-m') wanted = (args[++i] ?? '').split(',');
  else if (a.startsWith('--mutate=')) wanted = a.slice('--mutate='.length).split(',');
  else if (a === '--retest-survivors') retestSurvivors = true;
  else passOn.push(a);
}
const listed = new Set(MUTATED_MODULES.map((m) => m.file));
const picked = (m) => !wanted || wanted.includes(m.file);
// Modules tested together (one Stryker run), then each module that names its own tests (one run each).
// (Every module listed today names its own tests, so a whole run has no shared run: one with
// nothing to mutate would still run the whole suite once, for nothing.)
const sharedFiles = wanted
  ? wanted.filter((f) => !listed.has(f) || !MUTATED_MODULES.find((m) => m.file === f).tests)
  : MUTATED_MODULES.filter((m) => !m.tests).map((m) => m.file);
const runs = [];
if (sharedFiles.length) runs.push({ label: 'shared', env: {}, extra: wanted ? ['--mutate', sharedFiles.join(',')] : [], report: reportFileFor() });
for (const m of MUTATED_MODULES.filter((m) => m.tests && picked(m)))
  runs.push({ label: m.file, env: { CREDCTL_MUTATION_MODULE: m.file }, extra: [], report: reportFileFor(m.file) });

const started = Date.now();
const files = {};
/**
 * Forget a module's survivors so that its next run tests them again. Incremental mode re-tests a
 * mutant only when its code or the tests that covered it changed, and a mutant in a top-level
 * constant (a vendor's id, a regex) has no per-test coverage: after new tests are added, its old
 * "survived" would be reused without running them. This costs the survivors alone, where
 * `--force` re-tests every mutant.
 */
function forgetSurvivors(file) {
  const path = join(root, resultsFileFor(file));
  if (!existsSync(path)) return;
  const results = JSON.parse(readFileSync(path, 'utf8'));
  for (const entry of Object.values(results.files ?? {})) entry.mutants = entry.mutants.filter((m) => m.status !== 'Survived' && m.status !== 'NoCoverage');
  writeFileSync(path, JSON.stringify(results));
}

for (const r of runs) {
  rmSync(join(root, r.report), { force: true });
  if (retestSurvivors && r.label !== 'shared') forgetSurvivors(r.label);
  const run = spawnSync(process.execPath, [stryker, 'run', ...passOn, ...r.extra], { cwd: root, stdio: 'inherit', env: { ...process.env, ...r.env } });
  if (run.status !== 0 || !existsSync(join(root, r.report))) {
    console.error(`mutation: stryker failed on ${r.label} (exit ${run.status ?? run.signal}) after ${Math.round((Date.now() - started) / 60_000)} min`);
    process.exit(1);
  }
  const report = JSON.parse(readFileSync(join(root, r.report), 'utf8')).files;
  // A module's own run is the one that judges it; the shared run judges the rest.
  for (const [file, result] of Object.entries(report))
    if (r.label === file || (r.label === 'shared' && !MUTATED_MODULES.find((m) => m.file === file)?.tests)) files[file] = result;
}
const minutes = Math.round((Date.now() - started) / 60_000);

const below = [];
const unexplainedIn = [];
// Why each survivor is left (test/mutation/reasons/), read from the results files the runs wrote.
const survivorsFile = writeSurvivorsReport();
console.log(`\nmutation scores (${new Date().toISOString().slice(0, 10)}, ${minutes} min):`);
console.log('module                              score  floor  killed  timeout  survived  no-cov  ignored  unexplained');
for (const { file, floor } of MUTATED_MODULES) {
  if (!files[file]) {
    console.log(`${file.padEnd(34)}  (not in this run)`);
    continue;
  }
  const m = calculateMetrics({ [file]: files[file] }).metrics;
  const score = m.mutationScore;
  const unexplained = survivorsFile.unexplained[file] ?? 0;
  if (!(score >= floor)) below.push(`${file} ${score.toFixed(1)}% < ${floor}%`);
  if (unexplained) unexplainedIn.push(`${file} (${unexplained})`);
  const cells = [score.toFixed(1).padStart(5), String(floor).padStart(5), m.killed, m.timeout, m.survived, m.noCoverage, m.ignored, unexplained];
  console.log(`${file.padEnd(34)}  ${cells.map((c, i) => String(c).padStart([5, 5, 6, 7, 8, 6, 7, 11][i])).join('  ')}`);
}
console.log(`survivors listed in ${survivorsFile.path}`);
for (const u of survivorsFile.unused) console.error(`mutation: a reason matches no survivor (remove it): ${u}`);
if (below.length) console.error(`mutation: below the floor: ${below.join('; ')}`);
// A survivor nobody has explained is a gap: a test should catch it, or test/mutation/reasons/
// should say why it cannot (equivalent, redundant) or need not (wording).
if (unexplainedIn.length) console.error(`mutation: survivors with no reason (see ${survivorsFile.path}): ${unexplainedIn.join(', ')}`);
if (below.length || unexplainedIn.length) process.exit(1);
