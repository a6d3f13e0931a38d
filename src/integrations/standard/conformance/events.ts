import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import type { Ctx } from './context.js';
import { problemCode } from './context.js';
import { expect } from './types.js';

/**
 * The events module: Security Event Tokens (RFC 8417) polled as in RFC 8936, signed by a key in
 * jwks_uri. By now the suite has revoked a credential, so a CAEP credential-change (revoke)
 * event about it must be there.
 */
const CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/credential-change';

export async function checkEvents(ctx: Ctx): Promise<void> {
  await ctx.check('events', 'security events are SETs signed by a key in jwks_uri, and report revocation', async () => {
    const url = ctx.endpoint('events_endpoint');
    const first = ctx.needFirst();
    const keys = await ctx.call('GET', ctx.endpoint('jwks_uri'));
    expect(keys.status === 200 && Array.isArray(keys.json.keys), `jwks_uri answered HTTP ${keys.status} without a keys array`);
    const jwks = createLocalJWKSet(keys.json as unknown as JSONWebKeySet);
    const seen: Record<string, unknown>[] = [];
    let ack: string[] = [];
    for (let round = 0; round < 20; round++) {
      const a = await ctx.call('POST', url, { ack, maxEvents: 100, returnImmediately: true }, 'admin');
      expect(a.status === 200, `polling answered HTTP ${a.status}${problemCode(a)}`);
      const sets = (a.json.sets ?? {}) as Record<string, unknown>;
      for (const [jti, token] of Object.entries(sets)) {
        expect(typeof token === 'string', `SET ${jti} is not a compact JWS`);
        const header = decodeProtectedHeader(token);
        expect(header.alg !== 'none', `SET ${jti} is unsigned`);
        const { payload } = await jwtVerify(token, jwks, { issuer: ctx.manifest!.issuer }).catch((err: unknown) => {
          throw new Error(`SET ${jti} does not verify against jwks_uri: ${(err as Error).message}`);
        });
        expect(payload.jti === jti, `SET ${jti} carries jti ${JSON.stringify(payload.jti)}`);
        seen.push(payload as Record<string, unknown>);
      }
      ack = Object.keys(sets);
      if (!a.json.moreAvailable) break;
    }
    if (ack.length) await ctx.call('POST', url, { ack, maxEvents: 0, returnImmediately: true }, 'admin');
    expect(seen.length > 0, 'no SETs at all, though the suite has revoked a credential');
    const about = (p: Record<string, unknown>) => JSON.stringify(p.sub_id ?? p.sub ?? '').includes(first.id);
    const revoked = seen.some(
      (p) => about(p) && (p.events as Record<string, { change_type?: string }> | undefined)?.[CREDENTIAL_CHANGE]?.change_type === 'revoke',
    );
    expect(revoked, `no credential-change (revoke) event about the revoked credential among ${seen.length} SETs`);
  });
}
