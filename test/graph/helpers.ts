import { cpSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadRules } from '../../src/providers/rules.js';
import type { Graph, GraphEdge } from '../../src/graph/types.js';
import { edgeOrder } from '../../src/graph/assemble.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Detection rules pinned for the expected-graph tests: a copy of the stripe, github, aws and
 * example rules, so that rules other providers add later cannot change what these fixtures mean.
 */
export const pinnedRules = () => loadRules(fileURLToPath(new URL('./providers/', import.meta.url)));

export interface CopyOptions {
  /** `git init` the copy and set this origin (git@github.com:owner/repo.git). */
  remote?: string;
  /** `git init` the copy (without a remote): commands that keep state want a repository. */
  git?: boolean;
  /** Write this .gitignore into the copy (fixtures cannot carry one: it would hide their files in credctl's own repo). */
  gitignore?: string;
}

export function copyFixture(name: string, options: CopyOptions = {}): string {
  const dir = mkdtempSync(join(tmpdir(), `credctl-graph-${name}-`));
  cpSync(join(REPO_ROOT, 'fixtures', name), dir, { recursive: true });
  if (options.gitignore !== undefined) writeFileSync(join(dir, '.gitignore'), options.gitignore);
  if (options.remote !== undefined || options.git) {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
    git('init', '-q');
    if (options.remote !== undefined) git('remote', 'add', 'origin', options.remote);
  }
  return dir;
}

export function readExpected(name: string): Pick<Graph, 'nodes' | 'edges' | 'warnings' | 'github'> {
  return JSON.parse(readFileSync(new URL(`./expected/${name}.json`, import.meta.url), 'utf8'));
}

/** Order-independent, exact comparison form. */
export function normalize(g: Pick<Graph, 'nodes' | 'edges' | 'warnings' | 'github'>) {
  return {
    github: g.github,
    nodes: [...g.nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    edges: [...g.edges].sort((a: GraphEdge, b: GraphEdge) => edgeOrder(a, b)),
    warnings: g.warnings,
  };
}
