/**
 * The extractor registry. Order matters: a file goes to the FIRST extractor that claims it, so
 * specific ones (workflows, compose, serverless) come before the catch-all Kubernetes YAML reader.
 * Adding a source type is adding a file in this folder and one line here.
 */
import type { Extractor } from '../types.js';
import { extractor as dotenv } from './dotenv.js';
import { extractor as githubActions } from './github-actions.js';
import { extractor as gitlabCi } from './gitlab-ci.js';
import { extractor as circleci } from './circleci.js';
import { extractor as compose } from './compose.js';
import { extractor as dockerfile } from './dockerfile.js';
import { extractor as vercel } from './vercel.js';
import { extractor as netlify } from './netlify.js';
import { extractor as serverless } from './serverless.js';
import { extractor as terraform } from './terraform.js';
import { extractor as code } from './code.js';
import { extractor as kubernetes } from './kubernetes.js';

export const EXTRACTORS: readonly Extractor[] = [
  dotenv,
  githubActions,
  gitlabCi,
  circleci,
  compose,
  dockerfile,
  vercel,
  netlify,
  serverless,
  terraform,
  code,
  kubernetes,
];

/** Files credctl itself writes or keeps config in are never sources. */
const SKIP = /(^|\/)(?:\.credctl\/|credctl\.ya?ml$|node_modules\/|pnpm-lock\.yaml$|package-lock\.json$|yarn\.lock$)/;

export function extractorFor(path: string, list: readonly Extractor[] = EXTRACTORS): Extractor | undefined {
  if (SKIP.test(path)) return undefined;
  return list.find((e) => e.matches(path));
}

export function extractorById(id: string, list: readonly Extractor[] = EXTRACTORS): Extractor | undefined {
  return list.find((e) => e.id === id);
}
