import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, commit, runCredctl, fake, git, gitRepo, testRulesDir, write, type CliResult } from './helpers.js';

/**
 * The promise that matters most: a value credctl finds never appears in anything credctl prints
 * or writes. Distinctive canaries are planted in files, history, the staged diff and stdin; every
 * output format and every file the scan wrote is searched for them (and for their long substrings).
 */
const CANARIES = [fake.stripe(901), fake.github(902), fake.awsId(903), fake.awsSecret(904), fake.stripeTest(905)];
const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEFAKEcanaryPEMbodyZZ9q8w7e6r5t4y3u2i1o0p\n-----END RSA PRIVATE KEY-----';

afterAll(cleanup);

function assertNoCanary(where: string, text: string) {
  // The public parts (key prefixes, PEM armour) may appear in redacted forms; the rest may not.
  const secretParts = [...CANARIES.map((c) => c.replace(/^(sk_live_|sk_test_|ghp_|AKIA)/, '')), PEM.split('\n')[1]!];
  for (const secretPart of secretParts) {
    // The redacted form keeps the last 4 characters; any 12 consecutive characters of the
    // secret part would already be a leak.
    for (let i = 0; i + 12 <= secretPart.length; i += 4) {
      const piece = secretPart.slice(i, i + 12);
      if (text.includes(piece)) throw new Error(`canary piece ${JSON.stringify(piece.slice(0, 3))}… leaked in ${where}`);
    }
  }
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === '.git') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe('canary: no raw value in any output', () => {
  it('holds for every format, history, staged, stdin, baseline and the pre-commit message', async () => {
    const rulesDir = testRulesDir();
    const d = gitRepo();
    const content = `STRIPE_SECRET_KEY=${CANARIES[0]}\nGITHUB_TOKEN=${CANARIES[1]}\naws_access_key_id = ${CANARIES[2]}\naws_secret_access_key = ${CANARIES[3]}\n${PEM}\n`;
    write(d, 'deploy/.env', content);
    commit(d, 'leak everything');
    write(d, 'deploy/.env', 'cleaned\n');
    commit(d, 'clean');
    write(d, 'staged.txt', `x=${CANARIES[4]}\n`);
    write(d, 'current.env', content);
    git(d, 'add', 'staged.txt');
    const planted = new Set(readdirSync(d));

    const runs: [string, CliResult][] = [];
    for (const rules of [{ CREDCTL_PROVIDERS_DIR: rulesDir }, {}] as Record<string, string>[]) {
      for (const fmt of ['table', 'json', 'jsonl', 'sarif']) {
        runs.push([`scan ${fmt}`, await runCredctl(['scan', '--format', fmt], { cwd: d, env: rules })]);
        runs.push([`history ${fmt}`, await runCredctl(['scan', '--history', '--format', fmt], { cwd: d, env: rules })]);
        runs.push([`staged ${fmt}`, await runCredctl(['scan', '--staged', '--format', fmt], { cwd: d, env: rules })]);
        runs.push([`stdin ${fmt}`, await runCredctl(['scan', '-', '--format', fmt], { cwd: d, env: rules, input: content })]);
      }
      runs.push(['colour table', await runCredctl(['scan'], { cwd: d, env: { ...rules, FORCE_COLOR: '1', NO_COLOR: '' } })]);
      runs.push(['update-baseline', await runCredctl(['scan', '--update-baseline'], { cwd: d, env: rules })]);
      runs.push(['debug', await runCredctl(['scan', '--history'], { cwd: d, env: { ...rules, CREDCTL_DEBUG: '1' } })]);
    }
    // Findings were really made (a canary test that finds nothing proves nothing).
    const json = JSON.parse(runs.find(([n]) => n === 'scan json')![1].stdout);
    expect(json.findings.length).toBeGreaterThanOrEqual(6);
    expect(JSON.parse(runs.find(([n]) => n === 'history json')![1].stdout).findings.length).toBeGreaterThanOrEqual(5);
    expect(runs.find(([n]) => n === 'staged table')![1].stderr).toContain('commit blocked');

    for (const [name, r] of runs) {
      assertNoCanary(`${name} stdout`, r.stdout);
      assertNoCanary(`${name} stderr`, r.stderr);
    }
    // Files the scans wrote (the baseline and the usage graph), excluding the files we planted ourselves.
    const written = filesUnder(d).filter((p) => !planted.has(p.slice(d.length + 1).split('/')[0]!));
    expect(written.map((p) => p.slice(d.length + 1)).sort()).toEqual(['.credctl-baseline.json', '.credctl/.gitignore', '.credctl/graph.json']);
    for (const p of written) assertNoCanary(p, readFileSync(p, 'utf8'));
    // ~30 CLI runs one after another: ~9 s on a quiet machine, several times that on a busy one.
  }, 120_000);
});
