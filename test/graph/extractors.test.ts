import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/graph/build.js';
import { createClassifier } from '../../src/graph/classify.js';
import { EXTRACTORS, extractorFor } from '../../src/graph/extractors/index.js';
import { where } from '../../src/graph/query.js';
import { environmentFromPath, looksSecretName } from '../../src/graph/names.js';
import { pinnedRules } from './helpers.js';

function build(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'credctl-graph-x-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return buildGraph(root, { rules: pinnedRules(), write: false });
}
const edges = (g: ReturnType<typeof build>, type: string) => g.edges.filter((e) => e.type === type);

describe('which values are credentials', () => {
  const c = createClassifier(pinnedRules());
  it('rules first, then secret-looking names with real-looking values; never ordinary config', () => {
    expect(c.classify('STRIPE_KEY', 'sk_live_51FAKEq8Hd2kLp0Zr7VbN3xTy9')?.provider).toBe('stripe');
    expect(c.classify('WHATEVER', 'ccx_live_FAKE2d5zLvkUQvzKI5ORlgV0SVQJjkTW')?.provider).toBe('example');
    expect(c.classify('SESSION_SECRET', 'FAKE-9f8e7d6c5b4a')?.kind).toBe('generic_secret');
    expect(c.classify('DB_PASSWORD', 'FAKEpw77q')?.kind).toBe('password');
    expect(c.classify('PORT', '3000')).toBeUndefined();
    expect(c.classify('NODE_ENV', 'production')).toBeUndefined();
    expect(c.classify('API_KEY', 'changeme')).toBeUndefined();
    expect(c.classify('API_KEY', '${API_KEY}')).toBeUndefined();
    expect(c.classify('API_KEY', 'short')).toBeUndefined();
    expect(c.classify('AUTH_URL', 'https://auth.acme.test/login')).toBeUndefined();
    expect(c.classify('STRIPE_PUBLISHABLE_KEY', 'pk_live_FAKEabc123xyz789qwe')).toBeUndefined();
    expect(c.classify('REDIS_URL', 'redis://:FAKEredisPw81@cache:6379')?.provider).toBe('redis');
  });
  it('names and environments', () => {
    expect(['API_KEY', 'apiToken', 'db-password', 'SENTRY_DSN', 'BASIC_AUTH'].map(looksSecretName)).toEqual([true, true, true, true, true]);
    expect(['PASSPORT_ID', 'AUTHOR', 'KEYBOARD', 'NEXT_PUBLIC_API_KEY', 'PORT'].map(looksSecretName)).toEqual([false, false, false, false, false]);
    expect(['.env.production', '.env.development', '.env.local', '.env.test', '.env.production.local', '.env', 'prod.env'].map(environmentFromPath)).toEqual([
      'prod',
      'dev',
      'dev',
      'test',
      'prod',
      undefined,
      'prod',
    ]);
  });
});

describe('registry', () => {
  it('each source goes to one extractor, specific before generic', () => {
    const id = (p: string) => extractorFor(p)?.id;
    expect(id('.env.staging')).toBe('dotenv');
    expect(id('config/app.env')).toBe('dotenv');
    expect(id('.github/workflows/ci.yml')).toBe('github-actions');
    expect(id('compose.prod.yaml')).toBe('compose');
    expect(id('docker-compose.yml')).toBe('compose');
    expect(id('deploy/k8s/app.yaml')).toBe('kubernetes');
    expect(id('.credctl/graph.json')).toBeUndefined();
    expect(id('node_modules/x/index.js')).toBeUndefined();
    expect(new Set(EXTRACTORS.map((e) => e.id)).size).toBe(EXTRACTORS.length);
  });
});

describe('GitHub Actions', () => {
  it("secrets passed to a reusable workflow resolve to the caller's secret; inherit keeps the name", () => {
    const g = build({
      '.github/workflows/release.yml': [
        'on: push',
        'env:',
        '  NPM_TOKEN: ${{ secrets.NPM_PUBLISH_TOKEN }}',
        'jobs:',
        '  call:',
        '    uses: ./.github/workflows/deploy.yml',
        '    secrets:',
        '      API_TOKEN: ${{ secrets.PROD_API_TOKEN }}',
        '  inherit:',
        '    uses: ./.github/workflows/notify.yml',
        '    secrets: inherit',
      ].join('\n'),
      '.github/workflows/deploy.yml': [
        'on:',
        '  workflow_call:',
        '    secrets:',
        '      API_TOKEN:',
        '        required: true',
        'jobs:',
        '  ship:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - run: ./ship --token "${{ secrets.API_TOKEN }}"',
        '      - uses: some/action@v1',
        '        with:',
        "          token: ${{ secrets['API_TOKEN'] }}",
      ].join('\n'),
      '.github/workflows/notify.yml':
        'on: { workflow_call: {} }\njobs:\n  ping:\n    runs-on: ubuntu-latest\n    steps:\n      - run: curl -H "t=${{ secrets.SLACK_TOKEN }}" x\n      - run: echo ${{ secrets.GITHUB_TOKEN }}\n',
    });
    const refs = edges(g, 'referenced-by').map((e) => `${e.from} -> ${e.to} @${e.line}${e.as ? ` as ${e.as}` : ''}`);
    expect(refs).toEqual(
      expect.arrayContaining([
        'name:PROD_API_TOKEN -> consumer:gha-job:.github/workflows/deploy.yml#ship @10 as API_TOKEN',
        'name:PROD_API_TOKEN -> consumer:gha-job:.github/workflows/deploy.yml#ship @13 as token',
        'name:PROD_API_TOKEN -> consumer:gha-job:.github/workflows/release.yml#call @8 as API_TOKEN',
        'name:NPM_PUBLISH_TOKEN -> consumer:gha-job:.github/workflows/release.yml#call @3 as NPM_TOKEN',
        'name:NPM_PUBLISH_TOKEN -> consumer:gha-job:.github/workflows/release.yml#inherit @3 as NPM_TOKEN',
        'name:SLACK_TOKEN -> consumer:gha-job:.github/workflows/notify.yml#ping @6',
      ]),
    );
    expect(refs.some((r) => r.includes('GITHUB_TOKEN') || r.startsWith('name:API_TOKEN'))).toBe(false);
  });

  it("a GitHub token kept in the repo guards the Actions secrets; a deploy job's VERCEL_TOKEN guards Vercel env", () => {
    const g = build({
      '.env': 'GH_TOKEN=ghp_FAKE9aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2u\nVERCEL_TOKEN=FAKEvercel7Qx2Lp9Wm4Zt8\nAPI_SECRET=FAKE-api-secret-value-1\n',
      '.github/workflows/d.yml':
        'jobs:\n  d:\n    steps:\n      - run: npx vercel deploy --prod --token=${{ secrets.VERCEL_TOKEN }}\n        env: { API_SECRET: "${{ secrets.API_SECRET }}" }\n',
      '.vercel/project.json': '{"projectId":"prj_1"}',
      'api/x.js': 'process.env.API_SECRET',
    });
    const guards = edges(g, 'guards').map(
      (e) =>
        `${g.nodes.find((n) => n.id === e.from)!.type === 'credential' ? (g.nodes.find((n) => n.id === e.from) as { names: string[] }).names[0] : ''} -> ${e.to}`,
    );
    expect(guards.sort()).toEqual([
      'GH_TOKEN -> target:github-actions:API_SECRET',
      'GH_TOKEN -> target:github-actions:VERCEL_TOKEN',
      'VERCEL_TOKEN -> target:vercel-env:prj_1:API_SECRET',
    ]);
  });
});

describe('compose, CircleCI, Dockerfile, vercel.json, code', () => {
  it('compose env_file (any name, list or string) gives the service every name in it', () => {
    const g = build({
      'docker-compose.yml':
        'services:\n  api:\n    image: x\n    env_file:\n      - ./config/api.envvars\n      - path: .env.docker\n  worker:\n    image: x\n    env_file: .env.docker\n',
      'config/api.envvars': 'PARTNER_API_KEY=FAKEpartnerKey7Qx2Lp9Wm\n',
      '.env.docker': 'QUEUE_PASSWORD=FAKEqueuePw77aa\n',
    });
    expect(where(g, 'PARTNER_API_KEY').consumers.map((c) => c.id)).toEqual(['consumer:compose-service:docker-compose.yml#api']);
    expect(where(g, 'QUEUE_PASSWORD').consumers.map((c) => c.id)).toEqual([
      'consumer:compose-service:docker-compose.yml#api',
      'consumer:compose-service:docker-compose.yml#worker',
    ]);
    expect(where(g, 'PARTNER_API_KEY').targets.map((t) => t.id)).toEqual(['target:dotenv:config/api.envvars']);
  });

  it('CircleCI contexts, environment literals and $VARS in run steps', () => {
    const g = build({
      '.circleci/config.yml': [
        'version: 2.1',
        'jobs:',
        '  deploy:',
        '    docker:',
        '      - image: node',
        '        auth: { username: me, password: $DOCKERHUB_PASSWORD }',
        '    environment:',
        '      SENTRY_AUTH_TOKEN: FAKEsentryTok7Qx2Lp',
        '    steps:',
        '      - run: \'curl -H "Authorization: Bearer ${DEPLOY_TOKEN}" x\'',
        'workflows:',
        '  main:',
        '    jobs:',
        '      - deploy:',
        '          context: [prod-secrets]',
      ].join('\n'),
    });
    const job = g.nodes.find((n) => n.id === 'consumer:circleci-job:.circleci/config.yml#deploy')!;
    expect(job.type === 'consumer' && job.attrs).toEqual({ job: 'deploy', contexts: ['prod-secrets'] });
    expect(
      edges(g, 'referenced-by')
        .map((e) => `${e.from}@${e.line}`)
        .sort(),
    ).toEqual(['name:DEPLOY_TOKEN@10', 'name:DOCKERHUB_PASSWORD@6', 'name:SENTRY_AUTH_TOKEN@8']);
    expect(edges(g, 'appears-in').map((e) => `${e.file}:${e.line}`)).toEqual(['.circleci/config.yml:8']);
  });

  it('Dockerfile ENV/ARG and vercel.json env', () => {
    const g = build({
      Dockerfile: 'FROM node\nARG NPM_TOKEN\nENV API_KEY=$PARTNER_KEY \\\n    SECRET_TOKEN="FAKEbakedTok7Qx2Lp9"\n',
      'vercel.json': '{\n  "env": {\n    "DB_PASSWORD": "@db-password"\n  }\n}\n',
    });
    const refs = edges(g, 'referenced-by')
      .map((e) => `${e.from}@${e.file}:${e.line}${e.as ? ` as ${e.as}` : ''}`)
      .sort();
    expect(refs).toEqual([
      'name:NPM_TOKEN@Dockerfile:2',
      'name:PARTNER_KEY@Dockerfile:3 as API_KEY',
      'name:SECRET_TOKEN@Dockerfile:3',
      'name:db-password@vercel.json:3 as DB_PASSWORD',
    ]);
    expect(edges(g, 'appears-in').map((e) => `${e.file}:${e.line}`)).toEqual(['Dockerfile:3']);
  });

  it('code in every language', () => {
    const g = build({
      'a.py': 'import os\nos.environ["PY_SECRET"]\nos.environ.get(\'PY_TOKEN\')\nos.getenv("PY_API_KEY")\n',
      'b.go': 'os.Getenv("GO_SECRET")\n',
      'c.rb': 'ENV["RB_SECRET"]\nENV.fetch("RB_TOKEN")\n',
      'D.java': 'System.getenv("JAVA_SECRET");\n',
      'e.rs': 'std::env::var("RS_SECRET");\nenv::var("RS_TOKEN");\n',
      'f.php': '<?php getenv("PHP_SECRET"); $_ENV["PHP_TOKEN"];\n',
      'g.ts': 'process.env["TS_SECRET"]; import.meta.env.VITE_API_TOKEN; const { DESTRUCT_SECRET } = process.env;\n',
    });
    const names = g.nodes
      .filter((n) => n.type === 'name')
      .map((n) => n.type === 'name' && n.name)
      .sort();
    expect(names).toEqual([
      'DESTRUCT_SECRET',
      'GO_SECRET',
      'JAVA_SECRET',
      'PHP_SECRET',
      'PHP_TOKEN',
      'PY_API_KEY',
      'PY_SECRET',
      'PY_TOKEN',
      'RB_SECRET',
      'RB_TOKEN',
      'RS_SECRET',
      'RS_TOKEN',
      'TS_SECRET',
      'VITE_API_TOKEN',
    ]);
  });

  it('one credential node for a value in .env, .env.production and compose: three places', () => {
    const v = 'sk_live_51FAKEshared7Qx2Lp9Wm4Zt8Rk';
    const g = build({
      '.env': `STRIPE_SECRET_KEY=${v}\n`,
      '.env.production': `export STRIPE_SECRET_KEY="${v}"\n`,
      'compose.yaml': `services:\n  web:\n    image: x\n    environment:\n      STRIPE_KEY: ${v}\n`,
    });
    const creds = g.nodes.filter((n) => n.type === 'credential');
    expect(creds).toHaveLength(1);
    expect(creds[0]!.type === 'credential' && creds[0]!.names).toEqual(['STRIPE_KEY', 'STRIPE_SECRET_KEY']);
    expect(edges(g, 'appears-in').map((e) => e.file)).toEqual(['.env', '.env.production', 'compose.yaml']);
  });
});
