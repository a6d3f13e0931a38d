import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGraph, where } from '../../src/graph/index.js';
import { runCli } from '../helpers/cli.js';

// `credctl scan` of a project also refreshes its usage graph, hard-coded keys included, and later
// rebuilds (by `where`, `plan`, ...) keep those places until the file changes or the next scan.
const KEY = 'sk_live_51FAKEhardcodedKey9Qw3Er5Ty7U';

describe('scan updates the usage graph', () => {
  it('records a key hard-coded in source as a place, keeps it across rebuilds, drops it when the file changes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'credctl-scan-graph-'));
    execFileSync('git', ['init', '-q'], { cwd: root });
    writeFileSync(join(root, 'pay.ts'), `export const stripe = new Stripe("${KEY}");\n`);
    const r = await runCli(['scan'], { cwd: root });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/usage graph updated: 1 credential/);
    expect(where(buildGraph(root), 'pay.ts').places).toEqual([{ file: 'pay.ts', line: 1, credential: expect.stringMatching(/^fp_/), git: 'untracked' }]);
    // A rebuild by another command (no findings given) keeps it, a full rebuild too...
    expect(where(buildGraph(root), 'pay.ts').credentials).toHaveLength(1);
    expect(where(buildGraph(root, { full: true }), 'pay.ts').credentials).toHaveLength(1);
    // ...until the file changes.
    writeFileSync(join(root, 'pay.ts'), 'export const stripe = new Stripe(process.env.STRIPE_SECRET_KEY);\n');
    expect(buildGraph(root).nodes.filter((n) => n.type === 'credential')).toEqual([]);
    // --no-graph leaves the graph alone.
    const quiet = await runCli(['scan', '--no-graph'], { cwd: root });
    expect(quiet.stderr).not.toMatch(/usage graph/);
  });
});
