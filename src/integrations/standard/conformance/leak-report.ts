import type { Ctx } from './context.js';
import { problemCode } from './context.js';
import { expect, skip } from './types.js';

/**
 * The leak-report module: anyone may report a found key without credentials; the answer is the
 * same whatever was sent (so it cannot test keys), and a known key stops working or is flagged.
 * Then: a 429 from it must carry Retry-After (tried with at most 40 reports of fake keys).
 */
export async function checkLeakReport(ctx: Ctx): Promise<void> {
  await ctx.check('leak-report', 'leak report: unauthenticated, 202 whatever was sent, a reported key is revoked or flagged', async () => {
    const url = ctx.endpoint('leak_report_endpoint');
    const known = (await ctx.create({ scope: [ctx.readScope], name: 'conformance leak' })).credential;
    const fake = await ctx.call('POST', url, { token: `${known.value.slice(0, -4)}FAKE` });
    const real = await ctx.call('POST', url, { tokens: [known.value], source_url: 'https://example.com/conformance' });
    expect(real.status === 202, `a report answered HTTP ${real.status}${problemCode(real)}, expected 202`);
    expect(fake.status === real.status && fake.text === real.text, 'known and unknown keys get different answers (the endpoint can test keys)');
    const active = typeof ctx.m.introspection_endpoint === 'string' ? await ctx.isActive(known.value) : undefined;
    if (active === false) return 'revoked';
    if (!ctx.has('audit')) skip('the reported key is still active and there is no audit to show a flag');
    const a = await ctx.call('GET', `${ctx.endpoint('credential_issuer_endpoint')}/${encodeURIComponent(known.id)}/events`, undefined, 'admin');
    const events = Array.isArray(a.json.events) ? (a.json.events as { action?: unknown }[]) : [];
    expect(
      events.some((e) => e.action === 'compromise_reported'),
      'the reported key is still active and not flagged (no compromise_reported event)',
    );
    return 'flagged, still active';
  });
}

export async function checkRetryAfter(ctx: Ctx): Promise<void> {
  await ctx.check('leak-report', 'a 429 carries Retry-After', async () => {
    const url = ctx.endpoint('leak_report_endpoint');
    for (let i = 0; i < 40; i++) {
      const a = await ctx.call('POST', url, { token: `conformance-FAKE-${i}-0123456789` });
      if (a.status !== 429) continue;
      const after = a.headers['retry-after'] ?? '';
      expect(/^\d+$/.test(after) || !Number.isNaN(Date.parse(after)), `429 with Retry-After ${JSON.stringify(after || null)}`);
      return `429 after ${i + 1} reports, Retry-After ${after}`;
    }
    return 'no 429 within 40 reports (not testable here)';
  });
}
