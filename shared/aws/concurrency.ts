/**
 * Bounded concurrency for the calls of register-export, the graph selection (shared/sources/graph/graphs.ts)
 * and the operations CLI. Retries are not here: each SDK client retries its own calls
 * (shared/aws/client-config.ts).
 */

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
