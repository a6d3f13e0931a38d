import { Chalk } from 'chalk';
import { afterAll, describe, expect, it } from 'vitest';
import { scanPaths } from '../../src/scan/engine.js';
import { formatResult, summarize, toSarif } from '../../src/scan/format.js';
import { cleanup, fake, tempDir, testRulesDir, write } from './helpers.js';

const rulesDir = testRulesDir();
afterAll(cleanup);

async function sample() {
  const d = tempDir();
  write(d, 'config/prod.env', `STRIPE=${fake.stripe(1)}\n`);
  write(d, 'dir with space/a.js', `\nconst t = "${fake.github(2)}";\n`);
  write(d, 'bin.dat', Buffer.from([0, 1, 2]));
  return scanPaths({ paths: [d], base: d, rulesDir, workers: 0 });
}

describe('output formats', () => {
  it('json: one document with findings and stats', async () => {
    const r = await sample();
    const doc = JSON.parse(formatResult(r, 'json'));
    expect(Object.keys(doc)).toEqual(['findings', 'stats']);
    expect(doc.findings[0]).toMatchObject({ ruleId: 'stripe-secret-key', provider: 'stripe', kind: 'api_key', file: 'config/prod.env', line: 1, column: 8 });
    for (const f of doc.findings) for (const k of ['ruleId', 'provider', 'kind', 'file', 'line', 'column', 'fingerprint', 'redacted']) expect(f).toHaveProperty(k);
    expect(doc.stats).toMatchObject({ filesScanned: 2, findings: 2, skipped: { binary: 1 } });
    expect(typeof doc.stats.durationMs).toBe('number');
  });

  it('jsonl: one finding per line', async () => {
    const r = await sample();
    const lines = formatResult(r, 'jsonl').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).ruleId)).toEqual(['stripe-secret-key', 'github-classic-pat']);
  });

  it('table: aligned columns, plain without colour, coloured with it', async () => {
    const r = await sample();
    const plain = formatResult(r, 'table', { chalk: new Chalk({ level: 0 }) });
    const lines = plain.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^LOCATION\s+RULE\s+VALUE\s+ENV\s+FINGERPRINT$/);
    expect(lines[1]).toContain('config/prod.env:1:8');
    expect(lines[1]!.indexOf('stripe-secret-key')).toBe(lines[0]!.indexOf('RULE'));
    expect(plain).not.toContain('\x1b[');
    expect(formatResult(r, 'table', { chalk: new Chalk({ level: 1 }) })).toContain('\x1b[');
    expect(formatResult({ ...r, findings: [] }, 'table')).toBe('');
    expect(summarize(r.stats, r.findings)).toMatch(/^2 findings in 2 files; scanned 2 files \(.*\) in .* s; skipped 1 binary$/);
  });

  it('sarif: 2.1.0 with every field GitHub code scanning requires', async () => {
    const r = await sample();
    const sarif = JSON.parse(formatResult(r, 'sarif', { rules: new Map([['stripe-secret-key', { name: 'Stripe secret key', provider: 'stripe', kind: 'api_key' }]]) }));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    expect(sarif.runs).toHaveLength(1);
    const run = sarif.runs[0];
    expect(run.tool.driver.name).toBe('credctl');
    const ruleIds = run.tool.driver.rules.map((x: { id: string }) => x.id);
    expect(ruleIds).toEqual(['github-classic-pat', 'stripe-secret-key']);
    for (const rule of run.tool.driver.rules) {
      expect(rule.shortDescription.text).toBeTruthy();
      expect(Number(rule.properties['security-severity'])).toBeGreaterThan(0);
    }
    expect(run.results).toHaveLength(2);
    for (const res of run.results) {
      expect(ruleIds).toContain(res.ruleId);
      expect(run.tool.driver.rules[res.ruleIndex].id).toBe(res.ruleId);
      expect(res.message.text).toBeTruthy();
      const loc = res.locations[0].physicalLocation;
      expect(loc.artifactLocation.uri).not.toMatch(/^\//);
      expect(loc.region.startLine).toBeGreaterThanOrEqual(1);
      expect(Object.values(res.partialFingerprints)[0]).toMatch(/fp_[0-9a-f]{24}/);
    }
    const uris = run.results.map((x: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => x.locations[0]!.physicalLocation.artifactLocation.uri);
    expect(uris).toEqual(['config/prod.env', 'dir%20with%20space/a.js']);
    expect(run.results[0].message.text).toContain('Stripe secret key');
  });

  it('sarif with no findings is still a valid, empty run', () => {
    const s = toSarif([]) as { runs: { results: unknown[]; tool: { driver: { rules: unknown[] } } }[] };
    expect(s.runs[0]!.results).toEqual([]);
    expect(s.runs[0]!.tool.driver.rules).toEqual([]);
  });
});
