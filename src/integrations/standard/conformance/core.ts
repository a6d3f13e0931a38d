import { redact } from '../../../core/redact.js';
import type { Ctx } from './context.js';
import { problemCode } from './context.js';
import { expect, skip } from './types.js';

/**
 * Core, part 2: what every issuer offers (introspect, revoke, whoami) and the error and
 * authentication rules every endpoint follows. The create check lives here because every other
 * check needs its credential, though create itself belongs to the rotation module.
 */
const FAKE_SUFFIX = 'FAKE';
const fakeOf = (value: string) => `${value.slice(0, -FAKE_SUFFIX.length)}${FAKE_SUFFIX}`;

export async function checkCreate(ctx: Ctx): Promise<void> {
  await ctx.check('rotation', 'create returns id, value and scopes', async () => {
    if (!ctx.has('create')) skip('create is not offered');
    ctx.needAdmin();
    if (!ctx.readScope) skip('the issuer names no scopes');
    const scopes = ctx.otherScope ? [ctx.readScope, ctx.otherScope] : [ctx.readScope];
    const ttl = Math.min(7 * 86400, ctx.manifest!.max_ttl_seconds ?? Infinity);
    const expiring = ctx.manifest!.supports_expiring_credentials !== false;
    ctx.first = (await ctx.create({ scope: scopes, name: 'conformance', ...(expiring ? { ttl_seconds: ttl } : {}) })).credential;
    expect(ctx.first.scopes.includes(ctx.readScope), `scopes ${JSON.stringify(ctx.first.scopes)} lack ${ctx.readScope}`);
  });

  await ctx.check('core', 'created value matches a declared credential_pattern', async () => {
    const first = ctx.needFirst();
    const patterns = ctx.manifest!.credential_patterns ?? [];
    if (!patterns.length) skip('no credential_patterns in the manifest');
    expect(
      patterns.some((p) => new RegExp(p.regex).test(first.value)),
      `${redact(first.value)} matches none of ${patterns.length} patterns`,
    );
  });
}

export async function checkCore(ctx: Ctx): Promise<void> {
  await ctx.check('core', 'introspect: active with its scope; credential_id addresses the credential (RFC 7662)', async () => {
    const first = ctx.needFirst();
    const info = (await ctx.introspect(first.value)).json;
    expect(info.active === true, 'active is not true');
    const scopes = typeof info.scope === 'string' ? info.scope.split(' ') : [];
    expect(scopes.includes(ctx.readScope!), `scope is ${JSON.stringify(info.scope)}`);
    expect(
      info.credential_id === first.id,
      `credential_id is ${JSON.stringify(info.credential_id)}, but the credential's id is ${first.id}: a client could not rotate or revoke it`,
    );
  });

  await ctx.check('core', 'whoami answers with the credential id', async () => {
    const first = ctx.needFirst();
    const me = await ctx.call('GET', ctx.endpoint('whoami_endpoint'), undefined, { bearer: first.value });
    expect(me.status === 200, `whoami answered HTTP ${me.status}${problemCode(me)}`);
    expect(me.json.id === first.id, `whoami id ${JSON.stringify(me.json.id)}, created ${first.id}`);
  });

  await ctx.check('core', 'inactive introspection answers exactly {"active":false}', async () => {
    const first = ctx.needFirst();
    const a = await ctx.introspect(fakeOf(first.value));
    expect(a.json.active === false, 'an unknown token is not reported inactive');
    expect(Object.keys(a.json).length === 1, `an unknown token's answer carries more than active: ${Object.keys(a.json).join(', ')}`);
  });

  await ctx.check('core', 'every 401 carries WWW-Authenticate: Bearer and error invalid_token (RFC 6750)', async () => {
    const targets: [string, string][] = [];
    const authMethods = (ctx.m.endpoint_auth_methods ?? {}) as Record<string, string[]>;
    const protectedEndpoint = (member: string) => typeof ctx.m[member] === 'string' && !authMethods[member]?.includes('none');
    if (protectedEndpoint('credential_issuer_endpoint')) targets.push(['GET', ctx.endpoint('credential_issuer_endpoint')]);
    if (protectedEndpoint('introspection_endpoint')) targets.push(['POST', ctx.endpoint('introspection_endpoint')]);
    if (protectedEndpoint('whoami_endpoint')) targets.push(['GET', ctx.endpoint('whoami_endpoint')]);
    if (!targets.length) skip('no management or whoami endpoint to call');
    const bad = 'conformance-FAKE-token-0123456789';
    for (const [method, url] of targets) {
      for (const auth of [undefined, { bearer: bad }]) {
        const a = await ctx.call(method as 'GET', url, method === 'POST' ? { token: bad } : undefined, auth);
        const how = auth ? 'with an unknown token' : 'without a token';
        expect(a.status === 401, `${method} ${url} ${how} answered HTTP ${a.status}, expected 401`);
        expect(/^Bearer\b/i.test(a.headers['www-authenticate'] ?? ''), `${method} ${url} ${how}: 401 without WWW-Authenticate: Bearer`);
        expect(a.json.error === 'invalid_token', `${method} ${url} ${how}: error ${JSON.stringify(a.json.error)}, expected "invalid_token"`);
      }
    }
  });

  await ctx.check('core', 'errors are problem details (RFC 9457) keeping "error"', async () => {
    if (!/^0\.[2-9]|^[1-9]/.test(ctx.manifest!.spec_version ?? '0.1')) skip(`spec_version ${ctx.manifest!.spec_version ?? '(none)'} predates problem details`);
    const a = await ctx.call('GET', ctx.endpoint('credential_issuer_endpoint'));
    expect(a.status >= 400, `an unauthenticated list answered HTTP ${a.status}`);
    expect((a.headers['content-type'] ?? '').startsWith('application/problem+json'), `content type ${a.headers['content-type'] ?? '(none)'}`);
    const j = a.json;
    expect(typeof j.type === 'string' && typeof j.title === 'string', 'no string "type" and "title"');
    expect(j.status === a.status, `"status" is ${JSON.stringify(j.status)}, the response is ${a.status}`);
    expect(typeof j.error === 'string', 'no string "error" member');
    expect(j.error_description === undefined || typeof j.error_description === 'string', 'error_description is not a string');
  });
}

export async function checkRevoke(ctx: Ctx): Promise<void> {
  await ctx.check('core', 'revoke: immediately inactive everywhere; unknown tokens answer 200 (RFC 7009)', async () => {
    const first = ctx.needFirst();
    const r = await ctx.revokeById(first.id);
    expect(r.status === 200, `revoking by id answered HTTP ${r.status}${problemCode(r)}`);
    const after = (await ctx.introspect(first.value)).json;
    expect(after.active === false, 'introspection still active after revoke');
    expect(Object.keys(after).length === 1, `a revoked credential's introspection carries more than active: ${Object.keys(after).join(', ')}`);
    if (typeof ctx.m.whoami_endpoint === 'string') {
      const me = await ctx.call('GET', ctx.endpoint('whoami_endpoint'), undefined, { bearer: first.value });
      expect(me.status === 401, `the protected call answered HTTP ${me.status} for a revoked credential`);
    }
    const unknown = await ctx.call('POST', ctx.endpoint('revocation_endpoint'), { token: fakeOf(first.value) }, 'admin');
    expect(unknown.status === 200, `revoking an unknown token answered HTTP ${unknown.status}, expected 200`);
  });
}
