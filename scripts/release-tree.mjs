#!/usr/bin/env node
// `npm run release-tree -- [--out DIR] [--commit] [--branch release] [--tag vX.Y.Z] [--no-build]`
//
// What a git-URL install gets: the pre-commit framework and `npm install -g git+https://…#TAG`
// install straight from a commit, and neither builds reliably there (npm runs a git dependency's
// `prepare` with its global settings, so the dev dependencies it needs are not there; pre-commit
// 3.x reads `npm pack`'s output, which a `prepare` banner corrupts). So main keeps no build
// output, and a release is a commit whose tree is exactly the npm package: dist/ built,
// providers/, spec/, docs/, the hook and Action definitions, and a package.json without
// scripts or dev dependencies (nothing to run at install time). This script makes that tree
// from the checkout, and with --commit records it on a branch (default `release`), optionally
// tagged. Users pin the tag: `rev: v0.2.0` in .pre-commit-config.yaml, `uses: …/credctl@v0.2.0`.
// Nothing is pushed.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const fail = (message) => {
  process.stderr.write(`release-tree: ${message}\n`);
  process.exit(2);
};
const known = new Set(['--out', '--commit', '--branch', '--tag', '--no-build']);
for (const [i, a] of args.entries()) {
  if (a.startsWith('--') && !known.has(a)) fail(`unknown option ${a}`);
  if (!a.startsWith('--') && !['--out', '--branch', '--tag'].includes(args[i - 1])) fail(`unexpected argument ${a}`);
}
const out = value('--out');
if (!out && !flag('--commit')) fail('say where the tree goes: --out DIR, --commit, or both');
if (out && existsSync(out) && readdirSync(out).length) fail(`${out} is not empty`);

const run = (cmd, cmdArgs, opts = {}) => execFileSync(cmd, cmdArgs, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...opts });

// 1. A fresh build (or the one there, with --no-build), then the package exactly as npm packs it.
if (!flag('--no-build')) {
  // From scratch: tsc never deletes the output of a source file that is gone.
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const b = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (b.status !== 0) fail('the build failed');
}
if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) fail('dist/ is not built');
if (!existsSync(join(root, 'dist', 'cli', 'staged-hook.bundle.json'))) fail('the pre-commit bundle is not built (rolldown needs Node 20.19+)');
const work = mkdtempSync(join(tmpdir(), 'credctl-release-'));
try {
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work]));
  run('tar', ['-xzf', join(work, packed.filename), '-C', work]);
  const tree = join(work, 'package');

  // 2. Nothing to run at install time: no scripts, no dev dependencies.
  const pkg = JSON.parse(readFileSync(join(tree, 'package.json'), 'utf8'));
  delete pkg.scripts;
  delete pkg.devDependencies;
  writeFileSync(join(tree, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');

  // 3. Where it goes.
  if (out) cpSync(tree, resolve(out), { recursive: true });
  if (flag('--commit')) {
    const branch = value('--branch') ?? 'release';
    const source = run('git', ['rev-parse', 'HEAD']).trim();
    const dirty = run('git', ['status', '--porcelain']).trim() !== '';
    const env = { ...process.env, GIT_INDEX_FILE: join(work, 'index') };
    run('git', ['--work-tree', tree, 'add', '-A', '-f', '.'], { env });
    const treeId = run('git', ['write-tree'], { env }).trim();
    let parent;
    try {
      parent = run('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      parent = undefined;
    }
    const message = `credctl ${pkg.version}: release tree built from ${source}${dirty ? ' (with uncommitted changes)' : ''}`;
    const commit = run('git', ['commit-tree', treeId, ...(parent ? ['-p', parent] : []), '-m', message]).trim();
    run('git', ['update-ref', `refs/heads/${branch}`, commit]);
    const tag = value('--tag');
    if (tag) run('git', ['tag', tag, commit]);
    process.stdout.write(`${commit}\n`);
    process.stderr.write(
      `release-tree: ${branch} is now ${commit.slice(0, 12)}${tag ? `, tagged ${tag}` : ''} (${message}). Push it with the tag when ready.\n`,
    );
  } else {
    process.stderr.write(`release-tree: the package tree is in ${out}\n`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
