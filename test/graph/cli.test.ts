import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { copyFixture, REPO_ROOT } from './helpers.js';

/** The CLI in-process (test/helpers/cli.ts). */
async function run(args: string[], cwd: string) {
  const r = await runCli(args, { cwd, env: { ...process.env, NO_COLOR: '1', CREDCTL_STATE_DIR: '' } });
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
}

describe('credctl graph / where (end to end)', () => {
  it('where STRIPE_SECRET_KEY --json lists the files, jobs, services and targets', async () => {
    const root = copyFixture('webapp-node', { remote: 'git@github.com:acme/webapp.git' });
    const r = await run(['where', 'STRIPE_SECRET_KEY', '--json'], root);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.places.map((p: { file: string; line: number }) => `${p.file}:${p.line}`)).toEqual(['.env:6', '.env.production:3', 'docker-compose.yml:9']);
    expect(out.consumers.map((c: { label: string }) => c.label)).toEqual(['code src/lib/stripe.ts', 'compose service web', 'Deploy / deploy']);
    expect(out.targets.map((t: { label: string }) => t.label)).toEqual([
      'config file docker-compose.yml',
      'env file .env',
      'env file .env.production',
      'GitHub Actions secret STRIPE_SECRET_KEY of acme/webapp',
      'Vercel env STRIPE_SECRET_KEY of project prj_webapp0001',
    ]);
    expect(r.stdout).not.toContain('sk_live_51FAKEprodKeyZyXwVuTsRqPoNmLk');
    expect(existsSync(join(root, '.credctl/graph.json'))).toBe(true);
  });

  it('where as a tree, graph formats, and the exit codes for no match and bad usage', async () => {
    const root = copyFixture('worker-python-k8s', { git: true });
    const tree = await run(['where', 'EXAMPLE_API_KEY'], root);
    expect(tree.status).toBe(0);
    expect(tree.stdout).toContain('Deployment jobs/worker');
    expect(tree.stdout).toContain('Kubernetes Secret jobs/worker-secrets');
    expect(tree.stdout).not.toContain('ccx_live_FAKEworkerPy7hK2mP9qR4sT6vW8xY3z');
    const dot = await run(['graph', '--format', 'dot', root], REPO_ROOT);
    expect(dot.status).toBe(0);
    expect(dot.stdout.startsWith('digraph credctl {')).toBe(true);
    const json = await run(['graph', '--json'], root);
    expect(JSON.parse(json.stdout).schemaVersion).toBe(1);
    const none = await run(['where', 'NOT_THERE'], root);
    expect(none.status).toBe(3);
    expect(none.stderr).toMatch(/^credctl: nothing in the graph matches NOT_THERE/);
    expect((await run(['graph', '--format', 'xml'], root)).status).toBe(2);
  });

  it('outside a git repository, state is made only for a directory named on purpose', async () => {
    const plain = copyFixture('worker-python-k8s');
    for (const args of [
      ['where', 'EXAMPLE_API_KEY'],
      ['graph'],
      ['status', '--no-probe'],
      ['inventory', '--no-probe'],
      ['plan', '--project'],
      ['blast-radius', '--name', 'EXAMPLE_API_KEY', '--no-probe'],
    ]) {
      const r = await run(args, plain);
      expect(r.status, args.join(' ')).toBe(3);
      expect(r.stderr, args.join(' ')).toBe(
        'credctl: not inside a git repository: credctl keeps project state (.credctl/) only in a project\n' +
          `  Run it inside the repository, or name the project directory with ${args[0] === 'where' ? '--dir DIR' : args[0] === 'graph' ? 'credctl graph DIR' : '--root DIR'}.\n`,
      );
    }
    // A scan still scans, but writes no graph there.
    const scan = await run(['scan'], plain);
    expect(scan.status, scan.stderr).toBe(1);
    expect(scan.stderr).toContain('not a git repository: no usage graph written');
    expect(existsSync(join(plain, '.credctl'))).toBe(false);
    // Named on purpose: a graph is built and kept there.
    expect((await run(['graph', plain], REPO_ROOT)).status).toBe(0);
    expect((await run(['status', '--no-probe', '--root', plain], REPO_ROOT)).status).not.toBe(3);
    expect(existsSync(join(plain, '.credctl', 'graph.json'))).toBe(true);
  });
});
