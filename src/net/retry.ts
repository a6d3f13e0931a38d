import pRetry, { AbortError } from 'p-retry';

/**
 * The one retry loop: every call credctl repeats (provider operations, target writes, HTTP
 * requests) is idempotent, so a transient failure (5xx, 429, timeout, reset, a garbled body) is
 * tried again with doubling, jittered backoff; anything else (a 4xx, a refusal) fails at once.
 * p-retry does the scheduling; callers say what counts as transient.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** First backoff (ms), doubled each time. */
  backoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, backoffMs: 200 };

export interface RetryOptions {
  /** Extra wait the failure asks for (an HTTP Retry-After), in ms. */
  waitFor?(err: unknown): number;
}

export async function retryTransient<T>(
  fn: () => Promise<T>,
  isTransient: (err: unknown) => boolean,
  policy: RetryPolicy = DEFAULT_RETRY,
  options: RetryOptions = {},
): Promise<T> {
  if (policy.attempts <= 1) return fn();
  // p-retry reports the most frequent failure when it gives up; callers want the last one.
  let last: unknown;
  try {
    return await pRetry(
      async () => {
        try {
          return await fn();
        } catch (err) {
          last = err;
          if (!isTransient(err)) throw new AbortError(asError(err));
          throw asError(err);
        }
      },
      {
        retries: policy.attempts - 1,
        factor: 2,
        minTimeout: policy.backoffMs,
        maxTimeout: policy.backoffMs * 2 ** Math.max(0, policy.attempts - 2) * 1.25,
        randomize: true,
        onFailedAttempt: async (err) => {
          const wait = options.waitFor?.(last) ?? 0;
          if (wait > 0 && err.retriesLeft > 0) await new Promise((r) => setTimeout(r, wait));
        },
      },
    );
  } catch (err) {
    throw last ?? err;
  }
}

/** p-retry only handles Error objects. */
function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
