import { randomUUID } from 'node:crypto';
import type { Ctx, Created } from './context.js';
import { problemCode } from './context.js';
import { expect, skip } from './types.js';

/** The rotation module: idempotent creates, /rotate and its defaults, never widening. */
export async function checkRotation(ctx: Ctx): Promise<void> {
  await ctx.check('rotation', 'idempotency: the same key replays the same credential, another body is rejected', async () => {
    ctx.needFirst();
    if (ctx.manifest!.supports_idempotency_keys !== true) skip('supports_idempotency_keys is not true');
    const key = randomUUID();
    const body = { scope: [ctx.readScope], name: 'conformance idempotency' };
    const a = (await ctx.create(body, key)).credential;
    const again = await ctx.create(body, key);
    expect(again.credential.id === a.id, `replay returned ${again.credential.id}, first call ${a.id}`);
    if (ctx.manifest!.secret_shown_once !== true || again.answer.json.value !== undefined) {
      expect(again.credential.value === a.value, 'replay returned another value');
    }
    const clash = await ctx.call(
      'POST',
      ctx.endpoint('credential_issuer_endpoint'),
      { scope: [ctx.otherScope ?? ctx.readScope], name: 'conformance clash' },
      'admin',
      { 'idempotency-key': key },
    );
    expect(clash.status >= 400 && clash.status < 500, `reusing a key with another body answered HTTP ${clash.status}`);
  });

  let rotated: Created | undefined;
  await ctx.check('rotation', '/rotate: a new credential with rotated_from, the old scopes and lifetime, the old one still active', async () => {
    const first = ctx.needFirst();
    if (!ctx.has('rotate')) skip('rotate is not offered');
    const a = await ctx.call('POST', `${ctx.endpoint('credential_issuer_endpoint')}/${encodeURIComponent(first.id)}/rotate`, {}, 'admin', {
      'idempotency-key': randomUUID(),
    });
    rotated = ctx.remember(a, 'rotate');
    expect(rotated.id !== first.id && rotated.value !== first.value, 'rotation returned the same credential');
    expect(rotated.rotated_from === first.id, `rotated_from is ${JSON.stringify(a.json.rotated_from)}, expected ${first.id}`);
    expect(sameSet(rotated.scopes, first.scopes), `scopes ${JSON.stringify(rotated.scopes)}, the old credential had ${JSON.stringify(first.scopes)}`);
    const lifetime = (c: Created) => (c.expires_at && c.created_at ? Date.parse(c.expires_at) - Date.parse(c.created_at) : null);
    const oldLife = lifetime(first);
    const newLife = lifetime(rotated);
    expect(
      oldLife === null ? rotated.expires_at === null : newLife !== null && Math.abs(newLife - oldLife) < 60_000,
      `the new credential lives ${newLife === null ? 'forever' : `${Math.round(newLife / 1000)} s`}, the old one ${oldLife === null ? 'forever' : `${Math.round(oldLife / 1000)} s`}`,
    );
    if (typeof ctx.m.introspection_endpoint === 'string') {
      expect(await ctx.isActive(first.value), 'the old credential stopped working at rotation without overlap_seconds');
      expect(await ctx.isActive(rotated.value), 'the new credential is not active');
    }
  });

  await ctx.check('rotation', '/rotate records a rotated event on the old credential', async () => {
    const first = ctx.needFirst();
    if (!rotated) skip('needs a rotation, and /rotate failed or is not offered');
    if (!ctx.has('audit')) skip('audit is not offered');
    const a = await ctx.call('GET', `${ctx.endpoint('credential_issuer_endpoint')}/${encodeURIComponent(first.id)}/events`, undefined, 'admin');
    expect(a.status === 200, `per-credential audit answered HTTP ${a.status}${problemCode(a)}`);
    const events = Array.isArray(a.json.events) ? (a.json.events as { action?: unknown }[]) : [];
    expect(
      events.some((e) => e.action === 'rotated'),
      `no "rotated" event (got ${events.map((e) => String(e.action)).join(', ') || 'none'})`,
    );
  });

  await ctx.check('rotation', 'rotate and scope refuse to widen scopes (invalid_scope)', async () => {
    const first = ctx.needFirst();
    if (!ctx.has('scope') && !ctx.has('rotate')) skip('neither scope nor rotate is offered');
    const narrow = (await ctx.create({ scope: [ctx.readScope], name: 'conformance narrow' })).credential;
    const wider = ctx.otherScope ?? undefined;
    if (!wider) skip('the issuer names only one scope');
    const base = ctx.endpoint('credential_issuer_endpoint');
    for (const action of ['scope', 'rotate'].filter((a) => ctx.has(a))) {
      const a = await ctx.call('POST', `${base}/${encodeURIComponent(narrow.id)}/${action}`, { scope: [ctx.readScope, wider] }, 'admin', {
        'idempotency-key': randomUUID(),
      });
      if (a.status < 300) ctx.remember(a, action);
      expect(a.status === 400, `${action} to a wider scope answered HTTP ${a.status}`);
      expect(a.json.error === 'invalid_scope', `${action}: error ${JSON.stringify(a.json.error)}, expected invalid_scope`);
    }
    void first;
  });
}

/** The deactivation module: reversible, except after revocation. */
export async function checkDeactivation(ctx: Ctx): Promise<void> {
  const offered = () => {
    if (!ctx.has('deactivate') || !ctx.has('reactivate')) skip('deactivate/reactivate are not offered');
  };
  await ctx.check('deactivation', 'deactivate is reversible', async () => {
    ctx.needFirst();
    offered();
    const c = (await ctx.create({ scope: [ctx.readScope], name: 'conformance deactivate' })).credential;
    const base = `${ctx.endpoint('credential_issuer_endpoint')}/${encodeURIComponent(c.id)}`;
    const off = await ctx.call('POST', `${base}/deactivate`, undefined, 'admin');
    expect(off.status === 200 && off.json.status === 'deactivated', `deactivate answered HTTP ${off.status}, status ${JSON.stringify(off.json.status)}`);
    expect(!(await ctx.isActive(c.value)), 'a deactivated credential is active');
    const on = await ctx.call('POST', `${base}/reactivate`, undefined, 'admin');
    expect(on.status === 200 && on.json.status === 'active', `reactivate answered HTTP ${on.status}, status ${JSON.stringify(on.json.status)}`);
    expect(await ctx.isActive(c.value), 'a reactivated credential is inactive');
  });

  await ctx.check('deactivation', 'a revoked credential cannot be reactivated', async () => {
    ctx.needFirst();
    offered();
    const c = (await ctx.create({ scope: [ctx.readScope], name: 'conformance revoked' })).credential;
    const base = `${ctx.endpoint('credential_issuer_endpoint')}/${encodeURIComponent(c.id)}`;
    const revoked = await ctx.revokeById(c.id);
    expect(revoked.status === 200, `revoke answered HTTP ${revoked.status}`);
    const on = await ctx.call('POST', `${base}/reactivate`, undefined, 'admin');
    expect(on.status === 409, `reactivating a revoked credential answered HTTP ${on.status}, expected 409`);
    expect(!(await ctx.isActive(c.value)), 'a revoked credential works again after reactivate');
  });
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
