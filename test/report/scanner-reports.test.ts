import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/core/fingerprint.js';
import { exposedInReport } from '../../src/report/exposure.js';
import { cleanup, runCredctl, gitRepo, write } from '../scan/helpers.js';

// Other scanners' reports as blast-radius input: a gitleaks report made with --redact (what its
// pre-commit hook and GitHub Action produce) is resolved from its file and line, trufflehog's
// Verified and ExtraData are kept as evidence, and a report can come on stdin.
afterAll(cleanup);

const STRIPE = 'sk_live_51FAKEq8Hd2kLp0Zr7VbN3xTy9Wq';
const AWS_ID = 'AKIAFAKE7Q2M5R8T1W4Z';

describe('scanner reports', () => {
  const dir = mkdtempSync(join(tmpdir(), 'credctl-reports-'));
  writeFileSync(join(dir, '.env'), `APP=1\nSTRIPE_SECRET_KEY=${STRIPE}\n`);

  it('reads a redacted gitleaks finding from its file and line, never fingerprinting "REDACTED"', async () => {
    for (const secret of ['REDACTED', 'sk_li...']) {
      const report = join(dir, `gl-${secret.length}.json`);
      writeFileSync(
        report,
        JSON.stringify([{ RuleID: 'stripe-access-token', File: '.env', StartLine: 2, Secret: secret, Match: 'STRIPE_SECRET_KEY=REDACTED' }]),
      );
      const items = exposedInReport(report, dir);
      expect(items.map((e) => e.fingerprint)).toEqual([fingerprint(STRIPE)]);
      expect(items[0]).toMatchObject({ ruleId: 'stripe-secret-key' });
      expect(items.map((e) => e.fingerprint)).not.toContain(fingerprint(secret));
    }
  });

  it('says a redacted finding whose file is not here is a location only', async () => {
    const report = join(dir, 'gl-missing.json');
    writeFileSync(report, JSON.stringify([{ RuleID: 'x', File: 'gone/.env', StartLine: 3, Secret: 'REDACTED' }]));
    expect(exposedInReport(report, dir)).toEqual([{ via: 'gitleaks: gone/.env:3 (x) (file not readable here; location only)' }]);
  });

  it('never reads a reported file outside the project, however the report names it', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'credctl-outside-'));
    writeFileSync(join(outside, 'leak.env'), `STRIPE_SECRET_KEY=${STRIPE}\n`);
    const report = join(dir, 'gl-outside.json');
    writeFileSync(
      report,
      JSON.stringify([
        { RuleID: 'x', File: join(outside, 'leak.env'), StartLine: 1, Secret: 'REDACTED' },
        { RuleID: 'x', File: '../' + outside.split('/').pop() + '/leak.env', StartLine: 1, Secret: 'REDACTED' },
      ]),
    );
    const items = exposedInReport(report, dir);
    expect(items).toHaveLength(2);
    for (const e of items) {
      expect(e.fingerprint).toBeUndefined();
      expect(e.via).toContain('outside the project; location only');
    }
  });

  it('keeps trufflehog Verified and ExtraData (account, ARN) as evidence, never a value', async () => {
    const report = join(dir, 'th.jsonl');
    writeFileSync(
      report,
      JSON.stringify({
        DetectorName: 'AWS',
        Verified: true,
        Raw: AWS_ID,
        RawV2: `${AWS_ID}FAKEsecretPart0123456789abcdefABCDEF`,
        ExtraData: { account: '123456789012', arn: 'arn:aws:iam::123456789012:user/ci-deployer', resource_type: 'Access key', leaked: `${AWS_ID}` },
        SourceMetadata: { Data: { Filesystem: { file: 'deploy.sh', line: 4 } } },
      }) + '\n',
    );
    const [item] = exposedInReport(report, dir);
    expect(item).toMatchObject({ fingerprint: fingerprint(AWS_ID), verified: true });
    expect(item!.via).toContain('verified live by trufflehog');
    expect(item!.via).toContain('account: 123456789012');
    expect(item!.via).toContain('arn: arn:aws:iam::123456789012:user/ci-deployer');
    expect(item!.via).not.toContain(AWS_ID);
  });

  it('takes a report on stdin, and a verified report makes the credential active in the blast radius', async () => {
    const d = gitRepo();
    write(d, '.env', `STRIPE_SECRET_KEY=${STRIPE}\n`);
    const report = JSON.stringify({ DetectorName: 'Stripe', Verified: true, Raw: STRIPE, SourceMetadata: { Data: { Filesystem: { file: '.env', line: 1 } } } });
    const r = await runCredctl(['blast-radius', '--from-report', '-', '--json', '--no-probe', '--root', d], { cwd: d, input: report + '\n' });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const doc = JSON.parse(r.stdout);
    expect(doc.sources).toContain('scanner report from stdin');
    expect(doc.items).toHaveLength(1);
    expect(doc.items[0].liveness).toMatchObject({ status: 'active' });
    expect(r.stdout + r.stderr).not.toContain(STRIPE);
  });
});
