import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/graph/build.js';
import { copyFixture, normalize, pinnedRules, readExpected } from './helpers.js';

describe('expected graphs of the sample projects', () => {
  it('webapp-node: Node app, GitHub Actions to Vercel, Postgres in compose, .env files git-ignored', () => {
    const root = copyFixture('webapp-node', { remote: 'git@github.com:acme/webapp.git', gitignore: '.env\n.env.*\n' });
    const graph = buildGraph(root, { rules: pinnedRules() });
    expect(normalize(graph)).toEqual(normalize(readExpected('webapp-node')));
  });
});

describe('expected graphs (worker)', () => {
  it('worker-python-k8s: Kubernetes Secret data/stringData, secretKeyRef, envFrom, Dockerfile, os.environ; repo named in credctl.yaml', () => {
    const root = copyFixture('worker-python-k8s');
    const graph = buildGraph(root, { rules: pinnedRules() });
    expect(normalize(graph)).toEqual(normalize(readExpected('worker-python-k8s')));
  });
});

describe('expected graphs (monorepo)', () => {
  it('monorepo-terraform-gitlab: GitLab CI, Terraform sensitive vars and tfvars, netlify.toml, serverless.yml, Go and Ruby', () => {
    const root = copyFixture('monorepo-terraform-gitlab', { remote: 'git@gitlab.com:acme/mono.git' });
    const graph = buildGraph(root, { rules: pinnedRules() });
    expect(normalize(graph)).toEqual(normalize(readExpected('monorepo-terraform-gitlab')));
  });
});
