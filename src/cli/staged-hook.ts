import { runScanCommand } from '../commands/scan.js';
import { exitCodeSet, exitQuietlyOnClosedPipe, reportError } from './exit.js';

/**
 * `credctl scan --staged`, exactly as the pre-commit hook runs it (`credctl hook install`,
 * .pre-commit-hooks.yaml). It runs on every commit, so start-up counts: `npm run build` also
 * bundles this entry with everything it imports into one file, dist/cli/staged-hook.bundle.js
 * (scripts/bundle-staged-hook.mjs), which bin/credctl loads for that exact command line. Node loads one
 * file ~45 ms faster than the ~50 ES modules behind it, and skips the flag parser.
 *
 * It does what commander would do for these flags: runScanCommand([], { staged: true }).
 * The bundle must stay at dist/cli/ (two levels below the package root), because the modules
 * in it find providers/ and package.json relative to their own location.
 */
export async function runStagedHook(): Promise<number> {
  exitQuietlyOnClosedPipe();
  return stagedHook();
}

/** The hook's work and exit code, without the process-level pipe handling (main() runs this). */
export async function stagedHook(): Promise<number> {
  try {
    await runScanCommand([], { staged: true });
    return exitCodeSet();
  } catch (err) {
    return reportError(err);
  }
}
