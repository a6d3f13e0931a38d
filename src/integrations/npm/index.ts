import { CredctlError } from '../../core/errors.js';
import { READ_RETRY, refusalOf, unreachable, vendorCall, vendorFailure, type VendorReply } from '../kit.js';
import type { Analysis, Grant, Integration, IntegrationContext, Verification } from '../types.js';

/**
 * npm registry access tokens (npm_…), through the registry's own API (API.md names the document).
 *   verify   GET /-/whoami with the token: the account name
 *   analyze  GET /-/npm/v1/tokens: the token's own entry (read-only or publish, automation, CIDR
 *            limits). A granular token's packages, organisations and expiry are not in that list,
 *            so the analysis says it is incomplete.
 *   revoke   DELETE /-/npm/v1/tokens/token/{key}, authenticated with the token itself (a token may
 *            revoke itself; the registry drops it at once). The key is found in the token list by
 *            the token's visible prefix; when that prefix is shared by several tokens, the full
 *            token is passed instead, which the registry also accepts (as `npm token revoke` does).
 *   rotate   none through the API: creating a token needs the account password and a one-time
 *            password, so a person makes the new one (manual steps below).
 */
const NPM = 'npm';

interface TokenEntry {
  key: string;
  token: string;
  readonly?: boolean;
  automation?: boolean;
  cidr_whitelist?: string[] | null;
  created?: string;
}

const auth = (value: string) => ({ authorization: `Bearer ${value}` });
const MAX_PAGES = 10;
const PER_PAGE = 100;

async function listTokens(value: string, ctx: IntegrationContext): Promise<TokenEntry[]> {
  const all: TokenEntry[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    // Stryker disable next-line ArrayDeclaration: this URL holds no value, and a network error's text names only the URL
    const reply = await vendorCall(ctx, '/-/npm/v1/tokens', { headers: auth(value), query: { perPage: PER_PAGE, page }, secrets: [value], retry: READ_RETRY });
    const objects = reply.status === 200 && !reply.malformed ? reply.json?.objects : undefined;
    if (!Array.isArray(objects)) throw listFailure(reply, value);
    all.push(...objects.filter((o: any) => typeof o?.key === 'string' && typeof o.token === 'string'));
    // reply.json holds the list just read.
    if (!reply.json.urls?.next) return all;
  }
  return all;
}

function listFailure(reply: VendorReply, value: string): CredctlError {
  const failure = vendorFailure(NPM, 'did not list the account tokens (GET /-/npm/v1/tokens)', reply.status === 200 ? { ...reply, malformed: true } : reply, [
    value,
  ]);
  if (reply.status !== 403) return failure;
  return new CredctlError(
    failure.message,
    failure.exitCode,
    'This token may not manage tokens (a granular token without that right): revoke it at https://www.npmjs.com/settings/~/tokens.',
  );
}

/** The list entry that is this token: the one whose visible prefix it starts with, if only one. */
function ownEntry(tokens: TokenEntry[], value: string): { entry?: TokenEntry; candidates: number } {
  const fits = tokens.filter((t) => t.token.length >= 4 && value.startsWith(t.token.replace(/[.…]+$/, '')));
  return { entry: fits.length === 1 ? fits[0] : undefined, candidates: fits.length };
}

async function verify(value: string, ctx: IntegrationContext): Promise<Verification> {
  // Stryker disable next-line ArrayDeclaration: this URL holds no value, and a network error's text names only the URL
  const reply = await vendorCall(ctx, '/-/whoami', { headers: auth(value), secrets: [value], retry: READ_RETRY });
  const refused = refusalOf(NPM, reply, [value]);
  if (refused) return refused;
  const username = reply.json?.username;
  if (typeof username !== 'string' || !username) return { status: 'unknown', reason: 'npm answered /-/whoami without a username' };
  return { status: 'live', reason: 'npm accepted it just now', identity: { principal: username, account: username, kind: 'access token' } };
}

async function analyze(value: string, ctx: IntegrationContext): Promise<Analysis> {
  const { entry, candidates } = ownEntry(await listTokens(value, ctx), value);
  if (!entry) {
    return {
      grants: [],
      complete: false,
      note:
        // Stryker disable next-line EqualityOperator: without an entry there are 0 or at least 2 candidates, never 1
        candidates > 1
          ? `${candidates} tokens of this account share its visible prefix, so npm's list cannot say which entry is this one.`
          : "This token is not in the account's token list.",
    };
  }
  const grants: Grant[] = [];
  const where = entry.cidr_whitelist?.length ? { resource: `from ${entry.cidr_whitelist.join(', ')}` } : {};
  if (entry.readonly)
    grants.push({ scope: 'read-only', risk: 'read', description: 'Install every package the account can read, private ones included.', ...where });
  else
    grants.push({
      scope: 'publish',
      risk: 'write',
      description: 'Publish and change the packages the account (or the token, if granular) may write.',
      ...where,
    });
  if (entry.automation) grants.push({ scope: 'automation', risk: 'write', description: 'Skips two-factor authentication when publishing.', ...where });
  return {
    grants,
    complete: false,
    note: "npm's token list shows read-only, automation and CIDR limits only; a granular token's packages, scopes, organisations and expiry are shown at https://www.npmjs.com/settings/~/tokens.",
  };
}

async function revoke(value: string, ctx: IntegrationContext): Promise<'revoked' | 'already'> {
  const before = await verify(value, ctx).catch(() => undefined);
  if (before?.status === 'dead') return 'already';
  const { entry } = ownEntry(await listTokens(value, ctx), value);
  // Either form is accepted by the registry; the key keeps the value out of the URL when it can.
  const path = `/-/npm/v1/tokens/token/${encodeURIComponent(entry ? entry.key : value)}`;
  const reply = await vendorCall(ctx, path, { method: 'DELETE', headers: auth(value), secrets: [value], retry: READ_RETRY });
  if (reply.status === 200 || reply.status === 204) return 'revoked';
  if (reply.status === 401 || reply.status === 404) return 'already';
  throw vendorFailure(NPM, 'did not revoke the token', reply, [value]);
}

const npm: Integration = {
  id: 'npm',
  title: 'npm registry',
  defaultApi: 'https://registry.npmjs.org',
  async verify({ value }, ctx) {
    try {
      return await verify(value, ctx);
    } catch (err) {
      return unreachable(NPM, err);
    }
  },
  analyze: ({ value }, ctx) => analyze(value, ctx),
  revoke: {
    run: ({ value }, ctx) => revoke(value, ctx),
    needsAdmin: false,
    warning: 'npm drops the token at once and cannot restore it: every install or publish that uses it (CI, .npmrc files) fails until it has a new token.',
  },
  manual: {
    rotate: {
      url: 'https://www.npmjs.com/settings/~/tokens/granular-access-tokens/new',
      instructions:
        'Creating an npm token needs the account password and a one-time password, so credctl cannot do it. Generate a granular token with the same packages, permission and a shorter expiry at the URL, store it with `credctl store put`, then let credctl revoke the old one.',
    },
    revoke: {
      url: 'https://www.npmjs.com/settings/~/tokens',
      instructions:
        'Find the token by its first characters and creation date and choose Delete; or run `npm token revoke <id>` with an id from `npm token list`.',
    },
  },
};

export default npm;
