import { inputError, remoteError, storeError } from '../../core/errors.js';
import { fingerprint } from '../../core/fingerprint.js';
import { callJson, statusError, type JsonReply } from '../../targets/http.js';
import { optionalApiUrl, optionalString, requireString } from '../../targets/ref-fields.js';
import type {
  GithubActionsTargetRef,
  Target,
  TargetDeps,
  TargetFingerprint,
  TargetPlugin,
  VerifyResult,
  WriteOptions,
  WriteResult,
} from '../../targets/target.js';
import { sealForPublicKey } from './sodium.js';
import { ledgerOf } from '../../targets/default-ledger.js';

/**
 * GitHub Actions secrets (repository, or a deployment environment's) through the REST API:
 *   GET  {base}/public-key         → { key_id, key }   (Curve25519 public key, base64)
 *   PUT  {base}/{name}             { encrypted_value, key_id } → 201 created / 204 updated
 *   GET  {base}/{name}             → { name, created_at, updated_at }   (never the value)
 * where base is /repos/{owner}/{repo}/actions/secrets or
 * /repos/{owner}/{repo}/environments/{env}/secrets.
 *
 * Values cannot be read back, so the fingerprint is known only through the ledger: when credctl
 * wrote the secret and GitHub's updated_at is still the one seen right after that write, the
 * secret still holds what credctl wrote. Otherwise it is 'unknown' and a write always PUTs (the
 * PUT of a value is idempotent by nature).
 */
const DEFAULT_API = 'https://api.github.com';
const REPO_RE = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const SECRET_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface SecretMeta {
  name: string;
  created_at: string;
  updated_at: string;
}

class GithubActionsTarget implements Target {
  readonly type = 'github-actions';
  private readonly api: string;

  constructor(
    readonly ref: GithubActionsTargetRef,
    private readonly deps: TargetDeps,
  ) {
    this.api = (deps.apiUrl?.['github-actions'] ?? ref.apiUrl ?? DEFAULT_API).replace(/\/+$/, '');
  }

  describe(): string {
    return this.ref.environment
      ? `GitHub Actions secrets of ${this.ref.repo} (environment ${this.ref.environment})`
      : `GitHub Actions secrets of ${this.ref.repo}`;
  }

  private base(): string {
    const [owner, repo] = this.ref.repo.split('/') as [string, string];
    const r = `${this.api}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
    return this.ref.environment ? `${r}/environments/${encodeURIComponent(this.ref.environment)}/secrets` : `${r}/actions/secrets`;
  }

  private ledgerKey(name: string): string {
    return `github-actions:${this.api}:${this.ref.repo}:${this.ref.environment ?? ''}:${name}`;
  }

  private async token(): Promise<string> {
    const t = await this.deps.getCredential?.('github', this.ref);
    if (!t)
      throw storeError(
        `no GitHub token to write secrets of ${this.ref.repo}`,
        'store the token that guards this repository (credctl store put) and say so in credctl.yaml',
      );
    return t;
  }

  private async call(method: 'GET' | 'PUT', url: string, what: string, secrets: string[], body?: unknown): Promise<JsonReply> {
    const token = await this.token();
    return callJson({
      method,
      url,
      body,
      what: `GitHub: ${what}`,
      secrets: [token, ...secrets],
      policy: this.deps.http,
      client: this.deps.net,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'credctl',
      },
    });
  }

  private async meta(name: string, secrets: string[] = []): Promise<SecretMeta | null> {
    const what = `read secret ${name} of ${this.ref.repo}`;
    const reply = await this.call('GET', `${this.base()}/${encodeURIComponent(name)}`, what, secrets);
    if (reply.status === 404) {
      // 404 means "no such secret" only if the repository itself is reachable; otherwise it is an error.
      await this.publicKey(secrets);
      return null;
    }
    if (reply.status !== 200) throw statusError(`GitHub: ${what}`, reply, await this.secretsWith(secrets), 'GitHub');
    const m = reply.json as Partial<SecretMeta> | undefined;
    if (!m || typeof m.updated_at !== 'string') throw remoteError(`GitHub: ${what}: the answer has no updated_at`);
    return { name, created_at: String(m.created_at ?? ''), updated_at: m.updated_at };
  }

  private async secretsWith(extra: string[]): Promise<string[]> {
    return [await this.token(), ...extra];
  }

  private async publicKey(secrets: string[]): Promise<{ key_id: string; key: string }> {
    const what = `read the public key of ${this.ref.repo}${this.ref.environment ? ` environment ${this.ref.environment}` : ''}`;
    const reply = await this.call('GET', `${this.base()}/public-key`, what, secrets);
    if (reply.status !== 200) throw statusError(`GitHub: ${what}`, reply, await this.secretsWith(secrets), 'GitHub');
    const k = reply.json as { key_id?: unknown; key?: unknown } | undefined;
    if (!k || typeof k.key_id !== 'string' || typeof k.key !== 'string') throw remoteError(`GitHub: ${what}: the answer has no key_id/key`);
    return { key_id: k.key_id, key: k.key };
  }

  async readFingerprint(name: string): Promise<TargetFingerprint> {
    checkSecretName(name);
    const m = await this.meta(name);
    if (!m) return null;
    const known = await ledgerOf(this.deps).get(this.ledgerKey(name));
    return known && known.remoteUpdatedAt === m.updated_at ? known.fingerprint : 'unknown';
  }

  /** GitHub never gives secret values back. */
  async readValue(): Promise<undefined> {
    return undefined;
  }

  async write(name: string, value: string, opts: WriteOptions = {}): Promise<WriteResult> {
    checkSecretName(name);
    const after = fingerprint(value);
    const secrets = [value];
    const m = await this.meta(name, secrets);
    const known = m ? await ledgerOf(this.deps).get(this.ledgerKey(name)) : undefined;
    const before: TargetFingerprint = !m ? null : known && known.remoteUpdatedAt === m.updated_at ? known.fingerprint : 'unknown';
    const base = { target: this.describe(), before, after };
    if (before === after) return { ...base, status: 'unchanged', writtenAt: m!.updated_at, notes: [] };
    if (opts.expectFingerprint !== undefined && before !== 'unknown' && opts.expectFingerprint !== before) {
      throw remoteError(`GitHub secret ${name} of ${this.ref.repo} changed since the plan was made`, 'make a new plan (credctl plan)');
    }
    const key = await this.publicKey(secrets);
    let encrypted: string;
    try {
      encrypted = await sealForPublicKey(value, key.key);
    } catch {
      throw remoteError(`GitHub: the public key of ${this.ref.repo} is not a usable Curve25519 key`);
    }
    const what = `write secret ${name} of ${this.ref.repo}`;
    const reply = await this.call('PUT', `${this.base()}/${encodeURIComponent(name)}`, what, secrets, { encrypted_value: encrypted, key_id: key.key_id });
    if (reply.status !== 201 && reply.status !== 204) throw statusError(`GitHub: ${what}`, reply, await this.secretsWith(secrets), 'GitHub');
    // GitHub's own clock, so verify() compares like with like.
    const now = await this.meta(name, secrets);
    if (!now) throw remoteError(`GitHub: secret ${name} of ${this.ref.repo} is missing right after it was written`);
    await ledgerOf(this.deps).set(this.ledgerKey(name), { fingerprint: after, remoteUpdatedAt: now.updated_at });
    return { ...base, status: 'written', writtenAt: now.updated_at, notes: [] };
  }

  async verify(name: string, value: string, opts: { writtenAt?: string } = {}): Promise<VerifyResult> {
    const m = await this.meta(name, [value]);
    if (!m) return false;
    const known = await ledgerOf(this.deps).get(this.ledgerKey(name));
    if (known && known.remoteUpdatedAt === m.updated_at) return known.fingerprint === fingerprint(value);
    if (opts.writtenAt) return Date.parse(m.updated_at) >= Date.parse(opts.writtenAt);
    return 'unverifiable';
  }
}

function checkSecretName(name: string): void {
  // GitHub: alphanumerics and underscores, not starting with a digit or GITHUB_.
  if (!SECRET_NAME_RE.test(name) || /^GITHUB_/i.test(name)) {
    throw inputError(`"${name.slice(0, 60)}" cannot be a GitHub Actions secret name`, 'use letters, digits and _, not starting with a digit or GITHUB_');
  }
}

export const githubActionsPlugin: TargetPlugin<GithubActionsTargetRef> = {
  type: 'github-actions',
  aliases: ['github'],
  // Classic tokens write secrets with `repo`; fine-grained ones with the Secrets permission (write).
  guardedBy: { provider: 'github', nameWords: ['GH', 'GITHUB'], writeScopes: ['repo', 'secrets:write'] },
  manualPlace(ref, envName) {
    // GitHub Enterprise Server serves its pages at the API host without /api/v3.
    const web = ref.apiUrl ? ref.apiUrl.replace(/\/api\/v3\/?$/, '').replace(/\/+$/, '') : 'https://github.com';
    const repoPage = `${web.startsWith('https://api.github.com') ? 'https://github.com' : web}/${ref.repo}`;
    if (ref.environment)
      return {
        id: `github-actions:${ref.repo}:${ref.environment}`,
        label: `GitHub Actions secrets of ${ref.repo} (environment ${ref.environment})`,
        url: `${repoPage}/settings/environments`,
        instructions: `Open the ${ref.environment} environment, find ${envName} under Environment secrets, choose Edit (the pencil) and paste the new value.`,
      };
    return {
      id: `github-actions:${ref.repo}`,
      label: `GitHub Actions secrets of ${ref.repo}`,
      url: `${repoPage}/settings/secrets/actions`,
      instructions: `Under Repository secrets, find ${envName}, choose Edit (the pencil) and paste the new value (or New repository secret named ${envName}).`,
    };
  },
  fromGraph: (a) =>
    typeof a.repo === 'string' ? { type: 'github-actions', repo: a.repo, ...(typeof a.environment === 'string' ? { environment: a.environment } : {}) } : null,
  parseRef(raw) {
    const t = 'github-actions';
    const repo = requireString(raw, 'repo', t);
    if (!REPO_RE.test(repo)) throw inputError(`target ${t}: "repo" must be owner/name`);
    const ref: GithubActionsTargetRef = { type: t, repo };
    const environment = optionalString(raw, 'environment', t);
    const apiUrl = optionalApiUrl(raw, t);
    if (environment) ref.environment = environment;
    if (apiUrl) ref.apiUrl = apiUrl;
    return ref;
  },
  open(ref, deps) {
    return new GithubActionsTarget(ref, deps);
  },
};
