import { refusedError, remoteError } from '../../core/errors.js';
import { maskValues } from '../../core/redact.js';
import { SafeHttp, type SafeHttpOptions } from '../../net/http.js';

/**
 * OpenAI as a credential provider, through the Admin API (an `sk-admin-` key kept in the store).
 * The credential is a project API key owned by a *service account*:
 *
 *   identify: find the key's id and owner in the project's key list. The list shows each key
 *             redacted (a few characters from each end); the key is identified only when exactly
 *             one key in the project has its ends. Anything else is refused, never guessed:
 *             deleting the wrong key would take down some other application.
 *   create:   a new key for the same service account (same project role), overlapping the old.
 *   revoke:   delete the old key (the service account and its other keys stay).
 *   active?:  the key itself lists models (GET /v1/models): 200 or 401.
 *
 * User-owned keys cannot be created through the API, so they are refused with that reason; a
 * person rotates those in the dashboard (credctl plans them as manual steps when no admin key
 * is configured).
 */
export interface OpenAiKeyRef {
  id: string;
  serviceAccount?: string;
}

export class OpenAiAdmin {
  private readonly http: SafeHttp;

  constructor(
    private readonly base: string,
    private readonly adminKey: string,
    private readonly project: string,
    http: SafeHttpOptions | SafeHttp = {},
  ) {
    // Stryker disable next-line BooleanLiteral: closing a SafeHttp only drops its idle connection pools (a later request opens new ones), so closing a shared one or not closing our own changes no answer
    this.ownsHttp = !(http instanceof SafeHttp);
    this.http = http instanceof SafeHttp ? http : new SafeHttp(http);
  }

  private readonly ownsHttp: boolean;

  private async call(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
    bearer = this.adminKey,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    // Stryker disable next-line StringLiteral: every path here is written without a leading '/', so nothing is replaced
    const relative = path.replace(/^\//, '');
    const url = new URL(relative, this.base.endsWith('/') ? this.base : `${this.base}/`);
    const res = await this.http.request(url, {
      method,
      headers: { authorization: `Bearer ${bearer}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      // Stryker disable next-line ConditionalExpression: JSON.stringify(undefined) is undefined, which the client sends as no body
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    let json: Record<string, unknown> = {};
    try {
      json = res.body.length ? (JSON.parse(res.body.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      if (res.status < 300) throw remoteError(`OpenAI answered ${method} ${url.pathname} with a body that is not JSON`);
    }
    return { status: res.status, json };
  }

  private fail(what: string, r: { status: number; json: Record<string, unknown> }): never {
    const message = (r.json.error as { message?: unknown } | undefined)?.message;
    // OpenAI's messages can quote the key that was sent ("Incorrect API key provided: sk-...");
    // whatever looks like a key is cut to its prefix before the message goes anywhere.
    const safe =
      typeof message === 'string'
        ? maskValues(message, [this.adminKey])
            .slice(0, 200)
            .replace(/\bsk-[A-Za-z0-9_*.…-]{4,}/g, 'sk-[redacted]')
        : undefined;
    throw remoteError(`OpenAI ${what}: HTTP ${r.status}${safe ? ` (${safe})` : ''}`);
  }

  private keysPath(): string {
    return `v1/organization/projects/${encodeURIComponent(this.project)}/api_keys`;
  }

  /** Every key in the project: id, redacted value, owner. Follows the list's pages. */
  async listKeys(): Promise<{ id: string; name: string; redacted: string; ownerType: string; serviceAccount?: string }[]> {
    const out: { id: string; name: string; redacted: string; ownerType: string; serviceAccount?: string }[] = [];
    let after: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const r = await this.call('GET', `${this.keysPath()}?limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      if (r.status !== 200) this.fail('could not list the project API keys', r);
      const data = Array.isArray(r.json.data) ? (r.json.data as Record<string, unknown>[]) : [];
      for (const k of data) {
        const owner = (k.owner ?? {}) as { type?: unknown; service_account?: { id?: unknown } };
        if (typeof k.id !== 'string' || typeof k.redacted_value !== 'string') continue;
        out.push({
          id: k.id,
          name: typeof k.name === 'string' ? k.name : '',
          redacted: k.redacted_value,
          ownerType: typeof owner.type === 'string' ? owner.type : 'unknown',
          ...(typeof owner.service_account?.id === 'string' ? { serviceAccount: owner.service_account.id } : {}),
        });
      }
      if (r.json.has_more !== true || typeof r.json.last_id !== 'string') return out;
      after = r.json.last_id;
    }
    return out;
  }

  /** The key in the project whose redacted form fits `value`, if exactly one does. */
  async identify(value: string): Promise<OpenAiKeyRef> {
    const fits = (await this.listKeys()).filter((k) => redactedFits(k.redacted, value));
    if (fits.length === 0)
      throw refusedError(
        `no API key in OpenAI project ${this.project} matches this key`,
        'Check providers.openai.project in credctl.yaml, or rotate the key in the dashboard.',
      );
    if (fits.length > 1)
      throw refusedError(
        `${fits.length} API keys in OpenAI project ${this.project} look like this key when redacted; credctl will not guess which one to delete`,
        'Rotate it in the dashboard.',
      );
    const k = fits[0]!;
    if (k.ownerType !== 'service_account' || !k.serviceAccount) {
      throw refusedError(
        'this OpenAI key belongs to a user; the Admin API creates keys only for service accounts',
        'Rotate it in the dashboard, or move the application to a service-account key.',
      );
    }
    return { id: k.id, serviceAccount: k.serviceAccount };
  }

  async createKey(serviceAccount: string, name: string): Promise<{ id: string; value: string }> {
    const r = await this.call(
      'POST',
      `v1/organization/projects/${encodeURIComponent(this.project)}/service_accounts/${encodeURIComponent(serviceAccount)}/api_keys`,
      { name },
    );
    if (r.status !== 200 && r.status !== 201) this.fail('could not create a key for the service account', r);
    if (typeof r.json.id !== 'string' || typeof r.json.value !== 'string') throw remoteError('OpenAI created a key but did not return its id and value');
    return { id: r.json.id, value: r.json.value };
  }

  /** Delete a key; one already gone is not an error. */
  async deleteKey(id: string): Promise<'deleted' | 'already'> {
    const r = await this.call('DELETE', `${this.keysPath()}/${encodeURIComponent(id)}`);
    if (r.status === 404) return 'already';
    if (r.status !== 200) this.fail('could not delete the old key', r);
    return 'deleted';
  }

  /** Does the key itself work? A harmless call with it: list models. */
  async isActive(value: string): Promise<boolean> {
    const r = await this.call('GET', 'v1/models', undefined, value);
    if (r.status === 200) return true;
    if (r.status === 401) return false;
    this.fail('could not check the key', r);
  }

  // Stryker disable next-line BlockStatement: see ownsHttp: closing drops idle pools only, no answer changes
  async close(): Promise<void> {
    // Stryker disable next-line ConditionalExpression: as above
    if (this.ownsHttp) await this.http.close();
  }
}

/** Does a redacted form like `sk-svcac...Ab12` (a prefix and a suffix around dots) fit `value`? */
export function redactedFits(redacted: string, value: string): boolean {
  // Stryker disable next-line Regex: the lazy head can always start at 0 and the greedy tail always runs to the end, so either anchor changes no match
  const m = /^(.+?)(?:\.{2,}|…|\*{2,})(.+)$/.exec(redacted);
  if (!m) return false;
  const [, head, tail] = m;
  return head!.length >= 3 && tail!.length >= 2 && head!.length + tail!.length < value.length && value.startsWith(head!) && value.endsWith(tail!);
}
