import { inputError, refusedError, remoteError, storeError } from '../../core/errors.js';
import { fingerprint } from '../../core/fingerprint.js';
import { maskValues } from '../../core/redact.js';
import { ledgerOf } from '../../targets/default-ledger.js';
import { callWithToken, statusError, type JsonReply } from '../../targets/http.js';
import { optionalApiUrl, requireString } from '../../targets/ref-fields.js';
import type { Target, TargetDeps, TargetFingerprint, TargetPlugin, VerifyResult, WriteOptions, WriteResult } from '../../targets/target.js';

/**
 * A Fly.io app's secrets through the Machines API (API.md names the document):
 *   GET  /v1/apps/{app}/secrets/{name}  → 200 { name, digest, created_at?, updated_at? }  (never the value)
 *   GET  /v1/apps/{app}/secrets         → 200 { secrets: [...] }   (404 when the app does not exist)
 *   POST /v1/apps/{app}/secrets/{name}  { value } → 200/201 { name, digest, version }
 * with `Authorization: Bearer <token>` (or the `FlyV1 ...` macaroon form `fly tokens create` prints).
 *
 * Values never come back; Fly shows a digest of each value instead. The ledger keeps credctl's
 * fingerprint with the digest read back right after its write: the same digest later means the
 * same value, another digest means someone set it since. Secrets set through the API are staged:
 * Machines get them when they are next updated, so every write notes that a deploy is needed.
 */
const DEFAULT_API = 'https://api.machines.dev';
const TYPE = 'fly-secret';
const APP_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DEPLOY_NOTE = 'Fly stages secrets set through the API: run `fly secrets deploy` (or `fly deploy`) so Machines pick up the new value';

export type FlySecretTargetRef = {
  type: 'fly-secret';
  /** The Fly app's name. */
  app: string;
};

interface SecretMeta {
  digest: string;
  updatedAt?: string;
}

class FlySecretTarget implements Target {
  readonly type = TYPE;
  private readonly api: string;

  constructor(
    readonly ref: FlySecretTargetRef,
    private readonly deps: TargetDeps,
  ) {
    const base = (deps.apiUrl?.[TYPE] ?? DEFAULT_API).replace(/\/+$/, '');
    this.api = base.endsWith('/v1') ? base : `${base}/v1`;
  }

  describe(): string {
    return `Fly.io secrets of app ${this.ref.app}`;
  }

  private base(): string {
    return `${this.api}/apps/${encodeURIComponent(this.ref.app)}/secrets`;
  }

  private async token(): Promise<string> {
    const t = await this.deps.getCredential?.('flyio', this.ref);
    if (!t)
      throw storeError(
        `no Fly.io token to write secrets of app ${this.ref.app}`,
        'store a Fly.io deploy or org token (credctl store put) and name it in credctl.yaml (providers.flyio.admin)',
      );
    return t;
  }

  private async call(method: 'GET' | 'POST', url: string, what: string, secrets: string[], body?: unknown): Promise<{ reply: JsonReply; secrets: string[] }> {
    const token = await this.token();
    return callWithToken(this.deps, {
      vendor: 'Fly.io',
      token,
      auth: { authorization: /^FlyV1 /.test(token) ? token : `Bearer ${token}` },
      method,
      url,
      what,
      secrets,
      body,
    });
  }

  private ledgerKey(name: string): string {
    return `${TYPE}:${this.api}:${this.ref.app}:${name}`;
  }

  private async meta(name: string, secrets: string[]): Promise<SecretMeta | null> {
    const what = `read secret ${name} of app ${this.ref.app}`;
    const { reply, secrets: all } = await this.call('GET', `${this.base()}/${encodeURIComponent(name)}`, what, secrets);
    if (reply.status === 404) {
      // 404 is "no such secret" only if the app itself answers.
      const listWhat = `list secrets of app ${this.ref.app}`;
      const list = await this.call('GET', this.base(), listWhat, secrets);
      if (list.reply.status !== 200) throw flyError(`Fly.io: ${listWhat}`, list.reply, list.secrets);
      return null;
    }
    if (reply.status !== 200) throw flyError(`Fly.io: ${what}`, reply, all);
    return metaOf(reply.json, name, what);
  }

  private async known(name: string, m: SecretMeta): Promise<string | undefined> {
    const entry = await ledgerOf(this.deps).get(this.ledgerKey(name));
    return entry && entry.remoteUpdatedAt === m.digest ? entry.fingerprint : undefined;
  }

  async readFingerprint(name: string): Promise<TargetFingerprint> {
    checkName(name);
    const m = await this.meta(name, []);
    if (!m) return null;
    return (await this.known(name, m)) ?? 'unknown';
  }

  /** Fly never gives secret values back (outside the app's own Machines). */
  async readValue(name: string): Promise<null | undefined> {
    checkName(name);
    return (await this.meta(name, [])) ? undefined : null;
  }

  async write(name: string, value: string, opts: WriteOptions = {}): Promise<WriteResult> {
    checkName(name);
    const secrets = [value];
    const after = fingerprint(value);
    const m = await this.meta(name, secrets);
    const before: TargetFingerprint = !m ? null : ((await this.known(name, m)) ?? 'unknown');
    const base = { target: this.describe(), before, after };
    if (before === after) return { ...base, status: 'unchanged', writtenAt: m!.updatedAt, notes: [] };
    if (opts.expectFingerprint !== undefined && before !== 'unknown' && opts.expectFingerprint !== before) {
      throw refusedError(`Fly.io secret ${name} of app ${this.ref.app} changed since the plan was made`, 'make a new plan (credctl plan)');
    }
    const what = `write secret ${name} of app ${this.ref.app}`;
    const { reply, secrets: all } = await this.call('POST', `${this.base()}/${encodeURIComponent(name)}`, what, secrets, { value });
    if (reply.status !== 200 && reply.status !== 201) throw flyError(`Fly.io: ${what}`, reply, all);
    // Read back, so the ledger holds the digest Fly shows for this secret now.
    const now = await this.meta(name, secrets);
    if (!now) throw remoteError(`Fly.io: secret ${name} of app ${this.ref.app} is missing right after it was written`);
    await ledgerOf(this.deps).set(this.ledgerKey(name), { fingerprint: after, remoteUpdatedAt: now.digest });
    return { ...base, status: 'written', writtenAt: now.updatedAt, notes: [DEPLOY_NOTE] };
  }

  async verify(name: string, value: string, opts: { writtenAt?: string } = {}): Promise<VerifyResult> {
    checkName(name);
    const m = await this.meta(name, [value]);
    if (!m) return false;
    const known = await this.known(name, m);
    if (known) return known === fingerprint(value);
    if (opts.writtenAt && m.updatedAt) return Date.parse(m.updatedAt) >= Date.parse(opts.writtenAt);
    return 'unverifiable';
  }
}

function metaOf(json: unknown, name: string, what: string): SecretMeta {
  const s = json as { name?: unknown; digest?: unknown; updated_at?: unknown; created_at?: unknown } | undefined;
  if (!s || s.name !== name || typeof s.digest !== 'string' || s.digest === '') throw remoteError(`Fly.io: ${what}: the answer has no digest`);
  const updatedAt = typeof s.updated_at === 'string' ? s.updated_at : typeof s.created_at === 'string' ? s.created_at : undefined;
  return { digest: s.digest, updatedAt };
}

/** Fly's `{ error }` in one masked line; 401/403/404 spelled out by statusError. */
function flyError(what: string, reply: JsonReply, secrets: string[]) {
  const e = (reply.json as { error?: unknown; message?: unknown } | undefined) ?? {};
  const text = typeof e.error === 'string' ? e.error : typeof e.message === 'string' ? e.message : '';
  return statusError(what, { ...reply, json: text ? { message: maskValues(text, secrets) } : undefined }, secrets, 'Fly.io');
}

function checkName(name: string): void {
  if (!NAME_RE.test(name)) throw inputError(`"${name.slice(0, 60)}" cannot be a Fly.io secret name`, 'use letters, digits and _, not starting with a digit');
}

export const flySecretPlugin: TargetPlugin<FlySecretTargetRef> = {
  type: TYPE,
  aliases: ['fly', 'flyio'],
  guardedBy: { provider: 'flyio', nameWords: ['FLY'], deploy: 'fly' },
  parseRef(raw) {
    const app = requireString(raw, 'app', TYPE);
    if (!APP_RE.test(app)) throw inputError(`target ${TYPE}: "app" must be a Fly app name (lowercase letters, digits and -)`);
    optionalApiUrl(raw, TYPE);
    return { type: TYPE, app };
  },
  open(ref, deps) {
    return new FlySecretTarget(ref, deps);
  },
};
