#!/usr/bin/env node
// `npm run mutation [-- stryker options]`: run StrykerJS on the modules listed in
// stryker.config.mjs, then hold each module to its own floor. Stryker's thresholds.break can only
// judge the total, and a strong module must not hide a weak one. Prints one line per module (the
// table the README quotes) and exits 1 when Stryker failed or any module is below its floor.
//
//   npm run mutation                                  every listed module, incremental
//   npm run mutation -- --force                       every mutant again, ignoring earlier results
//   npm run mutation -- --mutate src/core/redact.ts   one module (its results are kept apart)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calculateMetrics } from 'mutation-testing-metrics';
import config, { MUTATED_MODULES } from '../stryker.config.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const report = `${root}${config.jsonReporter.fileName}`;
const stryker = join(dirname(createRequire(import.meta.url).resolve('@stryker-mutator/core/package.json')), 'bin', 'stryker.js');

const started = Date.now();
const run = spawnSync(process.execPath, [stryker, 'run', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
const minutes = Math.round((Date.now() - started) / 60_000);
if (run.status !== 0 || !existsSync(report)) {
  console.error(`mutation: stryker failed (exit ${run.status ?? run.signal}) after ${minutes} min`);
  process.exit(1);
}

const files = JSON.parse(readFileSync(report, 'utf8')).files;
const below = [];
console.log(`\nmutation scores (${new Date().toISOString().slice(0, 10)}, ${minutes} min):`);
console.log('module                            score  floor  killed  timeout  survived  no-cov  ignored');
for (const { file, floor } of MUTATED_MODULES) {
  if (!files[file]) {
    console.log(`${file.padEnd(32)}  (not in this run)`);
    continue;
  }
  const m = calculateMetrics({ [file]: files[file] }).metrics;
  const score = m.mutationScore;
  if (!(score >= floor)) below.push(`${file} ${score.toFixed(1)}% < ${floor}%`);
  const cells = [score.toFixed(1).padStart(5), String(floor).padStart(5), m.killed, m.timeout, m.survived, m.noCoverage, m.ignored];
  console.log(`${file.padEnd(32)}  ${cells.map((c, i) => String(c).padStart([5, 5, 6, 7, 8, 6, 7][i])).join('  ')}`);
}
if (below.length) {
  console.error(`mutation: below the floor: ${below.join('; ')}`);
  process.exit(1);
}
