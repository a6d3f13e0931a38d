/**
 * Files that hold secrets by nature. A default scan reads them even when git ignores them: an
 * attacker with the machine (or a backup, a Docker build context, a shared laptop) finds the
 * ignored `.env` first, so "no credentials found" because `.env` is in .gitignore is the wrong
 * answer. Ignored bulk folders (dependencies, build output, caches) are never entered.
 */

/** Base names (exact, case-insensitive) of files that exist to hold credentials. */
const NAMES = new Set([
  '.env',
  '.npmrc',
  '.yarnrc',
  '.yarnrc.yml',
  '.pypirc',
  '.netrc',
  '_netrc',
  '.pgpass',
  'pgpass.conf',
  '.git-credentials',
  '.dockercfg',
  'kubeconfig',
  '.boto',
  '.s3cfg',
  '.terraformrc',
  'terraform.rc',
  '.vault-token',
  '.edgerc',
  '.htpasswd',
  '.esmtprc',
  'credentials',
  'credentials.json',
  'credentials.toml',
  'credentials.yml',
  'application_default_credentials.json',
  'accesstokens.json',
  'azureprofile.json',
  'secrets.yml',
  'secrets.yaml',
  'secrets.json',
  'secrets.toml',
  'master.key',
  'wp-config.php',
  'sftp-config.json',
  'sftp.json',
  '.ftpconfig',
  '.ftppass',
  '.remote-sync.json',
  'deployment-config.json',
  'robomongo.json',
  'robo3t.json',
  'sitemanager.xml',
  'recentservers.xml',
  'id_rsa',
  'id_dsa',
  'id_ecdsa',
  'id_ed25519',
  'local.settings.json',
  'appsettings.development.json',
  'google-services.json',
  'serviceaccountkey.json',
  'firebase-adminsdk.json',
  'settings.xml',
  'gradle.properties',
  '.dbeaver-data-sources.xml',
]);

/** Name patterns: .env.*, *.env, keys and certificates, kubeconfigs, Terraform state and variables, service-account JSON. */
const PATTERN =
  /^(?:\.env\..+|.+\.env|.+\.(?:pem|key|p12|pfx|jks|keystore|ppk|crt|cer|der|kubeconfig|tfvars|tfvars\.json|tfstate|tfstate\.backup|asc)|.*service[-_]?account.*\.json|.*secrets?.*\.ya?ml|.*-adminsdk-.*\.json|data-sources.*\.json)$/i;

/** Paths whose directory says what they hold: ~/.aws/credentials, .docker/config.json, .kube/config, .config/gh/hosts.yml. */
const IN_DIR =
  /(?:^|\/)(?:\.aws\/(?:credentials|config)|\.docker\/config\.json|\.kube\/config|\.config\/gh\/hosts\.yml|\.azure\/[^/]+\.json|\.ssh\/id_[a-z0-9]+|\.dbeaver\/[^/]+\.json)$/i;

export function holdsSecretsByNature(path: string): boolean {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  if (base.endsWith('.pub')) return false;
  const lower = base.toLowerCase();
  return NAMES.has(lower) || PATTERN.test(base) || IN_DIR.test(path);
}

/**
 * Ignored folders that are bulk, not secrets: dependencies, build output, caches, virtualenvs.
 * An ignored folder not listed here (`secrets/`, `.idea/`, `local/`) is walked for files that
 * hold secrets by nature.
 */
const BULK = new Set([
  'node_modules',
  'bower_components',
  'jspm_packages',
  'vendor',
  'dist',
  'build',
  'out',
  'target',
  'bin',
  'obj',
  '.next',
  '.nuxt',
  '.svelte-kit',
  '.output',
  '.vercel',
  '.netlify',
  'coverage',
  '.nyc_output',
  '.venv',
  'venv',
  '__pycache__',
  '.tox',
  '.nox',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
  '.gradle',
  '.m2',
  '.cache',
  '.parcel-cache',
  '.turbo',
  '.terraform',
  '.terragrunt-cache',
  '.serverless',
  '.angular',
  '.expo',
  'DerivedData',
  'Pods',
  '.dart_tool',
  '.pub-cache',
  '_build',
  'deps',
  'elm-stuff',
  '.stack-work',
  'zig-cache',
  'zig-out',
  '.bundle',
  'tmp',
  'log',
  'logs',
  '.git',
]);

export function isBulkFolder(name: string): boolean {
  return BULK.has(name);
}

/** Limits on walking one ignored folder: a folder too big to be anything but bulk is left alone. */
export const IGNORED_WALK_LIMITS = { entries: 20_000, depth: 8 };
