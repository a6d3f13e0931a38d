import { CredctlError, refusedError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import { READ_RETRY, refusalOf, riskFromWords, unreachable, vendorCall, vendorFailure, vendorMessage, type VendorReply } from '../kit.js';
import type { Grant, Integration, IntegrationContext, Risk } from '../types.js';

/**
 * GitLab personal, project and group access tokens (glpat-), through REST API v4 (API.md in this
 * folder names the document). Every call is made with the token itself, so nothing needs an
 * admin credential:
 *   verify   GET /personal_access_tokens/self (id, scopes, expiry, last use) and GET /user (who)
 *   analyze  the token's scopes, each with a risk
 *   revoke   DELETE /personal_access_tokens/self
 *   rotate   POST /personal_access_tokens/self/rotate: GitLab replaces the value and revokes the
 *            old one at once ("roll"); never called with a token that is not active, because
 *            rotating a revoked token makes GitLab revoke the whole token family
 * A self-managed GitLab is reached through `providers.gitlab.issuer`.
 */
const VENDOR = 'GitLab';

const SCOPE_RISK: Record<string, { risk: Risk; description: string }> = {
  api: { risk: 'admin', description: 'Full read and write access to the API as the user: every group and project the user can reach, registries included' },
  read_api: { risk: 'read', description: 'Read access to the API' },
  read_user: { risk: 'read', description: "Read the user's profile" },
  read_repository: { risk: 'read', description: 'Pull from repositories' },
  write_repository: { risk: 'write', description: 'Push to repositories' },
  read_registry: { risk: 'read', description: 'Pull container images' },
  write_registry: { risk: 'write', description: 'Push container images' },
  read_virtual_registry: { risk: 'read', description: 'Read from virtual registries' },
  write_virtual_registry: { risk: 'write', description: 'Write to virtual registries' },
  sudo: { risk: 'admin', description: 'Act as any user (administrator tokens)' },
  admin_mode: { risk: 'admin', description: 'Administrator actions when Admin Mode is on' },
  create_runner: { risk: 'write', description: 'Create runners' },
  manage_runner: { risk: 'write', description: 'Manage runners' },
  ai_features: { risk: 'write', description: 'GitLab Duo API actions' },
  k8s_proxy: { risk: 'write', description: 'Kubernetes API calls through the agent for Kubernetes' },
  self_rotate: { risk: 'write', description: 'Rotate itself' },
  read_service_ping: { risk: 'read', description: 'Read Service Ping data (administrators)' },
};

/** Paths are written from /api/v4; the issuer may be the instance root or already end in /api/v4. */
function v4(ctx: IntegrationContext, path: string): string {
  return /\/api\/v4$/.test(ctx.api) ? path : `/api/v4${path}`;
}

const tokenHeader = (value: string) => ({ 'private-token': value });

/** GitLab's own words: `message` (a string, or field errors), or OAuth-style `error_description`. */
function said(reply: VendorReply, secrets: string[]): string | undefined {
  return vendorMessage(reply, secrets, (j) => j?.error_description ?? (typeof j?.message === 'string' ? j.message : j?.error));
}

async function self(ctx: IntegrationContext, value: string): Promise<VendorReply> {
  // Stryker disable next-line ArrayDeclaration: the token travels only in a header, which no network error quotes; GitLab's own words are masked where they are shown
  return vendorCall(ctx, v4(ctx, '/personal_access_tokens/self'), { headers: tokenHeader(value), secrets: [value], retry: READ_RETRY });
}

/** The token kind, from the user it acts as: project and group tokens act as bot users. */
function kindOf(user: any): string {
  // Stryker disable next-line StringLiteral: any text that is not a bot user's name reads the same as none
  const name = typeof user?.username === 'string' ? user.username : '';
  if (/^project_\d+_bot/.test(name)) return 'project access token';
  if (/^group_\d+_bot/.test(name)) return 'group access token';
  return 'personal access token';
}

function grantsOf(scopes: unknown[]): Grant[] {
  return scopes
    .filter((s): s is string => typeof s === 'string')
    .map((scope) => {
      const known = SCOPE_RISK[scope];
      return known ? { scope, risk: known.risk, description: known.description } : { scope, risk: riskFromWords(scope) };
    });
}

/** A rotated token's expiry: the configured lifetime, else the old token's lifetime, else GitLab's default. */
export function rotatedExpiry(old: { created_at?: string; expires_at?: string | null }, setting: string | undefined, today = new Date()): string | undefined {
  const day = 86_400_000;
  let days: number | undefined;
  if (setting !== undefined) {
    days = Number(setting);
    if (!Number.isInteger(days) || days < 1 || days > 400)
      throw new CredctlError(
        `providers.gitlab.expires_in_days must be a whole number of days from 1 to 400 (got ${JSON.stringify(setting.slice(0, 20))})`,
        ExitCode.BadInput,
      );
  } else if (old.expires_at && old.created_at) {
    const span = Math.ceil((Date.parse(old.expires_at) - Date.parse(old.created_at)) / day);
    if (Number.isFinite(span)) days = Math.min(365, Math.max(1, span));
  }
  if (days === undefined) return undefined;
  return new Date(today.getTime() + days * day).toISOString().slice(0, 10);
}

async function revokeSelf(ctx: IntegrationContext, value: string): Promise<'revoked' | 'already'> {
  const reply = await vendorCall(ctx, v4(ctx, '/personal_access_tokens/self'), {
    method: 'DELETE',
    headers: tokenHeader(value),
    // Stryker disable next-line ArrayDeclaration: the token travels only in a header, which no network error quotes; GitLab's own words are masked where they are shown
    secrets: [value],
    retry: READ_RETRY,
  });
  if (reply.status === 204 || reply.status === 200) return 'revoked';
  if (reply.status === 401) return 'already';
  throw vendorFailure(VENDOR, 'revoke token', reply, [value]);
}

const gitlab: Integration = {
  id: 'gitlab',
  title: 'GitLab REST API v4',
  defaultApi: 'https://gitlab.com',
  // GitLab.com answers at most 500 unauthenticated requests a minute per IP (a dead token counts as
  // unauthenticated) and a verify makes two calls: 8 calls a second stays under it.
  rateLimit: { concurrency: 8, requests: 8, perMs: 1000 },
  config: [
    {
      key: 'expires_in_days',
      description:
        "Lifetime in days of a token made by rotation (default: the old token's lifetime, at most 365; GitLab's default when the old one never expires)",
    },
  ],

  async verify({ value }, ctx) {
    try {
      const reply = await self(ctx, value);
      const refused = refusalOf(VENDOR, reply, [value]);
      if (refused) return refused;
      const t = reply.json;
      if (typeof t?.id !== 'number') return { status: 'unknown', reason: `${VENDOR} answered without a token id` };
      if (t.active === false || t.revoked === true) return { status: 'dead', reason: `${VENDOR} says the token is ${t.revoked ? 'revoked' : 'inactive'}` };
      let user: any;
      try {
        // Stryker disable next-line ArrayDeclaration: the token travels only in a header, which no network error quotes; GitLab's own words are masked where they are shown
        const u = await vendorCall(ctx, v4(ctx, '/user'), { headers: tokenHeader(value), secrets: [value], retry: READ_RETRY });
        // A body that is not JSON reads as undefined: no user.
        if (u.status === 200) user = u.json;
      } catch {
        // The token is already known live; a failed profile call only costs the user name.
      }
      return {
        status: 'live',
        reason: `${VENDOR} accepted it just now`,
        identity: {
          credentialId: String(t.id),
          principal: typeof user?.username === 'string' ? user.username : `user ${t.user_id}`,
          account: new URL(ctx.api).host,
          kind: kindOf(user),
        },
        ...(t.expires_at ? { expiresAt: t.expires_at } : {}),
        ...(t.last_used_at ? { lastUsedAt: t.last_used_at } : {}),
      };
    } catch (err) {
      return unreachable(VENDOR, err);
    }
  },

  async analyze({ value }, ctx) {
    const reply = await self(ctx, value);
    if (reply.status === 403) {
      return {
        grants: [],
        complete: false,
        note: `${VENDOR} does not let this token read its own details (${said(reply, [value]) ?? 'HTTP 403'}); it has neither api nor read_api`,
      };
    }
    if (reply.status !== 200 || reply.malformed || !Array.isArray(reply.json?.scopes))
      throw vendorFailure(VENDOR, 'read token scopes', { ...reply, malformed: reply.malformed || reply.status === 200 }, [value]);
    return {
      grants: grantsOf(reply.json.scopes),
      complete: true,
      note: "Each scope reaches what the token's user may do in each group and project (GET /personal_access_tokens/self/associations lists them).",
    };
  },

  revoke: {
    needsAdmin: false,
    warning: 'GitLab revokes the token at once and for good; whatever uses it fails until it has a new one.',
    run: ({ value }, ctx) => revokeSelf(ctx, value),
  },

  rotate: {
    strategy: 'roll',
    summary:
      'GitLab rotates the token in place (POST /personal_access_tokens/self/rotate): the new value is returned and the old one is revoked at once, so targets fail until they have the new value.',
    provider(_credential, ctx) {
      return {
        async identify({ oldValue }) {
          const reply = await self(ctx, oldValue);
          if (reply.status === 401) return undefined;
          if (reply.status !== 200 || typeof reply.json?.id !== 'number') throw vendorFailure(VENDOR, 'identify token', reply, [oldValue]);
          return String(reply.json.id);
        },
        async create({ oldValue }) {
          if (!oldValue) throw refusedError('the old GitLab token is not in the store, and GitLab rotates a token only with the token itself');
          const current = await self(ctx, oldValue);
          if (current.status === 401 || current.json?.active === false) {
            // A resumed run whose rotation went through but whose new value was lost lands here.
            // Rotating again would trip GitLab's reuse detection and revoke the new token as well.
            throw refusedError(
              'the old GitLab token is no longer active, so it cannot rotate itself',
              'If an earlier run rotated it, the new token is listed under Access tokens in GitLab: revoke it there, create a new token, and store it with `credctl store put`.',
            );
          }
          // An empty or non-object 200 is no token record: an error, never a crash reading its dates.
          if (current.status !== 200 || !current.json || typeof current.json !== 'object')
            throw vendorFailure(VENDOR, 'read token before rotating', { ...current, malformed: current.malformed || current.status === 200 }, [oldValue]);
          const expiresAt = rotatedExpiry(current.json, ctx.setting('expires_in_days'));
          // Not retried: a rotation is not idempotent (a second call would find the old token revoked).
          const reply = await vendorCall(ctx, v4(ctx, '/personal_access_tokens/self/rotate'), {
            method: 'POST',
            headers: tokenHeader(oldValue),
            json: expiresAt ? { expires_at: expiresAt } : {},
            // Stryker disable next-line ArrayDeclaration: the token travels only in a header, which no network error quotes; GitLab's own words are masked where they are shown
            secrets: [oldValue],
          });
          const token = reply.json?.token;
          if (reply.status === 403) {
            throw new CredctlError(
              `${VENDOR} rotate token: HTTP 403 (${said(reply, [oldValue]) ?? 'not allowed'})`,
              ExitCode.Remote,
              'The token needs the api or self_rotate scope to rotate itself (personal tokens: GitLab 16.10+; project and group tokens: a newer GitLab with self_rotate).',
            );
          }
          if (reply.status !== 200 || typeof token !== 'string' || !token)
            throw vendorFailure(VENDOR, 'rotate token', { ...reply, malformed: reply.malformed || reply.status === 200 }, [
              oldValue,
              ...(typeof token === 'string' ? [token] : []),
            ]);
          return { value: token, id: String(reply.json.id) };
        },
        async revoke({ value }) {
          return revokeSelf(ctx, value);
        },
        async isActive({ value }) {
          const reply = await self(ctx, value);
          if (reply.status === 401) return false;
          // A 200 without a token record (JSON null, a string) says nothing either way.
          if (reply.status === 200 && !reply.malformed) return reply.json && typeof reply.json === 'object' ? reply.json.active !== false : 'unknown';
          if (reply.status === 403) return true;
          return 'unknown';
        },
      };
    },
  },

  manual: {
    revoke: {
      url: 'https://gitlab.com/-/user_settings/personal_access_tokens',
      instructions:
        'Find the token by name under Personal access tokens (project and group tokens: the project or group, Settings > Access tokens) and select Revoke. On a self-managed GitLab use its own host.',
    },
  },
};

export default gitlab;
