import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPaths } from '../../src/core/paths.js';
import { runBlastRadius } from '../../src/commands/blast-radius.js';
import { trustProject } from '../helpers/trust.js';
import { startGithub, type GithubStandIn } from '../integrations/github/standin.js';

// After a leak, keys nothing in the project uses are revoked at once, without replacement:
// listed first, confirmed, audited, and never one a consumer still needs.
const USED = 'ghp_FAKEq7Rm2Xw9Lp4Tz8Kd3Vn6Bc1Hs5Jf0Yg2';
const UNUSED = 'ghp_FAKE9876543210zyxwvuFAKE9876543210zy';
let gh: GithubStandIn;
beforeAll(async () => {
  gh = await startGithub({ [USED]: { login: 'ci-bot', id: 7, scopes: 'repo' }, [UNUSED]: { login: 'old-laptop', id: 8, scopes: 'repo, admin:org' } });
});
afterAll(() => gh?.close());

function project(): { root: string; leak: string } {
  const root = mkdtempSync(join(tmpdir(), 'credctl-deadends-'));
  execFileSync('git', ['init', '-q', root]);
  // USED feeds the deploy workflow through .env; UNUSED appears only in the leaked log.
  writeFileSync(join(root, '.env'), `GH_DEPLOY_TOKEN=${USED}\n`);
  writeFileSync(join(root, 'credctl.yaml'), `providers:\n  github: { issuer: ${gh.url} }\n`);
  trustProject(root);
  const leak = join(root, 'ci.log');
  writeFileSync(leak, `step 3: export GH_DEPLOY_TOKEN=${USED}\nstep 4: export OLD_TOKEN=${UNUSED}\n`);
  return { root, leak };
}

describe('blast-radius --revoke-dead-ends', () => {
  it('reports who each key is and whether credctl can revoke it', async () => {
    const p = project();
    const { report } = await runBlastRadius(p.root, { leaked: [p.leak] });
    const unused = report.items.find((i) => !i.inGraph)!;
    expect(unused).toMatchObject({ liveness: { status: 'active' }, identity: { principal: 'old-laptop' }, revocable: 'api', inGraph: false });
    expect(unused.access.scopes.map((s) => s.scope)).toEqual(expect.arrayContaining(['repo', 'admin:org']));
    const used = report.items.find((i) => i.names.includes('GH_DEPLOY_TOKEN'))!;
    expect(used).toMatchObject({ inGraph: true, revocable: 'api', identity: { principal: 'ci-bot' } });
    expect(used.targets.length).toBeGreaterThan(0);
  });

  it('--dry-run lists the dead ends and revokes nothing', async () => {
    const p = project();
    const { revoked } = await runBlastRadius(p.root, { leaked: [p.leak], revokeDeadEnds: { dryRun: true, noInput: true } });
    expect(revoked).toMatchObject({ revoked: [], skipped: true });
    expect(gh.revocations).toEqual([]);
  });

  it('under --no-input without --yes it refuses (exit 6) and revokes nothing', async () => {
    const p = project();
    await expect(runBlastRadius(p.root, { leaked: [p.leak], revokeDeadEnds: { noInput: true } })).rejects.toMatchObject({ exitCode: 6 });
    expect(gh.revocations).toEqual([]);
  });

  it('--yes revokes only the key nothing uses, records it in the audit log, and never the one in use', async () => {
    const p = project();
    const { revoked } = await runBlastRadius(p.root, { leaked: [p.leak], revokeDeadEnds: { yes: true, noInput: true } });
    expect(revoked!.revoked).toHaveLength(1);
    expect(revoked!.failed).toEqual([]);
    expect(gh.revocations.flat()).toEqual([UNUSED]);
    expect(gh.revoked.has(UNUSED)).toBe(true);
    expect(gh.revoked.has(USED)).toBe(false);
    const audit = readFileSync(projectPaths(p.root).audit, 'utf8');
    expect(audit).toContain('credential.revoke');
    expect(audit).not.toContain(UNUSED);
    expect(audit).not.toContain(USED);
    // Asked again: the provider already refuses it, so it is no longer a dead end to revoke.
    const again = await runBlastRadius(p.root, { leaked: [p.leak], revokeDeadEnds: { yes: true, noInput: true } });
    expect(again.revoked!.revoked).toEqual([]);
    expect(gh.revocations.flat()).toEqual([UNUSED]);
  });
});
