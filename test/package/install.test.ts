import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { runCompositeAction } from '../helpers/action-runner.js';
import { sarifSchemaErrors } from '../helpers/sarif-schema.js';
import { cleanup, commit, git, gitRepo, REPO, tempDir, write } from '../scan/helpers.js';

/**
 * credctl installed the ways users install it, from this checkout, on this machine:
 *  - the npm tarball (`npm pack`), installed globally into an empty prefix, and through npx;
 *  - a release tree (scripts/release-tree.mjs: the commit a release tag points at), installed
 *    from git by Debian's pre-commit (`pre-commit try-repo`), by the git+file install current
 *    pre-commit releases run, and used as the GitHub Action.
 * Each installed credctl blocks a staged fake key (redacted) and lets a clean commit through, and
 * its `scan --staged` runs from the bundled fast path (CREDCTL_DEBUG=1 says which path ran).
 * These tests need the npm registry for credctl's dependencies, as a user does.
 */
const built = existsSync(join(REPO, 'dist', 'cli', 'staged-hook.bundle.json'));
const hasPreCommit = spawnSync('pre-commit', ['--version']).status === 0;
const FAST = 'credctl: debug: scan --staged runs from the bundle (dist/cli/staged-hook.bundle.js)';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const rand = (n: number) => [...randomBytes(n)].map((b) => ALNUM[b % ALNUM.length]).join('');
const secret = `sk_live_51FAKE${rand(28)}`;

let work: string;
let tarball: string;
let releaseRepo: string;
afterAll(cleanup);

function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string | undefined>; timeout?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, {
    cwd: opts.cwd ?? work,
    encoding: 'utf8',
    timeout: opts.timeout ?? 240_000,
    env: {
      ...process.env,
      NO_COLOR: '1',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      ...opts.env,
    } as NodeJS.ProcessEnv,
  });
}

/** A repository with a staged fake key, and one with a clean staged change. */
function stagedRepos(): { leaky: string; clean: string } {
  const leaky = gitRepo();
  write(leaky, 'README.md', '# app\n');
  commit(leaky, 'init');
  write(leaky, 'config/.env.production', `NODE_ENV=production\nSTRIPE_SECRET_KEY=${secret}\n`);
  git(leaky, 'add', '-A');
  const clean = gitRepo();
  write(clean, 'README.md', '# app\n');
  commit(clean, 'init');
  write(clean, 'src/pay.js', 'export const key = process.env.STRIPE_SECRET_KEY;\n');
  git(clean, 'add', '-A');
  return { leaky, clean };
}

function expectBlocked(r: SpawnSyncReturns<string>): void {
  const out = r.stdout + r.stderr;
  expect(r.status, out).toBe(1);
  expect(out).toContain('config/.env.production:2:19');
  expect(out).toContain(`sk_live_…${secret.slice(-4)}`);
  expect(out).toContain('commit blocked');
  expect(out).not.toContain(secret);
  expect(out).not.toContain(secret.slice(14, 30));
}

beforeAll(() => {
  if (!built) return;
  work = tempDir('credctl-package-');
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: REPO, encoding: 'utf8' })) as {
    filename: string;
  }[];
  tarball = join(work, packed[0]!.filename);
  releaseRepo = join(work, 'release');
  const made = run(process.execPath, [join(REPO, 'scripts', 'release-tree.mjs'), '--no-build', '--out', releaseRepo], { cwd: REPO });
  expect(made.status, made.stderr).toBe(0);
  git(releaseRepo, 'init', '-q', '-b', 'release');
  git(releaseRepo, 'add', '-A');
  execFileSync('git', ['commit', '-q', '-m', 'release tree'], {
    cwd: releaseRepo,
    env: { ...process.env, GIT_AUTHOR_NAME: 'R', GIT_AUTHOR_EMAIL: 'r@example.test', GIT_COMMITTER_NAME: 'R', GIT_COMMITTER_EMAIL: 'r@example.test' },
  });
}, 120_000);

describe.skipIf(!built)('the package', () => {
  it('ships what it needs and nothing that points outside it: LICENSE, docs, maps with their sources, no build step', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    for (const f of [
      'LICENSE',
      'README.md',
      'package.json',
      'bin/credctl',
      '.pre-commit-hooks.yaml',
      'action.yml',
      'dist/cli/main.js',
      'dist/ci/github-action.js',
      'dist/cli/staged-hook.bundle.js',
      'dist/cli/staged-hook.bundle.json',
      'providers/stripe/rules.yaml',
      'spec/credential-issuer.schema.json',
      'fixtures/webapp-node/.env',
    ]) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => /^(src|test|bench|scripts)\//.test(f))).toEqual([]);
    const tree = releaseRepo;
    expect(readFileSync(join(tree, 'LICENSE'), 'utf8')).toMatch(/^\s+Apache License\n\s+Version 2\.0, January 2004/);
    // Every relative link in the README and docs resolves inside the package.
    for (const doc of ['README.md', ...readdirSync(join(tree, 'docs')).map((f) => `docs/${f}`)]) {
      for (const [, link] of readFileSync(join(tree, doc), 'utf8').matchAll(/\]\(([^)#:]+)(?:#[^)]*)?\)/g)) {
        expect(existsSync(join(tree, doc, '..', link!)), `${doc} links to ${link}`).toBe(true);
      }
    }
    // Source maps carry their sources (the .ts files are not shipped).
    const maps = files.filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(50);
    for (const m of maps) {
      const map = JSON.parse(readFileSync(join(tree, m), 'utf8')) as { sources: string[]; sourcesContent?: string[] };
      expect(map.sourcesContent?.length, m).toBe(map.sources.length);
    }
    // A release tree is the package, with nothing to run at install time.
    const pkg = JSON.parse(readFileSync(join(tree, 'package.json'), 'utf8'));
    expect(pkg.scripts).toBeUndefined();
    expect(pkg.devDependencies).toBeUndefined();
    expect(pkg.license).toBe('Apache-2.0');
    const hooks = YAML.parse(readFileSync(join(tree, '.pre-commit-hooks.yaml'), 'utf8'));
    expect(hooks).toEqual([expect.objectContaining({ id: 'credctl', language: 'node', entry: 'credctl scan --staged', pass_filenames: false })]);
  });

  it('release-tree --commit records the tree on a release branch, tagged, without touching the work tree', () => {
    const clone = join(work, 'clone');
    execFileSync('git', ['clone', '-q', '--shared', REPO, clone]);
    cpSync(join(REPO, 'dist'), join(clone, 'dist'), { recursive: true });
    const source = git(clone, 'rev-parse', 'HEAD').trim();
    const r = run(process.execPath, [join(clone, 'scripts', 'release-tree.mjs'), '--no-build', '--commit', '--tag', 'v0.0.0-test'], { cwd: clone });
    expect(r.status, r.stderr).toBe(0);
    const commitId = r.stdout.trim();
    expect(git(clone, 'rev-parse', 'v0.0.0-test^{commit}').trim()).toBe(commitId);
    expect(git(clone, 'rev-parse', 'refs/heads/release').trim()).toBe(commitId);
    expect(git(clone, 'log', '-1', '--format=%s', commitId).trim()).toBe(
      `credctl ${JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version}: release tree built from ${source}`,
    );
    const files = git(clone, 'ls-tree', '-r', '--name-only', commitId).split('\n');
    expect(files).toEqual(expect.arrayContaining(['dist/cli/main.js', 'dist/cli/staged-hook.bundle.json', 'action.yml', '.pre-commit-hooks.yaml', 'LICENSE']));
    expect(files.filter((f) => /^(src|test)\//.test(f))).toEqual([]);
    expect(JSON.parse(git(clone, 'show', `${commitId}:package.json`)).scripts).toBeUndefined();
    // The checkout itself is unchanged: still on its branch, nothing staged.
    expect(git(clone, 'rev-parse', 'HEAD').trim()).toBe(source);
    expect(git(clone, 'status', '--porcelain').trim()).toBe('');
    expect(run(process.execPath, [join(clone, 'scripts', 'release-tree.mjs'), '--bogus'], { cwd: clone }).status).toBe(2);
  });

  it('installs globally from the tarball into an empty prefix; scan --staged takes the bundled path, judged by content', () => {
    const prefix = join(work, 'global');
    const installed = run('npm', ['install', '-g', '--prefix', prefix, tarball]);
    expect(installed.status, installed.stderr).toBe(0);
    const bin = join(prefix, 'bin', 'credctl');
    expect(run(bin, ['--version']).stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);
    const { leaky, clean } = stagedRepos();
    const blocked = run(bin, ['scan', '--staged'], { cwd: leaky, env: { CREDCTL_DEBUG: '1' } });
    expectBlocked(blocked);
    expect(blocked.stderr).toContain(FAST);
    const passed = run(bin, ['scan', '--staged'], { cwd: clean, env: { CREDCTL_DEBUG: '1' } });
    expect(passed.status, passed.stderr).toBe(0);
    expect(passed.stderr).toContain(FAST);

    // The extracted files' times do not matter; their content does. Older bundle than modules:
    // still fast. A compiled module that changed after the bundle was made: the modules run.
    const pkgDir = join(prefix, 'lib', 'node_modules', 'credctl');
    const bundle = join(pkgDir, 'dist', 'cli', 'staged-hook.bundle.js');
    const module = join(pkgDir, 'dist', 'scan', 'staged.js');
    execFileSync('touch', ['-d', '2001-01-01', bundle]);
    expect(statSync(bundle).mtimeMs).toBeLessThan(statSync(module).mtimeMs);
    expect(run(bin, ['scan', '--staged'], { cwd: clean, env: { CREDCTL_DEBUG: '1' } }).stderr).toContain(FAST);
    appendFileSync(module, '\n// edited after the build\n');
    const stale = run(bin, ['scan', '--staged'], { cwd: leaky, env: { CREDCTL_DEBUG: '1' } });
    expectBlocked(stale);
    expect(stale.stderr).toContain('credctl: debug: scan --staged runs from the compiled modules: the bundle is stale');
  }, 300_000);

  it('runs through npx from the tarball', () => {
    const cache = join(work, 'npx-cache');
    const r = run('npm', ['exec', '--yes', `--package=${tarball}`, '--', 'credctl', '--version', '--json'], {
      cwd: tempDir(),
      env: { npm_config_cache: cache },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ruleSet: { rules: expect.any(Number) } });
  }, 300_000);

  it.skipIf(!hasPreCommit && process.env.CI !== 'true')(
    'the pre-commit framework installs a release tree from git and blocks a staged key (pre-commit try-repo)',
    () => {
      const { leaky, clean } = stagedRepos();
      const env = { PRE_COMMIT_HOME: join(work, 'pre-commit-home'), CREDCTL_DEBUG: '1' };
      const blocked = run('pre-commit', ['try-repo', releaseRepo, 'credctl'], { cwd: leaky, env });
      const out = blocked.stdout + blocked.stderr;
      expect(blocked.status, out).toBe(1);
      expect(out).toMatch(/credctl \(block commits that add credentials\)\.+Failed/);
      expect(out).toContain(`sk_live_…${secret.slice(-4)}`);
      expect(out).toContain(FAST);
      expect(out).not.toContain(secret);
      const passed = run('pre-commit', ['try-repo', releaseRepo, 'credctl'], { cwd: clean, env });
      expect(passed.status, passed.stdout + passed.stderr).toBe(0);
      expect(passed.stdout).toMatch(/credctl \(block commits that add credentials\)\.+Passed/);
    },
    300_000,
  );

  it('installs from a git URL as current pre-commit releases do (npm install -g git+file://…)', () => {
    const prefix = join(work, 'git-global');
    const installed = run('npm', ['install', '--install-links', '-g', '--prefix', prefix, `git+file://${releaseRepo}`]);
    expect(installed.status, installed.stderr).toBe(0);
    const bin = join(prefix, 'bin', 'credctl');
    const { leaky } = stagedRepos();
    const blocked = run(bin, ['scan', '--staged'], { cwd: leaky, env: { CREDCTL_DEBUG: '1' } });
    expectBlocked(blocked);
    expect(blocked.stderr).toContain(FAST);
  }, 300_000);

  it('works as the GitHub Action from a release tree: installs its dependencies, scans, writes valid SARIF', () => {
    const action = join(work, 'action');
    execFileSync('git', ['clone', '-q', releaseRepo, action]);
    expect(existsSync(join(action, 'node_modules'))).toBe(false);
    const d = gitRepo();
    write(d, 'README.md', '# app\n');
    const base = commit(d, 'init');
    write(d, 'config/.env.production', `STRIPE_SECRET_KEY=${secret}\n`);
    const head = commit(d, 'add a key');
    mkdirSync(join(d, 'out'));
    const r = runCompositeAction({
      actionPath: action,
      workspace: d,
      eventName: 'push',
      event: { before: base, after: head },
      inputs: { 'sarif-file': 'out/credctl.sarif' },
    });
    expect(r.steps[0], r.steps[0]!.stderr).toMatchObject({ name: "Install credctl's dependencies", status: 0 });
    expect(existsSync(join(action, 'node_modules', 'commander'))).toBe(true);
    expect(r.outputs).toMatchObject({ findings: '1', scanned: `${base}..${head}` });
    expect(sarifSchemaErrors(JSON.parse(readFileSync(join(d, 'out', 'credctl.sarif'), 'utf8')))).toEqual([]);
    expect(r.summary).toContain('1 credential found in what this push adds');
    expect(r.log + r.summary).not.toContain(secret);
  }, 300_000);
});
