import { inputError, refusedError, remoteError, storeError } from '../../core/errors.js';
import { fingerprint } from '../../core/fingerprint.js';
import { maskValues } from '../../core/redact.js';
import { callWithToken, statusError, type JsonReply } from '../../targets/http.js';
import { optionalApiUrl, optionalBoolean, optionalString, requireString } from '../../targets/ref-fields.js';
import type { Target, TargetDeps, TargetFingerprint, TargetPlugin, VerifyResult, WriteOptions, WriteResult } from '../../targets/target.js';

/**
 * A GitLab project's CI/CD variables through the REST API v4 (API.md names the document):
 *   GET  /projects/:id/variables/:key?filter[environment_scope]=S  → 200 { key, value, masked, protected, raw, hidden?, environment_scope }
 *   PUT  /projects/:id/variables/:key?filter[environment_scope]=S  { value } → 200
 *   POST /projects/:id/variables  { key, value, environment_scope, masked, protected, raw, variable_type } → 201
 * with the token in the `PRIVATE-TOKEN` header. `:id` is the numeric id or the URL-encoded path.
 *
 * Values are readable, so writes are idempotent by comparing fingerprints and verify is exact.
 * An update sends only the value: masked/protected/raw stay as the project owner set them. A new
 * variable is created raw (so a `$` in a secret is never expanded) and masked/protected as the
 * ref says (default: not masked, not protected; GitLab refuses to mask values that do not meet
 * its masking rules). Hidden variables (GitLab 17.4+) give no value back: they are 'unknown' and
 * always rewritten. GitLab reads variables when a pipeline starts, so every write notes that.
 */
const DEFAULT_API = 'https://gitlab.com';
const TYPE = 'gitlab-ci-variable';
const PROJECT_RE = /^(?:\d+|[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)+)$/;
const KEY_RE = /^[A-Za-z0-9_]{1,255}$/;
const PIPELINE_NOTE = 'GitLab reads CI/CD variables when a pipeline starts: re-run the pipelines that deploy with it';

export type GitlabCiVariableTargetRef = {
  type: 'gitlab-ci-variable';
  /** Numeric project id, or its full path `group/sub/project`. */
  project: string;
  /** The variable's environment scope; defaults to `*`. */
  environmentScope?: string;
  /** For a variable credctl creates: mask it in job logs / make it protected. Existing ones keep theirs. */
  masked?: boolean;
  protected?: boolean;
};

interface GitlabVariable {
  key: string;
  value?: unknown;
  masked?: boolean;
  protected?: boolean;
  hidden?: boolean;
  environment_scope?: string;
}

class GitlabCiVariableTarget implements Target {
  readonly type = TYPE;
  private readonly api: string;
  private readonly scope: string;

  constructor(
    readonly ref: GitlabCiVariableTargetRef,
    private readonly deps: TargetDeps,
  ) {
    const base = (deps.apiUrl?.[TYPE] ?? DEFAULT_API).replace(/\/+$/, '');
    this.api = base.endsWith('/api/v4') ? base : `${base}/api/v4`;
    this.scope = ref.environmentScope ?? '*';
  }

  describe(): string {
    return `GitLab CI/CD variables of project ${this.ref.project}${this.scope === '*' ? '' : ` (scope ${this.scope})`}`;
  }

  private variablesUrl(key?: string): string {
    const base = `${this.api}/projects/${encodeURIComponent(this.ref.project)}/variables`;
    if (key === undefined) return base;
    const u = new URL(`${base}/${encodeURIComponent(key)}`);
    u.searchParams.set('filter[environment_scope]', this.scope);
    return u.toString();
  }

  private async token(): Promise<string> {
    const t = await this.deps.getCredential?.('gitlab', this.ref);
    if (!t)
      throw storeError(
        `no GitLab token to write CI/CD variables of project ${this.ref.project}`,
        'store a GitLab token with the api scope (credctl store put) and name it in credctl.yaml (providers.gitlab.admin)',
      );
    return t;
  }

  private async call(
    method: 'GET' | 'PUT' | 'POST',
    url: string,
    what: string,
    secrets: string[],
    body?: unknown,
  ): Promise<{ reply: JsonReply; secrets: string[] }> {
    const token = await this.token();
    return callWithToken(this.deps, { vendor: 'GitLab', token, auth: { 'private-token': token }, method, url, what, secrets, body });
  }

  /** The variable in our scope, or null when the project has none by that key. */
  private async current(name: string, secrets: string[]): Promise<GitlabVariable | null> {
    const what = `read variable ${name} of project ${this.ref.project}`;
    const { reply, secrets: all } = await this.call('GET', this.variablesUrl(name), what, secrets);
    // GitLab answers 404 both for a missing variable and a missing project: only the first is "absent".
    if (reply.status === 404 && !/project/i.test(gitlabMessage(reply.json, all))) return null;
    if (reply.status !== 200) throw gitlabError(`GitLab: ${what}`, reply, all);
    const v = reply.json as GitlabVariable | undefined;
    if (!v || typeof v !== 'object' || v.key !== name) throw remoteError(`GitLab: ${what}: the answer does not describe the variable`);
    return v;
  }

  async readValue(name: string): Promise<string | null | undefined> {
    checkKey(name);
    const v = await this.current(name, []);
    if (!v) return null;
    return typeof v.value === 'string' ? v.value : undefined;
  }

  async readFingerprint(name: string): Promise<TargetFingerprint> {
    checkKey(name);
    const v = await this.current(name, []);
    if (!v) return null;
    return typeof v.value === 'string' ? fingerprint(v.value) : 'unknown';
  }

  async write(name: string, value: string, opts: WriteOptions = {}): Promise<WriteResult> {
    checkKey(name);
    const secrets = [value];
    const after = fingerprint(value);
    const v = await this.current(name, secrets);
    const before: TargetFingerprint = !v ? null : typeof v.value === 'string' ? fingerprint(v.value) : 'unknown';
    const base = { target: this.describe(), before, after };
    if (before === after) return { ...base, status: 'unchanged', notes: [] };
    if (opts.expectFingerprint !== undefined && before !== 'unknown' && opts.expectFingerprint !== before) {
      throw refusedError(`GitLab variable ${name} of project ${this.ref.project} changed since the plan was made`, 'make a new plan (credctl plan)');
    }
    const what = `write variable ${name} of project ${this.ref.project}`;
    if (v) {
      await this.update(name, value, what, secrets);
    } else {
      const body = {
        key: name,
        value,
        variable_type: 'env_var',
        environment_scope: this.scope,
        masked: this.ref.masked ?? false,
        protected: this.ref.protected ?? false,
        raw: true,
      };
      const { reply, secrets: all } = await this.call('POST', this.variablesUrl(), what, secrets, body);
      // A create whose answer was lost and then retried, or a race: the key exists now, so update it.
      if (reply.status === 400 && /already been taken/i.test(gitlabMessage(reply.json, all))) await this.update(name, value, what, secrets);
      else if (reply.status !== 201) throw gitlabError(`GitLab: ${what}`, reply, all);
    }
    return { ...base, status: 'written', notes: [PIPELINE_NOTE] };
  }

  private async update(name: string, value: string, what: string, secrets: string[]): Promise<void> {
    const { reply, secrets: all } = await this.call('PUT', this.variablesUrl(name), what, secrets, { value });
    if (reply.status !== 200) throw gitlabError(`GitLab: ${what}`, reply, all);
  }

  async verify(name: string, value: string): Promise<VerifyResult> {
    checkKey(name);
    const v = await this.current(name, [value]);
    if (!v) return false;
    if (typeof v.value !== 'string') return 'unverifiable';
    return v.value === value;
  }
}

/**
 * GitLab's `message` is a string ("404 Project Not Found") or, for validation errors, an object
 * of field → problems ({ value: ["is invalid"] }): one line either way, masked.
 */
function gitlabMessage(json: unknown, secrets: string[]): string {
  const m = (json as { message?: unknown; error?: unknown } | undefined)?.message ?? (json as { error?: unknown } | undefined)?.error;
  let text = '';
  if (typeof m === 'string') text = m;
  else if (m && typeof m === 'object') {
    text = Object.entries(m as Record<string, unknown>)
      .map(([field, problems]) => `${field} ${Array.isArray(problems) ? problems.filter((p) => typeof p === 'string').join(', ') : ''}`.trim())
      .join('; ');
  }
  const line = maskValues(text, secrets).replace(/\s+/g, ' ').trim();
  return line.length > 160 ? line.slice(0, 157) + '...' : line;
}

function gitlabError(what: string, reply: JsonReply, secrets: string[]) {
  const m = gitlabMessage(reply.json, secrets);
  if (reply.status === 400)
    return remoteError(
      `${what}: HTTP 400${m ? `: ${m}` : ''}`,
      'GitLab refused the variable (a masked variable needs a value GitLab can mask); fix it in the project settings or the ref',
    );
  return statusError(what, { ...reply, json: m ? { message: m } : undefined }, secrets, 'GitLab');
}

function checkKey(name: string): void {
  if (!KEY_RE.test(name)) throw inputError(`"${name.slice(0, 60)}" cannot be a GitLab CI/CD variable key`, 'use letters, digits and _ (at most 255)');
}

export const gitlabCiVariablePlugin: TargetPlugin<GitlabCiVariableTargetRef> = {
  type: TYPE,
  aliases: ['gitlab', 'gitlab-ci'],
  guardedBy: { provider: 'gitlab', nameWords: ['GITLAB', 'GL'] },
  parseRef(raw) {
    const project = requireString(raw, 'project', TYPE);
    if (!PROJECT_RE.test(project)) throw inputError(`target ${TYPE}: "project" must be a numeric id or a path like group/project`);
    const ref: GitlabCiVariableTargetRef = { type: TYPE, project };
    const scope = optionalString(raw, 'environmentScope', TYPE);
    if (scope !== undefined) {
      if (scope.length > 255 || /[\u0000-\u001f\u007f]/.test(scope))
        throw inputError(`target ${TYPE}: "environmentScope" must be a printable scope such as production or review/*`);
      ref.environmentScope = scope;
    }
    const masked = optionalBoolean(raw, 'masked', TYPE);
    const prot = optionalBoolean(raw, 'protected', TYPE);
    optionalApiUrl(raw, TYPE);
    if (masked !== undefined) ref.masked = masked;
    if (prot !== undefined) ref.protected = prot;
    return ref;
  },
  open(ref, deps) {
    return new GitlabCiVariableTarget(ref, deps);
  },
};
