#!/usr/bin/env node
// Usage-graph benchmark: generates a 10,000-file monorepo (git work tree) in a temp dir, then
// times a cold build, a warm rebuild with nothing changed, and a warm rebuild with one file
// changed, in-process (buildGraph from dist/). Goal: warm rebuild under 2 s.
//
//   BENCH_GRAPH_FILES=10000 (default)  number of files to generate
//   Runs on its own (`node bench/graph.bench.mjs`) or from bench/run.mjs; needs dist/ (npm run build).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUILD = join(ROOT, 'dist/graph/build.js');
const FILES = Number(process.env.BENCH_GRAPH_FILES ?? 10_000);
const GOAL_WARM_MS = 2000;

if (!existsSync(BUILD)) {
  console.error('graph bench: dist/ is missing; run `npm run build` first.');
  process.exit(2);
}
const { buildGraph } = await import(BUILD);

// ---------- a deterministic monorepo: packages with code, env files, CI, compose and manifests ----------
const dir = mkdtempSync(join(tmpdir(), 'credctl-graph-bench-'));
const put = (p, text) => {
  mkdirSync(dirname(join(dir, p)), { recursive: true });
  writeFileSync(join(dir, p), text);
};
const b62 = (n, len) => {
  const abc = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let s = '';
  let x = (n * 2654435761) >>> 0;
  for (let i = 0; i < len; i++) {
    s += abc[x % 62];
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
  }
  return s;
};
let count = 0;
const packages = Math.max(1, Math.round(FILES / 100));
for (let p = 0; p < packages && count < FILES; p++) {
  const pkg = `packages/pkg${p}`;
  put(
    `${pkg}/.env`,
    `PORT=${3000 + p}\nPKG${p}_API_KEY=ccx_live_FAKE${b62(p, 28)}\nSHARED_STRIPE_KEY=sk_live_51FAKE${b62(7, 24)}\nDB_PASSWORD=FAKEpw${b62(p + 1, 10)}\n`,
  );
  put(`${pkg}/package.json`, JSON.stringify({ name: `pkg${p}`, version: '1.0.0' }));
  put(
    `${pkg}/docker-compose.yml`,
    `services:\n  app${p}:\n    image: app:${p}\n    environment:\n      PKG${p}_API_KEY: \${PKG${p}_API_KEY}\n      DB_PASSWORD:\n`,
  );
  put(
    `${pkg}/k8s/deploy.yaml`,
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: app${p}, namespace: ns${p % 10} }\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n            - name: DB_PASSWORD\n              valueFrom: { secretKeyRef: { name: db, key: DB_PASSWORD } }\n`,
  );
  put(`${pkg}/README.md`, `# pkg${p}\n\nSet PKG${p}_API_KEY.\n`);
  count += 5;
  for (let f = 0; count < FILES && f < 95; f++, count++) {
    const ext = ['ts', 'js', 'py', 'go', 'md', 'json'][f % 6];
    const body =
      ext === 'ts' || ext === 'js'
        ? `export function f${f}() {\n  return process.env.PKG${p}_API_KEY ?? process.env.SHARED_STRIPE_KEY;\n}\n${'// filler line\n'.repeat(40)}`
        : ext === 'py'
          ? `import os\n\nTOKEN = os.environ.get("PKG${p}_API_KEY")\n${'# filler\n'.repeat(40)}`
          : ext === 'go'
            ? `package p\n\nimport "os"\n\nvar k = os.Getenv("DB_PASSWORD")\n`
            : ext === 'md'
              ? `# notes ${f}\n${'text '.repeat(200)}\n`
              : JSON.stringify({ f, p });
    put(`${pkg}/src/m${f}.${ext}`, body);
  }
}
put(
  '.github/workflows/deploy.yml',
  `jobs:\n  deploy:\n    environment: production\n    steps:\n      - run: kubectl apply -f k8s/\n        env:\n          SHARED_STRIPE_KEY: \${{ secrets.SHARED_STRIPE_KEY }}\n`,
);
execFileSync('git', ['init', '-q'], { cwd: dir });

const time = (label, fn) => {
  const t0 = performance.now();
  const stats = {};
  const graph = fn(stats);
  const ms = performance.now() - t0;
  console.log(
    `${label.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms   read ${String(stats.read).padStart(5)}  extracted ${String(stats.extracted).padStart(5)}  reused ${String(stats.reused).padStart(5)}   (${graph.nodes.length} nodes, ${graph.edges.length} edges)`,
  );
  return ms;
};

console.log(`graph: ${count} files in ${packages} packages (${dir})`);
time('cold build', (stats) => buildGraph(dir, { stats }));
const warm = time('warm rebuild, nothing changed', (stats) => buildGraph(dir, { stats }));
put('packages/pkg3/src/m0.ts', 'export const changed = process.env.PKG3_API_KEY;\n');
const warmOne = time('warm rebuild, 1 file changed', (stats) => buildGraph(dir, { stats }));
const worst = Math.max(warm, warmOne);
console.log(worst < GOAL_WARM_MS ? `goal met: warm rebuild < ${GOAL_WARM_MS} ms` : `GOAL MISSED: warm rebuild ${worst.toFixed(0)} ms >= ${GOAL_WARM_MS} ms`);
rmSync(dir, { recursive: true, force: true });
