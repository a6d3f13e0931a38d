import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isStagedHookCommand } from '../../src/cli/staged-hook-args.js';
import { cleanup, commit, credctl, fake, git, gitRepo, testRulesDir, write } from './helpers.js';

// `credctl scan --staged` exactly (the pre-commit hook's command line) runs from a bundle built
// by `npm run build` (dist/cli/staged-hook.bundle.js); any other argument list goes through the
// full CLI. Both must behave the same: same output, same exit code, nothing leaked.
const bundle = fileURLToPath(new URL('../../dist/cli/staged-hook.bundle.js', import.meta.url));
const hasBundle = (() => {
  try {
    return statSync(bundle).isFile();
  } catch {
    return false;
  }
})();
afterAll(cleanup);
// The bundle is optional where rolldown cannot run (Node < 20.19), but CI must have it.
const checkBundle = hasBundle || process.env.CI === 'true';

describe('the pre-commit fast path', () => {
  it('is taken only for exactly `scan --staged`', () => {
    expect(isStagedHookCommand(['node', 'credctl', 'scan', '--staged'])).toBe(true);
    for (const args of [['scan'], ['scan', '--staged', '--json'], ['--staged', 'scan'], ['scan', '--history'], ['scan', '--staged', '.']]) {
      expect(isStagedHookCommand(['node', 'credctl', ...args]), args.join(' ')).toBe(false);
    }
  });

  it.skipIf(!checkBundle)('answers exactly as the full CLI does, for a clean and for a blocked commit', () => {
    const env = { CREDCTL_PROVIDERS_DIR: testRulesDir() };
    const d = gitRepo();
    write(d, 'README.md', '# app\n');
    commit(d, 'init');

    write(d, 'notes.md', 'nothing secret here\n');
    git(d, 'add', '-A');
    const cleanFast = credctl(['scan', '--staged'], { cwd: d, env });
    // `--format table` is the default, so this is the same scan through commander.
    const cleanFull = credctl(['scan', '--staged', '--format', 'table'], { cwd: d, env });
    expect(cleanFast.code).toBe(0);
    expect(sansTiming(cleanFast)).toEqual(sansTiming(cleanFull));

    const secret = fake.stripe(7);
    write(d, 'src/pay.js', `const key = "${secret}";\n`);
    git(d, 'add', '-A');
    const fast = credctl(['scan', '--staged'], { cwd: d, env });
    const full = credctl(['scan', '--staged', '--format', 'table'], { cwd: d, env });
    expect(fast.code).toBe(1);
    expect(sansTiming(fast)).toEqual(sansTiming(full));
    expect(fast.stdout).toContain('src/pay.js');
    expect(fast.stderr).toContain('commit blocked');
    expect(fast.stdout + fast.stderr).not.toContain(secret);

    // A broken rules folder is a one-line error with the documented code on both paths, and the
    // git diff already started is stopped: with ~2 MB staged, git would otherwise block on a full
    // pipe and keep credctl from exiting.
    write(d, 'big/generated.txt', 'const filler = "nothing secret in this line at all";\n'.repeat(40_000));
    git(d, 'add', '-A');
    const bad = { CREDCTL_PROVIDERS_DIR: d };
    write(d, 'broken/rules.yaml', 'provider: broken\nrules: [ {\n');
    // (a hang is killed after 20 s and shows up as a wrong exit code, not a stuck test run)
    const badFast = credctl(['scan', '--staged'], { cwd: d, env: bad, timeoutMs: 20_000 });
    const badFull = credctl(['scan', '--staged', '--format', 'table'], { cwd: d, env: bad, timeoutMs: 20_000 });
    expect(badFast.code).toBe(3);
    expect(badFast).toEqual(badFull);
    expect(badFast.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.skipIf(!checkBundle)('is one self-contained file, built from the current sources', () => {
    const text = readFileSync(bundle, 'utf8');
    // Its own copies of the scanner, and no imports of dist/ modules other than the modes
    // --staged never reaches (kept out of the bundle on purpose).
    expect(text).toContain('function scanStaged(');
    const distImports = [...text.matchAll(/import\(["'](\.\.?\/[^"']+)["']\)/g)].map((m) => m[1]).sort();
    expect(distImports).toEqual(['../graph/build.js', '../scan/engine.js', '../scan/history.js']);
    // Made from the compiled modules that are here now: bin/credctl checks the digest in the
    // manifest beside it against their content (never their modification times).
    const manifest = JSON.parse(readFileSync(bundle.replace(/\.js$/, '.json'), 'utf8')) as { inputs: string[]; sha256: string };
    expect(manifest.inputs).toEqual(expect.arrayContaining(['cli/staged-hook.js', 'scan/staged.js', 'scan/detect.js']));
    const hash = createHash('sha256');
    for (const path of manifest.inputs)
      hash
        .update(path)
        .update('\0')
        .update(readFileSync(fileURLToPath(new URL(`../../dist/${path}`, import.meta.url))))
        .update('\0');
    expect(hash.digest('hex')).toBe(manifest.sha256);
    const debug = credctl(['scan', '--staged'], { cwd: gitRepo(), env: { CREDCTL_DEBUG: '1', CREDCTL_PROVIDERS_DIR: testRulesDir() } });
    expect(debug.stderr).toContain('credctl: debug: scan --staged runs from the bundle (dist/cli/staged-hook.bundle.js)');
  });
});

/** The summary line carries the elapsed time, which differs between two runs. */
function sansTiming(r: { code: number; stdout: string; stderr: string }) {
  return { ...r, stderr: r.stderr.replace(/ in \d+(\.\d+)? s\b/g, ' in N s') };
}
