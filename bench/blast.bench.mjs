#!/usr/bin/env node
// Blast radius over a generated graph of 10,000 credentials and 100,000 places (goal: under 1 s),
// with every credential exposed, so every lookup and every "what breaks" question is asked.
// Providers are not probed (that is network time, not credctl's). Run: node bench/blast.bench.mjs
import { performance } from 'node:perf_hooks';
import { fingerprint } from '../dist/core/fingerprint.js';
import { blastRadius } from '../dist/report/blast-radius.js';
import { buildPlan } from '../dist/plan/build.js';
import { wiredProviders } from '../dist/integrations/providers.js';

const CREDS = Number(process.env.BENCH_CREDS ?? 10_000);
const PLACES_PER = 10;
const nodes = [];
const edges = [];
const providers = ['stripe', 'github', 'openai', 'example', 'aws'];
for (let i = 0; i < CREDS; i++) {
  const id = fingerprint(`FAKE-bench-credential-${i}`);
  const name = `SERVICE_${i}_API_KEY`;
  nodes.push({
    type: 'credential',
    id,
    provider: providers[i % providers.length],
    kind: 'api_key',
    environment: i % 3 ? 'live' : 'test',
    names: [name],
    redacted: `ke…${String(i).padStart(4, '0')}`,
  });
  nodes.push({ type: 'name', id: `name:${name}`, name });
  edges.push({ type: 'bound-to', from: id, to: `name:${name}` });
  for (let p = 0; p < PLACES_PER; p++) {
    const file = `packages/pkg${i % 500}/config/${p}.env`;
    if (i < 500) nodes.push({ type: 'file', id: `file:${file}`, path: file });
    edges.push({ type: 'appears-in', from: id, to: `file:${file}`, file, line: (i % 200) + 1 });
  }
  const consumer = `consumer:code:pkg${i % 500}/svc${i}`;
  nodes.push({ type: 'consumer', id: consumer, kind: 'code', label: `code pkg${i % 500}/svc${i}.ts`, file: `packages/pkg${i % 500}/svc${i}.ts`, line: 3 });
  edges.push({ type: 'referenced-by', from: `name:${name}`, to: consumer, file: `packages/pkg${i % 500}/svc${i}.ts`, line: 3 });
  const target = `target:dotenv:packages/pkg${i % 500}/.env`;
  if (i < 500)
    nodes.push({ type: 'target', id: target, kind: 'dotenv', label: `env file packages/pkg${i % 500}/.env`, attrs: { file: `packages/pkg${i % 500}/.env` } });
  edges.push({ type: 'stored-in', from: id, to: target, key: name });
}
const graph = { schemaVersion: 1, nodes, edges, warnings: [] };
const exposed = nodes
  .filter((n) => n.type === 'credential')
  .map((n) => ({ fingerprint: n.id, redacted: n.redacted, via: 'leaked file bench.env', public: true }));
const places = edges.filter((e) => e.type === 'appears-in').length;
console.log(`graph: ${CREDS} credentials, ${places} places, ${edges.length} edges; all ${exposed.length} exposed`);

const providerEntries = wiredProviders();
const settings = { providers: {}, credentials: {}, access: {}, policy: { expiryWarningDays: 14 } };
for (let run = 1; run <= 3; run++) {
  const t0 = performance.now();
  const plan = buildPlan({ root: '/nonexistent', graph, providers: providerEntries, select: { ids: exposed.map((e) => e.fingerprint) } });
  const t1 = performance.now();
  const report = await blastRadius({
    root: '/nonexistent',
    graph,
    exposed,
    vault: new Map(),
    providers: providerEntries,
    settings,
    plan,
    probe: false,
    sources: ['bench'],
  });
  const t2 = performance.now();
  const total = t2 - t0;
  console.log(
    `run ${run}: recovery plan ${(t1 - t0).toFixed(0)} ms + blast radius ${(t2 - t1).toFixed(0)} ms = ${total.toFixed(0)} ms for ${report.items.length} credentials  (goal < 1000 ms: ${total < 1000 ? 'met' : 'MISSED'})`,
  );
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
