import { inputError, remoteError, storeError } from '../../core/errors.js';
import { fingerprint } from '../../core/fingerprint.js';
import { ledgerOf } from '../../targets/default-ledger.js';
import { callWithToken, statusError, vendorMessage, type JsonReply } from '../../targets/http.js';
import { optionalApiUrl, optionalBoolean, optionalString, requireString } from '../../targets/ref-fields.js';
import type {
  Target,
  TargetDeps,
  TargetFingerprint,
  TargetPlugin,
  VercelEnvTarget,
  VercelEnvTargetRef,
  VerifyResult,
  WriteOptions,
  WriteResult,
} from '../../targets/target.js';

/**
 * Vercel project environment variables through the REST API:
 *   GET  /v10/projects/{idOrName}/env               → { envs: [{ id, key, type, target, updatedAt, ... }] }
 *   GET  /v1/projects/{idOrName}/env/{id}           → { decrypted, value, ... } (not for `sensitive`)
 *   POST /v10/projects/{idOrName}/env?upsert=true   { key, value, type, target } → 201 { created, failed }
 * with `teamId` as a query parameter when the project belongs to a team.
 *
 * A variable's value is read back (decrypted) to fingerprint it, which makes writes idempotent
 * and verify exact for `encrypted` variables. `sensitive` ones are write-only: they are known
 * through the ledger like GitHub secrets. Vercel reads env at build time, so every write notes
 * that a redeploy is needed.
 */
const DEFAULT_API = 'https://api.vercel.com';
const ALL_TARGETS: VercelEnvTarget[] = ['production', 'preview', 'development'];
const REDEPLOY_NOTE = 'redeploy the Vercel project for the new value to take effect';

interface VercelEnv {
  id: string;
  key: string;
  type: string;
  target: string[];
  updatedAt?: number;
}

class VercelEnvTargetImpl implements Target {
  readonly type = 'vercel-env';
  private readonly api: string;
  private readonly targets: VercelEnvTarget[];

  constructor(
    readonly ref: VercelEnvTargetRef,
    private readonly deps: TargetDeps,
  ) {
    this.api = (deps.apiUrl?.['vercel-env'] ?? ref.apiUrl ?? DEFAULT_API).replace(/\/+$/, '');
    this.targets = [...(ref.target ?? ALL_TARGETS)].sort();
  }

  describe(): string {
    return `Vercel env of project ${this.ref.projectId}${this.ref.teamId ? ` (team ${this.ref.teamId})` : ''} [${this.targets.join(', ')}]`;
  }

  private url(path: string, query: Record<string, string> = {}): string {
    const u = new URL(`${this.api}${path}`);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    if (this.ref.teamId) u.searchParams.set('teamId', this.ref.teamId);
    return u.toString();
  }

  private project(): string {
    return encodeURIComponent(this.ref.projectId);
  }

  private async token(): Promise<string> {
    const t = await this.deps.getCredential?.('vercel', this.ref);
    if (!t)
      throw storeError(
        `no Vercel token to write env of project ${this.ref.projectId}`,
        'store the Vercel token (credctl store put) and say so in credctl.yaml',
      );
    return t;
  }

  private async call(method: 'GET' | 'POST', url: string, what: string, secrets: string[], body?: unknown): Promise<{ reply: JsonReply; secrets: string[] }> {
    const token = await this.token();
    return callWithToken(this.deps, { vendor: 'Vercel', token, auth: { authorization: `Bearer ${token}` }, method, url, what, secrets, body });
  }

  private ledgerKey(name: string, envId: string): string {
    return `vercel-env:${this.api}:${this.ref.teamId ?? ''}:${this.ref.projectId}:${envId}:${name}`;
  }

  /** The variables named `name` that apply to any of our targets. */
  private async envsFor(name: string, secrets: string[]): Promise<VercelEnv[]> {
    const what = `list env of project ${this.ref.projectId}`;
    const { reply, secrets: all } = await this.call('GET', this.url(`/v10/projects/${this.project()}/env`), what, secrets);
    if (reply.status !== 200) throw statusError(`Vercel: ${what}`, reply, all, 'Vercel');
    const envs = (reply.json as { envs?: unknown } | undefined)?.envs;
    if (!Array.isArray(envs)) throw remoteError(`Vercel: ${what}: the answer has no envs list`);
    return (envs as VercelEnv[]).filter((e) => e && e.key === name && Array.isArray(e.target) && e.target.some((t) => (this.targets as string[]).includes(t)));
  }

  /** The decrypted value, or undefined for write-only (`sensitive`) variables. */
  private async valueOf(env: VercelEnv, secrets: string[]): Promise<string | undefined> {
    if (env.type === 'sensitive') return undefined;
    const what = `read env ${env.key} of project ${this.ref.projectId}`;
    const { reply, secrets: all } = await this.call('GET', this.url(`/v1/projects/${this.project()}/env/${encodeURIComponent(env.id)}`), what, secrets);
    if (reply.status !== 200) throw statusError(`Vercel: ${what}`, reply, all, 'Vercel');
    const body = reply.json as { decrypted?: unknown; value?: unknown } | undefined;
    return typeof body?.value === 'string' && body.decrypted !== false ? body.value : undefined;
  }

  private async fingerprintOf(env: VercelEnv, secrets: string[]): Promise<TargetFingerprint> {
    if (env.type === 'sensitive') {
      const known = await ledgerOf(this.deps).get(this.ledgerKey(env.key, env.id));
      return known && String(env.updatedAt ?? '') === known.remoteUpdatedAt ? known.fingerprint : 'unknown';
    }
    const v = await this.valueOf(env, secrets);
    return v === undefined ? 'unknown' : fingerprint(v);
  }

  async readValue(name: string): Promise<string | null | undefined> {
    checkKey(name);
    const envs = await this.envsFor(name, []);
    if (envs.length === 0) return null;
    const covered = new Set(envs.flatMap((e) => e.target));
    if (!this.targets.every((t) => covered.has(t))) return undefined;
    const values = new Set<string | undefined>();
    for (const e of envs) values.add(await this.valueOf(e, []));
    return values.size === 1 ? [...values][0] : undefined;
  }

  /**
   * The fingerprint when every one of our targets holds the same known value; null when none
   * holds the name; 'unknown' when some do not, values differ, or a value is write-only.
   */
  private async current(name: string, secrets: string[]): Promise<{ fp: TargetFingerprint; envs: VercelEnv[] }> {
    const envs = await this.envsFor(name, secrets);
    if (envs.length === 0) return { fp: null, envs };
    const covered = new Set(envs.flatMap((e) => e.target));
    if (!this.targets.every((t) => covered.has(t))) return { fp: 'unknown', envs };
    const fps = new Set<TargetFingerprint>();
    for (const e of envs) fps.add(await this.fingerprintOf(e, secrets));
    return { fp: fps.size === 1 ? [...fps][0]! : 'unknown', envs };
  }

  async readFingerprint(name: string): Promise<TargetFingerprint> {
    checkKey(name);
    return (await this.current(name, [])).fp;
  }

  async write(name: string, value: string, opts: WriteOptions = {}): Promise<WriteResult> {
    checkKey(name);
    const secrets = [value];
    const after = fingerprint(value);
    const { fp: before, envs } = await this.current(name, secrets);
    const base = { target: this.describe(), before, after };
    if (before === after) {
      const latest = Math.max(...envs.map((e) => e.updatedAt ?? 0));
      return { ...base, status: 'unchanged', writtenAt: latest > 0 ? new Date(latest).toISOString() : undefined, notes: [] };
    }
    if (opts.expectFingerprint !== undefined && before !== 'unknown' && opts.expectFingerprint !== before) {
      throw remoteError(`Vercel env ${name} of project ${this.ref.projectId} changed since the plan was made`, 'make a new plan (credctl plan)');
    }
    const what = `write env ${name} of project ${this.ref.projectId}`;
    const body = { key: name, value, type: this.ref.sensitive ? 'sensitive' : 'encrypted', target: this.targets };
    const { reply, secrets: all } = await this.call('POST', this.url(`/v10/projects/${this.project()}/env`, { upsert: 'true' }), what, secrets, body);
    if (reply.status !== 200 && reply.status !== 201) throw statusError(`Vercel: ${what}`, reply, all, 'Vercel');
    const res = reply.json as { created?: unknown; failed?: Array<{ error?: { code?: string; message?: string } }> } | undefined;
    if (res?.failed && res.failed.length > 0) {
      const e = res.failed[0]!.error;
      throw remoteError(`Vercel: ${what}: ${vendorMessage({ error: e }, all) || e?.code || 'refused'}`);
    }
    const created = (Array.isArray(res?.created) ? res.created[0] : res?.created) as VercelEnv | undefined;
    if (!created || typeof created.id !== 'string') throw remoteError(`Vercel: ${what}: the answer does not describe the variable`);
    if (this.ref.sensitive) {
      await ledgerOf(this.deps).set(this.ledgerKey(name, created.id), { fingerprint: after, remoteUpdatedAt: String(created.updatedAt ?? '') });
    }
    return {
      ...base,
      status: 'written',
      writtenAt: created.updatedAt ? new Date(created.updatedAt).toISOString() : undefined,
      notes: [REDEPLOY_NOTE],
    };
  }

  async verify(name: string, value: string): Promise<VerifyResult> {
    const fp = (await this.current(name, [value])).fp;
    if (fp === 'unknown') return 'unverifiable';
    return fp === fingerprint(value);
  }
}

function checkKey(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw inputError(`"${name.slice(0, 60)}" cannot be a Vercel environment variable name`);
}

export const vercelEnvPlugin: TargetPlugin<VercelEnvTargetRef> = {
  type: 'vercel-env',
  aliases: ['vercel'],
  guardedBy: { provider: 'vercel', nameWords: ['VERCEL'], deploy: 'vercel' },
  manualPlace(ref, envName) {
    const envs = (ref.target ?? ALL_TARGETS).join(', ');
    return {
      id: `vercel-env:${ref.projectId}`,
      label: `Vercel env of project ${ref.projectId}`,
      // Vercel's dashboard link that asks which team and project, then opens its env settings.
      url: 'https://vercel.com/d?to=%2F%5Bteam%5D%2F%5Bproject%5D%2Fsettings%2Fenvironment-variables',
      instructions: `Pick the project ${ref.projectId}${ref.teamId ? ` (team ${ref.teamId})` : ''}, then Settings → Environment Variables: edit ${envName} for ${envs}, paste the new value and redeploy.`,
    };
  },
  fromGraph: (a) =>
    typeof a.project === 'string'
      ? { type: 'vercel-env', projectId: a.project, ...(typeof a.org === 'string' && a.org.startsWith('team_') ? { teamId: a.org } : {}) }
      : null,
  parseRef(raw) {
    const t = 'vercel-env';
    const ref: VercelEnvTargetRef = { type: t, projectId: requireString(raw, 'projectId', t) };
    const teamId = optionalString(raw, 'teamId', t);
    const apiUrl = optionalApiUrl(raw, t);
    const sensitive = optionalBoolean(raw, 'sensitive', t);
    if (raw.target !== undefined) {
      const list = Array.isArray(raw.target) ? raw.target : [raw.target];
      if (list.length === 0 || !list.every((x) => typeof x === 'string' && (ALL_TARGETS as string[]).includes(x))) {
        throw inputError(`target ${t}: "target" must list some of ${ALL_TARGETS.join(', ')}`);
      }
      ref.target = [...new Set(list as VercelEnvTarget[])];
    }
    if (teamId) ref.teamId = teamId;
    if (apiUrl) ref.apiUrl = apiUrl;
    if (sensitive) ref.sensitive = true;
    return ref;
  },
  open(ref, deps) {
    return new VercelEnvTargetImpl(ref, deps);
  },
};
