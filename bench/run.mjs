#!/usr/bin/env node
// `npm run bench`: run every bench/*.bench.mjs in turn (each prints its own figures).
// Benchmarks are not tests: they print numbers and say when a goal is missed; they never fail
// the build. Run one with `node bench/run.mjs scan`; set BENCH_MB to shrink the corpus.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
if (benches.length === 0) {
  console.error(`no benchmarks match ${only.join(' ')}`);
  process.exit(2);
}
let failed = 0;
for (const f of benches) {
  console.log(`\n=== ${f} ===`);
  const r = spawnSync(process.execPath, [join(dir, f)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`(${f} exited with ${r.status ?? r.signal})`);
  }
}
process.exit(failed ? 1 : 0);
