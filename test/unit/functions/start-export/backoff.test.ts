import { describe, expect, it } from 'vitest';
import { queueWait } from '#functions/start-export/backoff.ts';

describe('queueWait', () => {
  it('doubles the step per attempt from the base, up to the cap', () => {
    const highest = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6].map((n) => queueWait(n, 60, 900, highest))).toEqual([
      60, 120, 240, 480, 900, 900,
    ]);
  });

  it('keeps at least half of the step whatever the jitter draws', () => {
    const lowest = () => 0;
    expect([1, 2, 3, 4, 5].map((n) => queueWait(n, 60, 900, lowest))).toEqual([30, 60, 120, 240, 450]);
  });

  it('spreads executions that queue at the same moment', () => {
    const draws = [0.1, 0.5, 0.9].map((r) => queueWait(3, 60, 900, () => r));
    expect(new Set(draws).size).toBe(3);
    for (const wait of draws) expect(wait).toBeGreaterThanOrEqual(120);
  });

  it('returns a positive whole number of seconds within the cap for odd inputs', () => {
    for (const [attempt, base, cap, r] of [
      [0, 1, 1, 0],
      [1000, 60, 900, 0.5],
      [2, 1, 5, -3],
      [2, 1, 5, 7],
    ] as const) {
      const wait = queueWait(attempt, base, cap, () => r);
      expect(Number.isInteger(wait)).toBe(true);
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(cap);
    }
  });
});
