import { type AwsService, isRetryableAwsError } from './aws-errors.ts';

/** Retry with backoff and bounded concurrency for the Glue and S3 calls of register-export and prune. */

export type RetryOptions = {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Whose fault table decides what is transient (shared/aws-errors.ts); Glue unless given. */
  service?: AwsService;
};

export const DEFAULT_RETRY: RetryOptions = { attempts: 8, baseDelayMs: 200, maxDelayMs: 10_000 };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Delay before retry `attempt` (1-based): exponential, capped, with full jitter so callers spread out. */
export function backoffDelay(attempt: number, opts: RetryOptions): number {
  const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor((opts.random ?? Math.random)() * ceiling);
}

/** Runs `fn` until it succeeds, fails with a non-retryable error, or runs out of attempts. */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions = DEFAULT_RETRY): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= opts.attempts || !isRetryableAwsError(err, opts.service ?? 'glue')) throw err;
      await (opts.sleep ?? sleep)(backoffDelay(attempt, opts));
    }
  }
}

/** `fn` over every item with at most `limit` calls in flight; results keep the items' order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
