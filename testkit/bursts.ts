import type { LocalStack } from '#local/stack.ts';

/**
 * What the local-stack bursts share (bench/lib/burst.ts, bench/lib/accounts-burst.ts and
 * test/e2e/accounts.test.ts): seeded draws, the ideal schedule to measure against, and a sampler of
 * the export tasks in flight.
 */

/** Mulberry32: a small seeded PRNG, so every run draws the same durations. */
export function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Makespan of the tasks run 5 at a time in the given order, each starting the moment a slot frees. */
export function idealMakespan(durations: number[], slots = 5): number {
  const free = Array<number>(slots).fill(0);
  for (const d of durations) {
    const i = free.indexOf(Math.min(...free));
    free[i] = (free[i] ?? 0) + d;
  }
  return Math.max(...free);
}

/**
 * Samples every account's export tasks while a burst runs: the most in flight at once in each
 * account and in all. `stop()` ends the sampling.
 */
export function sampleInFlight(stack: Pick<LocalStack, 'accounts'>, everyMs = 2) {
  const most = { total: 0, perAccount: new Map<string, number>() };
  const timer = setInterval(() => {
    let total = 0;
    for (const account of stack.accounts) {
      const active = account.tasks.active();
      total += active;
      most.perAccount.set(account.id, Math.max(most.perAccount.get(account.id) ?? 0, active));
    }
    most.total = Math.max(most.total, total);
  }, everyMs);
  return { most, stop: () => clearInterval(timer) };
}
