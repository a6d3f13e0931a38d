/**
 * Judgements about names and file names, shared by the classifier, the extractors and the
 * assembler, so every source type agrees on what a secret-looking name and an environment are.
 */

/** Parts that make a name look like it holds a secret (word-bounded: PASSPORT and AUTHOR do not). */
const SECRET_PARTS = new Set(['KEY', 'SECRET', 'TOKEN', 'PASSWORD', 'PASS', 'PWD', 'CREDENTIALS', 'CREDENTIAL', 'DSN', 'AUTH', 'APIKEY', 'PASSWD', 'PRIVATE']);
/** Parts that say the value is public by design (NEXT_PUBLIC_*, STRIPE_PUBLISHABLE_KEY). */
const PUBLIC_PARTS = new Set(['PUBLIC', 'PUBLISHABLE', 'PUB']);

/** Split NAME_PARTS, name-parts, name.parts and camelCase into upper-case words. */
export function nameParts(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p.toUpperCase());
}

export function looksSecretName(name: string): boolean {
  const parts = nameParts(name);
  if (parts.some((p) => PUBLIC_PARTS.has(p))) return false;
  return parts.some((p) => SECRET_PARTS.has(p));
}

/**
 * Names a platform provides by itself for one run (GitHub's GITHUB_TOKEN, GitLab's CI_JOB_TOKEN):
 * not credentials anyone keeps or rotates, so they stay out of the graph.
 */
export function isPlatformProvidedName(name: string): boolean {
  // GitHub refuses user secrets named GITHUB_*, so those are all its own; GitLab's own are CI_*
  // and a few GITLAB_* (a user's GITLAB_DEPLOY_TOKEN is theirs and stays).
  return /^(?:CI|GITHUB|CIRCLE|RUNNER|ACTIONS|VERCEL_GIT)_/.test(name) || /^GITLAB_(?:CI|FEATURES|USER_\w+)$/.test(name) || name === 'CI';
}

/**
 * The environment a file stands for, from its name: .env.production -> prod, .env.development and
 * .env.local -> dev, .env.test -> test, .env.staging -> staging; the same words as a path segment
 * or a `*.env` stem count too (production.env, k8s/production/secret.yaml, prod.tfvars).
 */
export function environmentFromPath(path: string): string | undefined {
  // .env.production.local is production (its local override), so `local` only decides alone.
  let local: string | undefined;
  for (const word of path.toLowerCase().split(/[/._-]+/)) {
    const env = environmentFromWord(word);
    if (word === 'local') local = env;
    else if (env) return env;
  }
  return local;
}

export function environmentFromWord(word: string): string | undefined {
  switch (word.toLowerCase()) {
    case 'production':
    case 'prod':
    case 'prd':
    case 'live':
      return 'prod';
    case 'staging':
    case 'stage':
    case 'stg':
      return 'staging';
    case 'development':
    case 'dev':
    case 'local':
      return 'dev';
    case 'test':
    case 'testing':
      return 'test';
    default:
      return undefined;
  }
}

/** The same scale for a credential's own environment (a key prefix says live/test). */
export function normalizeEnvironment(env: string | undefined): string | undefined {
  if (!env) return undefined;
  return environmentFromWord(env) ?? env;
}
