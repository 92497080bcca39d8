import { describe, expect, it } from 'vitest';
import { LocalEventBus } from '#local/eventbridge/delivery.ts';
import type { SimulatedClock } from '#local/runtime/clock.ts';

/** A clock whose sleeps end at once: only the faults are under test here. */
const clock: SimulatedClock = {
  scale: 1,
  now: () => Date.now(),
  realMs: (seconds) => seconds * 1000,
  sleep: async () => {},
};

function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a * 1103515245 + 12345) % 2 ** 31;
    return a / 2 ** 31;
  };
}

describe('the local EventBridge delivery', () => {
  it('drops and doubles exactly the configured shares, whichever events it picks', async () => {
    for (const seed of [1, 2, 3, 42, 1000]) {
      const received: unknown[] = [];
      const bus = new LocalEventBus(clock, { drop: 0.3, duplicate: 0.1, maxDelaySeconds: 0 }, seeded(seed));
      bus.target = async (event) => received.push(event);
      for (let i = 0; i < 20; i++) bus.emit({ i });
      await bus.drain();
      expect(bus.stats.dropped, `seed ${seed}`).toBe(6);
      // 10 % of the 14 delivered: 1 or 2, depending on where the share starts; never none.
      expect([1, 2], `seed ${seed}`).toContain(bus.stats.duplicated);
      expect(received).toHaveLength(14 + bus.stats.duplicated);
      expect(bus.stats.delivered).toBe(received.length);
    }
  });

  it('delivers every event once without faults, and none with drop 1', async () => {
    const clean = new LocalEventBus(clock);
    let count = 0;
    clean.target = async () => {
      count++;
    };
    for (let i = 0; i < 50; i++) clean.emit({ i });
    await clean.drain();
    expect(count).toBe(50);
    const lossy = new LocalEventBus(clock, { drop: 1, duplicate: 0, maxDelaySeconds: 0 });
    lossy.target = async () => {
      count++;
    };
    for (let i = 0; i < 50; i++) lossy.emit({ i });
    await lossy.drain();
    expect(count).toBe(50);
    expect(lossy.stats.dropped).toBe(50);
  });
});
