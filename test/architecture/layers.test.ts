import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLayers, EXCEPTIONS, LAYERS, readSources } from './layers.js';

// src/ imports only point down the layers of ./layers.ts (issue 16). A failure names each
// offending import; the fix is to move the type or function down, not to add an exception.
describe('layers', () => {
  const sources = readSources(join(import.meta.dirname, '..', '..', 'src'));

  it('every import in src/ points down (or stays in its folder)', () => {
    expect(sources.length).toBeGreaterThan(100);
    const report = checkLayers(sources);
    expect(report.unplaced, 'folders of src/ in no layer: add each to LAYERS in test/architecture/layers.ts').toEqual([]);
    expect(report.violations).toEqual([]);
    expect(report.staleExceptions, 'exceptions that match no import any more: delete them').toEqual([]);
  });

  it('keeps the exceptions to a handful, each with its reason', () => {
    expect(EXCEPTIONS.length).toBeLessThanOrEqual(5);
    for (const e of EXCEPTIONS) expect(e.why.length).toBeGreaterThan(20);
  });

  it('names a folder once', () => {
    const all = LAYERS.flat();
    expect(new Set(all).size).toBe(all.length);
  });

  // The check itself, on made-up files: it must be able to fail.
  const file = (path: string, text: string) => ({ path, text });
  const layers = [['core'], ['scan', 'store'], ['cli']];

  it('flags an upward import, a peer import and an unplaced folder, with the import named', () => {
    const report = checkLayers(
      [
        file('core/a.ts', "import { x } from '../cli/main.js';\nlet t: import('../scan/b.js').Y;"),
        file('scan/b.ts', "import type { Y } from '../store/types.js';\nconst z = await import('../cli/main.js');"),
        file('store/c.ts', "export { w } from '../core/a.js';\nimport { v } from './d.js';\nimport 'node:fs';"),
        file('extra/e.ts', "import { x } from '../core/a.js';"),
        file('cli/main.ts', "type T = import('../scan/b.js').Y;\nimport { u } from '../mystery/f.js';"),
      ],
      layers,
      [],
    );
    expect(report.violations).toEqual([
      "src/core/a.ts imports '../cli/main.js': core (layer 0) may not import cli, which is above it (layer 2)",
      "src/core/a.ts imports '../scan/b.js': core (layer 0) may not import scan, which is above it (layer 1)",
      "src/scan/b.ts imports '../store/types.js': scan (layer 1) may not import store, which is its peer (layer 1)",
      "src/scan/b.ts imports '../cli/main.js': scan (layer 1) may not import cli, which is above it (layer 2)",
      "src/cli/main.ts imports '../mystery/f.js': cli (layer 2) may not import mystery, which is in no layer",
    ]);
    expect(report.unplaced).toEqual(['extra']);
  });

  it('lets an exception through only for its exact import, and reports one that matches nothing', () => {
    const files = [file('core/a.ts', "import { x } from '../cli/main.js';\nimport { y } from '../cli/other.js';")];
    const report = checkLayers(files, layers, [
      { from: 'core/a.ts', to: 'cli/main.ts', why: 'a test' },
      { from: 'core/a.ts', to: 'cli/gone.ts', why: 'a test' },
    ]);
    expect(report.violations).toEqual(["src/core/a.ts imports '../cli/other.js': core (layer 0) may not import cli, which is above it (layer 2)"]);
    expect(report.staleExceptions).toEqual(['core/a.ts -> cli/gone.ts']);
  });
});
