import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGraph, loadGraph, parseGithubRemote, type BuildStats } from '../../src/graph/build.js';
import { where } from '../../src/graph/query.js';
import { loadRules } from '../../src/providers/rules.js';
import { CredctlError } from '../../src/core/errors.js';
import { copyFixture, pinnedRules } from './helpers.js';

function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'credctl-graph-build-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return root;
}

describe('incremental rebuild', () => {
  it('reads nothing when nothing changed, one file when one changed, and stays correct', () => {
    const root = copyFixture('monorepo-terraform-gitlab');
    const cold: BuildStats = {} as BuildStats;
    const first = buildGraph(root, { rules: pinnedRules(), stats: cold });
    expect(cold.read).toBeGreaterThan(5);
    expect(cold.extracted).toBe(cold.read);

    const warm: BuildStats = {} as BuildStats;
    const second = buildGraph(root, { rules: pinnedRules(), stats: warm });
    expect(warm.read).toBe(0);
    expect(warm.reused).toBe(cold.extracted);
    expect(second).toEqual(first);

    // Touched but identical: read and hashed, not re-extracted.
    const later = new Date(Date.now() + 5000);
    utimesSync(join(root, '.env'), later, later);
    const touched: BuildStats = {} as BuildStats;
    expect(buildGraph(root, { rules: pinnedRules(), stats: touched })).toEqual(first);
    expect([touched.read, touched.extracted]).toEqual([1, 0]);

    // Changed: exactly that file is re-extracted, and the graph follows.
    writeFileSync(join(root, 'packages/billing/lib/billing.rb'), 'module Billing\n  KEY = ENV["STRIPE_SECRET_KEY"]\nend\n');
    const changed: BuildStats = {} as BuildStats;
    const third = buildGraph(root, { rules: pinnedRules(), stats: changed });
    expect([changed.read, changed.extracted]).toEqual([1, 1]);
    expect(where(third, 'STRIPE_SECRET_KEY').consumers.find((c) => c.id.includes('billing'))!.uses).toEqual([
      { name: 'STRIPE_SECRET_KEY', file: 'packages/billing/lib/billing.rb', line: 2 },
    ]);
    expect(third.nodes.some((n) => n.id === 'name:SENDGRID_API_KEY')).toBe(false);
  });

  it('re-reads everything when the rules change, and with --full', () => {
    const root = copyFixture('worker-python-k8s');
    buildGraph(root, { rules: pinnedRules() });
    const other: BuildStats = {} as BuildStats;
    buildGraph(root, { rules: pinnedRules().filter((r) => r.provider !== 'aws'), stats: other });
    expect(other.reused).toBe(0);
    const full: BuildStats = {} as BuildStats;
    buildGraph(root, { rules: pinnedRules().filter((r) => r.provider !== 'aws'), stats: full, full: true });
    expect(full.reused).toBe(0);
    expect(loadGraph(root)!.schemaVersion).toBe(1);
  });

  it('a corrupt graph.json is rebuilt, not an error', () => {
    const root = copyFixture('worker-python-k8s');
    buildGraph(root, { rules: pinnedRules() });
    writeFileSync(join(root, '.credctl/graph.json'), '{"schemaVersion":1, nope');
    const g = buildGraph(root, { rules: pinnedRules() });
    expect(g.nodes.length).toBeGreaterThan(10);
    expect(JSON.parse(readFileSync(join(root, '.credctl/graph.json'), 'utf8')).schemaVersion).toBe(1);
  });
});

describe('malformed files: a warning with file and line, the rest still mapped', () => {
  it('broken YAML, TOML, JSON, HCL and odd .env lines', () => {
    const root = project({
      '.env': 'GOOD_API_KEY=FAKEgoodKey7Qx2Lp9Wm4\nthis is not an assignment\nexport 9BAD=1\nQUOTED="never closed\n',
      '.github/workflows/broken.yml': 'jobs:\n  build:\n    steps: [\n      - run: echo\n',
      'netlify.toml': '[build.environment]\n  KEY = "unterminated\n',
      'vercel.json': '{\n  "env": {\n    "X": 1,\n  }\n}\n',
      'infra/vars.tf': 'variable "db_password" {\n  sensitive = true\n',
      'k8s/bad.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: { name: s }\ndata:\n  PASSWORD: "not*base64!"\n',
      'src/app.js': 'fetch(url, { headers: { key: process.env.GOOD_API_KEY } })\n',
    });
    const g = buildGraph(root, { rules: pinnedRules() });
    const warnings = g.warnings.map((w) => `${w.file}:${w.line}`);
    expect(warnings).toContain('.env:2');
    expect(warnings).toContain('.env:3');
    expect(warnings).toContain('.env:4');
    expect(warnings.some((w) => w.startsWith('.github/workflows/broken.yml:'))).toBe(true);
    expect(warnings).toContain('netlify.toml:2');
    expect(warnings.some((w) => w.startsWith('vercel.json:'))).toBe(true);
    expect(warnings).toContain('infra/vars.tf:1');
    expect(warnings).toContain('k8s/bad.yaml:5');
    for (const w of g.warnings) expect(w.message.length).toBeGreaterThan(5);
    // The rest of the repo is still mapped.
    const r = where(g, 'GOOD_API_KEY');
    expect(r.places.map((p) => `${p.file}:${p.line}`)).toEqual(['.env:1']);
    expect(r.consumers.map((c) => c.id)).toEqual(['consumer:code:src/app.js']);
  });

  it('a binary file with a matching name is skipped', () => {
    const root = project({ 'config.yaml': 'apiVersion: v1\nkind: Secret\n\0\0\0' });
    expect(buildGraph(root, { rules: pinnedRules() }).warnings).toEqual([]);
  });
});

describe('GitHub repository', () => {
  it('parses the usual remote forms', () => {
    expect(parseGithubRemote('git@github.com:acme/web.git')).toBe('acme/web');
    expect(parseGithubRemote('https://github.com/acme/web')).toBe('acme/web');
    expect(parseGithubRemote('https://x-access-token:abc@github.com/acme/web.git')).toBe('acme/web');
    expect(parseGithubRemote('ssh://git@github.com/acme/web.git')).toBe('acme/web');
    expect(parseGithubRemote('git@gitlab.com:acme/web.git')).toBeUndefined();
  });

  it('a malformed credctl.yaml is a one-line input error (exit 3)', () => {
    const root = project({ 'credctl.yaml': 'project:\n  github: [not, a, repo]\n' });
    expect(() => buildGraph(root, { rules: pinnedRules() })).toThrow(CredctlError);
    const bad = project({ 'credctl.yaml': 'project: {\n' });
    try {
      buildGraph(bad, { rules: pinnedRules() });
      expect.unreachable();
    } catch (err) {
      expect((err as CredctlError).exitCode).toBe(3);
      expect((err as Error).message).toMatch(/^credctl\.yaml/);
    }
  });
});

describe('with the shipped rules', () => {
  it('classifies the fixture keys by their providers', () => {
    const g = buildGraph(copyFixture('webapp-node'), { rules: loadRules(), write: false });
    const byName = (n: string) => g.nodes.filter((x) => x.type === 'credential' && x.names.includes(n)).map((x) => x.type === 'credential' && x.provider);
    expect(byName('STRIPE_SECRET_KEY')).toEqual(['stripe', 'stripe']);
    expect(byName('EXAMPLE_API_KEY')).toEqual(['example']);
  });
});

describe('scanner findings', () => {
  it('become credentials with an appears-in place, joined to the same value elsewhere', async () => {
    const root = copyFixture('webapp-node');
    const { fingerprint } = await import('../../src/core/fingerprint.js');
    const fp = fingerprint('sk_live_51FAKEprodKeyZyXwVuTsRqPoNmLk');
    const g = buildGraph(root, {
      rules: pinnedRules(),
      write: false,
      findings: [
        {
          ruleId: 'stripe-secret-key',
          provider: 'stripe',
          kind: 'api_key',
          file: 'scripts/seed.ts',
          line: 7,
          column: 20,
          fingerprint: fp,
          redacted: 'sk_live_…NmLk',
          confidence: 'high',
          environment: 'live',
        },
      ],
    });
    expect(where(g, fp).places.map((p) => `${p.file}:${p.line}`)).toEqual(['.env.production:3', 'scripts/seed.ts:7']);
  });
});
