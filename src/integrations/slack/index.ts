import { READ_RETRY, riskFromWords, unreachable, vendorCall, vendorFailure, type VendorReply } from '../kit.js';
import type { Analysis, Grant, Identity, Integration, IntegrationContext, Risk, Verification } from '../types.js';

/**
 * Slack app tokens (xoxb bot, xoxp user, xapp app-level, xoxe.xoxp / xoxe.xoxb expiring tokens),
 * through the Web API (API.md in this folder names the document).
 *   verify   POST auth.test with the token as a bearer token. Slack answers HTTP 200 even for a
 *            bad token, with `{ ok: false, error }`: invalid_auth, token_revoked, token_expired
 *            and account_inactive mean the token is dead; other errors say nothing.
 *   analyze  the same call: the token's scopes are in the `x-oauth-scopes` response header.
 *   revoke   auth.revoke, called with the token itself: it revokes itself, no admin needed.
 *   rotate   manual. Expiring tokens are exchanged with their refresh token (tooling.tokens.rotate
 *            for configuration tokens, oauth.v2.access for bot and user tokens), and each exchange
 *            returns a new refresh token too; the rotation face can neither receive the refresh token
 *            (a credential part) nor hand the new one back, so doing it here would lose it.
 * A refresh token (xoxe-1-...) is not a bearer token: checking it means spending it, so verify
 * answers "unknown" for it without a call.
 */
const VENDOR = 'Slack';

/** `ok: false` errors that mean the token itself is no good. */
const DEAD_ERRORS = new Set(['invalid_auth', 'token_revoked', 'token_expired', 'account_inactive']);

export function tokenKind(value: string): string {
  if (/^xoxe\.xoxp-/.test(value)) return 'app configuration token or expiring user token';
  if (/^xoxe\.xoxb-/.test(value)) return 'expiring bot token';
  if (/^xoxe-/.test(value)) return 'refresh token';
  if (value.startsWith('xoxb-')) return 'bot token';
  if (value.startsWith('xoxp-')) return 'user token';
  if (value.startsWith('xapp-')) return 'app-level token';
  return 'token';
}

/**
 * Slack's risk for a scope: admin.* and admin scopes first, then the scopes that write without
 * saying so, then the usual read/write words (which read `*:history`, `identify` and `identity.*`
 * as read, as Slack means them).
 */
export function scopeRisk(scope: string): Risk {
  if (/^admin(?:[.:]|$)/.test(scope) || scope === 'client') return 'admin';
  if (/^(?:bot|incoming-webhook|commands|chat:write.*|connections:write|app_configurations:write)$/.test(scope)) return 'write';
  return riskFromWords(scope);
}

async function call(
  ctx: IntegrationContext,
  token: string,
  method: string,
  form: Record<string, string> = {},
  retry: typeof READ_RETRY | false = READ_RETRY,
): Promise<VendorReply> {
  return vendorCall(ctx, `/${method}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, form, secrets: [token], retry });
}

/** The answer's HTTP-level refusal (429, 5xx, non-JSON), which says nothing about the token. */
function httpTrouble(reply: VendorReply): string | undefined {
  if (reply.status === 429)
    return `Slack is rate-limiting (HTTP 429${reply.headers['retry-after'] ? `, retry after ${reply.headers['retry-after']} s` : ''}); try again later`;
  if (reply.status >= 500) return `Slack failed to answer (HTTP ${reply.status})`;
  if (reply.status !== 200) return `Slack answered HTTP ${reply.status}`;
  // A body that is not JSON has no `ok` either.
  if (typeof reply.json?.ok !== 'boolean') return 'Slack answered with a body that is not its JSON';
  return undefined;
}

/** Slack's error code is a short snake_case word; anything else is not shown. */
function errorCode(reply: VendorReply): string {
  const e = reply.json?.error;
  return typeof e === 'string' && /^[a-z0-9_.]{1,64}$/.test(e) ? e : 'unknown_error';
}

async function verify({ value }: { value: string }, ctx: IntegrationContext): Promise<Verification> {
  const kind = tokenKind(value);
  if (kind === 'refresh token') {
    return { status: 'unknown', reason: 'A Slack refresh token can only be checked by exchanging it, which spends it; not tried', identity: { kind } };
  }
  try {
    const reply = await call(ctx, value, 'auth.test');
    const trouble = httpTrouble(reply);
    if (trouble) return { status: 'unknown', reason: trouble, identity: { kind } };
    if (reply.json.ok !== true) {
      const code = errorCode(reply);
      if (DEAD_ERRORS.has(code)) return { status: 'dead', reason: `Slack refuses it (${code})`, identity: { kind } };
      return { status: 'unknown', reason: `Slack could not say (${code})`, identity: { kind } };
    }
    const j = reply.json;
    const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    const team = str(j.team);
    const teamId = str(j.team_id);
    const identity: Identity = {
      kind,
      ...((str(j.bot_id) ?? str(j.user_id)) ? { credentialId: (str(j.bot_id) ?? str(j.user_id))! } : {}),
      ...((str(j.user) ?? str(j.app_name)) ? { principal: (str(j.user) ?? str(j.app_name))! } : {}),
      ...(team || teamId ? { account: team && teamId ? `${team} (${teamId})` : (team ?? teamId)! } : {}),
    };
    const expiresIn = typeof j.expires_in === 'number' && j.expires_in > 0 ? j.expires_in : undefined;
    return {
      status: 'live',
      reason: 'Slack accepted it just now',
      identity,
      ...(expiresIn ? { expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString() } : {}),
    };
  } catch (err) {
    return unreachable(VENDOR, err);
  }
}

async function analyze({ value }: { value: string }, ctx: IntegrationContext): Promise<Analysis> {
  if (tokenKind(value) === 'refresh token')
    return { grants: [], complete: false, note: "A refresh token grants nothing by itself: it mints new access tokens with the app's scopes." };
  const reply = await call(ctx, value, 'auth.test');
  if (httpTrouble(reply) || reply.json.ok !== true)
    throw vendorFailure(VENDOR, `auth.test (${reply.json?.ok === false ? errorCode(reply) : 'no answer'})`, reply, [value]);
  const header = reply.headers['x-oauth-scopes'];
  if (header === undefined) {
    return { grants: [], complete: false, note: "Slack did not list this token's scopes (no x-oauth-scopes header): see the app's OAuth & Permissions page." };
  }
  const scopes = [
    ...new Set(
      header
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  const grants: Grant[] = scopes.map((scope) => ({ scope, risk: scopeRisk(scope) }));
  return { grants, complete: true };
}

const slack: Integration = {
  id: 'slack',
  title: 'Slack Web API',
  defaultApi: 'https://slack.com/api',
  verify,
  analyze,
  revoke: {
    needsAdmin: false,
    warning:
      'Irreversible: the token stops working at once. A replacement comes only from reinstalling the app (bot and user tokens) or generating a new token in the app settings (configuration and app-level tokens).',
    async run({ value }, ctx) {
      // Not retried: a retry after a lost answer would see token_revoked and say "already",
      // which is true but hides that this call revoked it. The engine retries the whole step.
      const reply = await call(ctx, value, 'auth.revoke', {}, false);
      if (httpTrouble(reply)) throw vendorFailure(VENDOR, 'auth.revoke', reply, [value]);
      if (reply.json.ok === true) return reply.json.revoked === false ? 'already' : 'revoked';
      const code = errorCode(reply);
      if (DEAD_ERRORS.has(code)) return 'already';
      throw vendorFailure(VENDOR, `auth.revoke (${code})`, reply, [value]);
    },
  },
  manual: {
    rotate: {
      url: 'https://api.slack.com/apps',
      instructions:
        'Bot and user tokens: open the app, OAuth & Permissions, "Revoke All OAuth Tokens" (or `credctl` revoke), then "Reinstall to Workspace" and store the new token shown there. Configuration tokens: on https://api.slack.com/apps under "Your App Configuration Tokens" choose "Generate Token", store the new access and refresh tokens, then "Revoke" the old one. App-level tokens (xapp-): app settings, Basic Information, App-Level Tokens: generate a new one, then revoke the old.',
    },
  },
};

export default slack;
