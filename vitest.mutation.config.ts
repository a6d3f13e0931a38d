import { statSync } from 'node:fs';
import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import base from './vitest.config.js';
import { own } from './stryker.config.mjs';

/**
 * Quickest test files first. A mutant in a module's top-level constants (a regex, say) cannot be
 * traced to the tests that reach it, so Stryker runs every test file related to the module until
 * one fails; the module's own unit tests are the quick ones and usually the ones that fail.
 * Ordered by the last recorded duration, files never timed by size.
 */
class QuickestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cache = this.ctx.cache;
    const cost = (spec: TestSpecification): number => {
      const key = `${spec.project.name}:${spec.moduleId.slice(this.ctx.config.root.length + 1)}`;
      return cache.getFileTestResults(key)?.duration ?? statSync(spec.moduleId).size;
    };
    return [...files].sort((a, b) => cost(a) - cost(b));
  }
}

/**
 * Stryker's vitest runner asks for worker threads, but the suite needs processes of its own, as
 * `npm test` runs it: the in-process CLI runner (src/cli/in-process.ts) changes the working
 * directory, which a worker thread cannot. Stryker reads coverage and hit counts from the test
 * files' metadata, which forks report just as threads do, so the pool is put back to forks once
 * the runner's options are applied.
 */
const forksForStryker = {
  name: 'credctl:forks-for-stryker',
  configureVitest({ vitest, project }: { vitest: { config: { pool: string } }; project: { config: { pool: string } } }) {
    vitest.config.pool = 'forks';
    project.config.pool = 'forks';
  },
};

// The suite as `npm run mutation` runs it (stryker.config.mjs).
const config = mergeConfig(
  base,
  defineConfig({
    plugins: [forksForStryker],
    test: {
      sequence: { sequencer: QuickestFirst },
      exclude: [
        ...configDefaults.exclude,
        // The OS keychain backend: its D-Bus session address is set in process.env for the native
        // keyring library, which a worker thread's copy of the environment never reaches.
        'test/store/keychain-store.test.ts',
        // The package checks clone this repository; Stryker's sandbox is a copy without its .git.
        'test/package/**',
      ],
    },
  }),
);
// A module judged by its own tests (stryker.config.mjs): only those test files exist here
// (replaced, not merged: mergeConfig would add them to the suite's own list).
if (own) config.test!.include = own.tests;
export default config;
