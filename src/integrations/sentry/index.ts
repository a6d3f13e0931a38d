import { CredctlError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import { READ_RETRY, refusalOf, unreachable, vendorCall } from '../kit.js';
import type { Grant, Identity, Integration, IntegrationContext, Risk, Verification } from '../types.js';

/**
 * Sentry auth tokens (organisation `sntrys_`, user `sntryu_`, internal integration tokens),
 * through the Sentry web API (API.md in this folder names the document).
 *   verify   GET /api/0/ with the token: Sentry answers with the token's scopes and, for a user
 *            token, the user; a 401 means it is not accepted
 *   analyze  the same scopes, in Sentry's words, each with a risk
 *   revoke / rotate   manual: Sentry's token endpoints accept a browser session only
 * Self-hosted Sentry: `providers.<p>.issuer`. The organisation slug of an `sntrys_` token is read
 * from the token's own payload, which is only shown, never used to pick where to connect.
 */
const VENDOR = 'Sentry';

function kindOf(value: string): string {
  if (value.startsWith('sntrys_')) return 'organization auth token';
  if (value.startsWith('sntryu_')) return 'user auth token';
  return 'auth token';
}

/** The organisation slug an `sntrys_` token names in its payload, if it is well-formed. */
export function orgOfToken(value: string): string | undefined {
  if (!value.startsWith('sntrys_')) return undefined;
  const body = value.slice('sntrys_'.length);
  const cut = body.lastIndexOf('_');
  // Stryker disable next-line EqualityOperator: a cut at 0 leaves an empty payload, which JSON.parse refuses below
  if (cut <= 0) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(body.slice(0, cut), 'base64').toString('utf8'));
    // Stryker disable next-line OptionalChaining: a null payload throws here instead, and the catch answers undefined all the same
    const org = payload?.org;
    if (typeof org === 'string' && /^[a-z0-9][a-z0-9_-]{0,63}$/i.test(org)) return org;
  } catch {
    // A payload that is not base64 JSON names no organisation.
  }
  return undefined;
}

/** Sentry scopes are <resource>:<level>; managing members or the org itself is admin. */
export function riskOfScope(scope: string): Risk {
  if (/:admin$/.test(scope) || /^member:(write|invite)$/.test(scope)) return 'admin';
  if (/:(write|releases|ci)$/.test(scope)) return 'write';
  return 'read';
}

interface RootAnswer {
  verification: Verification;
  scopes?: string[];
}

async function root(value: string, ctx: IntegrationContext): Promise<RootAnswer> {
  // Stryker disable next-line ArrayDeclaration: the token travels only in a header, which no network error quotes; Sentry's own words are masked by refusalOf
  const reply = await vendorCall(ctx, '/api/0/', { headers: { authorization: `Bearer ${value}` }, secrets: [value], retry: READ_RETRY });
  const refused = refusalOf(VENDOR, reply, [value]);
  if (refused) return { verification: refused };
  const scopes = reply.json?.auth?.scopes;
  if (!Array.isArray(scopes))
    return { verification: { status: 'unknown', reason: `${VENDOR} answered /api/0/ without the token's scopes (is the issuer a Sentry server?)` } };
  const user = reply.json.user;
  const org = orgOfToken(value);
  const who = typeof user?.username === 'string' ? user.username : typeof user?.name === 'string' ? user.name : undefined;
  const identity: Identity = { kind: kindOf(value), ...(who ? { principal: who } : {}), ...(org ? { account: org } : {}) };
  return {
    verification: { status: 'live', reason: `${VENDOR} accepted it just now`, identity },
    scopes: scopes.filter((s: unknown): s is string => typeof s === 'string'),
  };
}

const sentry: Integration = {
  id: 'sentry',
  title: 'Sentry web API',
  defaultApi: 'https://sentry.io',
  async verify({ value }, ctx) {
    try {
      return (await root(value, ctx)).verification;
    } catch (err) {
      return unreachable(VENDOR, err);
    }
  },
  async analyze({ value }, ctx) {
    const { verification, scopes } = await root(value, ctx);
    if (!scopes) throw new CredctlError(`${VENDOR}: cannot read the token's scopes: ${verification.reason}`, ExitCode.Remote);
    const grants: Grant[] = scopes.map((s) => ({ scope: s, risk: riskOfScope(s) }));
    const user = value.startsWith('sntryu_') || !!verification.identity?.principal;
    return { grants, complete: true, ...(user ? { note: "A user token acts with these scopes, capped by its user's role in each organisation." } : {}) };
  },
  manual: {
    revoke: {
      url: 'https://sentry.io/settings/account/api/auth-tokens/',
      instructions:
        'User tokens (sntryu_): User Settings > Personal Tokens, Remove. Organisation tokens (sntrys_): Settings > Organization > Auth Tokens (https://sentry.io/settings/<org>/auth-tokens/), Revoke. Internal integration tokens: Settings > Custom Integrations > the integration > Tokens. Self-hosted: the same pages on your server.',
    },
    rotate: {
      url: 'https://sentry.io/settings/account/api/auth-tokens/',
      instructions:
        'Create a new token with the same scopes on the same page (organisation tokens: Settings > Organization > Auth Tokens), store it with `credctl store put`, move every consumer to it, then revoke the old one.',
    },
  },
};

export default sentry;
