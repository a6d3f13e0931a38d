import { inputError, refusedError, remoteError, storeError } from '../../core/errors.js';
import { fingerprint } from '../../core/fingerprint.js';
import { maskValues } from '../../core/redact.js';
import { ledgerOf } from '../../targets/default-ledger.js';
import { callWithToken, statusError, type JsonReply } from '../../targets/http.js';
import { optionalApiUrl, requireString } from '../../targets/ref-fields.js';
import type { Target, TargetDeps, TargetFingerprint, TargetPlugin, VerifyResult, WriteOptions, WriteResult } from '../../targets/target.js';

/**
 * Secrets of a Cloudflare Worker through the Cloudflare API v4 (API.md names the document):
 *   GET /accounts/{account_id}/workers/scripts/{script}/secrets/{name}  → { result: { name, type } }  (never the text)
 *   GET /accounts/{account_id}/workers/scripts/{script}/secrets         → { result: [{ name, type }] }
 *   PUT /accounts/{account_id}/workers/scripts/{script}/secrets         { name, text, type: "secret_text" } → { result: { name, type } }
 *   GET /accounts/{account_id}/workers/scripts/{script}/deployments     → { result: { deployments: [{ id, created_on, ... }] } }, newest first
 * Every answer is the `{ success, errors: [{ code, message }], messages, result }` envelope.
 *
 * Secrets are write-only and carry no time of their own. Every secret PUT deploys a new version
 * of the Worker, and so does every other deploy, so the newest deployment's id is the change
 * marker the ledger keeps: credctl claims to know a secret's value only while the Worker has not
 * been deployed since credctl wrote it (a code deploy also makes it 'unknown': a harmless rewrite).
 */
const DEFAULT_API = 'https://api.cloudflare.com/client/v4';
const TYPE = 'cloudflare-workers-secret';
const ACCOUNT_RE = /^[0-9a-f]{32}$/;
const SCRIPT_RE = /^[A-Za-z0-9_-]{1,63}$/;
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DEPLOY_NOTE = 'Cloudflare deployed a new version of the Worker with the secret';

export type CloudflareWorkersSecretTargetRef = {
  type: 'cloudflare-workers-secret';
  /** The account id (32 hex characters). */
  accountId: string;
  /** The Worker script's name. */
  script: string;
};

class CloudflareWorkersSecretTarget implements Target {
  readonly type = TYPE;
  private readonly api: string;

  constructor(
    readonly ref: CloudflareWorkersSecretTargetRef,
    private readonly deps: TargetDeps,
  ) {
    this.api = (deps.apiUrl?.[TYPE] ?? DEFAULT_API).replace(/\/+$/, '');
  }

  describe(): string {
    return `Cloudflare Worker ${this.ref.script} secrets`;
  }

  private scriptBase(): string {
    return `${this.api}/accounts/${encodeURIComponent(this.ref.accountId)}/workers/scripts/${encodeURIComponent(this.ref.script)}`;
  }

  private async token(): Promise<string> {
    const t = await this.deps.getCredential?.('cloudflare', this.ref);
    if (!t)
      throw storeError(
        `no Cloudflare API token to write secrets of Worker ${this.ref.script}`,
        'store a Cloudflare API token with Workers Scripts Write (credctl store put) and name it in credctl.yaml (providers.cloudflare.admin)',
      );
    return t;
  }

  private async call(method: 'GET' | 'PUT', url: string, what: string, secrets: string[], body?: unknown): Promise<{ reply: JsonReply; secrets: string[] }> {
    const token = await this.token();
    return callWithToken(this.deps, { vendor: 'Cloudflare', token, auth: { authorization: `Bearer ${token}` }, method, url, what, secrets, body });
  }

  /** The `result` of a successful answer, or a clear error in Cloudflare's words. */
  private async result(method: 'GET' | 'PUT', url: string, what: string, secrets: string[], body?: unknown): Promise<{ status: number; result: unknown }> {
    const { reply, secrets: all } = await this.call(method, url, what, secrets, body);
    const env = reply.json as { success?: unknown; result?: unknown } | undefined;
    if (reply.status === 200 && env?.success === true) return { status: 200, result: env.result };
    if (reply.status === 404) return { status: 404, result: undefined };
    throw cloudflareError(`Cloudflare: ${what}`, reply, all);
  }

  private ledgerKey(name: string): string {
    return `${TYPE}:${this.api}:${this.ref.accountId}:${this.ref.script}:${name}`;
  }

  /** Whether the secret is bound to the Worker; a missing Worker is an error, not "absent". */
  private async exists(name: string, secrets: string[]): Promise<boolean> {
    const what = `read secret ${name} of Worker ${this.ref.script}`;
    const one = await this.result('GET', `${this.scriptBase()}/secrets/${encodeURIComponent(name)}`, what, secrets);
    if (one.status === 200) {
      const r = one.result as { name?: unknown } | undefined;
      if (r?.name !== name) throw remoteError(`Cloudflare: ${what}: the answer does not describe the secret`);
      return true;
    }
    const listWhat = `list secrets of Worker ${this.ref.script}`;
    const list = await this.result('GET', `${this.scriptBase()}/secrets`, listWhat, secrets);
    if (list.status === 404)
      throw remoteError(
        `Cloudflare: ${listWhat}: HTTP 404 not found`,
        'check the account id and the Worker name in the target, and that the token can see them',
      );
    return false;
  }

  /** The newest deployment's id: it changes whenever a secret is put or the Worker is deployed. */
  private async latestDeployment(secrets: string[]): Promise<string> {
    const what = `list deployments of Worker ${this.ref.script}`;
    const r = await this.result('GET', `${this.scriptBase()}/deployments`, what, secrets);
    if (r.status === 404) throw remoteError(`Cloudflare: ${what}: HTTP 404 not found`, 'check the account id and the Worker name in the target');
    const list = (r.result as { deployments?: unknown } | undefined)?.deployments;
    const first = Array.isArray(list) ? (list[0] as { id?: unknown } | undefined) : undefined;
    if (!first || typeof first.id !== 'string') throw remoteError(`Cloudflare: ${what}: the answer has no deployment id`);
    return first.id;
  }

  private async known(name: string, secrets: string[]): Promise<string | undefined> {
    const entry = await ledgerOf(this.deps).get(this.ledgerKey(name));
    if (!entry) return undefined;
    return entry.remoteUpdatedAt === (await this.latestDeployment(secrets)) ? entry.fingerprint : undefined;
  }

  async readFingerprint(name: string): Promise<TargetFingerprint> {
    checkName(name);
    if (!(await this.exists(name, []))) return null;
    return (await this.known(name, [])) ?? 'unknown';
  }

  /** Cloudflare never gives secret text back. */
  async readValue(name: string): Promise<null | undefined> {
    checkName(name);
    return (await this.exists(name, [])) ? undefined : null;
  }

  async write(name: string, value: string, opts: WriteOptions = {}): Promise<WriteResult> {
    checkName(name);
    const secrets = [value];
    const after = fingerprint(value);
    const present = await this.exists(name, secrets);
    const before: TargetFingerprint = !present ? null : ((await this.known(name, secrets)) ?? 'unknown');
    const base = { target: this.describe(), before, after };
    if (before === after) return { ...base, status: 'unchanged', notes: [] };
    if (opts.expectFingerprint !== undefined && before !== 'unknown' && opts.expectFingerprint !== before) {
      throw refusedError(`Cloudflare secret ${name} of Worker ${this.ref.script} changed since the plan was made`, 'make a new plan (credctl plan)');
    }
    const what = `write secret ${name} of Worker ${this.ref.script}`;
    const put = await this.result('PUT', `${this.scriptBase()}/secrets`, what, secrets, { name, text: value, type: 'secret_text' });
    if (put.status === 404) throw remoteError(`Cloudflare: ${what}: HTTP 404 not found`, 'check the account id and the Worker name in the target');
    await ledgerOf(this.deps).set(this.ledgerKey(name), { fingerprint: after, remoteUpdatedAt: await this.latestDeployment(secrets) });
    return { ...base, status: 'written', notes: [DEPLOY_NOTE] };
  }

  async verify(name: string, value: string): Promise<VerifyResult> {
    checkName(name);
    if (!(await this.exists(name, [value]))) return false;
    const known = await this.known(name, [value]);
    if (known) return known === fingerprint(value);
    return 'unverifiable';
  }
}

/** Cloudflare's words from `errors[0]`, one line, masked; 401/403/404 spelled out by statusError. */
function cloudflareError(what: string, reply: JsonReply, secrets: string[]) {
  const errors = (reply.json as { errors?: unknown } | undefined)?.errors;
  const first = Array.isArray(errors) ? (errors[0] as { code?: unknown; message?: unknown } | undefined) : undefined;
  const text =
    first && typeof first.message === 'string' ? `${maskValues(first.message, secrets)}${typeof first.code === 'number' ? ` (code ${first.code})` : ''}` : '';
  if (reply.status === 200) return remoteError(`${what}: Cloudflare answered without success${text ? `: ${text}` : ''}`);
  return statusError(what, { ...reply, json: text ? { message: text } : undefined }, secrets, 'Cloudflare');
}

function checkName(name: string): void {
  if (!NAME_RE.test(name)) throw inputError(`"${name.slice(0, 60)}" cannot be a Worker secret name`, 'use letters, digits and _, not starting with a digit');
}

export const cloudflareWorkersSecretPlugin: TargetPlugin<CloudflareWorkersSecretTargetRef> = {
  type: TYPE,
  aliases: ['cloudflare-workers', 'wrangler'],
  guardedBy: { provider: 'cloudflare', nameWords: ['CLOUDFLARE', 'CF'] },
  parseRef(raw) {
    const accountId = requireString(raw, 'accountId', TYPE);
    if (!ACCOUNT_RE.test(accountId)) throw inputError(`target ${TYPE}: "accountId" must be a Cloudflare account id (32 hex characters)`);
    const script = requireString(raw, 'script', TYPE);
    if (!SCRIPT_RE.test(script)) throw inputError(`target ${TYPE}: "script" must be a Worker name (letters, digits, - and _)`);
    optionalApiUrl(raw, TYPE);
    return { type: TYPE, accountId, script };
  },
  open(ref, deps) {
    return new CloudflareWorkersSecretTarget(ref, deps);
  },
};
