import { refusedError } from '../../core/errors.js';
import type { RotationProvider } from '../types.js';
import { READ_RETRY, refusalOf, unreachable, vendorCall, vendorFailure, type VendorReply } from '../kit.js';
import type { Analysis, Grant, Integration, IntegrationContext, Verification } from '../types.js';

/**
 * Vercel access tokens through the Vercel REST API (API.md names the document).
 *   verify   GET /v2/user (whose), then GET /v5/user/tokens/current (the token's id, expiry,
 *            last use and scopes); both with the token itself
 *   analyze  the token's scopes: the whole account, or one team
 *   revoke   DELETE /v3/user/tokens/{id}, authenticated with the token itself
 *   rotate   overlap: POST /v3/user/tokens (a token may create a token for its own user) makes the
 *            replacement with the same team scope; the old one is deleted at the end. A create
 *            is named after the run's idempotency key, so a resumed run deletes its own leftover
 *            first instead of making a second token.
 * Vercel answers a token it does not accept with 403 `forbidden` (flagged `invalidToken`), not
 * 401, so a 403 of that shape is read as dead.
 */
const VERCEL = 'Vercel';
const auth = (value: string) => ({ authorization: `Bearer ${value}` });

interface TokenMeta {
  id: string;
  name?: string;
  type?: string;
  origin?: string;
  scopes?: { type: string; teamId?: string; expiresAt?: number }[];
  expiresAt?: number;
  activeAt?: number;
  createdAt?: number;
}

/** Vercel's "this token is not valid" answer: 401, or 403 flagged invalidToken / "Not authorized". */
function invalidToken(reply: VendorReply): boolean {
  if (reply.status === 401) return true;
  const e = reply.json?.error;
  return (
    reply.status === 403 && (e?.invalidToken === true || (e?.code === 'forbidden' && typeof e.message === 'string' && /^not authorized\.?$/i.test(e.message)))
  );
}

function refusal(reply: VendorReply, value: string): Verification | undefined {
  if (invalidToken(reply)) return { status: 'dead', reason: `Vercel refuses it (HTTP ${reply.status}: the token is invalid, revoked or expired)` };
  return refusalOf(VERCEL, reply, [value]);
}

/** A time Vercel gives in ms, as ISO; undefined when it is not a time a Date can hold (±8.64e15 ms). */
function iso(ms: unknown): string | undefined {
  const date = typeof ms === 'number' ? new Date(ms) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined;
}

async function currentToken(value: string, ctx: IntegrationContext): Promise<{ meta?: TokenMeta; reply: VendorReply }> {
  // Stryker disable next-line ArrayDeclaration: this URL holds no value, and a network error's text names only the URL
  const reply = await vendorCall(ctx, '/v5/user/tokens/current', { headers: auth(value), secrets: [value], retry: READ_RETRY });
  const meta = reply.status === 200 && !reply.malformed && typeof reply.json?.token?.id === 'string' ? (reply.json.token as TokenMeta) : undefined;
  return { meta, reply };
}

const teamOf = (meta: TokenMeta | undefined) => meta?.scopes?.find((s) => s.type === 'team' && typeof s.teamId === 'string')?.teamId;

async function verify(value: string, ctx: IntegrationContext): Promise<Verification> {
  // Stryker disable next-line ArrayDeclaration: this URL holds no value, and a network error's text names only the URL
  const reply = await vendorCall(ctx, '/v2/user', { headers: auth(value), secrets: [value], retry: READ_RETRY });
  const refused = refusal(reply, value);
  if (refused) return refused;
  const user = reply.json?.user;
  if (typeof user?.id !== 'string') return { status: 'unknown', reason: 'Vercel answered /v2/user without a user' };
  // The token's own metadata is a second harmless read; without it the answer is still "live".
  // Stryker disable next-line ObjectLiteral: an empty object gives the same undefined meta
  const { meta } = await currentToken(value, ctx).catch(() => ({ meta: undefined }));
  const team = teamOf(meta);
  const expiresAt = iso(meta?.expiresAt);
  const lastUsedAt = iso(meta?.activeAt);
  return {
    status: 'live',
    reason: 'Vercel accepted it just now',
    identity: {
      principal: typeof user.username === 'string' ? user.username : user.id,
      account: team ?? user.id,
      kind: team ? 'team token' : 'account token',
      ...(meta ? { credentialId: meta.id } : {}),
    },
    ...(expiresAt ? { expiresAt } : {}),
    ...(lastUsedAt ? { lastUsedAt } : {}),
  };
}

async function analyze(value: string, ctx: IntegrationContext): Promise<Analysis> {
  const { meta, reply } = await currentToken(value, ctx);
  if (!meta)
    throw vendorFailure(VERCEL, 'did not show the token metadata (GET /v5/user/tokens/current)', reply.status === 200 ? { ...reply, malformed: true } : reply, [
      value,
    ]);
  const scopes = meta.scopes ?? [];
  const grants: Grant[] = scopes.map((s) =>
    s.type === 'team'
      ? {
          scope: 'team',
          risk: 'admin',
          resource: s.teamId,
          description: "Everything the user may do in this team (projects, deployments, environment variables, domains), bounded by the user's role there.",
        }
      : { scope: s.type === 'user' ? 'account' : s.type, risk: 'admin', description: 'Everything the user can reach, in every team.' },
  );
  return {
    grants,
    complete: false,
    note: scopes.length
      ? "Vercel tokens carry the user's full rights in their scope; the user's role in each team (which bounds them) is not part of the token's metadata."
      : 'Vercel listed no scopes for this token.',
  };
}

/** The token id for a value (its own metadata), or undefined when Vercel no longer accepts it. */
async function idOf(value: string, ctx: IntegrationContext): Promise<string | undefined> {
  const { meta, reply } = await currentToken(value, ctx);
  if (meta) return meta.id;
  if (invalidToken(reply)) return undefined;
  throw vendorFailure(VERCEL, 'did not say which token this is (GET /v5/user/tokens/current)', reply.status === 200 ? { ...reply, malformed: true } : reply, [
    value,
  ]);
}

async function deleteToken(tokenId: string, authValue: string, ctx: IntegrationContext, secrets: string[]): Promise<'revoked' | 'already'> {
  const reply = await vendorCall(ctx, `/v3/user/tokens/${encodeURIComponent(tokenId)}`, {
    method: 'DELETE',
    headers: auth(authValue),
    secrets,
    retry: READ_RETRY,
  });
  if (reply.status === 200 || reply.status === 204) return 'revoked';
  if (reply.status === 404 || invalidToken(reply)) return 'already';
  throw vendorFailure(VERCEL, 'did not delete the token', reply, secrets);
}

async function revoke(value: string, ctx: IntegrationContext): Promise<'revoked' | 'already'> {
  const id = await idOf(value, ctx);
  if (!id) return 'already';
  return deleteToken(id, value, ctx, [value]);
}

/** Overlap rotation, authenticated with the old token (the only Vercel credential credctl holds for it). */
function rotationProvider(ctx: IntegrationContext): RotationProvider {
  const parse = (id: string | undefined) => {
    const [tokenId, teamId] = (id ?? '').split('|');
    return { tokenId: tokenId || undefined, teamId: teamId || undefined };
  };
  return {
    async identify({ oldValue }) {
      const { meta, reply } = await currentToken(oldValue, ctx);
      if (!meta) throw vendorFailure(VERCEL, 'did not say which token is in use', reply, [oldValue]);
      return `${meta.id}|${ctx.setting('team') ?? teamOf(meta) ?? ''}`;
    },
    async create({ oldId, oldValue, idempotencyKey }) {
      if (!oldValue)
        throw refusedError(
          'the old Vercel token is not in the store, so credctl cannot ask Vercel for its replacement',
          'Create a token at https://vercel.com/account/settings/tokens and store it with `credctl store put`.',
        );
      const { teamId } = parse(oldId);
      const name = `credctl ${idempotencyKey}`.slice(0, 100);
      // A resumed run: a token of this name was made before its value was sealed; it is unusable.
      // Stryker disable next-line ArrayDeclaration: this URL holds no value, and a network error's text names only the URL
      const list = await vendorCall(ctx, '/v6/user/tokens', { headers: auth(oldValue), secrets: [oldValue], retry: READ_RETRY });
      if (list.status !== 200 || !Array.isArray(list.json?.tokens))
        throw vendorFailure(VERCEL, 'did not list the user tokens (GET /v6/user/tokens)', list.status === 200 ? { ...list, malformed: true } : list, [
          oldValue,
        ]);
      for (const leftover of list.json.tokens.filter((t: any) => t?.name === name && typeof t.id === 'string'))
        await deleteToken(leftover.id, oldValue, ctx, [oldValue]);
      const reply = await vendorCall(ctx, '/v3/user/tokens', {
        method: 'POST',
        headers: auth(oldValue),
        query: { teamId },
        json: { name },
        // Stryker disable next-line ArrayDeclaration: this URL holds no value, and a network error's text names only the URL
        secrets: [oldValue],
      });
      const bearer = reply.json?.bearerToken;
      const id = reply.json?.token?.id;
      if (reply.status !== 200 || typeof bearer !== 'string' || typeof id !== 'string') {
        const shown = typeof bearer === 'string' ? [oldValue, bearer] : [oldValue];
        throw vendorFailure(VERCEL, 'did not create the replacement token', reply.status === 200 ? { ...reply, malformed: true } : reply, shown);
      }
      return { value: bearer, id: `${id}|${teamId ?? ''}` };
    },
    async revoke({ value, id, mode }) {
      if (mode === 'deactivate') throw refusedError('Vercel tokens cannot be deactivated, only deleted', 'Make the plan without --grace.');
      const tokenId = parse(id).tokenId ?? (await idOf(value, ctx));
      if (!tokenId) return 'already';
      return deleteToken(tokenId, value, ctx, [value]);
    },
    async isActive({ value }) {
      const v = await verify(value, ctx).catch(() => undefined);
      return v?.status === 'live' ? true : v?.status === 'dead' ? false : 'unknown';
    },
  };
}

const vercel: Integration = {
  id: 'vercel',
  title: 'Vercel REST API',
  defaultApi: 'https://api.vercel.com',
  config: [{ key: 'team', description: 'The team id (team_…) a replacement token is scoped to; default: the old token’s own team scope.' }],
  async verify({ value }, ctx) {
    try {
      return await verify(value, ctx);
    } catch (err) {
      return unreachable(VERCEL, err);
    }
  },
  analyze: ({ value }, ctx) => analyze(value, ctx),
  revoke: {
    run: ({ value }, ctx) => revoke(value, ctx),
    needsAdmin: false,
    warning: 'Vercel deletes the token at once and cannot restore it: deploys and CI jobs using it fail until they have a new one.',
  },
  rotate: {
    strategy: 'overlap',
    summary:
      'A second token is created for the same user and team with the old one; both work until the old one is deleted, after the new one is in every target.',
    provider: (_credential, ctx) => rotationProvider(ctx),
  },
  manual: {
    rotate: {
      url: 'https://vercel.com/account/settings/tokens',
      instructions:
        'Create a token with the same scope and an expiration, store it with `credctl store put`, move every consumer to it, then delete the old token on the same page.',
    },
    revoke: { url: 'https://vercel.com/account/settings/tokens', instructions: 'Find the token by name and choose Delete.' },
  },
};

export default vercel;
