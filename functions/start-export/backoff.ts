/**
 * Wait before the next look for a free export slot: exponential backoff with "equal jitter" (half
 * of the step fixed, half random), so queued executions spread out instead of polling in lockstep,
 * and no wait collapses to almost nothing the way full jitter allows.
 * `attempt` counts from 1; `random` returns a number in [0, 1).
 */
export function queueWait(
  attempt: number,
  baseSeconds: number,
  maxSeconds: number,
  random: () => number,
): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const step = Math.min(maxSeconds, baseSeconds * 2 ** exponent);
  const jitter = Math.min(Math.max(random(), 0), 1);
  return Math.min(maxSeconds, Math.max(1, Math.ceil(step / 2 + (jitter * step) / 2)));
}
