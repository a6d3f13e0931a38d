import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { liveFixture, type LiveFixture } from '../helpers/fixture-project.js';
import { startTestIssuer, type Issuer } from '../helpers/rotation-project.js';
import { trustProject } from '../helpers/trust.js';
import { startGithub, type GithubStandIn } from '../integrations/github/standin.js';

// Issue 14: a packages-read PAT was assumed, from its GH_ name, to guard every Actions secret, so
// the most critical credentials waited behind it. The CLI now asks GitHub what the token can do
// (its classic scopes) and a token that cannot write Actions secrets guards none of them.
const PAT = 'ghp_FAKE9aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2u';
let issuer: Issuer;
let github: GithubStandIn;
let fx: LiveFixture;

beforeAll(async () => {
  issuer = await startTestIssuer();
  github = await startGithub({ [PAT]: { login: 'ci-bot', id: 7, scopes: 'read:packages' } });
  fx = await liveFixture('webapp-node', issuer, { scopes: ['events:read'] });
  appendFileSync(join(fx.root, '.env'), `GH_PACKAGES_TOKEN=${PAT}\n`);
  const config = readFileSync(join(fx.root, 'credctl.yaml'), 'utf8');
  writeFileSync(join(fx.root, 'credctl.yaml'), config.replace('providers:\n', `providers:\n  github: { issuer: "${github.url}" }\n`));
  trustProject(fx.root);
});
afterAll(async () => {
  await fx?.admin.close();
  await Promise.all([issuer?.close(), github?.close()]);
});

const plan = async () => {
  const r = await runCli(['rotate', 'EXAMPLE_API_KEY', 'GH_PACKAGES_TOKEN', '--dry-run', '--json'], { cwd: fx.root, env: { ...process.env, NO_COLOR: '1' } });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout + r.stderr).not.toContain(PAT);
  return JSON.parse(r.stdout) as { credentials: { names: string[]; orderReason?: string; guards: string[] }[]; order: { batches: string[][] } };
};

describe('guards from live scopes', () => {
  it('a packages-read PAT guards nothing: nothing waits behind it', async () => {
    const p = await plan();
    const pat = p.credentials.find((c) => c.names[0] === 'GH_PACKAGES_TOKEN')!;
    expect(pat.guards).toEqual([]);
    expect(pat.orderReason).toBeUndefined();
    expect(p.order.batches).toHaveLength(1);
  });

  it('a PAT that can write Actions secrets (repo) is rotated first, and the plan says why', async () => {
    github.tokens.get(PAT)!.scopes = 'repo, read:packages';
    const p = await plan();
    const pat = p.credentials.find((c) => c.names[0] === 'GH_PACKAGES_TOKEN')! as { id?: string; guards: string[]; orderReason?: string };
    expect(pat.guards.length).toBeGreaterThan(0);
    expect(pat.orderReason).toMatch(/its scopes can write there: repo/);
    expect(p.order.batches[0]).toEqual([pat.id]);
  });
});
