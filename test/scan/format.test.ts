import { Chalk } from 'chalk';
import { afterAll, describe, expect, it } from 'vitest';
import { scanPaths } from '../../src/scan/engine.js';
import { formatResult, summarize, toSarif } from '../../src/scan/format.js';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { sarifSchemaErrors } from '../helpers/sarif-schema.js';
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
  it('json: one document with the credctl version, findings and stats', async () => {
    const r = await sample();
    const doc = JSON.parse(formatResult(r, 'json'));
    expect(Object.keys(doc)).toEqual(['credctlVersion', 'findings', 'stats']);
    expect(doc.findings[0]).toMatchObject({ ruleId: 'stripe-secret-key', provider: 'stripe', kind: 'api_key', file: 'config/prod.env', line: 1, column: 8 });
    for (const f of doc.findings)
      for (const k of ['ruleId', 'provider', 'kind', 'file', 'line', 'column', 'fingerprint', 'redacted']) expect(f).toHaveProperty(k);
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
    const sarif = JSON.parse(
      formatResult(r, 'sarif', { rules: new Map([['stripe-secret-key', { name: 'Stripe secret key', provider: 'stripe', kind: 'api_key' }]]) }),
    );
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
    const uris = run.results.map(
      (x: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => x.locations[0]!.physicalLocation.artifactLocation.uri,
    );
    expect(uris).toEqual(['config/prod.env', 'dir%20with%20space/a.js']);
    expect(run.results[0].message.text).toContain('Stripe secret key');
  });

  it('sarif with no findings is still a valid, empty run', () => {
    const s = toSarif([]) as { runs: { results: unknown[]; tool: { driver: { rules: unknown[] } } }[] };
    expect(s.runs[0]!.results).toEqual([]);
    expect(s.runs[0]!.tool.driver.rules).toEqual([]);
    expect(sarifSchemaErrors(s)).toEqual([]);
  });

  it('sarif validates against the official SARIF 2.1.0 JSON schema, for tree and history findings', async () => {
    const r = await sample();
    const rules = new Map([['stripe-secret-key', { name: 'Stripe secret key', provider: 'stripe', kind: 'api_key' }]]);
    expect(sarifSchemaErrors(JSON.parse(formatResult(r, 'sarif', { rules })))).toEqual([]);
    const history = r.findings.map((f) => ({
      ...f,
      commit: 'a'.repeat(40),
      author: 'Alice Example',
      date: '2025-01-31T12:00:00Z',
      commits: 2,
      status: 'deleted' as const,
    }));
    expect(sarifSchemaErrors(toSarif([...history, { ...r.findings[0]!, file: '/abs/path/x.env' }]))).toEqual([]);
    // The validator does reject what is not SARIF (so the checks above can fail).
    const broken = toSarif(r.findings) as { runs: { results: { level: string }[] }[] };
    broken.runs[0]!.results[0]!.level = 'fatal';
    expect(sarifSchemaErrors(broken).join('\n')).toMatch(/level/);
    expect(sarifSchemaErrors({ version: '2.1.0' })).not.toEqual([]);
  });

  it('junit: one failed test case per finding, well-formed XML, nothing but redacted forms', async () => {
    const r = await sample();
    // A name no XML escaping can be sloppy with: markup characters and a control character.
    r.findings[1] = { ...r.findings[1]!, file: 'we<i>rd & "odd"\u0001.js' };
    const xml = formatResult(r, 'junit', { rules: new Map([['stripe-secret-key', { name: 'Stripe secret key', provider: 'stripe', kind: 'api_key' }]]) });
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    const suite = doc.testsuites.testsuite;
    expect(suite).toMatchObject({ name: 'credctl scan', tests: '2', failures: '2', errors: '0' });
    const cases = suite.testcase as {
      classname: string;
      name: string;
      file: string;
      line: string;
      failure: { type: string; message: string; '#text': string };
    }[];
    expect(cases.map((c) => [c.classname, c.name, c.failure.type])).toEqual([
      ['config/prod.env', 'stripe-secret-key at config/prod.env:1:8', 'stripe-secret-key'],
      ['we<i>rd & "odd"\uFFFD.js', 'github-classic-pat at we<i>rd & "odd"\uFFFD.js:2:12', 'github-classic-pat'],
    ]);
    expect(cases[0]!.failure.message).toMatch(/^Stripe secret key sk_live_…\w{4} \(fp_/);
    expect(cases[0]!.failure['#text']).toContain(r.findings[0]!.fingerprint);
    expect(xml).not.toContain(fake.stripe(1));
    expect(xml).not.toContain(fake.github(2));

    // A clean scan still reports one passing test, so CI shows that the scan ran.
    const clean = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(formatResult({ findings: [], stats: r.stats }, 'junit'));
    expect(clean.testsuites.testsuite).toMatchObject({ tests: '1', failures: '0', testcase: { name: 'no credentials found' } });
  });
});
