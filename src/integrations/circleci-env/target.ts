import { inputError, refusedError, remoteError, storeError } from '../../core/errors.js';
import { fingerprint } from '../../core/fingerprint.js';
import { ledgerOf } from '../../targets/default-ledger.js';
import { callWithToken, statusError, vendorMessage, type JsonReply } from '../../targets/http.js';
import { optionalApiUrl, optionalString } from '../../targets/ref-fields.js';
import type { Target, TargetDeps, TargetFingerprint, TargetPlugin, VerifyResult, WriteOptions, WriteResult } from '../../targets/target.js';

/**
 * CircleCI environment variables through the API v2 (API.md names the document), either a
 * project's or a context's (shared by the projects of an organization):
 *   GET    /project/{slug}/envvar/{name}   → 200 { name, value: "xxxx" + last 4 characters, created_at }
 *   POST   /project/{slug}/envvar          { name, value } → 201 (creates or replaces)
 *   GET    /context/{id}/environment-variable[?page-token=T] → 200 { items: [{ variable, context_id, created_at, updated_at }], next_page_token }
 *   PUT    /context/{id}/environment-variable/{name}  { value } → 200 { variable, context_id, created_at, updated_at }
 * with the token in the `Circle-Token` header.
 *
 * Values never come back (a project variable shows only its last four characters), so the
 * fingerprint is known through the ledger like GitHub secrets: credctl's write record, valid while
 * the variable's server time (created_at of a project variable, which a replace renews;
 * updated_at of a context variable) is still the one seen right after that write. The last four
 * characters of a project variable are a cheap cross-check: a mismatch means the value is not ours.
 */
const DEFAULT_API = 'https://circleci.com/api/v2';
const TYPE = 'circleci-env';
const SLUG_RE = /^(?:gh|github|bb|bitbucket|gl|gitlab|circleci)\/[A-Za-z0-9_-][A-Za-z0-9_.-]*\/[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_PAGES = 50;
const RERUN_NOTE = 'CircleCI gives variables to jobs when they start: re-run the workflows that deploy with it';

export type CircleciEnvTargetRef = {
  type: 'circleci-env';
  /** A project's variables: `gh/org/repo`, `bb/org/repo` or `circleci/<org-id>/<project-id>`. */
  projectSlug?: string;
  /** Or a context's variables: the context id (a UUID). */
  contextId?: string;
};

interface Meta {
  /** Server time that moves on every write. */
  stamp: string;
  /** The masked value of a project variable ("xxxx" + last four), absent for contexts. */
  masked?: string;
}

class CircleciEnvTarget implements Target {
  readonly type = TYPE;
  private readonly api: string;

  constructor(
    readonly ref: CircleciEnvTargetRef,
    private readonly deps: TargetDeps,
  ) {
    this.api = (deps.apiUrl?.[TYPE] ?? DEFAULT_API).replace(/\/+$/, '');
  }

  describe(): string {
    return this.ref.contextId ? `CircleCI context ${this.ref.contextId}` : `CircleCI env of project ${this.ref.projectSlug}`;
  }

  private projectBase(): string {
    return `${this.api}/project/${this.ref.projectSlug!.split('/').map(encodeURIComponent).join('/')}/envvar`;
  }

  private contextBase(): string {
    return `${this.api}/context/${encodeURIComponent(this.ref.contextId!)}/environment-variable`;
  }

  private async token(): Promise<string> {
    const t = await this.deps.getCredential?.('circleci', this.ref);
    if (!t)
      throw storeError(
        `no CircleCI token to write ${this.describe()}`,
        'store a CircleCI personal API token (credctl store put) and name it in credctl.yaml (providers.circleci.admin)',
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
    return callWithToken(this.deps, { vendor: 'CircleCI', token, auth: { 'circle-token': token }, method, url, what, secrets, body });
  }

  private ledgerKey(name: string): string {
    return this.ref.contextId ? `${TYPE}:${this.api}:context:${this.ref.contextId}:${name}` : `${TYPE}:${this.api}:project:${this.ref.projectSlug}:${name}`;
  }

  private meta(name: string, secrets: string[]): Promise<Meta | null> {
    return this.ref.contextId ? this.contextMeta(name, secrets) : this.projectMeta(name, secrets);
  }

  private async projectMeta(name: string, secrets: string[]): Promise<Meta | null> {
    const what = `read variable ${name} of project ${this.ref.projectSlug}`;
    const { reply, secrets: all } = await this.call('GET', `${this.projectBase()}/${encodeURIComponent(name)}`, what, secrets);
    // CircleCI answers 404 for a missing variable and for a project the token cannot see: only the first is "absent".
    if (reply.status === 404 && !/project/i.test(vendorMessage(reply.json, all))) return null;
    if (reply.status !== 200) throw statusError(`CircleCI: ${what}`, reply, all, 'CircleCI');
    const v = reply.json as { name?: unknown; value?: unknown; created_at?: unknown } | undefined;
    if (!v || v.name !== name || typeof v.created_at !== 'string') throw remoteError(`CircleCI: ${what}: the answer has no created_at`);
    return { stamp: v.created_at, masked: typeof v.value === 'string' ? v.value : undefined };
  }

  private async contextMeta(name: string, secrets: string[]): Promise<Meta | null> {
    const what = `list variables of context ${this.ref.contextId}`;
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const url = new URL(this.contextBase());
      if (pageToken) url.searchParams.set('page-token', pageToken);
      const { reply, secrets: all } = await this.call('GET', url.toString(), what, secrets);
      if (reply.status !== 200) throw statusError(`CircleCI: ${what}`, reply, all, 'CircleCI');
      const body = reply.json as { items?: unknown; next_page_token?: unknown } | undefined;
      if (!body || !Array.isArray(body.items)) throw remoteError(`CircleCI: ${what}: the answer has no items list`);
      const hit = (body.items as { variable?: unknown; updated_at?: unknown; created_at?: unknown }[]).find((i) => i && i.variable === name);
      if (hit) {
        const stamp = typeof hit.updated_at === 'string' ? hit.updated_at : typeof hit.created_at === 'string' ? hit.created_at : undefined;
        if (!stamp) throw remoteError(`CircleCI: ${what}: variable ${name} has no updated_at`);
        return { stamp };
      }
      if (typeof body.next_page_token !== 'string' || body.next_page_token === '') return null;
      pageToken = body.next_page_token;
    }
    throw remoteError(`CircleCI: ${what}: more than ${MAX_PAGES} pages`);
  }

  /** What credctl knows is there: its ledger record while the server time still matches and the last four agree. */
  private async known(name: string, m: Meta, value?: string): Promise<string | undefined> {
    const entry = await ledgerOf(this.deps).get(this.ledgerKey(name));
    if (!entry || entry.remoteUpdatedAt !== m.stamp) return undefined;
    if (value !== undefined && entry.fingerprint === fingerprint(value) && m.masked !== undefined && !suffixAgrees(m.masked, value)) return undefined;
    return entry.fingerprint;
  }

  async readFingerprint(name: string): Promise<TargetFingerprint> {
    checkName(name);
    const m = await this.meta(name, []);
    if (!m) return null;
    return (await this.known(name, m)) ?? 'unknown';
  }

  /** CircleCI never gives values back. */
  async readValue(name: string): Promise<null | undefined> {
    checkName(name);
    return (await this.meta(name, [])) ? undefined : null;
  }

  async write(name: string, value: string, opts: WriteOptions = {}): Promise<WriteResult> {
    checkName(name);
    const secrets = [value];
    const after = fingerprint(value);
    const m = await this.meta(name, secrets);
    const before: TargetFingerprint = !m ? null : ((await this.known(name, m, value)) ?? 'unknown');
    const base = { target: this.describe(), before, after };
    if (before === after) return { ...base, status: 'unchanged', writtenAt: m!.stamp, notes: [] };
    if (opts.expectFingerprint !== undefined && before !== 'unknown' && opts.expectFingerprint !== before) {
      throw refusedError(`CircleCI variable ${name} of ${this.describe()} changed since the plan was made`, 'make a new plan (credctl plan)');
    }
    const what = `write variable ${name} of ${this.describe()}`;
    const { reply, secrets: all } = this.ref.contextId
      ? await this.call('PUT', `${this.contextBase()}/${encodeURIComponent(name)}`, what, secrets, { value })
      : await this.call('POST', this.projectBase(), what, secrets, { name, value });
    if (reply.status !== 200 && reply.status !== 201) throw statusError(`CircleCI: ${what}`, reply, all, 'CircleCI');
    // CircleCI's own clock, read back, so the ledger and verify compare like with like.
    const now = await this.meta(name, secrets);
    if (!now) throw remoteError(`CircleCI: variable ${name} of ${this.describe()} is missing right after it was written`);
    await ledgerOf(this.deps).set(this.ledgerKey(name), { fingerprint: after, remoteUpdatedAt: now.stamp });
    return { ...base, status: 'written', writtenAt: now.stamp, notes: [RERUN_NOTE] };
  }

  async verify(name: string, value: string, opts: { writtenAt?: string } = {}): Promise<VerifyResult> {
    checkName(name);
    const m = await this.meta(name, [value]);
    if (!m) return false;
    if (m.masked !== undefined && !suffixAgrees(m.masked, value)) return false;
    const known = await this.known(name, m, value);
    if (known) return known === fingerprint(value);
    if (opts.writtenAt) return Date.parse(m.stamp) >= Date.parse(opts.writtenAt);
    return 'unverifiable';
  }
}

/** CircleCI masks a project variable as "xxxx" plus its last four characters. */
function suffixAgrees(masked: string, value: string): boolean {
  if (!/^x{4}.{1,4}$/s.test(masked)) return true;
  return value.endsWith(masked.slice(4));
}

function checkName(name: string): void {
  if (!NAME_RE.test(name))
    throw inputError(`"${name.slice(0, 60)}" cannot be a CircleCI environment variable name`, 'use letters, digits and _, not starting with a digit');
}

export const circleciEnvPlugin: TargetPlugin<CircleciEnvTargetRef> = {
  type: TYPE,
  aliases: ['circleci'],
  guardedBy: { provider: 'circleci', nameWords: ['CIRCLECI', 'CIRCLE'] },
  parseRef(raw) {
    const projectSlug = optionalString(raw, 'projectSlug', TYPE);
    const contextId = optionalString(raw, 'contextId', TYPE);
    optionalApiUrl(raw, TYPE);
    if ((projectSlug === undefined) === (contextId === undefined)) throw inputError(`target ${TYPE}: give exactly one of "projectSlug" and "contextId"`);
    if (projectSlug !== undefined) {
      if (!SLUG_RE.test(projectSlug))
        throw inputError(`target ${TYPE}: "projectSlug" must look like gh/org/repo, bb/org/repo or circleci/<org-id>/<project-id>`);
      return { type: TYPE, projectSlug };
    }
    if (!UUID_RE.test(contextId!)) throw inputError(`target ${TYPE}: "contextId" must be a context id (a UUID)`);
    return { type: TYPE, contextId: contextId!.toLowerCase() };
  },
  open(ref, deps) {
    return new CircleciEnvTarget(ref, deps);
  },
};
