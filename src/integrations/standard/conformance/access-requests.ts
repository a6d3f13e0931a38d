import type { Answer, Ctx } from './context.js';
import { problemCode } from './context.js';
import { expect, skip } from './types.js';

/**
 * The access-requests module, in the manner of RFC 8628: a request answers with a user code,
 * a verification URI, a polling interval and an expiry; pick-up answers authorization_pending
 * before approval, access_denied after denial, the credential exactly once after approval, and
 * invalid_grant after that.
 */
export async function checkAccessRequests(ctx: Ctx): Promise<void> {
  const offered = (): string => {
    if (!ctx.has('request') || !ctx.has('approve')) skip('request/approve are not offered');
    const url = ctx.endpoint('access_request_endpoint');
    ctx.needAdmin();
    if (!ctx.readScope) skip('the issuer names no scopes');
    return url;
  };
  const ask = async (url: string): Promise<{ id: string; secret: string; json: Answer['json'] }> => {
    const a = await ctx.call('POST', url, { requester: 'credctl-conformance', scope: [ctx.readScope], ttl_seconds: 300 });
    expect(a.status === 201, `request answered HTTP ${a.status}${problemCode(a)}`);
    const j = a.json;
    expect(typeof j.id === 'string' && /^[A-Za-z0-9_-]{1,200}$/.test(j.id), 'the access request id is not a plain id');
    expect(typeof j.request_secret === 'string' && j.request_secret, 'no request_secret');
    ctx.secrets.push(j.request_secret);
    return { id: j.id, secret: j.request_secret, json: j };
  };
  const pickUp = (url: string, id: string, secret: string) => ctx.call('GET', `${url}/${id}`, undefined, { bearer: secret });

  await ctx.check('access-requests', 'access request: pending with user_code, verification_uri, interval and expires_in (RFC 8628)', async () => {
    const url = offered();
    const { json } = await ask(url);
    expect(json.status === 'pending', `status ${JSON.stringify(json.status)}`);
    expect(typeof json.user_code === 'string' && json.user_code, 'no user_code');
    expect(typeof json.verification_uri === 'string' && /^https?:\/\//.test(json.verification_uri), 'no verification_uri');
    expect(Number.isInteger(json.interval) && (json.interval as number) > 0, 'no positive integer interval');
    expect(Number.isInteger(json.expires_in) && (json.expires_in as number) > 0, 'no positive integer expires_in');
  });

  await ctx.check('access-requests', 'access request: pending, approve, the credential picked up at most once', async () => {
    const url = offered();
    const { id, secret } = await ask(url);
    const early = await pickUp(url, id, secret);
    expect(early.status === 400 && early.json.error === 'authorization_pending', `pick-up before approval: HTTP ${early.status}${problemCode(early)}`);
    const listed = await ctx.call('GET', `${url}?status=pending`, undefined, 'admin');
    expect(listed.status === 200, `listing pending requests answered HTTP ${listed.status}`);
    const pending = Array.isArray(listed.json.requests) ? (listed.json.requests as { id?: unknown }[]) : [];
    expect(
      pending.some((r) => r.id === id),
      'the pending request is missing from ?status=pending',
    );
    const approve = await ctx.call('POST', `${url}/${id}/approve`, {}, 'admin');
    expect(approve.status === 200, `approve answered HTTP ${approve.status}${problemCode(approve)}`);
    const got = await pickUp(url, id, secret);
    expect(got.status === 200, `pick-up after approval answered HTTP ${got.status}${problemCode(got)}`);
    const credential = got.json.credential as Record<string, unknown> | undefined;
    expect(typeof credential?.value === 'string', 'no credential delivered after approval');
    ctx.remember({ ...got, json: credential! }, 'pick-up');
    expect(typeof credential!.expires_at === 'string', 'the delivered credential does not expire');
    const again = await pickUp(url, id, secret);
    expect(!again.text.includes(credential!.value as string), 'a second pick-up delivered the credential again');
    expect(
      again.status === 400 && again.json.error === 'invalid_grant',
      `a second pick-up answered HTTP ${again.status}${problemCode(again)}, expected 400 invalid_grant`,
    );
  });

  await ctx.check('access-requests', 'access request: denied means access_denied, no credential', async () => {
    const url = offered();
    const { id, secret } = await ask(url);
    const deny = await ctx.call('POST', `${url}/${id}/deny`, {}, 'admin');
    expect(deny.status === 200, `deny answered HTTP ${deny.status}${problemCode(deny)}`);
    const got = await pickUp(url, id, secret);
    expect(got.json.credential === undefined, 'a denied request delivered a credential');
    expect(got.status === 400 && got.json.error === 'access_denied', `pick-up after denial answered HTTP ${got.status}${problemCode(got)}`);
  });
}
