#!/usr/bin/env node
// Verifying exposed keys across vendors at once (issue #12's goal: 200 keys in under 5 s with a
// 50 ms stand-in latency). Four vendor stand-ins on loopback, each answering every call after
// 50 ms; 200 keys spread over them; each key gets verify and, when live, analyze, through
// credctl's own scheduler (integrations/verify-many.ts: per-vendor pacing). The floor is what
// the vendors' declared concurrency allows: calls per vendor × 50 ms ÷ concurrency.
// Run: node bench/verify.bench.mjs (after npm run build)
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { wiredProviders } from '../dist/integrations/providers.js';
import { verifyMany } from '../dist/integrations/verify-many.js';

const KEYS = Number(process.env.BENCH_KEYS ?? 200);
const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 50);
const GOAL_S = 5;

/** A stand-in that answers each vendor's verify/analyze call shape after LATENCY ms. */
async function slowServer(answer) {
  let calls = 0;
  const server = createServer((req, res) => {
    calls++;
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () =>
      setTimeout(() => {
        const [status, headers, body] = answer(req);
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      }, LATENCY),
    );
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    calls: () => calls,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
  };
}

const vendors = {
  telegram: await slowServer(() => [200, {}, { ok: true, result: { id: 1, is_bot: true, username: 'bench_bot' } }]),
  slack: await slowServer(() => [
    200,
    { 'x-oauth-scopes': 'chat:write,channels:read' },
    { ok: true, team: 'Bench', team_id: 'T0', user: 'bench', user_id: 'U0', url: 'https://bench.slack.com/' },
  ]),
  sentry: await slowServer(() => [200, {}, { auth: { scopes: ['project:read'] }, user: { username: 'bench' } }]),
  github: await slowServer(() => [200, { 'x-oauth-scopes': 'repo, read:org' }, { login: 'bench', id: 1, type: 'User' }]),
};
const values = {
  telegram: (i) => `${String(100000000 + i)}:AAFAKE${String(i).padStart(29, '0')}`,
  slack: (i) => `xoxb-0000${i}-0000${i}-FAKE${String(i).padStart(20, '0')}`,
  sentry: (i) => `sntryu_FAKE${String(i).padStart(60, '0')}`,
  github: (i) => `ghp_FAKE${String(i).padStart(32, '0')}`,
};
const byId = new Map(wiredProviders().map((p) => [p.id, p]));
const ids = Object.keys(vendors).filter((id) => byId.get(id)?.integration?.verify);
const jobs = [];
for (let i = 0; i < KEYS; i++) {
  const id = ids[i % ids.length];
  jobs.push({ key: `k${i}`, provider: byId.get(id), credential: { value: values[id](i) }, api: vendors[id].url });
}

const started = performance.now();
const out = await verifyMany(jobs);
const seconds = (performance.now() - started) / 1000;
const live = [...out.values()].filter((o) => o.verification.status === 'live').length;
const calls = ids.reduce((n, id) => n + vendors[id].calls(), 0);
// The floor: the slowest vendor's calls, LATENCY each, at its declared concurrency.
const floor = Math.max(
  ...ids.map((id) => {
    const c = byId.get(id).integration.rateLimit?.concurrency ?? 8;
    return (vendors[id].calls() * LATENCY) / 1000 / c;
  }),
);
console.log(`verify: ${KEYS} keys over ${ids.length} vendors (${ids.join(', ')}), ${calls} calls at ${LATENCY} ms each`);
console.log(
  `  ${seconds.toFixed(2)} s (${(KEYS / seconds).toFixed(0)} keys/s), ${live} live; floor at the vendors' declared concurrency ${floor.toFixed(2)} s (${(seconds / floor).toFixed(2)}x); one at a time would take ${((calls * LATENCY) / 1000).toFixed(1)} s`,
);
console.log(seconds < GOAL_S ? `  goal met: under ${GOAL_S} s` : `  GOAL MISSED: ${seconds.toFixed(2)} s is over ${GOAL_S} s`);
for (const v of Object.values(vendors)) await v.close();
