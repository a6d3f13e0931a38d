import { createHash } from 'node:crypto';
import { refusedError } from '../../core/errors.js';
import type { RotationProvider } from '../types.js';
import { READ_RETRY, refusalOf, unreachable, vendorCall, vendorFailure, type VendorReply } from '../kit.js';
import type { Analysis, Integration, IntegrationContext, Risk, Verification } from '../types.js';

/**
 * Twilio SendGrid API keys (SG.<id>.<secret>), through the v3 API (API.md in this folder names
 * the document).
 *   verify   GET /v3/scopes with the key itself: 200 lists its scopes (so it is live), 401 is a
 *            bad or deleted key.
 *   analyze  the same list, each scope mapped to read / write / admin.
 *   revoke   DELETE /v3/api_keys/{id} with an admin key (one holding the api_keys scopes).
 *   rotate   overlap: POST /v3/api_keys with the old key's scopes, then DELETE the old one.
 * Which id a value has: the API never lists values, only ids and names. A SendGrid key is
 * `SG.<22 characters>.<43 characters>` and the ids SendGrid returns are the same 22-character
 * form; the middle segment is taken as the candidate id and is used only after the admin key
 * confirms (GET /v3/api_keys/{id}) that a key with that id exists. SendGrid does not document the
 * relation, so a 404 there stops the operation instead of guessing.
 */
const VENDOR = 'SendGrid';
const KEY_FORM = /^SG\.([0-9A-Za-z_-]{22})\.([0-9A-Za-z_-]{43})$/;

/** The candidate id of a key: its middle segment (see above). */
export function candidateId(value: string): string | undefined {
  return KEY_FORM.exec(value)?.[1];
}

/** Scopes that manage the account's people and keys are admin, whatever their verb. */
const ADMIN_AREAS = /^(?:api_keys|teammates|subusers|access_settings|credentials|sso|billing)\./;

export function scopeRisk(scope: string): Risk {
  if (ADMIN_AREAS.test(scope) && !scope.endsWith('.read')) return 'admin';
  // mail.send, templates.create...; anything else (x.read, a bare area name) is read.
  if (/\.(?:create|update|delete|send)$/.test(scope)) return 'write';
  return 'read';
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function scopesOf(ctx: IntegrationContext, value: string): Promise<VendorReply> {
  return vendorCall(ctx, '/v3/scopes', { headers: bearer(value), secrets: [value], retry: READ_RETRY });
}

function scopeList(json: any): string[] | undefined {
  return Array.isArray(json?.scopes) && json.scopes.every((s: unknown) => typeof s === 'string') ? json.scopes : undefined;
}

async function verify({ value }: { value: string }, ctx: IntegrationContext): Promise<Verification> {
  const id = candidateId(value);
  try {
    const reply = await scopesOf(ctx, value);
    const refused = refusalOf(VENDOR, reply, [value]);
    if (refused) return { ...refused, identity: { kind: 'API key' } };
    const scopes = scopeList(reply.json);
    if (!scopes) return { status: 'unknown', reason: 'SendGrid answered GET /v3/scopes without a scope list' };
    return {
      status: 'live',
      reason: `SendGrid accepted it just now (${scopes.length} scope${scopes.length === 1 ? '' : 's'})`,
      identity: { kind: 'API key', ...(id ? { credentialId: id } : {}) },
    };
  } catch (err) {
    return unreachable(VENDOR, err);
  }
}

async function analyze({ value }: { value: string }, ctx: IntegrationContext): Promise<Analysis> {
  const reply = await scopesOf(ctx, value);
  const scopes = reply.status === 200 ? scopeList(reply.json) : undefined;
  if (!scopes) throw vendorFailure(VENDOR, 'GET /v3/scopes', reply.status === 200 ? { ...reply, malformed: true } : reply, [value]);
  return { grants: [...new Set(scopes)].map((scope) => ({ scope, risk: scopeRisk(scope) })), complete: true };
}

/** The admin key's view of the account's keys. Every call names both keys as secrets. */
class KeyAdmin {
  constructor(
    private readonly ctx: IntegrationContext,
    private readonly admin: string,
    private readonly secrets: string[],
  ) {}

  private call(path: string, req: { method?: 'GET' | 'POST' | 'DELETE'; json?: unknown; retry?: boolean } = {}) {
    return vendorCall(this.ctx, path, {
      method: req.method,
      json: req.json,
      headers: bearer(this.admin),
      secrets: [this.admin, ...this.secrets],
      ...(req.retry === false ? {} : { retry: READ_RETRY }),
    });
  }

  /** The key with this id: its scopes (when listed), or undefined when SendGrid says 404. */
  async get(id: string): Promise<{ scopes?: string[] } | undefined> {
    const reply = await this.call(`/v3/api_keys/${encodeURIComponent(id)}`);
    if (reply.status === 404) return undefined;
    if (reply.status !== 200 || reply.malformed) throw vendorFailure(VENDOR, 'GET /v3/api_keys/{id}', reply, this.secrets.concat(this.admin));
    // The reference shows `{ result: [ { api_key_id, name, scopes } ] }`; a flat object is read too.
    const item = Array.isArray(reply.json?.result) ? (reply.json.result.find((k: any) => k?.api_key_id === id) ?? reply.json.result[0]) : reply.json;
    return { scopes: scopeList(item) };
  }

  /** The ids of the account's keys that carry this name. */
  async idsNamed(name: string): Promise<string[]> {
    const reply = await this.call('/v3/api_keys', {});
    if (reply.status !== 200 || !Array.isArray(reply.json?.result))
      throw vendorFailure(VENDOR, 'GET /v3/api_keys', reply.status === 200 ? { ...reply, malformed: true } : reply, this.secrets.concat(this.admin));
    return reply.json.result.filter((k: any) => typeof k?.api_key_id === 'string' && k.name === name).map((k: any) => k.api_key_id);
  }

  /** Creation is not idempotent at SendGrid, so it is never retried here. */
  async create(name: string, scopes: string[]): Promise<{ value: string; id: string }> {
    const reply = await this.call('/v3/api_keys', { method: 'POST', json: { name, scopes }, retry: false });
    const value = reply.json?.api_key;
    const id = reply.json?.api_key_id;
    if (reply.status !== 201 || typeof value !== 'string' || typeof id !== 'string') {
      const secrets = typeof value === 'string' ? [value] : [];
      throw vendorFailure(VENDOR, 'POST /v3/api_keys', reply.status === 201 ? { ...reply, malformed: true } : reply, this.secrets.concat(this.admin, secrets));
    }
    return { value, id };
  }

  async delete(id: string): Promise<'revoked' | 'already'> {
    const reply = await this.call(`/v3/api_keys/${encodeURIComponent(id)}`, { method: 'DELETE', retry: false });
    if (reply.status === 204 || reply.status === 200) return 'revoked';
    if (reply.status === 404) return 'already';
    throw vendorFailure(VENDOR, 'DELETE /v3/api_keys/{id}', reply, this.secrets.concat(this.admin));
  }
}

async function adminFor(ctx: IntegrationContext, secrets: string[]): Promise<KeyAdmin> {
  return new KeyAdmin(ctx, await ctx.adminSecret(), secrets);
}

/** The name a rotation gives its key: the same for a resumed run, so a leftover can be found. */
function rotationName(idempotencyKey: string): string {
  return `credctl rotation ${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 16)}`;
}

function rotationProvider(ctx: IntegrationContext): RotationProvider {
  return {
    async identify({ oldValue }) {
      const id = candidateId(oldValue);
      if (!id) return undefined;
      const admin = await adminFor(ctx, [oldValue]);
      return (await admin.get(id)) ? id : undefined;
    },
    async create({ credential, oldId, oldValue, idempotencyKey }) {
      const admin = await adminFor(ctx, oldValue ? [oldValue] : []);
      let scopes = credential.scopes;
      if (!scopes) {
        if (!oldId)
          throw refusedError(
            `SendGrid: the old ${credential.names[0] ?? 'key'} was not identified, so its scopes cannot be copied`,
            'Set scopes for it in the plan, or rotate it by hand.',
          );
        scopes = (await admin.get(oldId))?.scopes;
      }
      // SendGrid makes a key with no scopes a Full Access key: never let that happen by omission.
      if (!scopes || scopes.length === 0)
        throw refusedError(
          `SendGrid: no scopes known for the replacement of ${credential.names[0] ?? 'the key'}; refusing to create a Full Access key`,
          'Set scopes for it in the plan.',
        );
      const name = rotationName(idempotencyKey);
      // A resumed run: a key of this name was made by the interrupted attempt and its value never stored.
      for (const leftover of await admin.idsNamed(name)) await admin.delete(leftover);
      return admin.create(name, scopes);
    },
    async revoke({ value, id, mode }) {
      if (mode === 'deactivate') throw refusedError('SendGrid keys cannot be deactivated, only deleted', 'Make a plan without --grace for SendGrid keys.');
      const which = id ?? candidateId(value);
      if (!which) throw refusedError('SendGrid: the key to delete was not identified');
      return (await adminFor(ctx, [value])).delete(which);
    },
    async isActive({ value }) {
      const reply = await scopesOf(ctx, value);
      if (reply.status === 200 && scopeList(reply.json)) return true;
      if (reply.status === 401) return false;
      return 'unknown';
    },
  };
}

const sendgrid: Integration = {
  id: 'sendgrid',
  title: 'Twilio SendGrid v3 API',
  defaultApi: 'https://api.sendgrid.com',
  config: [
    {
      key: 'admin',
      secret: true,
      description: 'store:<entry> holding a SendGrid API key with the api_keys scopes (create, read, delete), for revoke and rotate',
    },
  ],
  verify,
  analyze,
  revoke: {
    needsAdmin: true,
    warning:
      'Irreversible: the key is deleted (SendGrid notes a short propagation delay before it stops working). A replacement must be created with the same scopes.',
    async run({ value }, ctx) {
      const id = candidateId(value);
      if (!id) throw refusedError('SendGrid: this is not an SG.<id>.<secret> key, so its id is unknown');
      const admin = await adminFor(ctx, [value]);
      if (!(await admin.get(id))) return 'already';
      return admin.delete(id);
    },
  },
  rotate: {
    strategy: 'overlap',
    summary: "A new key with the old key's scopes is created next to it; the old key is deleted once the new one is in place.",
    provider: (_credential, ctx) => rotationProvider(ctx),
  },
  manual: {
    rotate: {
      url: 'https://app.sendgrid.com/settings/api_keys',
      instructions:
        'Settings > API Keys: "Create API Key" with the same permissions as the old key, store it with `credctl store put`, deploy it, then delete the old key from its menu.',
    },
    revoke: { url: 'https://app.sendgrid.com/settings/api_keys', instructions: 'Settings > API Keys: open the key\'s menu and choose "Delete".' },
  },
};

export default sendgrid;
