import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, REPO_ROOT } from './helpers.js';

const BIN = join(REPO_ROOT, 'bin/credctl');
const run = (args: string[], cwd: string) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CREDCTL_STATE_DIR: '' } });

describe('credctl graph / where (end to end)', () => {
  beforeAll(() => {
    // `npm test` builds dist/ first; build here too when run on its own.
    if (!existsSync(join(REPO_ROOT, 'dist/cli/commands/where.js'))) {
      try { execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: REPO_ROOT, stdio: 'ignore' }); } catch { /* type errors elsewhere still emit */ }
    }
  });

  it('where STRIPE_SECRET_KEY --json lists the files, jobs, services and targets', () => {
    const root = copyFixture('webapp-node', { remote: 'git@github.com:acme/webapp.git' });
    const r = run(['where', 'STRIPE_SECRET_KEY', '--json'], root);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.places.map((p: { file: string; line: number }) => `${p.file}:${p.line}`)).toEqual(['.env:6', '.env.production:3', 'docker-compose.yml:9']);
    expect(out.consumers.map((c: { label: string }) => c.label)).toEqual(['code src/lib/stripe.ts', 'compose service web', 'Deploy / deploy']);
    expect(out.targets.map((t: { label: string }) => t.label)).toEqual([
      'config file docker-compose.yml', 'env file .env', 'env file .env.production',
      'GitHub Actions secret STRIPE_SECRET_KEY of acme/webapp', 'Vercel env STRIPE_SECRET_KEY of project prj_webapp0001',
    ]);
    expect(r.stdout).not.toContain('sk_live_51FAKEprodKeyZyXwVuTsRqPoNmLk');
    expect(existsSync(join(root, '.credctl/graph.json'))).toBe(true);
  });

  it('where as a tree, graph formats, and the exit codes for no match and bad usage', () => {
    const root = copyFixture('worker-python-k8s', { git: true });
    const tree = run(['where', 'EXAMPLE_API_KEY'], root);
    expect(tree.status).toBe(0);
    expect(tree.stdout).toContain('Deployment jobs/worker');
    expect(tree.stdout).toContain('Kubernetes Secret jobs/worker-secrets');
    expect(tree.stdout).not.toContain('ccx_live_FAKEworkerPy7hK2mP9qR4sT6vW8xY3z');
    const dot = run(['graph', '--format', 'dot', root], REPO_ROOT);
    expect(dot.status).toBe(0);
    expect(dot.stdout.startsWith('digraph credctl {')).toBe(true);
    const json = run(['graph', '--json'], root);
    expect(JSON.parse(json.stdout).schemaVersion).toBe(1);
    const none = run(['where', 'NOT_THERE'], root);
    expect(none.status).toBe(3);
    expect(none.stderr).toMatch(/^credctl: nothing in the graph matches NOT_THERE/);
    expect(run(['graph', '--format', 'xml'], root).status).toBe(2);
  });

  it('outside a git repository, state is made only for a directory named on purpose', () => {
    const plain = copyFixture('worker-python-k8s');
    for (const args of [['where', 'EXAMPLE_API_KEY'], ['graph'], ['status', '--no-probe'], ['inventory', '--no-probe'], ['plan', '--project'], ['blast-radius', '--name', 'EXAMPLE_API_KEY', '--no-probe']]) {
      const r = run(args, plain);
      expect(r.status, args.join(' ')).toBe(3);
      expect(r.stderr, args.join(' ')).toBe('credctl: not inside a git repository: credctl keeps project state (.credctl/) only in a project\n' +
        `  Run it inside the repository, or name the project directory with ${args[0] === 'where' ? '--dir DIR' : args[0] === 'graph' ? 'credctl graph DIR' : '--root DIR'}.\n`);
    }
    // A scan still scans, but writes no graph there.
    const scan = run(['scan'], plain);
    expect(scan.status, scan.stderr).toBe(1);
    expect(scan.stderr).toContain('not a git repository: no usage graph written');
    expect(existsSync(join(plain, '.credctl'))).toBe(false);
    // Named on purpose: a graph is built and kept there.
    expect(run(['graph', plain], REPO_ROOT).status).toBe(0);
    expect(run(['status', '--no-probe', '--root', plain], REPO_ROOT).status).not.toBe(3);
    expect(existsSync(join(plain, '.credctl', 'graph.json'))).toBe(true);
  });
});
