import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/commands/rotate.js';
import { readPlan } from '../../src/plan/plan-file.js';
import { runBlastRadius } from '../../src/commands/blast-radius.js';
import { startGithubApi, type GithubApiServer } from '../../src/demo/vendors/github-api.js';
import { startVercelApi, type VercelApiServer } from '../../src/demo/vendors/vercel-api.js';
import { liveFixture } from '../helpers/fixture-project.js';
import { startTestIssuer, type Issuer } from '../helpers/rotation-project.js';

// Issue 7's acceptance: on each fixture, `blast-radius --leaked <its leaked file>` names exactly
// the expected credentials, their access from live introspection against the reference issuer,
// their places, consumers and breakages; and its --plan output applies cleanly (manual steps
// answered the way a person would: a new value pasted, the revoke confirmed).
let issuer: Issuer;
let gh: GithubApiServer;
let vercel: VercelApiServer;
const GH_TOKEN = `ghp_FAKE${randomBytes(16).toString('hex')}`;
const VERCEL_TOKEN = `FAKEvercel${randomBytes(8).toString('hex')}`;

beforeAll(async () => {
  issuer = await startTestIssuer();
  gh = await startGithubApi({ tokens: [GH_TOKEN], repos: ['acme/webapp-node', 'acme/worker', 'acme/monorepo-terraform-gitlab'] });
  vercel = await startVercelApi({ tokens: [VERCEL_TOKEN], projects: [{ id: 'prj_webapp0001', name: 'webapp', teamId: 'team_acme0001' }] });
});
afterAll(async () => {
  await Promise.all([issuer?.close(), gh?.close(), vercel?.close()]);
  delete process.env.CREDCTL_STORE;
  delete process.env.CREDCTL_KEY_FILE;
});

interface Expectation {
  fixture: string;
  leaked: string;
  names: string[];
  /** What the plan rotates, when it differs: a key id is rotated with its secret, not alone. */
  planNames?: string[];
  exampleConsumers: string[];
  exampleBreaks: string[];
  examplePlace: string;
}

const CASES: Expectation[] = [
  {
    fixture: 'webapp-node',
    leaked: '.env.production',
    names: ['EXAMPLE_API_KEY', 'STRIPE_SECRET_KEY'],
    exampleConsumers: ['Deploy / deploy', 'code src/lib/example-client.ts'],
    exampleBreaks: ['Deploy / deploy', 'code src/lib/example-client.ts'],
    examplePlace: '.env.production:4',
  },
  {
    fixture: 'worker-python-k8s',
    leaked: 'k8s/secret.yaml',
    names: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'DATABASE_PASSWORD', 'EXAMPLE_API_KEY', 'sentry-dsn'],
    planNames: ['AWS_SECRET_ACCESS_KEY', 'DATABASE_PASSWORD', 'EXAMPLE_API_KEY', 'sentry-dsn'],
    exampleConsumers: ['CronJob jobs/nightly-export', 'Deployment jobs/worker', 'code worker/client.py'],
    exampleBreaks: ['CronJob jobs/nightly-export', 'Deployment jobs/worker', 'code worker/client.py'],
    examplePlace: 'k8s/secret.yaml:12',
  },
  {
    fixture: 'monorepo-terraform-gitlab',
    leaked: '.env',
    names: ['DATABASE_URL', 'EXAMPLE_API_KEY', 'STRIPE_SECRET_KEY'],
    exampleConsumers: ['GitLab CI / deploy-infra', 'Serverless service acme-functions', 'code packages/api/main.go'],
    exampleBreaks: ['GitLab CI / deploy-infra', 'code packages/api/main.go'],
    examplePlace: '.env:3',
  },
];

/** Answers a manual step as a person would: paste a new (fake) value of the right form, confirm revokes. */
function person() {
  const fresh: Record<string, () => string> = {
    STRIPE_SECRET_KEY: () => `sk_live_51FAKE${randomBytes(12).toString('hex')}`,
    AWS_ACCESS_KEY_ID: () => `AKIA${randomBytes(8).toString('hex').toUpperCase()}`.slice(0, 20),
    // A pasted value must look like the provider's credential (credctl refuses a mistyped one).
    AWS_SECRET_ACCESS_KEY: () => randomBytes(30).toString('base64').replace(/[+/=]/g, 'A').slice(0, 40),
    DATABASE_URL: () => `postgres://app_FAKE:${randomBytes(12).toString('hex')}@db.internal:5432/app`,
  };
  return {
    secret: async (message: string) => {
      // "Paste the new value for NAME:", or for a part: "Paste the new NAME that goes with it:".
      const name = /for (\S+):/.exec(message)?.[1] ?? /new (\S+) that goes with it/.exec(message)?.[1] ?? '';
      return (fresh[name] ?? (() => `FAKE${randomBytes(16).toString('base64url')}`))();
    },
    confirm: async () => true,
  };
}

describe.each(CASES)('blast radius of a leaked $leaked in $fixture', (c) => {
  it('names exactly the exposed credentials with live access, places, consumers and breakages; its plan applies', async () => {
    const fx = await liveFixture(c.fixture, issuer, { scopes: ['events:read', 'events:write'], tokens: { github: GH_TOKEN, vercel: VERCEL_TOKEN } });
    if (c.fixture === 'webapp-node') {
      gh.seedSecret('acme/webapp-node', 'EXAMPLE_API_KEY', fx.key);
      vercel.seedEnv('prj_webapp0001', { key: 'EXAMPLE_API_KEY', value: fx.key, type: 'encrypted', target: ['production', 'preview', 'development'] });
    }
    const planFile = join(fx.root, '.credctl', 'recovery.yaml');
    const { report } = await runBlastRadius(fx.root, { leaked: [join(fx.root, c.leaked)], planOut: planFile });

    expect(report.items.map((i) => i.names[0]).sort()).toEqual(c.names);
    const example = report.items.find((i) => i.names[0] === 'EXAMPLE_API_KEY')!;
    expect(example.liveness.status).toBe('active');
    expect(example.access.status).toBe('known');
    expect(example.access.scopes.map((s) => `${s.scope}:${s.risk}`).sort()).toEqual(['events:read:read', 'events:write:write']);
    expect(example.places.map((p) => `${p.file}:${p.line}`)).toEqual([c.examplePlace]);
    expect(example.consumers.map((x) => x.label).sort()).toEqual(c.exampleConsumers);
    expect(example.breaks.map((b) => b.consumer).sort()).toEqual(c.exampleBreaks);
    expect(report.items.every((i) => i.inGraph && i.public)).toBe(true);
    expect(JSON.stringify(report)).not.toContain(fx.key);

    // The recovery plan applies cleanly.
    const plan = readPlan(planFile);
    expect(plan.credentials.map((x) => x.names[0]).sort()).toEqual(c.planNames ?? c.names);
    expect(readFileSync(planFile, 'utf8')).not.toContain(fx.key);
    const summary = await applyPlan(plan, {
      yes: true,
      noInput: false,
      concurrency: 2,
      store: fx.store,
      prompter: person(),
      onEvent: () => undefined,
      apiUrl: { 'github-actions': gh.url, 'vercel-env': vercel.url },
    });
    expect(summary.failed).toEqual([]);
    expect(summary.rotated.length).toBe((c.planNames ?? c.names).length);
    const whoami = async (v: string) => (await fetch(`${issuer.url}/v1/whoami`, { headers: { authorization: `Bearer ${v}` } })).status;
    expect(await whoami(fx.key)).toBe(401);
    if (c.fixture === 'webapp-node') {
      const fresh = gh.secret('acme/webapp-node', 'EXAMPLE_API_KEY')!.value;
      expect(fresh).not.toBe(fx.key);
      expect(await whoami(fresh)).toBe(200);
      expect(vercel.envs('prj_webapp0001').find((e) => e.key === 'EXAMPLE_API_KEY')!.value).toBe(fresh);
    }
    await fx.admin.close();
  }, 60_000);
});
