/**
 * Slack Web API stand-in (see src/integrations/slack/API.md): auth.test and auth.revoke, the token
 * as a bearer token or a `token` form field, Slack's way of refusing (HTTP 200 with
 * `{ ok: false, error }`), the `x-oauth-scopes` header, and its rate limit (HTTP 429 with
 * Retry-After and `{ ok: false, error: "ratelimited" }`). A revoked token answers token_revoked.
 */
import { bearerOf, startStandIn, type StandIn } from '../standin.js';

export interface SlackToken {
  team: string;
  teamId: string;
  user: string;
  userId: string;
  botId?: string;
  /** Absent: no x-oauth-scopes header (as for tokens Slack lists no scopes for). */
  scopes?: string[];
  expiresIn?: number;
  /** The user or workspace was deleted. */
  inactive?: boolean;
}

export async function startSlack(tokens: Record<string, SlackToken>): Promise<StandIn & { revoked: Set<string> }> {
  const revoked = new Set<string>();
  const refuse = (error: string) => ({ status: 200, body: { ok: false, error } });
  const standIn = await startStandIn({
    errorBody: (status, message) => ({ ok: false, error: status === 429 ? 'ratelimited' : status >= 500 ? 'fatal_error' : message }),
    rateLimitHeaders: { 'retry-after': '0' },
    handle(req) {
      if (req.method !== 'POST') return { status: 405, raw: '' };
      const token = bearerOf(req) ?? req.body?.token;
      if (!['/auth.test', '/auth.revoke'].includes(req.path)) return { status: 404, body: { ok: false, error: 'unknown_method' } };
      if (!token) return refuse('not_authed');
      if (revoked.has(token)) return refuse('token_revoked');
      const t = tokens[token];
      if (!t) return refuse('invalid_auth');
      if (t.inactive) return refuse('account_inactive');
      if (req.path === '/auth.revoke') {
        const test = req.body?.test === 'true' || req.body?.test === '1';
        if (!test) revoked.add(token);
        return { status: 200, body: { ok: true, revoked: !test } };
      }
      const headers: Record<string, string> = t.scopes ? { 'x-oauth-scopes': t.scopes.join(','), 'x-accepted-oauth-scopes': '' } : {};
      return {
        status: 200,
        headers,
        body: {
          ok: true,
          url: `https://${t.team.toLowerCase().replace(/\W+/g, '-')}.slack.com/`,
          team: t.team,
          user: t.user,
          team_id: t.teamId,
          user_id: t.userId,
          ...(t.botId ? { bot_id: t.botId } : {}),
          is_enterprise_install: false,
          ...(t.expiresIn ? { expires_in: t.expiresIn } : {}),
        },
      };
    },
  });
  return Object.assign(standIn, { revoked });
}
