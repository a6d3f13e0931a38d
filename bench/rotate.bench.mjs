#!/usr/bin/env node
// Plan and apply 100 credentials with 3 targets each (three env files) against the reference
// issuer, with the real store, journal (fsync per step) and signed audit log. Goal: under 10 s.
// Run: node bench/rotate.bench.mjs   (BENCH_ROTATE_N to change the count)
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { applyPlan, loadProject, makePlan } from '../dist/apply/orchestrate.js';
import { projectPaths } from '../dist/core/paths.js';
import { startIssuer } from '../dist/issuer/server.js';
import { StandardClient } from '../dist/integrations/standard/client.js';
import { storeFor } from '../dist/store/open.js';

const N = Number(process.env.BENCH_ROTATE_N ?? 100);
const root = mkdtempSync(join(tmpdir(), 'credctl-bench-rotate-'));
const issuer = await startIssuer({ port: 0, dataDir: join(root, '.issuer') });
const admin = new StandardClient({ issuer: issuer.url, adminToken: issuer.adminToken });
try {
  const names = Array.from({ length: N }, (_, i) => `SERVICE_${String(i).padStart(3, '0')}_API_KEY`);
  const values = [];
  for (const name of names) values.push((await admin.create({ scopes: ['events:read'], environment: 'live', name })).value);
  const env = names.map((n, i) => `${n}=${values[i]}`).join('\n') + '\n';
  mkdirSync(join(root, 'deploy'));
  for (const f of ['.env', 'deploy/prod.env', 'deploy/staging.env']) writeFileSync(join(root, f), env);
  writeFileSync(join(root, 'credctl.yaml'), `providers:\n  example: { issuer: "${issuer.url}", admin: "store:example/admin" }\n`);
  execFileSync('git', ['init', '-q'], { cwd: root });
  const keyFile = join(root, '.key');
  writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  process.env.CREDCTL_STORE = 'file';
  process.env.CREDCTL_KEY_FILE = keyFile;
  const paths = projectPaths(root);
  mkdirSync(paths.stateDir, { recursive: true });
  const store = storeFor('file', paths);
  await store.put('example/admin', issuer.adminToken, ['current']);

  const t0 = performance.now();
  const plan = makePlan(loadProject(root), { all: true });
  const t1 = performance.now();
  const summary = await applyPlan(plan, { yes: true, noInput: true, concurrency: 4, store, onEvent: () => {} });
  const t2 = performance.now();
  const injects = plan.credentials.reduce((n, c) => n + c.steps.filter((s) => s.action === 'inject').length, 0);
  const after = readFileSync(join(root, 'deploy/staging.env'), 'utf8');
  const stillOld = values.filter((v) => after.includes(v)).length;
  console.log(`${N} credentials, ${injects} target writes: plan ${(t1 - t0).toFixed(0)} ms, apply ${(t2 - t1).toFixed(0)} ms`);
  console.log(
    `per credential: ${((t2 - t0) / N).toFixed(1)} ms; rotated ${summary.rotated.length}, revoked ${summary.revoked.length}, failed ${summary.failed.length}, old values left in targets ${stillOld}`,
  );
  const total = t2 - t0;
  console.log(
    `total ${(total / 1000).toFixed(2)} s (goal < 10 s: ${total < 10_000 ? 'met' : 'MISSED'}); peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
} finally {
  await admin.close();
  await issuer.close();
  rmSync(root, { recursive: true, force: true });
}
