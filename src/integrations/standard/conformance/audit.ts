import type { Ctx } from './context.js';
import { problemCode } from './context.js';
import { expect, skip } from './types.js';

/** The audit module, and the list every management client reads: never values, paginated. */
export async function checkAudit(ctx: Ctx): Promise<void> {
  await ctx.check('audit', 'list never returns values', async () => {
    const first = ctx.needFirst();
    if (!ctx.has('list')) skip('list is not offered');
    const a = await ctx.call('GET', ctx.endpoint('credential_issuer_endpoint'), undefined, 'admin');
    expect(a.status === 200, `HTTP ${a.status}${problemCode(a)}`);
    const leaked = ctx.secrets.filter((s) => a.text.includes(s));
    expect(leaked.length === 0, `the list contains ${leaked.length} credential value(s)`);
    const ids = await listAll(ctx, ctx.endpoint('credential_issuer_endpoint'), 'credentials');
    expect(ids.has(first.id), 'a created credential is missing from the list (following next_cursor)');
  });

  await ctx.check('audit', 'list and audit paginate with limit and next_cursor', async () => {
    ctx.needFirst();
    if (!ctx.has('list')) skip('list is not offered');
    const base = ctx.endpoint('credential_issuer_endpoint');
    const all = await listAll(ctx, base, 'credentials');
    if (all.size < 2) skip('fewer than two credentials to page through');
    const limit = Math.max(1, Math.ceil(all.size / 4));
    const paged = await listAll(ctx, base, 'credentials', limit);
    expect(paged.size === all.size, `limit=${limit} pages yield ${paged.size} credentials, following without a limit ${all.size}`);
  });

  await ctx.check('audit', 'audit records create, rotate and revoke', async () => {
    const first = ctx.needFirst();
    if (!ctx.has('audit')) skip('audit is not offered');
    const a = await ctx.call('GET', `${ctx.endpoint('credential_issuer_endpoint')}/${encodeURIComponent(first.id)}/events`, undefined, 'admin');
    expect(a.status === 200, `HTTP ${a.status}${problemCode(a)}`);
    const actions = (Array.isArray(a.json.events) ? (a.json.events as { action?: unknown }[]) : []).map((e) => String(e.action));
    const wanted = ['created', ...(ctx.has('rotate') ? ['rotated'] : []), ...(ctx.has('revoke') ? ['revoked'] : [])];
    for (const w of wanted) expect(actions.includes(w), `no "${w}" event (got ${actions.join(', ') || 'none'})`);
  });
}

/** Every id of a paginated collection, following next_cursor (at most 200 pages). */
async function listAll(ctx: Ctx, url: string, member: string, limit?: number): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < 200; page++) {
    const q = new URLSearchParams();
    if (limit) q.set('limit', String(limit));
    if (cursor) q.set('cursor', cursor);
    const a = await ctx.call('GET', `${url}${q.size ? `?${q}` : ''}`, undefined, 'admin');
    expect(a.status === 200, `page ${page + 1} answered HTTP ${a.status}${problemCode(a)}`);
    const items = Array.isArray(a.json[member]) ? (a.json[member] as { id?: unknown }[]) : [];
    if (limit) expect(items.length <= limit, `limit=${limit} answered ${items.length} items`);
    for (const i of items) ids.add(String(i.id));
    cursor = typeof a.json.next_cursor === 'string' && a.json.next_cursor ? a.json.next_cursor : undefined;
    if (!cursor) return ids;
  }
  throw new Error('more than 200 pages; next_cursor never ends');
}
