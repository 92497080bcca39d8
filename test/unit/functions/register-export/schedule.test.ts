import { describe, expect, it } from 'vitest';
import { runScheduled } from '#functions/register-export/schedule.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('runScheduled', () => {
  it('halves the tables in flight after a transient failure, runs that table again later and grows back', async () => {
    const inFlight: number[] = [];
    let active = 0;
    const failures = new Set([0, 1, 2]);
    const results = await runScheduled(
      Array.from({ length: 40 }, (_, i) => i),
      { limit: 8, stop: () => false, transient: (r) => r === 'throttled', retries: 3 },
      async (i) => {
        active++;
        inFlight.push(active);
        await tick();
        active--;
        if (failures.delete(i)) return 'throttled';
        return 'ok';
      },
    );

    expect(results.every((r) => r === 'ok')).toBe(true);
    expect(Math.max(...inFlight)).toBe(8);
    // After three throttled tables (8 → 4 → 2 → 1, one more per success since) the next starts
    // find fewer tables in flight than the limit of 8.
    expect(Math.max(...inFlight.slice(8, 14))).toBeLessThan(8);
  });

  it('gives up on a table after its reruns and keeps its last transient result', async () => {
    let runs = 0;
    const results = await runScheduled(
      ['t'],
      { limit: 4, stop: () => false, transient: (r) => r === 'throttled', retries: 2 },
      async () => {
        runs++;
        return 'throttled';
      },
    );

    expect(runs).toBe(3);
    expect(results).toEqual(['throttled']);
  });

  it('starts no table once told to stop, but always the first', async () => {
    const started: number[] = [];
    const results = await runScheduled(
      [0, 1, 2],
      { limit: 1, stop: () => true, transient: () => false, retries: 0 },
      async (i) => {
        started.push(i);
        return i;
      },
    );

    expect(started).toEqual([0]);
    expect(results).toEqual([0, undefined, undefined]);
  });
});
