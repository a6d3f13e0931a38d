import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCompositeAction, type ActionRun } from '../helpers/action-runner.js';
import { sarifSchemaErrors } from '../helpers/sarif-schema.js';
import { cleanup, commit, git, gitRepo, REPO, write } from '../scan/helpers.js';

// action.yml's steps, run as a GitHub runner would with the event's environment simulated, on a
// real repository: the SARIF must validate against the SARIF 2.1.0 schema, the job summary must
// say what was found (redacted) and, on a pull request, its blast radius; no value anywhere.
const built = existsSync(join(REPO, 'dist', 'ci', 'github-action.js'));
afterAll(cleanup);

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const rand = (n: number) => [...randomBytes(n)].map((b) => ALNUM[b % ALNUM.length]).join('');
/** A Stripe-shaped key the shipped rules detect; FAKE marks it, random so it matches nothing real. */
const fakeStripe = () => `sk_live_51FAKE${rand(28)}`;

function project() {
  const d = gitRepo();
  const old = fakeStripe();
  write(d, 'src/pay.js', 'export const stripe = process.env.STRIPE_SECRET_KEY;\n');
  write(d, 'config/legacy.env', `LEGACY_STRIPE_KEY=${old}\n`);
  const base = commit(d, 'main, with an old key already there');
  git(d, 'checkout', '-q', '-b', 'feature');
  const added = fakeStripe();
  write(d, '.env.production', `NODE_ENV=production\nSTRIPE_SECRET_KEY=${added}\n`);
  const head = commit(d, 'the pull request adds a key');
  return { d, base, head, old, added };
}

function expectNoValue(run: ActionRun, files: string[], values: string[]): void {
  const everything = [run.log, run.summary, JSON.stringify(run.outputs), ...files.map((f) => readFileSync(f, 'utf8'))].join('\n');
  for (const v of values) {
    expect(everything).not.toContain(v);
    expect(everything).not.toContain(v.slice(14, 30));
  }
}

describe.skipIf(!built)('the GitHub Action (action.yml)', () => {
  it('pull request: scans its commits, writes valid SARIF, a summary with the blast radius, annotations, and fails', () => {
    const p = project();
    const run = runCompositeAction({
      actionPath: REPO,
      workspace: p.d,
      eventName: 'pull_request',
      event: { pull_request: { number: 7, base: { sha: p.base }, head: { sha: p.head } } },
    });
    const [install, scan, upload, failStep] = run.steps;
    expect(install).toMatchObject({ ran: true, status: 0 });
    expect(scan, scan!.stderr).toMatchObject({ name: 'Scan for credentials', ran: true, status: 0 });
    expect(run.outputs).toEqual({ findings: '1', 'sarif-file': 'credctl.sarif', scanned: `${p.base}..${p.head}` });

    const sarifPath = join(p.d, 'credctl.sarif');
    const sarif = JSON.parse(readFileSync(sarifPath, 'utf8'));
    expect(sarifSchemaErrors(sarif)).toEqual([]);
    expect(sarif.runs[0].results).toHaveLength(1); // the old key on main is not what this pull request adds
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('.env.production');
    expect(upload).toMatchObject({ ran: true, uses: 'github/codeql-action/upload-sarif@v3', with: { sarif_file: 'credctl.sarif', category: 'credctl' } });

    expect(scan!.stdout).toContain(`::error file=.env.production,line=2,title=credctl%3A stripe-secret-key::`);
    expect(run.summary).toContain('## credctl: 1 credential found in what this pull request adds');
    expect(run.summary).toContain(`sk\\_live\\_…${p.added.slice(-4)}`);
    expect(run.summary).toContain('<code>.env.production:2</code>');
    expect(run.summary).toContain('### Blast radius of the credentials this pull request adds');
    expect(run.summary).toContain('STRIPE_SECRET_KEY');
    expect(run.summary).toMatch(/^#### Credential exposure report$/m); // the report's headings sit below the section's
    expect(run.summary).toContain('src/pay.js');
    expect(failStep).toMatchObject({ ran: true, status: 1 });
    expect(failStep!.stdout).toContain('::error title=credctl::1 credential(s) found');
    expectNoValue(run, [sarifPath], [p.added, p.old]);
  });

  it('push with nothing new: a clean, valid report, and the job passes', () => {
    const p = project();
    write(p.d, 'README.md', '# docs only\n');
    const after = commit(p.d, 'docs');
    const run = runCompositeAction({
      actionPath: REPO,
      workspace: p.d,
      eventName: 'push',
      event: { before: p.head, after },
      inputs: { 'sarif-file': 'out/credctl.sarif' },
    });
    expect(run.steps.map((s) => [s.name, s.ran, s.status ?? null])).toEqual([
      ["Install credctl's dependencies", true, 0],
      ['Scan for credentials', true, 0],
      ['Upload SARIF to code scanning', true, 0],
      ['Fail on findings', false, null],
    ]);
    expect(run.outputs).toMatchObject({ findings: '0', 'sarif-file': 'out/credctl.sarif', scanned: `${p.head}..${after}` });
    expect(sarifSchemaErrors(JSON.parse(readFileSync(join(p.d, 'out', 'credctl.sarif'), 'utf8')))).toEqual([]);
    expect(run.summary).toContain('## credctl: no credentials found in what this push adds');
    expect(run.summary).not.toContain('Blast radius');
  });

  it('a shallow checkout without the base commit: the whole tree, with a notice saying why', () => {
    const p = project();
    const missing = 'f'.repeat(40);
    const run = runCompositeAction({
      actionPath: REPO,
      workspace: p.d,
      eventName: 'pull_request',
      event: { pull_request: { base: { sha: missing }, head: { sha: p.head } } },
      inputs: { 'fail-on-findings': 'false', 'upload-sarif': 'false', 'blast-radius': 'false' },
    });
    expect(run.steps[1]!.stdout).toContain(
      `::notice title=credctl::commit ${missing.slice(0, 12)} is not in the checkout (use actions/checkout with fetch-depth: 0`,
    );
    expect(run.outputs).toMatchObject({ findings: '2', scanned: 'tree' });
    expect(run.summary).toContain('2 credentials found in the checked-out tree');
    expect(run.summary).not.toContain('Blast radius');
    expect(run.steps.filter((s) => s.ran).map((s) => s.name)).toEqual(["Install credctl's dependencies", 'Scan for credentials']);
    expectNoValue(run, [join(p.d, 'credctl.sarif')], [p.added, p.old]);
  });

  it('bad input is one error annotation, and the job fails', () => {
    const p = project();
    const run = runCompositeAction({ actionPath: REPO, workspace: p.d, eventName: 'push', event: {}, inputs: { scan: 'everything' } });
    expect(run.steps[1]!.status).toBe(2);
    expect(run.steps[1]!.stdout).toBe('::error title=credctl::the scan input must be changes, tree or history\n');
  });
});
