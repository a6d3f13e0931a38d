import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/graph/build.js';
import { projectPaths } from '../../src/core/paths.js';
import { loadRules } from '../../src/providers/rules.js';
import { copyFixture, pinnedRules, REPO_ROOT } from './helpers.js';

/** Every form a planted value could leak in: as is, base64, base64url, and URL-encoded. */
function forms(value: string): string[] {
  const b64 = Buffer.from(value).toString('base64');
  return [value, b64, b64.replace(/=+$/, ''), Buffer.from(value).toString('base64url'), encodeURIComponent(value)];
}

function write(root: string, files: Record<string, string>) {
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
}

describe('no value ever reaches graph.json', () => {
  it('canaries planted in every source type are mapped, and appear nowhere in the file, in any encoding', () => {
    const c = {
      env: 'sk_live_51FAKEcanaryEnvQ7w2E9r4T6y8U1i3O',
      compose: 'FAKE-canary-compose-secret-7731',
      k8sData: 'FAKE-canary-k8s-data-password-5520',
      k8sString: 'ccx_live_FAKEcanaryK8s9aB3cD4eF5gH6iJ7kL8',
      tfvars: 'FAKE-canary-tfvars-password-1184',
      netlify: 'FAKE-canary-netlify-key-9045',
      vercel: 'FAKE-canary-vercel-token-3312',
      docker: 'FAKE-canary-docker-token-6620',
      gitlab: 'FAKE-canary-gitlab-secret-2271',
      circle: 'FAKE-canary-circle-api-key-8890',
      serverless: 'FAKE-canary-sls-api-key-4417',
      dbpw: 'FAKEcanaryDbPw7781',
    };
    const root = mkdtempSync(join(tmpdir(), 'credctl-graph-canary-'));
    write(root, {
      '.env': `STRIPE_SECRET_KEY=${c.env}\nDATABASE_URL=postgres://u:${c.dbpw}@db/app\nDB_PASSWORD=${c.dbpw}\n`,
      'docker-compose.yml': `services:\n  api:\n    image: x\n    environment:\n      - API_SECRET=${c.compose}\n`,
      'k8s/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata: { name: s }\ndata:\n  DB_PASSWORD: ${Buffer.from(c.k8sData).toString('base64')}\nstringData:\n  EXAMPLE_API_KEY: ${c.k8sString}\n`,
      'infra/prod.tfvars': `db_password = "${c.tfvars}"\n`,
      'netlify.toml': `[build.environment]\n  ANALYTICS_KEY = "${c.netlify}"\n`,
      'vercel.json': JSON.stringify({ env: { VERCEL_AUTH_TOKEN: c.vercel } }),
      Dockerfile: `FROM alpine\nENV NPM_TOKEN=${c.docker}\n`,
      '.gitlab-ci.yml': `variables:\n  DEPLOY_SECRET: ${c.gitlab}\njob:\n  script: [echo $DEPLOY_SECRET]\n`,
      '.circleci/config.yml': `version: 2.1\njobs:\n  build:\n    docker: [{ image: node }]\n    environment:\n      PARTNER_API_KEY_X: ${c.circle}\n    steps: [checkout]\n`,
      'serverless.yml': `service: s\nprovider:\n  environment:\n    PARTNER_API_KEY: ${c.serverless}\n`,
    });
    const graph = buildGraph(root, { rules: pinnedRules() });
    const credentials = graph.nodes.filter((n) => n.type === 'credential');
    // Every planted value was recognised (the dbpw one twice: alone and inside the URL).
    expect(credentials.length).toBe(Object.keys(c).length + 1);
    const text = readFileSync(projectPaths(root).graph, 'utf8');
    expect(text).toContain('"schemaVersion":1');
    for (const value of Object.values(c)) for (const f of forms(value)) expect(text.includes(f), `graph.json holds ${f}`).toBe(false);
    // Owner-only, like all state that could help an attacker.
    expect(statSync(projectPaths(root).graph).mode & 0o777).toBe(0o600);
  });

  it("none of the fixtures' values reach their graph.json (shipped rules)", () => {
    for (const name of ['webapp-node', 'worker-python-k8s', 'monorepo-terraform-gitlab']) {
      const root = copyFixture(name);
      buildGraph(root, { rules: loadRules() });
      const text = readFileSync(projectPaths(root).graph, 'utf8');
      // Every FAKE-marked token in the fixture is a planted value.
      const values = new Set<string>();
      const walk = (dir: string) => {
        for (const f of readdirSync(dir, { withFileTypes: true })) {
          const p = join(dir, f.name);
          if (f.isDirectory()) {
            if (f.name !== '.credctl' && f.name !== '.git') walk(p);
            continue;
          }
          for (const m of readFileSync(p, 'utf8').matchAll(/[A-Za-z0-9_:/@.+-]*FAKE[A-Za-z0-9_-]*/g)) values.add(m[0]);
        }
      };
      walk(join(REPO_ROOT, 'fixtures', name));
      expect(values.size).toBeGreaterThan(3);
      for (const v of values) {
        for (const f of forms(v).filter((x) => x.length >= 12)) expect(text.includes(f), `${name}: graph.json holds ${f}`).toBe(false);
      }
    }
  });
});
