import { afterAll, describe, expect, it } from 'vitest';
import { scanPaths } from '../../src/scan/engine.js';
import { workerScriptAvailable } from '../../src/scan/pool.js';
import { prestartFor, takePrestarted } from '../../src/scan/prestart.js';
import { cleanup, fake, tempDir, testRulesDir, write } from './helpers.js';

// bin/credctl starts the scanning threads of a working-tree scan before the CLI has loaded
// (src/scan/prestart.ts). A prestarted thread has compiled the shipped rules; it must scan with
// the scan's own settings all the same, and find exactly what one thread finds.

afterAll(cleanup);

/** A tree big enough for the scan to use threads: 80 files of ~55 KB. */
function bigTree(): string {
  const d = tempDir();
  const body = 'const filler = "lorem ipsum dolor sit amet";\n'.repeat(1200);
  for (let i = 0; i < 80; i++) {
    const planted = i % 9 === 0 ? `const k = "${fake.stripe(200 + i)}";\nDB_PASSWORD=FAKEfZ2bqEMTevk${i}q\n` : '';
    write(d, `pkg${i % 7}/file${i}.js`, body + planted);
  }
  return d;
}

describe('prestarted scanning threads', () => {
  it('are started only for a working-tree scan', () => {
    for (const argv of [['scan', '--staged'], ['scan', '--history'], ['scan', '--range=a..b'], ['scan', '--range', 'a..b'], ['scan', '-'], ['graph']]) {
      prestartFor(argv, 1);
      expect(takePrestarted(1)).toHaveLength(0);
    }
  });

  it.skipIf(!workerScriptAvailable())('are handed over once, and stopped when not wanted', async () => {
    prestartFor(['scan', '.'], 2);
    const taken = takePrestarted(1);
    expect(taken).toHaveLength(1);
    expect(takePrestarted(1)).toHaveLength(0); // the other one was stopped, not kept
    await taken[0]!.terminate();
  });

  it.skipIf(!workerScriptAvailable())('scan with the shipped rules and find what one thread finds', async () => {
    const d = bigTree();
    prestartFor(['scan', d], 1);
    const threaded = await scanPaths({ paths: [d], base: d, workers: 2, projectRules: false });
    const single = await scanPaths({ paths: [d], base: d, workers: 0, projectRules: false });
    expect(threaded.stats.workers).toBe(2);
    expect(threaded.findings).toEqual(single.findings);
    expect(new Set(single.findings.map((f) => f.ruleId))).toEqual(new Set(['stripe-secret-key', 'generic-password-assignment']));
  });

  it.skipIf(!workerScriptAvailable())('compile the scan’s own rules when they are not the shipped ones', async () => {
    const d = bigTree();
    const rulesDir = testRulesDir(); // no generic password rule: the passwords must not be reported
    prestartFor(['scan', d], 1);
    const threaded = await scanPaths({ paths: [d], base: d, rulesDir, workers: 2, projectRules: false });
    const single = await scanPaths({ paths: [d], base: d, rulesDir, workers: 0, projectRules: false });
    expect(threaded.stats.workers).toBe(2);
    expect(threaded.findings).toEqual(single.findings);
    expect(new Set(threaded.findings.map((f) => f.ruleId))).toEqual(new Set(['stripe-secret-key']));
  });
});
