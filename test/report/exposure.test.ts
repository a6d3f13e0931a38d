import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/core/fingerprint.js';
import { exposedInEnvironment, exposedInFile, exposedInReport, exposedInText } from '../../src/report/exposure.js';

const STRIPE = 'sk_live_51FAKEq8Hd2kLp0Zr7VbN3xTy9Wq';
const GH = 'ghp_FAKE9aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2u';

describe('exposure inputs', () => {
  it('finds credentials in leaked text, once each, with where they were', () => {
    const leak = `deploy log\nSTRIPE_SECRET_KEY=${STRIPE}\nagain ${STRIPE}\nGH_TOKEN=${GH}\nSESSION_SECRET=FAKEplainButLongValue99\n`;
    const items = exposedInText(leak, 'ci log', true);
    const fps = items.map((i) => i.fingerprint);
    expect(fps).toContain(fingerprint(STRIPE));
    expect(fps).toContain(fingerprint(GH));
    expect(fps).toContain(fingerprint('FAKEplainButLongValue99'));
    expect(fps.filter((f) => f === fingerprint(STRIPE))).toHaveLength(1);
    expect(items.find((i) => i.fingerprint === fingerprint(STRIPE))!.via).toBe('ci log line 2');
    expect(items.every((i) => i.public)).toBe(true);
    expect(JSON.stringify(items)).not.toContain(STRIPE);
    expect(JSON.stringify(items)).not.toContain(GH);
  });

  it('reads the process environment, including credentials inside URLs', () => {
    const url = 'postgres://app:FAKEdbPassw0rdXyZ12345@db.internal:5432/app';
    const items = exposedInEnvironment({ STRIPE_SECRET_KEY: STRIPE, DATABASE_URL: url, SHORT: 'x' });
    const fps = items.map((i) => i.fingerprint);
    expect(fps).toContain(fingerprint(STRIPE));
    expect(fps).toContain(fingerprint(url));
    expect(items.find((i) => i.fingerprint === fingerprint(STRIPE))!.name).toBe('STRIPE_SECRET_KEY');
    expect(JSON.stringify(items)).not.toContain('FAKEdbPassw0rd');
  });

  it('reads gitleaks, trufflehog and SARIF reports', () => {
    const dir = mkdtempSync(join(tmpdir(), 'credctl-exposure-'));
    writeFileSync(join(dir, 'config.js'), `const a = 1;\nconst key = "${GH}";\n`);
    const gitleaks = join(dir, 'gitleaks.json');
    writeFileSync(gitleaks, JSON.stringify([{ RuleID: 'stripe-access-token', File: '.env', StartLine: 2, Secret: STRIPE, Match: `KEY=${STRIPE}` }]));
    const trufflehog = join(dir, 'th.jsonl');
    writeFileSync(
      trufflehog,
      JSON.stringify({ DetectorName: 'Github', Raw: GH, SourceMetadata: { Data: { Filesystem: { file: 'config.js', line: 2 } } } }) + '\n',
    );
    const sarif = join(dir, 'report.sarif');
    writeFileSync(
      sarif,
      JSON.stringify({
        version: '2.1.0',
        runs: [
          {
            tool: { driver: { name: 'somescanner' } },
            results: [{ ruleId: 'gh', locations: [{ physicalLocation: { artifactLocation: { uri: 'config.js' }, region: { startLine: 2 } } }] }],
          },
        ],
      }),
    );

    expect(exposedInReport(gitleaks, dir).map((e) => e.fingerprint)).toEqual([fingerprint(STRIPE)]);
    expect(exposedInReport(trufflehog, dir).map((e) => e.fingerprint)).toEqual([fingerprint(GH)]);
    const fromSarif = exposedInReport(sarif, dir);
    expect(fromSarif.map((e) => e.fingerprint)).toEqual([fingerprint(GH)]);
    expect(fromSarif[0]!.via).toContain('somescanner: config.js:2');
  });

  it('rejects a report it does not understand with one line naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'credctl-exposure-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"hello": 1}');
    expect(() => exposedInReport(bad, dir)).toThrow(/bad.json: item 0 is neither a gitleaks nor a trufflehog finding/);
    writeFileSync(bad, 'not json\nat all');
    expect(() => exposedInReport(bad, dir)).toThrow(/bad.json:1: not JSON or JSON lines/);
    expect(() => exposedInFile(join(dir, 'missing.env'))).toThrow(/cannot read .*missing.env: no such file or directory/);
  });
});
