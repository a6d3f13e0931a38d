import { CredctlError, inputError } from '../../core/errors.js';
import { READ_RETRY, refusalOf, unreachable, vendorCall, vendorFailure, type VendorReply } from '../kit.js';
import type { Analysis, Grant, Integration, IntegrationContext, Verification } from '../types.js';
import { classicGrants, roleRisk } from './scopes.js';
import { GITHUB_HEADERS } from './headers.js';

export { createInstallationToken, appJwt, type InstallationToken, type InstallationTokenRequest } from './app-token.js';

/**
 * GitHub tokens through the REST API (API.md in this folder names the document and version).
 *   verify   GET /user with the token: login and id; classic scopes in X-OAuth-Scopes; the expiry
 *            in github-authentication-token-expiration. Installation tokens (ghs_) cannot read
 *            /user, so they ask GET /installation/repositories instead.
 *   analyze  classic and OAuth tokens: their scopes, each weighed (scopes.ts). Fine-grained PATs:
 *            the API does not show their permissions, only which repositories they reach
 *            (GET /user/repos), so that list is given with the account's role as the upper bound
 *            and `complete: false`.
 *   revoke   POST /credentials/revoke: unauthenticated (an authenticated call is refused), takes a
 *            list, cannot be undone. Installation tokens revoke themselves: DELETE /installation/token.
 *   rotate   none: GitHub has no API to create or regenerate a personal access token; a person
 *            regenerates it in the settings (manual steps below).
 * GitHub App installation tokens can be minted down-scoped with `createInstallationToken`.
 */
type TokenKind =
  | 'classic PAT'
  | 'fine-grained PAT'
  | 'OAuth app token'
  | 'GitHub App user token'
  | 'GitHub App installation token'
  | 'GitHub App refresh token';

const KINDS: [string, TokenKind][] = [
  ['ghp_', 'classic PAT'],
  ['github_pat_', 'fine-grained PAT'],
  ['gho_', 'OAuth app token'],
  ['ghu_', 'GitHub App user token'],
  ['ghs_', 'GitHub App installation token'],
  ['ghr_', 'GitHub App refresh token'],
];

export function tokenKind(value: string): TokenKind | undefined {
  return KINDS.find(([prefix]) => value.startsWith(prefix))?.[1];
}

/** The kinds POST /credentials/revoke accepts (GitHub's list, 2026). */
const REVOCABLE_BY_LIST = new Set<TokenKind>(['classic PAT', 'fine-grained PAT', 'OAuth app token', 'GitHub App user token', 'GitHub App refresh token']);

const auth = (value: string) => ({ ...GITHUB_HEADERS, authorization: `Bearer ${value}` });

/**
 * GitHub answers an exhausted rate limit with 403 as often as with 429 (x-ratelimit-remaining: 0,
 * or a "secondary rate limit" message): that says nothing about the token, so it is unknown.
 */
function rateLimited(reply: VendorReply): boolean {
  if (reply.status === 429) return true;
  if (reply.status !== 403) return false;
  // Stryker disable next-line StringLiteral: any text without the words "rate limit" reads the same as no message
  const said = typeof reply.json?.message === 'string' ? reply.json.message : '';
  return reply.headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(said);
}

function refusal(reply: VendorReply, value: string): Verification | undefined {
  if (rateLimited(reply)) {
    const reset = Number(reply.headers['x-ratelimit-reset']);
    const when = Number.isFinite(reset) && reset > 0 ? ` until ${new Date(reset * 1000).toISOString()}` : '';
    return { status: 'unknown', reason: `GitHub is rate-limiting (HTTP ${reply.status})${when}; try again later` };
  }
  return refusalOf('GitHub', reply, [value]);
}

/** "2026-12-31 00:00:00 UTC" (GitHub's header format) → ISO 8601, or undefined. */
export function expiryOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  // Stryker disable next-line Regex: GitHub's format holds " UTC" once, at the end
  const t = Date.parse(header.trim().replace(/ UTC$/, 'Z').replace(' ', 'T'));
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

async function verifyInstallationToken(value: string, ctx: IntegrationContext): Promise<Verification> {
  const reply = await vendorCall(ctx, '/installation/repositories', { headers: auth(value), query: { per_page: 1 }, secrets: [value], retry: READ_RETRY });
  const refused = refusal(reply, value);
  if (refused) return refused;
  if (typeof reply.json?.total_count !== 'number')
    return { status: 'unknown', reason: 'GitHub answered /installation/repositories without a repository count' };
  const owner = reply.json.repositories?.[0]?.owner?.login;
  const expiresAt = expiryOf(reply.headers['github-authentication-token-expiration']);
  return {
    status: 'live',
    reason: `GitHub accepted it just now (${reply.json.total_count} repositories)`,
    identity: { kind: 'GitHub App installation token', ...(typeof owner === 'string' ? { account: owner } : {}) },
    ...(expiresAt ? { expiresAt } : {}),
  };
}

async function verify(value: string, ctx: IntegrationContext): Promise<Verification> {
  const kind = tokenKind(value);
  if (kind === 'GitHub App refresh token')
    return { status: 'unknown', reason: 'a GitHub App refresh token (ghr_) cannot call the API; only the app can use it, at its token endpoint' };
  if (kind === 'GitHub App installation token') return verifyInstallationToken(value, ctx);
  const reply = await vendorCall(ctx, '/user', { headers: auth(value), secrets: [value], retry: READ_RETRY });
  const refused = refusal(reply, value);
  if (refused) return refused;
  const user = reply.json;
  if (typeof user?.login !== 'string' || typeof user.id !== 'number') return { status: 'unknown', reason: 'GitHub answered /user without a login' };
  const expiresAt = expiryOf(reply.headers['github-authentication-token-expiration']);
  return {
    status: 'live',
    reason: 'GitHub accepted it just now',
    identity: { principal: user.login, account: user.login, ...(kind ? { kind } : {}) },
    ...(expiresAt ? { expiresAt } : {}),
  };
}

/** The repositories a token reaches, as grants bounded by the account's role on each. */
async function repositoryGrants(
  value: string,
  ctx: IntegrationContext,
  path: string,
  pick: (json: any) => unknown,
): Promise<{ grants: Grant[]; more: boolean }> {
  const reply = await vendorCall(ctx, path, { headers: auth(value), query: { per_page: 100 }, secrets: [value], retry: READ_RETRY });
  const repos = reply.status === 200 && !reply.malformed ? pick(reply.json) : undefined;
  if (!Array.isArray(repos))
    throw vendorFailure('GitHub', `could not list the token's repositories (${path})`, reply.status === 200 ? { ...reply, malformed: true } : reply, [value]);
  const grants = repos.map((r: any): Grant => {
    const { role, risk } = roleRisk(r?.permissions);
    return { scope: 'repository access', risk, resource: String(r?.full_name ?? r?.name), description: `at most what the account's ${role} role allows` };
  });
  // Stryker disable next-line StringLiteral: a missing Link header and any text without rel="next" read the same
  return { grants, more: /rel="next"/.test(reply.headers.link ?? '') };
}

async function analyze(value: string, ctx: IntegrationContext): Promise<Analysis> {
  const kind = tokenKind(value);
  if (kind === 'fine-grained PAT') {
    const { grants, more } = await repositoryGrants(value, ctx, '/user/repos', (j) => j);
    return {
      grants,
      complete: false,
      note: `GitHub does not show a fine-grained token's permissions through the API, only the repositories it reaches${more ? ' (first 100 shown)' : ''}; each is bounded by the account's role there. See them at https://github.com/settings/personal-access-tokens.`,
    };
  }
  if (kind === 'GitHub App installation token') {
    const { grants, more } = await repositoryGrants(value, ctx, '/installation/repositories', (j) => j?.repositories);
    return {
      grants,
      complete: false,
      note: `An installation token's permissions are shown only when it is created; these are the repositories it reaches${more ? ' (first 100 shown)' : ''}.`,
    };
  }
  if (kind === 'GitHub App user token') {
    const reply = await vendorCall(ctx, '/user/installations', { headers: auth(value), query: { per_page: 100 }, secrets: [value], retry: READ_RETRY });
    const installations = reply.status === 200 && !reply.malformed ? reply.json?.installations : undefined;
    if (!Array.isArray(installations))
      throw vendorFailure('GitHub', 'could not list the installations this user token reaches', reply.status === 200 ? { ...reply, malformed: true } : reply, [
        value,
      ]);
    const grants: Grant[] = installations.flatMap((i: any) =>
      Object.entries((i?.permissions ?? {}) as Record<string, string>).map(([name, level]) => ({
        scope: `${name}:${level}`,
        risk: level === 'admin' ? 'admin' : level === 'write' ? 'write' : 'read',
        resource: String(i?.account?.login ?? i?.id),
      })),
    );
    return {
      grants,
      complete: false,
      note: "A user token acts with both the app's installation permissions (shown) and the user's own access; GitHub shows no single list of what it may do.",
    };
  }
  if (kind === 'GitHub App refresh token')
    return { grants: [], complete: false, note: 'A refresh token cannot call the API; it can mint user tokens for its app until it is revoked or expires.' };
  const reply = await vendorCall(ctx, '/user', { headers: auth(value), secrets: [value], retry: READ_RETRY });
  if (reply.status !== 200 || reply.malformed) throw vendorFailure('GitHub', 'did not show the token scopes (GET /user)', reply, [value]);
  const header = reply.headers['x-oauth-scopes'];
  if (header === undefined) return { grants: [], complete: false, note: 'GitHub sent no X-OAuth-Scopes header for this token, so its scopes are unknown.' };
  const grants = classicGrants(header);
  return grants.length ? { grants, complete: true } : { grants, complete: true, note: 'No scopes: it reads public data only, as the account.' };
}

async function revoke(value: string, ctx: IntegrationContext): Promise<'revoked' | 'already'> {
  const kind = tokenKind(value);
  if (kind === 'GitHub App installation token') {
    const reply = await vendorCall(ctx, '/installation/token', { method: 'DELETE', headers: auth(value), secrets: [value], retry: READ_RETRY });
    if (reply.status === 204) return 'revoked';
    if (reply.status === 401) return 'already';
    throw vendorFailure('GitHub', 'did not revoke the installation token', reply, [value]);
  }
  if (!kind || !REVOCABLE_BY_LIST.has(kind)) throw inputError('this is not a GitHub token credctl can revoke (ghp_, github_pat_, gho_, ghu_, ghr_ or ghs_)');
  // GitHub answers 202 whether or not the token was live: ask first, so "already" is honest.
  // Stryker disable next-line ConditionalExpression: verify answers a refresh token 'unknown' without a call, so asking first changes nothing; the check only saves the call
  if (kind !== 'GitHub App refresh token') {
    const before = await verify(value, ctx).catch(() => undefined);
    if (before?.status === 'dead') return 'already';
  }
  // No Authorization header: GitHub refuses an authenticated call to this endpoint (403).
  const reply = await vendorCall(ctx, '/credentials/revoke', {
    method: 'POST',
    headers: { ...GITHUB_HEADERS },
    json: { credentials: [value] },
    secrets: [value],
    retry: READ_RETRY,
  });
  if (reply.status === 202) return 'revoked';
  if (reply.status === 422) {
    const failure = vendorFailure('GitHub', 'refused the revocation', reply, [value]);
    throw new CredctlError(
      failure.message,
      failure.exitCode,
      'GitHub answers 422 when a credential is malformed or after 60 revocations in an hour: try again later, or delete the token at https://github.com/settings/tokens.',
    );
  }
  throw vendorFailure('GitHub', 'did not revoke the token', reply, [value]);
}

const github: Integration = {
  id: 'github',
  title: 'GitHub REST API',
  defaultApi: 'https://api.github.com',
  async verify({ value }, ctx) {
    try {
      return await verify(value, ctx);
    } catch (err) {
      return unreachable('GitHub', err);
    }
  },
  analyze: ({ value }, ctx) => analyze(value, ctx),
  revoke: {
    run: ({ value }, ctx) => revoke(value, ctx),
    needsAdmin: false,
    warning:
      'GitHub cannot undo a revocation. Deploy keys created with a personal access token or an OAuth app token are deleted with it; anything still using the token (CI, scripts, git remotes) stops at once, and the owner is notified.',
  },
  manual: {
    rotate: {
      url: 'https://github.com/settings/personal-access-tokens',
      instructions:
        'GitHub has no API to create or regenerate a personal access token. Fine-grained: open https://github.com/settings/personal-access-tokens, pick the token, choose "Regenerate token" (the old value stops at once; deploy keys it created are kept). Classic: the same at https://github.com/settings/tokens. Store the new value with `credctl store put`.',
    },
    revoke: {
      url: 'https://github.com/settings/tokens',
      instructions:
        'Delete the token at https://github.com/settings/tokens (classic) or https://github.com/settings/personal-access-tokens (fine-grained); OAuth and GitHub App authorizations are revoked at https://github.com/settings/applications.',
    },
  },
};

export default github;
