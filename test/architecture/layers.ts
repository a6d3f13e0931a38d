import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * The one-way layers of src/ (issue 16), and the check that holds them: a module may import its own
 * folder and any folder in a lower layer, never a folder in its own layer or above. Folders in one
 * layer are peers that know nothing of each other. Every import counts, `import type` and
 * `import()` included: a type reaching up ties the layers together as surely as a call.
 *
 * No dependency-cruiser or madge here (neither is a dependency): TypeScript's own pre-processor
 * lists each file's imports, which is all a folder-level rule needs.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['core'], // errors, exit codes, paths, redaction, output: everything stands on it
  ['net', 'config', 'issuer'], // the one HTTP client; credctl.yaml read and validated; the reference issuer (a server on core alone)
  ['providers', 'trust'], // detection rules and provider manifests; what the user trusted of a repository
  ['scan', 'store', 'targets'], // finding values; keeping them sealed; the machinery that writes them to where they are used
  ['state'], // what a project keeps between commands (graph, run journals, target ledger) behind one seam, on files today
  ['audit', 'integrations'], // the signed log (it opens the store for its key); one folder per vendor or target
  ['project'], // one project: root, settings, providers with overrides, trust decision
  ['graph'], // where each credential is used
  ['plan'], // what a rotation will do
  ['apply'], // doing it, journaled
  ['report'], // what leaked, what it reaches, what a run did (reads run journals)
  ['incident'], // one leak remembered from "we leaked" to a signed proof (reads runs, store, audit; renders with report's shell)
  ['commands'], // the logic behind a command that no single lower folder owns (scan refreshes the graph; store changes are audited)
  ['demo'], // `credctl demo` drives the other commands end to end
  ['cli', 'ci'], // entry points: the credctl binary and the GitHub Action
];

/**
 * Imports that point up for a reason, each with it. Kept short: every entry is debt with a plan,
 * and one that no longer matches an import fails the check so that the list only shrinks.
 */
export const EXCEPTIONS: readonly { from: string; to: string; why: string }[] = [];

export interface SourceFile {
  /** Path under src/, with `/` separators (e.g. `commands/scan.ts`). */
  path: string;
  text: string;
}

export interface LayerReport {
  violations: string[];
  /** Exceptions that matched no import (fixed debt: delete the entry). */
  staleExceptions: string[];
  /** Folders of src/ that no layer names. */
  unplaced: string[];
}

export function readSources(srcDir: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && /\.(ts|mts|cts)$/.test(entry.name)) {
        out.push({ path: relative(srcDir, full).split(sep).join('/'), text: readFileSync(full, 'utf8') });
      }
    }
  };
  walk(srcDir);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

const folderOf = (path: string): string => (path.includes('/') ? path.slice(0, path.indexOf('/')) : '(src root)');

/** The imports of `files` that break `layers`, each named with its file, its specifier and both layers. */
export function checkLayers(files: SourceFile[], layers = LAYERS, exceptions = EXCEPTIONS): LayerReport {
  const layerOf = new Map<string, number>();
  layers.forEach((folders, i) => folders.forEach((f) => layerOf.set(f, i)));
  const violations: string[] = [];
  const used = new Set<number>();
  const unplaced = new Set<string>();
  const root = resolve('/src');
  for (const file of files) {
    const from = folderOf(file.path);
    const fromLayer = layerOf.get(from);
    if (fromLayer === undefined) {
      unplaced.add(from);
      continue;
    }
    for (const imp of ts.preProcessFile(file.text, true, true).importedFiles) {
      if (!imp.fileName.startsWith('.')) continue; // packages and node: builtins
      const target = relative(root, resolve(root, dirname(file.path), imp.fileName))
        .split(sep)
        .join('/');
      const to = folderOf(target);
      if (to === from) continue;
      const toLayer = layerOf.get(to);
      if (toLayer !== undefined && toLayer < fromLayer) continue;
      const targetTs = target.replace(/\.js$/, '.ts');
      const exception = exceptions.findIndex((e) => e.from === file.path && e.to === targetTs);
      if (exception >= 0) {
        used.add(exception);
        continue;
      }
      const where = toLayer === undefined ? 'is in no layer' : toLayer === fromLayer ? `is its peer (layer ${toLayer})` : `is above it (layer ${toLayer})`;
      violations.push(`src/${file.path} imports '${imp.fileName}': ${from} (layer ${fromLayer}) may not import ${to}, which ${where}`);
    }
  }
  const staleExceptions = exceptions.filter((_, i) => !used.has(i)).map((e) => `${e.from} -> ${e.to}`);
  return { violations, staleExceptions, unplaced: [...unplaced].sort() };
}
