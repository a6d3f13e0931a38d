import type { Ctx } from './context.js';
import { problemCode } from './context.js';
import { expect, skip } from './types.js';

/**
 * The exchange module (RFC 8693 down-scoping): a narrower child, never wider or longer-lived
 * than its subject, dead when the subject is revoked; subject_token_type is required.
 */
const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

export async function checkExchange(ctx: Ctx): Promise<void> {
  await ctx.check('exchange', 'token exchange narrows, never widens scope or lifetime, and requires subject_token_type (RFC 8693)', async () => {
    if (typeof ctx.m.token_exchange_endpoint !== 'string') skip('no token_exchange_endpoint');
    ctx.needFirst();
    if (!ctx.otherScope) skip('the issuer names only one scope');
    const url = ctx.endpoint('token_exchange_endpoint');
    const parent = (await ctx.create({ scope: [ctx.readScope], name: 'conformance exchange', ttl_seconds: 600 })).credential;
    const form = (extra: Record<string, string>) =>
      new URLSearchParams({ grant_type: GRANT, subject_token: parent.value, subject_token_type: ACCESS_TOKEN, ...extra });

    const child = await ctx.call('POST', url, form({ scope: ctx.readScope! }));
    expect(child.status === 200, `a same-scope exchange answered HTTP ${child.status}${problemCode(child)}`);
    const token = child.json.access_token;
    expect(typeof token === 'string', 'no access_token');
    ctx.secrets.push(token);
    expect(typeof child.json.issued_token_type === 'string', 'no issued_token_type');
    const expiresIn = Number(child.json.expires_in);
    expect(Number.isFinite(expiresIn) && expiresIn <= 600 + 5, `the child lives ${child.json.expires_in} s, its subject at most 600 s`);

    const wider = await ctx.call('POST', url, form({ scope: `${ctx.readScope} ${ctx.otherScope}` }));
    if (typeof wider.json.access_token === 'string') ctx.secrets.push(wider.json.access_token);
    expect(
      wider.status === 400 && wider.json.error === 'invalid_scope',
      `a wider exchange answered HTTP ${wider.status}${problemCode(wider)}, expected 400 invalid_scope`,
    );

    const longer = await ctx.call('POST', url, form({ ttl_seconds: String(30 * 86400) }));
    if (typeof longer.json.access_token === 'string') {
      ctx.secrets.push(longer.json.access_token);
      expect(Number(longer.json.expires_in) <= 600 + 5, `asking for 30 days gave a child living ${longer.json.expires_in} s, beyond its subject`);
    }

    const untyped = await ctx.call('POST', url, new URLSearchParams({ grant_type: GRANT, subject_token: parent.value }));
    if (typeof untyped.json.access_token === 'string') ctx.secrets.push(untyped.json.access_token);
    expect(
      untyped.status === 400 && untyped.json.error === 'invalid_request',
      `an exchange without subject_token_type answered HTTP ${untyped.status}${problemCode(untyped)}`,
    );

    if (typeof ctx.m.introspection_endpoint === 'string' && typeof ctx.m.revocation_endpoint === 'string') {
      expect(await ctx.isActive(token), 'the exchanged token is not active');
      await ctx.revokeById(parent.id);
      expect(!(await ctx.isActive(token)), 'the exchanged token still works after its subject was revoked');
    }
  });
}
