/** Small pieces every extractor uses: empty results, the id scheme, and shell-variable scanning. */
import { posix } from 'node:path';
import type { ExtractResult } from '../types.js';

export function emptyResult(): ExtractResult {
  return { bindings: [], references: [], imports: [], consumers: [], targets: [], warnings: [] };
}

export const basename = (path: string): string => posix.basename(path);
export const dirname = (path: string): string => {
  const d = posix.dirname(path);
  return d === '.' ? '' : d;
};
/** Join a path found inside a file (env_file: ../x.env) to that file's directory, normalised. */
export function resolveFrom(file: string, rel: string): string {
  return posix.normalize(posix.join(dirname(file), rel)).replace(/^\.\//, '');
}

// Node ids. One place decides them so extractors and the assembler agree.
export const ids = {
  credential: (fp: string) => fp,
  name: (name: string) => `name:${name}`,
  file: (path: string) => `file:${path}`,
  provider: (p: string) => `provider:${p}`,
  consumer: (kind: string, key: string) => `consumer:${kind}:${key}`,
  envFile: (path: string) => `target:dotenv:${path}`,
  configFile: (path: string) => `target:config-file:${path}`,
  k8sSecret: (namespace: string, name: string) => `target:k8s-secret:${namespace}/${name}`,
  githubSecret: (name: string) => `target:github-actions:${name}`,
  vercelEnv: (projectId: string, name: string) => `target:vercel-env:${projectId}:${name}`,
  ssmParameter: (path: string) => `target:aws-ssm-parameter:${path}`,
};

/**
 * `$NAME` and `${NAME}` (with `${NAME:-default}` and friends) in shell-like text. `$$` is an
 * escaped dollar in compose and make, and `${{` is GitHub's expression syntax: neither is a use.
 */
export const SHELL_VAR_RE = /(?<!\$)\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?=[}:?+-])|([A-Za-z_][A-Za-z0-9_]*))/g;

export function shellVarName(m: RegExpExecArray): string {
  return (m[1] ?? m[2])!;
}

/** Line (1-based) of an offset in text. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Where a deploy step sends things, judged from the words in a CI job (the actions it uses and
 * the commands it runs). Used to say what a job deploys to and which credentials guard what.
 */
const DEPLOY_PATTERNS: [RegExp, string][] = [
  [/\bvercel(?:@\S+)?\s+(?:deploy|build|pull|--prod|--token)|amondnet\/vercel-action/i, 'vercel'],
  [/\bnetlify\b[^\n]*\bdeploy\b|nwtools\/actions-netlify|netlify\/actions/i, 'netlify'],
  [/\bkubectl\b[^\n]*\s(?:apply|set|rollout|create|replace)\b|\bhelm\b[^\n]*\s(?:upgrade|install)\b|azure\/k8s-deploy|\bkustomize\s+build\b/i, 'kubernetes'],
  [/\b(?:serverless|sls)\s+deploy\b/i, 'aws-lambda'],
  [/\bterraform\s+apply\b/i, 'terraform'],
  [/\bfly(?:ctl)?\s+deploy\b/i, 'fly'],
  [/\bdocker\s+push\b|docker\/build-push-action/i, 'container-registry'],
];

export function deployTargets(text: string): string[] {
  const out: string[] = [];
  for (const [re, name] of DEPLOY_PATTERNS) if (re.test(text)) out.push(name);
  return out;
}
