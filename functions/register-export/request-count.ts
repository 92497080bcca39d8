import type { MiddlewareStack } from '@smithy/types';

/** Requests a client sent, by operation (`GetObjectCommand` → 3), every attempt counted. */
export type RequestCounts = Map<string, number>;

type Counted = { middlewareStack: Pick<MiddlewareStack<object, object>, 'add'> };

const counters = new WeakMap<object, RequestCounts>();

/**
 * Counts the requests a client sends, per operation, with a middleware in the client's own stack
 * (`middlewareStack.add`, the SDK's extension point) rather than counters threaded through the
 * code. It sits in the finalizeRequest step after the retry middleware (which the SDK adds there
 * with high priority), so a request the client retries counts once per attempt: what AWS bills and
 * throttles. Adding it twice to one client counts once.
 */
export function countRequests(client: Counted): RequestCounts {
  const existing = counters.get(client);
  if (existing) return existing;
  const counts: RequestCounts = new Map();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'countRequests' },
  );
  counters.set(client, counts);
  return counts;
}

/** The requests counted so far, in all or of the operations `match` accepts. */
export function totalRequests(counts: RequestCounts, match: (operation: string) => boolean = () => true) {
  let total = 0;
  for (const [operation, n] of counts) if (match(operation)) total += n;
  return total;
}
