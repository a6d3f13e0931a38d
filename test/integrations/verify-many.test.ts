import { describe, expect, it } from 'vitest';
import { verifyMany, type VerifyJob } from '../../src/integrations/verify-many.js';

// The scheduler's promise to a vendor: never more calls in a window than its declared rate limit,
// even when every global slot is busy with another vendor and calls pile up behind them.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function vendor(id: string, opts: { delayMs: number; rateLimit?: { requests: number; perMs: number; concurrency?: number } }, starts: number[]) {
  return {
    id,
    name: id,
    integration: {
      id,
      ...(opts.rateLimit ? { rateLimit: opts.rateLimit } : {}),
      verify: async () => {
        starts.push(Date.now());
        await sleep(opts.delayMs);
        return { status: 'live' as const };
      },
    },
  } as never;
}

describe('verifyMany', () => {
  it('keeps a strict vendor within its rate even when the global slots were busy and its calls waited', async () => {
    const strictStarts: number[] = [];
    const slowStarts: number[] = [];
    const strict = vendor('strict', { delayMs: 5, rateLimit: { requests: 2, perMs: 300, concurrency: 8 } }, strictStarts);
    const slow = vendor('slow', { delayMs: 450 }, slowStarts);
    const jobs: VerifyJob[] = [
      { key: 'slow-1', provider: slow, credential: { value: 'FAKE-slow-1' } },
      ...Array.from({ length: 6 }, (_, i) => ({ key: `strict-${i}`, provider: strict, credential: { value: `FAKE-strict-${i}` } })),
    ];
    const out = await verifyMany(jobs, { concurrency: 1, analyze: false });
    expect([...out.values()].every((o) => o.verification.status === 'live')).toBe(true);
    expect(strictStarts).toHaveLength(6);
    // In any 300 ms window, at most 2 calls started (a little slack for timer jitter).
    for (const [i, t] of strictStarts.entries()) {
      const inWindow = strictStarts.filter((u, j) => j >= i && u - t < 290).length;
      expect(inWindow, `calls starting within 290 ms of call ${i}`).toBeLessThanOrEqual(2);
    }
  }, 20_000);
});
