/**
 * Seconds from `from` to `to` (ISO strings or Dates), the one rule for elapsed time: never negative,
 * because the time may come from another invocation's clock that runs ahead of this one, and
 * undefined when either end is missing or not a time. `whole` rounds to the nearest second for
 * what people read (a notification's duration); metrics, waits and the CLI's JSON keep the fraction.
 */
export function secondsBetween(
  from: string | Date | undefined,
  to: string | Date | undefined,
  precision: 'exact' | 'whole' = 'exact',
): number | undefined {
  if (from === undefined || to === undefined) return undefined;
  const seconds = (new Date(to).getTime() - new Date(from).getTime()) / 1000;
  if (!Number.isFinite(seconds)) return undefined;
  const elapsed = Math.max(0, seconds);
  return precision === 'whole' ? Math.round(elapsed) : elapsed;
}
