import { mapLimit } from '#shared/aws/concurrency.ts';

/**
 * How many requests prune keeps in flight, per service. It sent them one at a time, which at real
 * latencies could outrun its 900 s timeout (10 exports of 2,000 tables: about 4,200 requests, 210 s
 * at 50 ms each; `npm run bench -- prune` measures the difference).
 *
 * - Glue: 16, as many as register-export's tables in flight (functions/register-export, `glueConcurrency`).
 *   Glue throttles each account's API requests per Region (AWS Knowledge Center,
 *   "glue-throttling-rate-exceeded"); the clients' adaptive retry mode (shared/aws/client-config.ts)
 *   slows a throttled client down.
 * - S3: 4 exports at once, each listed whole and then deleted a request at a time, so at most 4
 *   exports' listings are held in memory (a folder lists up to a million versions; the function has
 *   256 MB). A DeleteObjects request deletes up to 1,000 keys, and S3 takes 3,500
 *   PUT/COPY/POST/DELETE requests per second per partitioned prefix, answering 503 Slow Down beyond
 *   what it has scaled to (AWS Knowledge Center, "http-5xx-errors-s3"); a source's exports share its
 *   prefix, so a few requests at once stay near that rate, and the client backs off from a Slow Down.
 * - Step Functions and DynamoDB (which exports this deployment started): 8, one DescribeExecution
 *   (and at most one GetItem) per export beyond retention.
 */
export const PRUNE_CONCURRENCY = Object.freeze({ glue: 16, s3: 4, ownership: 8 });
export type Concurrency = { glue: number; s3: number; ownership: number };

/**
 * What the run keeps of its time limit once it stops starting requests: those in flight finish
 * (each one request, which its client may send 5 times with at most 15 s of backoff in all,
 * shared/aws/client-config.ts; a DeleteObjects of 1,000 keys is the slowest), and the result is
 * logged. prune's timeout is 900 s (serverless.yml), so about 780 s prune.
 */
export const TIME_RESERVE_MS = 120_000;

/** True once fewer than `reserveMs` milliseconds are left (never, without a clock). */
export function timeIsUp(
  remainingMs: (() => number) | undefined,
  reserveMs = TIME_RESERVE_MS,
): () => boolean {
  return () => remainingMs !== undefined && remainingMs() < reserveMs;
}

/** One item's outcome: `done` with its value, or never started (time was up, or another item failed). */
export type Outcome<R> = { done: true; value: R } | { done: false };

/**
 * `fn` over the items, at most `limit` at once (mapLimit, shared/aws/concurrency.ts), in order. No
 * item starts once `stop()` says so or an item has failed; those in flight finish (an item of
 * several requests asks `halted()` between them), then the first failure is thrown. So neither a
 * failure nor the time limit leaves a request running behind the caller.
 */
export async function bounded<T, R>(
  items: readonly T[],
  limit: number,
  stop: () => boolean,
  fn: (item: T, halted: () => boolean) => Promise<R>,
): Promise<Outcome<R>[]> {
  let failure: { error: unknown } | undefined;
  const halted = () => failure !== undefined || stop();
  const outcomes = await mapLimit(items, limit, async (item): Promise<Outcome<R>> => {
    if (halted()) return { done: false };
    try {
      return { done: true, value: await fn(item, halted) };
    } catch (error) {
      failure ??= { error };
      return { done: false };
    }
  });
  if (failure !== undefined) throw failure.error;
  return outcomes;
}
