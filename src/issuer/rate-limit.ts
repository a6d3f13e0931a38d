/**
 * A fixed-window counter per caller (the remote address), for the endpoints anyone may call
 * without credentials: leak reports and access requests. It answers how long to wait, which the
 * issuer sends as Retry-After.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** undefined = allowed; otherwise the seconds until the caller may try again. */
  take(caller: string, now = Date.now()): number | undefined {
    if (this.windows.size > 10_000) this.prune(now);
    const w = this.windows.get(caller);
    if (!w || now - w.start >= this.windowMs) {
      this.windows.set(caller, { start: now, count: 1 });
      return undefined;
    }
    if (w.count >= this.limit) return Math.ceil((w.start + this.windowMs - now) / 1000);
    w.count += 1;
    return undefined;
  }

  private prune(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
  }
}
