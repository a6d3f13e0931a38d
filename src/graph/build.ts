/**
 * Build or update the usage graph of a project and persist it through the project's graph state
 * (`.credctl/graph.json`, src/state/).
 *
 * Incremental: the file keeps, per source file, its size, mtime, content hash and extract result.
 * A file whose size and mtime are unchanged is not opened; one whose stat changed is read and
 * hashed, and re-extracted only when the hash changed. Cached results are dropped wholesale when
 * the schema, an extractor's version or the detection rules change.
 */
import { gitSync } from '../core/git.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TEMP_FILE } from '../core/atomic-write.js';
import { resolveInsideProject } from '../core/inside-project.js';
import { parserMessage } from '../core/errors.js';
import { projectPaths } from '../core/paths.js';
import { projectState } from '../state/files.js';
import type { GraphState } from '../state/types.js';
import { looksBinary } from '../core/text.js';
import { loadCredctlYaml } from '../config/credctl-yaml.js';
import type { Rule } from '../providers/rules.js';
import { loadRulesCached } from '../scan/rules-cache.js';
import type { Finding } from '../scan/finding.js';
import { listProjectFiles } from '../scan/files.js';
import { SCHEMA_VERSION, assemble } from './assemble.js';
import { createClassifier } from './classify.js';
import { EXTRACTORS, extractorById, extractorFor } from './extractors/index.js';
import { isDotenvPath } from './extractors/dotenv.js';
import { isGitWorkTree } from '../scan/files.js';
import type { ExtractResult, Extractor, Graph } from './types.js';

export interface BuildOptions {
  /** Detection rules (default: every providers/<id>/rules.yaml). */
  rules?: Rule[];
  /** Scanner findings: each becomes a credential and an appears-in place (hard-coded keys in code). */
  findings?: Finding[];
  /** List every file, ignoring .gitignore. */
  noIgnore?: boolean;
  /** Ignore the cache and re-read every file. */
  full?: boolean;
  /** Persist to the project's graph state, .credctl/graph.json (default true). */
  write?: boolean;
  /** Where the graph is kept (default: the project's files under .credctl/). */
  state?: GraphState;
  /** Filled with what the build did (for the bench and `graph --stats`). */
  stats?: BuildStats;
}

export interface BuildStats {
  listed: number;
  considered: number;
  read: number;
  extracted: number;
  reused: number;
  ms: number;
}

interface CachedFile {
  size: number;
  mtimeMs: number;
  hash: string;
  extractor: string;
  result: ExtractResult;
}

export interface GraphFile extends Graph {
  /** Identifies everything the cached results depend on besides file contents. */
  engine: string;
  files: Record<string, CachedFile>;
  /**
   * The last scan's findings (no values), with the mtime of each file they are in, so a rebuild
   * by `where` or `plan` keeps hard-coded keys until their file changes or the next scan.
   */
  scan?: { findings: Finding[]; mtimes: Record<string, number> };
}

const MAX_FILE_SIZE = 8 << 20;

export function engineSignature(rulesSignature: string, extractors: readonly Extractor[] = EXTRACTORS): string {
  return `v${SCHEMA_VERSION};${extractors.map((e) => `${e.id}@${e.version}`).join(',')};rules:${rulesSignature}`;
}

/** The project's GitHub repository: credctl.yaml `project.github`, else the `origin` remote. */
export function githubRepository(root: string): string | undefined {
  const configured = loadCredctlYaml(root).project?.github;
  if (configured) return configured;
  if (!existsSync(join(root, '.git'))) return undefined;
  try {
    const url = gitSync(root, ['remote', 'get-url', 'origin']).toString().trim();
    return parseGithubRemote(url);
  } catch {
    return undefined;
  }
}

export function parseGithubRemote(url: string): string | undefined {
  const m =
    /^(?:https?:\/\/(?:[^@/]+@)?github\.com\/|git@github\.com:|ssh:\/\/git@github\.com(?::\d+)?\/|git:\/\/github\.com\/)([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(
      url,
    );
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/** The stored graph of a project (its root, or its graph state), if one of this schema was written. */
export function loadGraph(from: string | GraphState): GraphFile | undefined {
  const doc = graphStateOf(from).read() as GraphFile | undefined;
  if (doc?.schemaVersion !== SCHEMA_VERSION) return undefined;
  return doc;
}

function graphStateOf(from: string | GraphState): GraphState {
  return typeof from === 'string' ? projectState(projectPaths(from)).graph : from;
}

export function buildGraph(root: string, options: BuildOptions = {}): Graph {
  const started = performance.now();
  const state = options.state ?? graphStateOf(root);
  // The parsed-rules cache the scanner uses: parsing every rules.yaml costs ~80 ms per build.
  const classifier = createClassifier(options.rules ?? loadRulesCached());
  const engine = engineSignature(classifier.signature);
  // The previous graph is read even for --full: its per-file cache is then ignored, but the last
  // scan's findings (keys hard-coded in code, which only a scan finds) are carried over.
  let previous: GraphFile | undefined;
  try {
    previous = loadGraph(state);
  } catch {
    previous = undefined; // a corrupt cache is rebuilt, not an error
  }
  const cache = !options.full && previous && previous.engine === engine ? previous.files : {};
  const ctx = { classify: (name: string, value: string) => classifier.classify(name, value) };
  const stats: BuildStats = { listed: 0, considered: 0, read: 0, extracted: 0, reused: 0, ms: 0 };
  const files: Record<string, CachedFile> = {};

  const process = (path: string, extractor: Extractor) => {
    stats.considered++;
    const full = join(root, path);
    let st;
    try {
      st = statSync(full);
    } catch {
      return;
    }
    if (!st.isFile() || st.size > MAX_FILE_SIZE) return;
    const cached = cache[path];
    if (cached && cached.extractor === extractor.id && cached.size === st.size && cached.mtimeMs === st.mtimeMs) {
      files[path] = cached;
      stats.reused++;
      return;
    }
    let buf: Buffer;
    try {
      buf = readFileSync(full);
    } catch {
      return;
    }
    stats.read++;
    if (looksBinary(buf)) return;
    const hash = createHash('sha1').update(buf).digest('hex');
    if (cached && cached.extractor === extractor.id && cached.hash === hash) {
      files[path] = { ...cached, size: st.size, mtimeMs: st.mtimeMs };
      stats.reused++;
      return;
    }
    let result: ExtractResult;
    try {
      result = extractor.extract({ path, text: buf.toString('utf8') }, ctx);
    } catch (err) {
      // An extractor bug or a pathological file must not stop the rest of the repo being mapped.
      result = {
        bindings: [],
        references: [],
        imports: [],
        consumers: [],
        targets: [],
        warnings: [{ file: path, line: 1, message: `could not be read as ${extractor.id}: ${parserMessage(err)}` }],
      };
    }
    stats.extracted++;
    files[path] = { size: st.size, mtimeMs: st.mtimeMs, hash, extractor: extractor.id, result };
  };

  // A temp file credctl itself left (an interrupted write) is not a place a value is kept: the
  // next run sweeps it. (A scan still reports what it holds.)
  const listed = listProjectFiles(root, { noIgnore: options.noIgnore }).filter((p) => !TEMP_FILE.test(basename(p)));
  // .env files are usually git-ignored, and they are exactly where values live: read them anyway.
  if (!options.noIgnore) listed.push(...ignoredDotenvFiles(root).filter((p) => !listed.includes(p)));
  stats.listed = listed.length;
  for (const path of listed) {
    const extractor = extractorFor(path);
    if (extractor) process(path, extractor);
  }
  // env_file entries naming a file no extractor claimed by its name (config/app.envvars).
  const dotenv = extractorById('dotenv')!;
  for (const entry of Object.values({ ...files })) {
    for (const imp of entry.result.imports) {
      // An env file a compose file names is read only if it really is inside the project (a
      // committed link could lead anywhere on the machine).
      if (imp.path && !files[imp.path] && isInsideProject(root, imp.path)) process(imp.path, dotenv);
    }
  }

  const sorted = Object.keys(files)
    .sort()
    .map((p) => [p, files[p]!.result] as [string, ExtractResult]);
  const scan = scanFindings(root, options.findings, previous);
  const graph = assemble({ files: sorted, github: githubRepository(root), findings: scan?.findings });

  if (options.write !== false) {
    const out: GraphFile = {
      ...graph,
      engine,
      files: Object.fromEntries(
        Object.keys(files)
          .sort()
          .map((p) => [p, files[p]!]),
      ),
      ...(scan ? { scan } : {}),
    };
    state.write(out);
  }
  stats.ms = Math.round(performance.now() - started);
  if (options.stats) Object.assign(options.stats, stats);
  return graph;
}

/** This build's scan findings: the ones given, else the last scan's for files not changed since. */
function scanFindings(root: string, given: Finding[] | undefined, previous: GraphFile | undefined): GraphFile['scan'] {
  const mtime = (file: string) => {
    try {
      return statSync(join(root, file)).mtimeMs;
    } catch {
      return undefined;
    }
  };
  if (given) {
    const mtimes: Record<string, number> = {};
    for (const f of given) {
      const m = mtime(f.file);
      if (m !== undefined) mtimes[f.file] = m;
    }
    return { findings: given, mtimes };
  }
  if (!previous?.scan) return undefined;
  const { mtimes } = previous.scan;
  const findings = previous.scan.findings.filter((f) => mtimes[f.file] !== undefined && mtime(f.file) === mtimes[f.file]);
  return { findings, mtimes: Object.fromEntries(Object.entries(mtimes).filter(([file]) => findings.some((f) => f.file === file))) };
}

function isInsideProject(root: string, path: string): boolean {
  try {
    resolveInsideProject(root, path);
    return true;
  } catch {
    return false;
  }
}

/** Ignored files of the .env family in a git work tree (never inside node_modules or vendor). */
function ignoredDotenvFiles(root: string): string[] {
  if (!existsSync(join(root, '.git')) && !isGitWorkTree(root)) return [];
  try {
    const out = gitSync(
      root,
      ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--', ':(glob)**/.env', ':(glob)**/.env.*', ':(glob)**/*.env'],
      { maxBuffer: 1 << 28 },
    ).toString('utf8');
    return out.split('\0').filter((p) => p && isDotenvPath(p) && !/(^|\/)(?:node_modules|vendor|\.credctl)\//.test(p));
  } catch {
    return [];
  }
}
