import { inputError, refusedError, remoteError, storeError } from '../../core/errors.js';
import { fingerprint } from '../../core/fingerprint.js';
import { ledgerOf } from '../../targets/default-ledger.js';
import { callWithToken, statusError, type JsonReply } from '../../targets/http.js';
import { optionalApiUrl, optionalBoolean, optionalString, requireString } from '../../targets/ref-fields.js';
import type { Target, TargetDeps, TargetFingerprint, TargetPlugin, VerifyResult, WriteOptions, WriteResult } from '../../targets/target.js';

/**
 * Netlify environment variables through the Netlify API (OpenAPI, API.md names the version):
 *   GET   /accounts/{account_id}/env/{key}?site_id=S   → 200 EnvVar { key, scopes, values: [{ id, context, value }], is_secret, updated_at }
 *   PATCH /accounts/{account_id}/env/{key}?site_id=S   { context, value } → 201 EnvVar   (setEnvVarValue: one context's value)
 *   POST  /accounts/{account_id}/env?site_id=S         [{ key, scopes, values: [{ context, value }], is_secret }] → 201 [EnvVar]
 * Without site_id the variable is the team's (shared by its sites).
 *
 * A target is one deploy context (default `all`). The value a context sees is its own value, or
 * the `all` value when it has none; that is what is read and compared. A write PATCHes only our
 * context's value, so the other contexts, the scopes and `is_secret` stay as they were. Secret
 * variables never give values back: they are known through the ledger, tied to the variable's
 * `updated_at`. Netlify reads env at build time, so every write notes a redeploy.
 */
const DEFAULT_API = 'https://api.netlify.com/api/v1';
const TYPE = 'netlify-env';
const CONTEXTS = ['all', 'production', 'deploy-preview', 'branch-deploy', 'dev'] as const;
type NetlifyContext = (typeof CONTEXTS)[number];
const ALL_SCOPES = ['builds', 'functions', 'runtime', 'post-processing'];
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const REDEPLOY_NOTE = 'Netlify reads environment variables at build time: trigger a new deploy for the value to take effect';

export type NetlifyEnvTargetRef = {
  type: 'netlify-env';
  /** The team's account id (or slug). */
  accountId: string;
  /** The site; absent = a team-level variable. */
  siteId?: string;
  /** The deploy context written; default `all`. */
  context?: NetlifyContext;
  /** Create a missing variable as secret (write-only). Existing variables keep theirs. */
  secret?: boolean;
};

interface EnvValue {
  id?: string;
  context?: string;
  value?: unknown;
}
interface EnvVar {
  key: string;
  values: EnvValue[];
  is_secret?: boolean;
  updated_at?: string;
}

class NetlifyEnvTarget implements Target {
  readonly type = TYPE;
  private readonly api: string;
  private readonly context: NetlifyContext;

  constructor(
    readonly ref: NetlifyEnvTargetRef,
    private readonly deps: TargetDeps,
  ) {
    this.api = (deps.apiUrl?.[TYPE] ?? DEFAULT_API).replace(/\/+$/, '');
    this.context = ref.context ?? 'all';
  }

  describe(): string {
    const where = this.ref.siteId ? `site ${this.ref.siteId}` : `team ${this.ref.accountId}`;
    return `Netlify env of ${where} [${this.context}]`;
  }

  private url(key?: string): string {
    const u = new URL(`${this.api}/accounts/${encodeURIComponent(this.ref.accountId)}/env${key === undefined ? '' : `/${encodeURIComponent(key)}`}`);
    if (this.ref.siteId) u.searchParams.set('site_id', this.ref.siteId);
    return u.toString();
  }

  private async token(): Promise<string> {
    const t = await this.deps.getCredential?.('netlify', this.ref);
    if (!t)
      throw storeError(
        `no Netlify token to write env of ${this.describe()}`,
        'store a Netlify personal access token (credctl store put) and name it in credctl.yaml (providers.netlify.admin)',
      );
    return t;
  }

  private async call(
    method: 'GET' | 'PATCH' | 'POST',
    url: string,
    what: string,
    secrets: string[],
    body?: unknown,
  ): Promise<{ reply: JsonReply; secrets: string[] }> {
    const token = await this.token();
    return callWithToken(this.deps, { vendor: 'Netlify', token, auth: { authorization: `Bearer ${token}` }, method, url, what, secrets, body });
  }

  private ledgerKey(name: string): string {
    return `${TYPE}:${this.api}:${this.ref.accountId}:${this.ref.siteId ?? ''}:${this.context}:${name}`;
  }

  private async envVar(name: string, secrets: string[]): Promise<EnvVar | null> {
    const what = `read env ${name} of ${this.describe()}`;
    const { reply, secrets: all } = await this.call('GET', this.url(name), what, secrets);
    if (reply.status === 404) {
      // 404 is "no such variable" only while the account (and site) can be listed; otherwise it is the error.
      await this.checkReachable(secrets);
      return null;
    }
    if (reply.status !== 200) throw statusError(`Netlify: ${what}`, reply, all, 'Netlify');
    return asEnvVar(reply.json, name, what);
  }

  private async checkReachable(secrets: string[]): Promise<void> {
    const what = `list env of ${this.describe()}`;
    const { reply, secrets: all } = await this.call('GET', this.url(), what, secrets);
    if (reply.status !== 200) throw statusError(`Netlify: ${what}`, reply, all, 'Netlify');
  }

  /** The value entry our context sees: its own, else the `all` one. */
  private seen(v: EnvVar): EnvValue | undefined {
    return v.values.find((x) => x.context === this.context) ?? v.values.find((x) => x.context === 'all');
  }

  private async fingerprintOf(v: EnvVar | null, name: string): Promise<TargetFingerprint> {
    if (!v) return null;
    const seen = this.seen(v);
    if (!seen) return null;
    if (!v.is_secret && typeof seen.value === 'string') return fingerprint(seen.value);
    const known = await ledgerOf(this.deps).get(this.ledgerKey(name));
    return known && v.updated_at && known.remoteUpdatedAt === v.updated_at ? known.fingerprint : 'unknown';
  }

  async readValue(name: string): Promise<string | null | undefined> {
    checkKey(name);
    const v = await this.envVar(name, []);
    const seen = v ? this.seen(v) : undefined;
    if (!v || !seen) return null;
    return !v.is_secret && typeof seen.value === 'string' ? seen.value : undefined;
  }

  async readFingerprint(name: string): Promise<TargetFingerprint> {
    checkKey(name);
    return this.fingerprintOf(await this.envVar(name, []), name);
  }

  async write(name: string, value: string, opts: WriteOptions = {}): Promise<WriteResult> {
    checkKey(name);
    const secrets = [value];
    const after = fingerprint(value);
    const v = await this.envVar(name, secrets);
    const before = await this.fingerprintOf(v, name);
    const base = { target: this.describe(), before, after };
    if (before === after) return { ...base, status: 'unchanged', writtenAt: v?.updated_at, notes: [] };
    if (opts.expectFingerprint !== undefined && before !== 'unknown' && opts.expectFingerprint !== before) {
      throw refusedError(`Netlify env ${name} of ${this.describe()} changed since the plan was made`, 'make a new plan (credctl plan)');
    }
    const what = `write env ${name} of ${this.describe()}`;
    let written: EnvVar | undefined;
    if (!v) {
      const body = [{ key: name, scopes: ALL_SCOPES, values: [{ context: this.context, value }], is_secret: this.ref.secret ?? false }];
      const { reply, secrets: all } = await this.call('POST', this.url(), what, secrets, body);
      if (reply.status === 200 || reply.status === 201) written = asEnvVar(Array.isArray(reply.json) ? reply.json[0] : reply.json, name, what);
      // A create retried after its answer was lost, or a race: the variable exists now, so set its value.
      else if (!(reply.status === 400 && /already exists/i.test(JSON.stringify(reply.json ?? ''))))
        throw statusError(`Netlify: ${what}`, reply, all, 'Netlify');
    }
    if (!written) {
      const { reply, secrets: all } = await this.call('PATCH', this.url(name), what, secrets, { context: this.context, value });
      if (reply.status !== 200 && reply.status !== 201) throw statusError(`Netlify: ${what}`, reply, all, 'Netlify');
      written = asEnvVar(reply.json, name, what);
    }
    if (written.is_secret) {
      if (!written.updated_at) throw remoteError(`Netlify: ${what}: the answer has no updated_at`);
      await ledgerOf(this.deps).set(this.ledgerKey(name), { fingerprint: after, remoteUpdatedAt: written.updated_at });
    }
    return { ...base, status: 'written', writtenAt: written.updated_at, notes: [REDEPLOY_NOTE] };
  }

  async verify(name: string, value: string): Promise<VerifyResult> {
    checkKey(name);
    const fp = await this.fingerprintOf(await this.envVar(name, [value]), name);
    if (fp === 'unknown') return 'unverifiable';
    return fp === fingerprint(value);
  }
}

function asEnvVar(json: unknown, name: string, what: string): EnvVar {
  const v = json as Partial<EnvVar> | undefined;
  if (!v || typeof v !== 'object' || v.key !== name || !Array.isArray(v.values))
    throw remoteError(`Netlify: ${what}: the answer does not describe the variable`);
  return {
    key: v.key,
    values: v.values.filter((x) => x && typeof x === 'object'),
    is_secret: v.is_secret === true,
    updated_at: typeof v.updated_at === 'string' ? v.updated_at : undefined,
  };
}

function checkKey(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,254}$/.test(name))
    throw inputError(`"${name.slice(0, 60)}" cannot be a Netlify environment variable key`, 'use letters, digits and _, not starting with a digit');
}

export const netlifyEnvPlugin: TargetPlugin<NetlifyEnvTargetRef> = {
  type: TYPE,
  aliases: ['netlify'],
  guardedBy: { provider: 'netlify', nameWords: ['NETLIFY'], deploy: 'netlify' },
  parseRef(raw) {
    const accountId = requireString(raw, 'accountId', TYPE);
    if (!ID_RE.test(accountId)) throw inputError(`target ${TYPE}: "accountId" must be a Netlify account id or slug`);
    const ref: NetlifyEnvTargetRef = { type: TYPE, accountId };
    const siteId = optionalString(raw, 'siteId', TYPE);
    if (siteId !== undefined) {
      if (!ID_RE.test(siteId)) throw inputError(`target ${TYPE}: "siteId" must be a Netlify site id`);
      ref.siteId = siteId;
    }
    const context = optionalString(raw, 'context', TYPE);
    if (context !== undefined) {
      if (!(CONTEXTS as readonly string[]).includes(context)) throw inputError(`target ${TYPE}: "context" must be one of ${CONTEXTS.join(', ')}`);
      ref.context = context as NetlifyContext;
    }
    const secret = optionalBoolean(raw, 'secret', TYPE);
    if (secret !== undefined) ref.secret = secret;
    optionalApiUrl(raw, TYPE);
    return ref;
  },
  open(ref, deps) {
    return new NetlifyEnvTarget(ref, deps);
  },
};
