/**
 * `credctl.yaml` at the project root: what the repository cannot say by itself. Committed, so it
 * never holds a value. A key credctl does not know is an error (exit 3) naming the key and the
 * file, never silence: a misspelt `provders:` or `provider:` would otherwise quietly turn off what
 * the user meant to configure. A new section is added to TOP_LEVEL_KEYS with the code that reads it.
 *
 *   project:
 *     github: owner/repo     # names the GitHub Actions secret targets when there is no git remote
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { inputError, parserMessage } from '../core/errors.js';

// The YAML parser prints warnings (an unknown !tag) with a frame of the line, which may hold a
// value; credctl reports problems itself, so the parser stays quiet.
const QUIET = { logLevel: 'error' } as const;

export interface CredctlConfig {
  project?: { github?: string };
  [key: string]: unknown;
}

export const CONFIG_FILE = 'credctl.yaml';

/** The sections credctl reads (sections.ts, and detection in src/scan/custom-rules.ts). */
export const TOP_LEVEL_KEYS = ['project', 'providers', 'credentials', 'access', 'policy', 'detection', 'guards'] as const;
const PROJECT_KEYS = ['github'];
const MAX_CONFIG_BYTES = 1024 * 1024;

export function loadCredctlYaml(root: string): CredctlConfig {
  const path = join(root, CONFIG_FILE);
  if (!existsSync(path)) return {};
  // A settings file is a few KB; a huge one would take minutes and gigabytes to parse.
  const size = statSync(path).size;
  if (size > MAX_CONFIG_BYTES)
    throw inputError(
      `${CONFIG_FILE} is ${Math.round(size / 1024)} KB; credctl reads at most ${MAX_CONFIG_BYTES / 1024} KB`,
      'Keep credctl.yaml to settings: it never holds values or data.',
    );
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(path, 'utf8'), QUIET);
  } catch (err) {
    const line = (err as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw inputError(`${CONFIG_FILE}${line ? `:${line}` : ''}: invalid YAML: ${parserMessage(err)}`, 'Fix the file, or move it away to run without it.');
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw inputError(`${CONFIG_FILE}: expected a mapping at the top level`);
  const config = doc as CredctlConfig;
  for (const key of Object.keys(config)) {
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key))
      throw inputError(`${CONFIG_FILE}: unknown key ${JSON.stringify(key.slice(0, 60))}`, `Known keys: ${TOP_LEVEL_KEYS.join(', ')}.`);
  }
  const project = config.project as unknown;
  if (project !== undefined) {
    if (typeof project !== 'object' || project === null || Array.isArray(project)) throw inputError(`${CONFIG_FILE}: project must be a mapping`);
    for (const key of Object.keys(project)) {
      if (!PROJECT_KEYS.includes(key)) throw inputError(`${CONFIG_FILE}: unknown key "project.${key.slice(0, 60)}"`, `Known here: ${PROJECT_KEYS.join(', ')}.`);
    }
    const gh = (project as { github?: unknown }).github;
    if (gh !== undefined && (typeof gh !== 'string' || !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(gh))) {
      throw inputError(`${CONFIG_FILE}: project.github must look like owner/repo`);
    }
  }
  return config;
}
