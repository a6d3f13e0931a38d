import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/graph/build.js';
import { dependentsOf, where, whatBreaksIfRevoked } from '../../src/graph/query.js';
import { CredctlError } from '../../src/core/errors.js';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyFixture, pinnedRules } from './helpers.js';

const STRIPE_TEST = 'fp_7e249bfa9d8fcdce6018e996';
const STRIPE_LIVE = 'fp_e1d013060287e0a1cdcf0561';

describe('where', () => {
  const webapp = () => buildGraph(copyFixture('webapp-node', { remote: 'https://github.com/acme/webapp.git' }), { rules: pinnedRules() });

  it('STRIPE_SECRET_KEY in webapp-node: exactly its files, CI jobs, services, code and targets', () => {
    const r = where(webapp(), 'STRIPE_SECRET_KEY');
    expect(r.matched).toBe('name');
    expect(r.places.map((p) => `${p.file}:${p.line}`)).toEqual(['.env:6', '.env.production:3', 'docker-compose.yml:9']);
    expect(r.credentials.map((c) => c.id).sort()).toEqual([STRIPE_TEST, STRIPE_LIVE]);
    expect(r.consumers.map((c) => c.id)).toEqual([
      'consumer:code:src/lib/stripe.ts',
      'consumer:compose-service:docker-compose.yml#web',
      'consumer:gha-job:.github/workflows/deploy.yml#deploy',
    ]);
    expect(r.consumers.find((c) => c.kind === 'gha-job')!.uses).toEqual([
      { name: 'STRIPE_SECRET_KEY', file: '.github/workflows/deploy.yml', line: 23, via: 'target:github-actions:STRIPE_SECRET_KEY' },
    ]);
    expect(r.targets.map((t) => [t.id, t.credentials.sort(), t.inferred ?? false])).toEqual([
      ['target:config-file:docker-compose.yml', [STRIPE_TEST], false],
      ['target:dotenv:.env', [STRIPE_TEST], false],
      ['target:dotenv:.env.production', [STRIPE_LIVE], false],
      ['target:github-actions:STRIPE_SECRET_KEY', [STRIPE_LIVE], true],
      ['target:vercel-env:prj_webapp0001:STRIPE_SECRET_KEY', [STRIPE_LIVE], true],
    ]);
    expect(r.targets.find((t) => t.kind === 'github-actions')!.label).toBe('GitHub Actions secret STRIPE_SECRET_KEY of acme/webapp');
  });

  it('finds a credential by fingerprint prefix and a file by path', () => {
    const g = webapp();
    const byFp = where(g, STRIPE_LIVE.slice(0, 10));
    expect(byFp.matched).toBe('credential');
    expect(byFp.names).toEqual(['STRIPE_SECRET_KEY']);
    expect(byFp.places.map((p) => `${p.file}:${p.line}`)).toEqual(['.env.production:3']);
    const byFile = where(g, '.env.production');
    expect(byFile.matched).toBe('file');
    expect(byFile.names).toEqual(['EXAMPLE_API_KEY', 'STRIPE_SECRET_KEY']);
    const code = where(g, './src/lib/stripe.ts');
    expect(code.consumers.map((c) => c.id)).toContain('consumer:code:src/lib/stripe.ts');
  });

  it('says plainly when nothing matches (exit code 3)', () => {
    const g = webapp();
    expect(() => where(g, 'NO_SUCH_NAME')).toThrow(CredctlError);
    try {
      where(g, 'fp_ffffffff');
    } catch (err) {
      expect((err as CredctlError).exitCode).toBe(3);
    }
  });

  it('DATABASE_PASSWORD in worker-python-k8s: the Secret, both workloads, the code, the test env file', () => {
    const g = buildGraph(copyFixture('worker-python-k8s'), { rules: pinnedRules() });
    const r = where(g, 'DATABASE_PASSWORD');
    expect(r.places.map((p) => `${p.file}:${p.line}`)).toEqual(['.env.test:2', 'k8s/secret.yaml:9']);
    expect(r.consumers.map((c) => c.id)).toEqual([
      'consumer:code:worker/main.py',
      'consumer:k8s-workload:jobs/CronJob/nightly-export',
      'consumer:k8s-workload:jobs/Deployment/worker',
    ]);
    expect(r.targets.map((t) => t.id)).toEqual(['target:dotenv:.env.test', 'target:k8s-secret:jobs/worker-secrets']);
  });

  it('EXAMPLE_API_KEY in monorepo-terraform-gitlab: .env, GitLab job, Go code, serverless via SSM', () => {
    const g = buildGraph(copyFixture('monorepo-terraform-gitlab'), { rules: pinnedRules() });
    const r = where(g, 'EXAMPLE_API_KEY');
    expect(r.credentials.map((c) => [c.provider, c.redacted])).toEqual([['example', 'ccx_live_…xY3z']]);
    expect(r.places.map((p) => `${p.file}:${p.line}`)).toEqual(['.env:3']);
    expect(r.consumers.map((c) => c.id)).toEqual([
      'consumer:code:packages/api/main.go',
      'consumer:gitlab-job:.gitlab-ci.yml#deploy-infra',
      'consumer:serverless-service:packages/functions/serverless.yml#acme-functions',
    ]);
    expect(r.targets.map((t) => t.id)).toEqual(['target:aws-ssm-parameter:/acme/prod/example-api-key', 'target:dotenv:.env']);
  });
});

describe('whatBreaksIfRevoked', () => {
  it('the live Stripe key: the production deploy job and the code; not compose, which has the test key', () => {
    const g = buildGraph(copyFixture('webapp-node', { remote: 'git@github.com:acme/webapp.git' }), { rules: pinnedRules() });
    expect(whatBreaksIfRevoked(g, STRIPE_LIVE).map((c) => c.id)).toEqual([
      'consumer:code:src/lib/stripe.ts',
      'consumer:gha-job:.github/workflows/deploy.yml#deploy',
    ]);
    expect(whatBreaksIfRevoked(g, STRIPE_TEST).map((c) => c.id)).toEqual([
      'consumer:code:src/lib/stripe.ts',
      'consumer:compose-service:docker-compose.yml#web',
    ]);
  });

  it('a consumer with another credential for the name in the same environment is affected, not broken', () => {
    const root = mkdtempSync(join(tmpdir(), 'credctl-graph-alt-'));
    writeFileSync(join(root, '.env.development'), 'SESSION_SECRET=FAKE-session-secret-aaaa-0001\n');
    writeFileSync(join(root, '.env.local'), 'SESSION_SECRET=FAKE-session-secret-bbbb-0002\n');
    writeFileSync(join(root, 'app.js'), 'export const secret = process.env.SESSION_SECRET;\n');
    writeFileSync(join(root, 'compose.yaml'), 'services:\n  app:\n    image: node:20\n    env_file: .env.local\n');
    const g = buildGraph(root, { rules: pinnedRules(), write: false });
    const [a, b] = ['0001', '0002'].map((end) => where(g, 'SESSION_SECRET').credentials.find((c) => c.redacted.endsWith(end))!.id);
    // Both files are dev: the code has the other value to fall back on; compose only reads .env.local.
    expect(dependentsOf(g, a!).map((i) => [i.consumer.id, i.broken, i.alternatives])).toEqual([['consumer:code:app.js', false, [b]]]);
    expect(whatBreaksIfRevoked(g, a!)).toEqual([]);
    expect(whatBreaksIfRevoked(g, b!).map((c) => c.id)).toEqual(['consumer:compose-service:compose.yaml#app']);
  });

  it('k8s: a Secret key delivered under another env name joins the code that reads that name', () => {
    const root = mkdtempSync(join(tmpdir(), 'credctl-graph-alias-'));
    mkdirSync(join(root, 'k8s'));
    mkdirSync(join(root, 'src'));
    writeFileSync(
      join(root, 'k8s/secret.yaml'),
      'apiVersion: v1\nkind: Secret\nmetadata: { name: payments, namespace: shop }\nstringData:\n  stripe-key: sk_live_51FAKEaliasJoinKey9Qw3Er5Ty7Ui8Op\n',
    );
    writeFileSync(
      join(root, 'k8s/deploy.yaml'),
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: { name: checkout, namespace: shop }',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '        - name: app',
        '          env:',
        '            - name: STRIPE_API_KEY',
        '              valueFrom: { secretKeyRef: { name: payments, key: stripe-key } }',
        '',
      ].join('\n'),
    );
    writeFileSync(join(root, 'src/pay.js'), 'export const stripe = new Stripe(process.env.STRIPE_API_KEY);\n');
    writeFileSync(join(root, 'src/other.js'), 'export const unrelated = process.env.SOMETHING_ELSE;\n');
    const g = buildGraph(root, { rules: pinnedRules(), write: false });
    const [cred] = where(g, 'stripe-key').credentials;
    expect(cred).toBeDefined();
    expect(whatBreaksIfRevoked(g, cred!.id).map((c) => c.id)).toEqual(['consumer:code:src/pay.js', 'consumer:k8s-workload:shop/Deployment/checkout']);
  });

  it('k8s: revoking the Secret value breaks both workloads and the code reading it', () => {
    const g = buildGraph(copyFixture('worker-python-k8s'), { rules: pinnedRules() });
    expect(whatBreaksIfRevoked(g, 'fp_a3bedba827d03fe42b3ab4b1').map((c) => c.id)).toEqual([
      'consumer:code:worker/main.py',
      'consumer:k8s-workload:jobs/CronJob/nightly-export',
      'consumer:k8s-workload:jobs/Deployment/worker',
    ]);
  });
});
