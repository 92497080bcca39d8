/**
 * How register-export runs its tables: in order, at most `limit` at once, backing off when Glue
 * throttles. A table whose writes still failed transiently after its client's retries (throttling,
 * 5xx: the SDK's adaptive mode has already slowed that client's sending rate) goes back to the end
 * of the queue and the number of tables in flight is halved; each table that succeeds adds one back,
 * up to `limit` (additive increase, multiplicative decrease). A throttled burst therefore slows the
 * registration down instead of failing tables. No table starts once `stop()` says the invocation's
 * time is nearly up (the first always does, so every invocation makes progress).
 */
export type ScheduleOptions<R> = {
  limit: number;
  /** True when no further table may start. */
  stop: () => boolean;
  /** True for a result worth running the table again for (a transient failure). */
  transient: (result: R) => boolean;
  /** Times a table is run again after a transient failure, within this invocation. */
  retries: number;
};

/** Runs of a table that failed transiently within one invocation (runScheduled), beyond its first. */
export const TRANSIENT_RERUNS = 3;

/** Each item's last result, undefined for an item never started. */
export async function runScheduled<T, R>(
  items: readonly T[],
  options: ScheduleOptions<R>,
  fn: (item: T) => Promise<R>,
): Promise<(R | undefined)[]> {
  const results = new Array<R | undefined>(items.length);
  const runs = new Array<number>(items.length).fill(0);
  const again: number[] = [];
  let next = 0;
  let againNext = 0;
  let active = 0;
  let started = 0;
  let limit = Math.max(1, options.limit);
  const take = (): number | undefined => {
    if (started > 0 && options.stop()) return undefined;
    if (next < items.length) return next++;
    if (againNext < again.length) return again[againNext++];
    return undefined;
  };
  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      while (active < limit) {
        const i = take();
        if (i === undefined) break;
        active++;
        started++;
        runs[i] = (runs[i] ?? 0) + 1;
        fn(items[i] as T).then((result) => {
          active--;
          results[i] = result;
          if (options.transient(result)) {
            limit = Math.max(1, Math.floor(limit / 2));
            if ((runs[i] ?? 0) <= options.retries) again.push(i);
          } else limit = Math.min(options.limit, limit + 1);
          pump();
        }, reject);
      }
      if (active === 0) resolve();
    };
    pump();
  });
  return results;
}
