import { createHash } from 'node:crypto';
import { inputError, refusedError } from '../../core/errors.js';
import { READ_RETRY, refusalOf, unreachable, vendorCall, vendorFailure, type VendorReply } from '../kit.js';
import type { Analysis, Integration, IntegrationContext } from '../types.js';

/**
 * Supabase project API keys (API.md in this folder names the documents): legacy JWT keys
 * (`anon`, `service_role`) and the newer `sb_secret_` / `sb_publishable_` keys.
 *   verify   GET https://<ref>.supabase.co/auth/v1/settings with the key (public Auth settings
 *            behind the gateway's key check; the /rest/v1/ root refuses anon keys since 2026-04);
 *            a legacy JWT's role, ref and expiry are read from its claims locally (never shown)
 *   analyze  from the role: service_role / secret keys bypass Row Level Security (admin), anon /
 *            publishable keys get what RLS allows (read, and writes where policies allow)
 *   revoke   sb_ keys: DELETE /v1/projects/{ref}/api-keys/{id} through the Management API with a
 *            personal access token (`providers.supabase.admin`); legacy JWTs cannot be revoked one
 *            by one, so that is a manual step (new JWT secret, or legacy keys turned off)
 *   rotate   sb_ keys: a second key of the same type is created, then the old one is deleted
 * The Management API lives at `ctx.api` (https://api.supabase.com); the project's Data API at
 * https://<ref>.supabase.co. An issuer override (a stand-in in tests) serves both.
 */
const VENDOR = 'Supabase';
const MANAGEMENT_API = 'https://api.supabase.com';

export interface JwtClaims {
  role?: string;
  ref?: string;
  iss?: string;
  exp?: number;
}

/** A legacy key's claims, or undefined when the value is not a JWT. Nothing is verified here. */
export function jwtClaims(value: string): JwtClaims | undefined {
  const parts = value.split('.');
  if (parts.length !== 3 || !value.startsWith('eyJ')) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' && !Array.isArray(claims) ? claims : undefined;
  } catch {
    return undefined;
  }
}

type KeyKind = { family: 'legacy'; role: string; ref?: string; exp?: number } | { family: 'new'; type: 'secret' | 'publishable' };

function kindOf(value: string): KeyKind | undefined {
  if (value.startsWith('sb_secret_')) return { family: 'new', type: 'secret' };
  if (value.startsWith('sb_publishable_')) return { family: 'new', type: 'publishable' };
  const claims = jwtClaims(value);
  if (claims && typeof claims.role === 'string')
    return {
      family: 'legacy',
      role: claims.role,
      ref: typeof claims.ref === 'string' ? claims.ref : undefined,
      exp: typeof claims.exp === 'number' ? claims.exp : undefined,
    };
  return undefined;
}

const isAdminKind = (k: KeyKind) => (k.family === 'legacy' ? k.role === 'service_role' : k.type === 'secret');
const kindName = (k: KeyKind) => (k.family === 'legacy' ? `legacy ${k.role} JWT key` : `${k.type} API key`);

/** The project ref: the setting, else a legacy JWT's `ref` claim. */
function projectRef(ctx: IntegrationContext, kind: KeyKind | undefined): string {
  const ref = ctx.setting('project') ?? (kind?.family === 'legacy' ? kind.ref : undefined);
  if (!ref) throw inputError('Supabase needs the project: set providers.supabase.project (the project ref) in credctl.yaml');
  if (!/^[a-z]{20}$/.test(ref))
    throw inputError(`providers.supabase.project must be a project ref of 20 lowercase letters (got ${JSON.stringify(ref.slice(0, 40))})`);
  return ref;
}

/** The Data API of the project: https://<ref>.supabase.co, or the issuer override (tests). */
function dataContext(ctx: IntegrationContext, ref: string): IntegrationContext {
  return ctx.api && ctx.api !== MANAGEMENT_API ? ctx : { ...ctx, api: `https://${ref}.supabase.co` };
}

async function probe(ctx: IntegrationContext, value: string, kind: KeyKind | undefined): Promise<VendorReply> {
  const headers: Record<string, string> = { apikey: value };
  if (kind?.family === 'legacy') headers.authorization = `Bearer ${value}`;
  // Stryker disable next-line ArrayDeclaration: this URL holds no value, and a network error's text names only the URL
  return vendorCall(dataContext(ctx, projectRef(ctx, kind)), '/auth/v1/settings', { headers, secrets: [value], retry: READ_RETRY });
}

interface ManagedKey {
  id: string;
  name?: string;
  type?: string;
  api_key?: string;
}

/** Management API calls for one project, with the personal access token. */
function management(ctx: IntegrationContext, ref: string) {
  // Set by the first call; the replies read after a call always have it.
  let token: string | undefined;
  const call = async (
    path: string,
    req: { method?: 'GET' | 'POST' | 'DELETE'; json?: unknown; query?: Record<string, string>; retry?: boolean },
    secrets: string[],
  ) => {
    token ??= await ctx.adminSecret();
    return vendorCall(ctx, `/v1/projects/${ref}${path}`, {
      method: req.method,
      json: req.json,
      query: req.query,
      headers: { authorization: `Bearer ${token}` },
      // Stryker disable next-line ArrayDeclaration: these URLs hold no secret, and a network error's text names only the URL
      secrets: [token, ...secrets],
      retry: req.retry === false ? undefined : READ_RETRY,
    });
  };
  return {
    async list(secrets: string[]): Promise<ManagedKey[]> {
      const reply = await call('/api-keys', { query: { reveal: 'true' } }, secrets);
      if (reply.status !== 200 || !Array.isArray(reply.json))
        throw vendorFailure(VENDOR, 'list API keys', { ...reply, malformed: reply.malformed || reply.status === 200 }, [...secrets, token!]);
      return reply.json.filter((k: any) => typeof k?.id === 'string');
    },
    async find(value: string): Promise<ManagedKey | undefined> {
      return (await this.list([value])).find((k) => k.api_key === value);
    },
    async create(type: string, name: string, secrets: string[]): Promise<ManagedKey> {
      // Not retried: a lost answer is found again by name on the next attempt (see rotate.create).
      const reply = await call(
        '/api-keys',
        { method: 'POST', query: { reveal: 'true' }, json: { type, name, description: 'Made by credctl to replace a leaked key' }, retry: false },
        secrets,
      );
      const key = reply.json;
      if ((reply.status !== 201 && reply.status !== 200) || typeof key?.id !== 'string' || typeof key?.api_key !== 'string') {
        throw vendorFailure(VENDOR, 'create API key', { ...reply, malformed: reply.malformed || reply.status < 300 }, [
          ...secrets,
          ...(typeof key?.api_key === 'string' ? [key.api_key] : []),
          token!,
        ]);
      }
      return key;
    },
    async remove(id: string, secrets: string[]): Promise<'revoked' | 'already'> {
      if (!/^[A-Za-z0-9_-]{1,100}$/.test(id)) throw refusedError('the Supabase API key id recorded for this credential is not an id');
      const reply = await call(`/api-keys/${id}`, { method: 'DELETE' }, secrets);
      if (reply.status === 200 || reply.status === 204) return 'revoked';
      if (reply.status === 404) return 'already';
      throw vendorFailure(VENDOR, 'delete API key', reply, [...secrets, token!]);
    },
  };
}

function legacyRefusal(ref: string | undefined) {
  return refusedError(
    'a legacy Supabase JWT key cannot be revoked or replaced on its own through the API',
    `Move to the new API keys, then turn legacy keys off (https://supabase.com/dashboard/project/${ref ?? '<ref>'}/settings/api-keys), or make a new JWT secret (https://supabase.com/dashboard/project/${ref ?? '<ref>'}/settings/jwt), which replaces both anon and service_role keys.`,
  );
}

/** A stable, valid key name for one rotation (lowercase letters, digits, underscores). */
function rotationName(idempotencyKey: string): string {
  return `credctl_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 16)}`;
}

const supabase: Integration = {
  id: 'supabase',
  title: 'Supabase Data API and Management API',
  defaultApi: MANAGEMENT_API,
  config: [
    { key: 'project', description: 'The project ref (20 lowercase letters, as in https://<ref>.supabase.co); a legacy JWT key carries it' },
    { key: 'admin', secret: true, description: 'A personal access token (sbp_...) for the Management API: needed to revoke and rotate sb_ keys' },
  ],

  async verify({ value }, ctx) {
    const kind = kindOf(value);
    try {
      // Stryker disable next-line ConditionalExpression,EqualityOperator: a missing exp makes the product NaN, which is never below now; "<" and "<=" differ only within the same millisecond
      if (kind?.family === 'legacy' && kind.exp !== undefined && kind.exp * 1000 < Date.now()) {
        return { status: 'dead', reason: `${VENDOR}: the key's own expiry has passed`, expiresAt: new Date(kind.exp * 1000).toISOString() };
      }
      const reply = await probe(ctx, value, kind);
      const refused = refusalOf(VENDOR, reply, [value]);
      const ref = projectRef(ctx, kind);
      const identity = {
        account: ref,
        ...(kind ? { kind: kindName(kind), principal: kind.family === 'legacy' ? kind.role : kind.type === 'secret' ? 'service_role' : 'anon' } : {}),
      };
      const expiresAt = kind?.family === 'legacy' && kind.exp !== undefined ? { expiresAt: new Date(kind.exp * 1000).toISOString() } : {};
      if (refused) return refused.status === 'live' ? { ...refused, identity, ...expiresAt } : refused;
      return { status: 'live', reason: `${VENDOR} accepted it just now`, identity, ...expiresAt };
    } catch (err) {
      return unreachable(VENDOR, err);
    }
  },

  async analyze({ value }): Promise<Analysis> {
    const kind = kindOf(value);
    if (!kind)
      return { grants: [], complete: false, note: 'Not a Supabase API key credctl can read (neither sb_secret_/sb_publishable_ nor a JWT with a role).' };
    if (isAdminKind(kind)) {
      return {
        grants: [
          {
            scope: 'service_role',
            risk: 'admin',
            description: 'Bypasses Row Level Security: every table, view and function the Data API exposes, all Storage buckets, and the Auth admin API',
          },
        ],
        complete: kind.family === 'legacy',
        ...(kind.family === 'new'
          ? { note: 'A secret key acts as service_role unless it was given a custom role (secret_jwt_template), which only the Management API shows.' }
          : {}),
      };
    }
    return {
      grants: [
        {
          scope: kind.family === 'legacy' ? kind.role : 'anon',
          risk: 'read',
          description: 'What Row Level Security policies allow the anon role (writes too, where a policy allows them)',
        },
      ],
      complete: false,
      note: 'What this key reaches is set by the Row Level Security policies of each table, which credctl does not read. Publishable and anon keys are meant to be public.',
    };
  },

  revoke: {
    needsAdmin: true,
    warning: 'Supabase deletes the API key at once; clients using it get 401 until they have a new key. Legacy JWT keys cannot be revoked one by one.',
    async run({ value }, ctx) {
      const kind = kindOf(value);
      if (!kind || kind.family === 'legacy') throw legacyRefusal(kind?.family === 'legacy' ? kind.ref : ctx.setting('project'));
      const api = management(ctx, projectRef(ctx, kind));
      const key = await api.find(value);
      if (key) return api.remove(key.id, [value]);
      // Not in the project's list: deleted already, unless it still works (then the project is wrong).
      const still = await probe(ctx, value, kind);
      if (still.status >= 200 && still.status < 300)
        throw refusedError(
          `this Supabase key still works but is not among project ${projectRef(ctx, kind)}'s API keys`,
          'Check providers.supabase.project names the project the key belongs to.',
        );
      return 'already';
    },
  },

  rotate: {
    strategy: 'overlap',
    summary:
      'A second key of the same type is created through the Management API; the old one keeps working until it is deleted after every target has the new one.',
    provider(_credential, ctx) {
      const ready = (value: string | undefined) => {
        const kind = value ? kindOf(value) : undefined;
        if (!value || !kind) throw refusedError('the old Supabase key is not in the store or is not an sb_ key');
        if (kind.family === 'legacy') throw legacyRefusal(kind.ref);
        return { kind, api: management(ctx, projectRef(ctx, kind)) };
      };
      return {
        async identify({ oldValue }) {
          const { api } = ready(oldValue);
          return (await api.find(oldValue))?.id;
        },
        async create({ oldValue, idempotencyKey }) {
          const { kind, api } = ready(oldValue);
          // Stryker disable next-line ConditionalExpression: ready() has refused a legacy key already; this only narrows the type
          if (kind.family !== 'new') throw legacyRefusal(undefined);
          const name = rotationName(idempotencyKey);
          // A resumed run finds the key its interrupted attempt made (reveal=true gives its value).
          const made = (await api.list([oldValue!])).find((k) => k.name === name && typeof k.api_key === 'string');
          const key = made ?? (await api.create(kind.type, name, [oldValue!]));
          return { value: key.api_key!, id: key.id };
        },
        async revoke({ value, id }) {
          const kind = kindOf(value);
          if (!kind || kind.family === 'legacy') throw legacyRefusal(undefined);
          const api = management(ctx, projectRef(ctx, kind));
          const keyId = id ?? (await api.find(value))?.id;
          return keyId ? api.remove(keyId, [value]) : 'already';
        },
        async isActive({ value }) {
          const reply = await probe(ctx, value, kindOf(value));
          if (reply.status === 401) return false;
          if (reply.status >= 200 && reply.status < 300 && !reply.malformed) return true;
          return reply.status === 403 ? true : 'unknown';
        },
      };
    },
  },

  manual: {
    revoke: {
      url: 'https://supabase.com/dashboard/project/_/settings/api-keys',
      instructions:
        'Legacy JWT keys (anon, service_role): create new API keys, move every client to them, then select "Disable JWT-based API keys"; or make a new JWT secret under Settings > JWT Keys, which replaces both legacy keys at once.',
    },
    rotate: {
      url: 'https://supabase.com/dashboard/project/_/settings/api-keys',
      instructions:
        'Legacy JWT keys: create a secret key (and a publishable key) under Settings > API Keys and store it with `credctl store put`, then disable the legacy keys once nothing uses them.',
    },
  },
};

export default supabase;
