import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CANCELING_WAIT_SECONDS,
  type CheckStatus,
  EVENT_HORIZON_SHARE,
  EVENT_WAIT_MAX_SECONDS,
  eventWait,
  MIN_WAIT_SHARE,
  nextWait,
  type WaitInput,
} from '#functions/check-export/next-wait.ts';
import { CheckResult } from '#shared/contract/execution.ts';

const bounds = { minSeconds: 5, maxSeconds: 1800 };
const wait = (input: Partial<WaitInput> & Pick<WaitInput, 'status'>) =>
  nextWait({ previousWaitSeconds: 20, secondsTracked: 600, ...input }, bounds);

describe('nextWait', () => {
  it.each(['COMPLETE', 'FAILED', 'CANCELED'] as const)(
    'returns a valid positive wait for the final status %s',
    (status) => {
      expect(wait({ status })).toBe(5);
    },
  );

  it('waits a short time while CANCELING, and backs off with the time tracked', () => {
    expect(wait({ status: 'CANCELING', secondsTracked: 600 })).toBe(CANCELING_WAIT_SECONDS);
    expect(wait({ status: 'CANCELING', secondsTracked: 10_000 })).toBe(200);
    expect(wait({ status: 'CANCELING', secondsTracked: 86_400 })).toBe(1728);
  });

  it.each(['STARTING', 'IN_PROGRESS', 'CANCELING'] as const)(
    'never waits less than 2 %% of the time tracked while %s, whatever the task reports',
    (status) => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 604_800 }),
          fc.option(fc.integer({ min: -5, max: 120 }), { nil: undefined }),
          fc.integer({ min: 1, max: 1800 }),
          (tracked, percent, previous) => {
            const seconds = wait({ status, secondsTracked: tracked, percent, previousWaitSeconds: previous });
            expect(seconds).toBeGreaterThanOrEqual(Math.min(1800, Math.max(5, tracked * MIN_WAIT_SHARE)));
          },
        ),
      );
    },
  );

  it('waits a bounded time on a status it does not know', () => {
    const seconds = wait({ status: 'UNKNOWN' });
    expect(seconds).toBeGreaterThanOrEqual(5);
    expect(seconds).toBeLessThanOrEqual(120);
  });

  describe('while STARTING', () => {
    it('starts short and grows with the time tracked', () => {
      const waits = [20, 40, 80, 160, 320, 640].map((tracked) =>
        wait({ status: 'STARTING', secondsTracked: tracked, previousWaitSeconds: 20 }),
      );
      expect(waits[0]).toBe(20);
      for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThan(waits[i - 1] ?? 0);
      expect(waits[5]).toBeLessThan(640);
    });

    it('never exceeds the maximum, even for a restore that takes hours', () => {
      expect(wait({ status: 'STARTING', secondsTracked: 6 * 3600 })).toBe(1800);
    });

    it('never shrinks below the previous wait or the minimum', () => {
      expect(wait({ status: 'STARTING', secondsTracked: 0, previousWaitSeconds: 1 })).toBe(5);
      expect(wait({ status: 'STARTING', secondsTracked: 10, previousWaitSeconds: 60 })).toBe(60);
    });
  });

  describe('while IN_PROGRESS', () => {
    // 10% → 40% in 60 s: 0.5 %/s, so the remaining 60% take about 120 s.
    const precise = {
      status: 'IN_PROGRESS',
      percent: 40,
      inProgress: { seconds: 60, percentAtStart: 10 },
    } as const;

    it('waits until just after the predicted completion once the estimate is precise and the end near', () => {
      const seconds = wait({ ...precise, secondsTracked: 1200 });
      expect(seconds).toBeGreaterThanOrEqual(120);
      expect(seconds).toBeLessThanOrEqual(120 * 1.15);
    });

    it('checks once more before a precisely estimated end that is still a large share of the export away', () => {
      const seconds = wait({ ...precise, secondsTracked: 300 });
      expect(seconds).toBeLessThan(110);
      expect(seconds).toBeGreaterThan(60);
    });

    it('checks again before the earliest possible completion while the estimate is still coarse', () => {
      // 2 points in 20 s: between 0.1 and 0.2 %/s when each reading may be off by a point.
      const seconds = wait({
        status: 'IN_PROGRESS',
        percent: 12,
        secondsTracked: 400,
        inProgress: { seconds: 20, percentAtStart: 10 },
      });
      const earliest = (100 - 12 - 1) / (4 / 20);
      expect(seconds).toBeLessThan(earliest);
      expect(seconds).toBeGreaterThanOrEqual(5);
    });

    it('uses the last STARTING check as an upper bound on how long the phase has run', () => {
      // First sighting at 90% and STARTING 100 s ago: at worst 0.89 %/s, so done within ~12 s.
      const seconds = wait({
        status: 'IN_PROGRESS',
        percent: 90,
        secondsTracked: 2000,
        inProgress: { seconds: 0, percentAtStart: 90, secondsSinceStarting: 100 },
      });
      // The floor (2 % of the 2,000 s tracked) is the most it may add.
      expect(seconds).toBeLessThanOrEqual(40);
    });

    it('samples again after a share of the time tracked when it first sees 0%', () => {
      const seconds = wait({
        status: 'IN_PROGRESS',
        percent: 0,
        secondsTracked: 1000,
        inProgress: { seconds: 0, percentAtStart: 0 },
      });
      expect(seconds).toBe(200);
    });

    it('checks again soon at 100% while the task is not yet COMPLETE, backing off if it stays there', () => {
      const at100 = (tracked: number) =>
        wait({
          status: 'IN_PROGRESS',
          percent: 100,
          secondsTracked: tracked,
          inProgress: { seconds: 300, percentAtStart: 10 },
        });
      expect(at100(200)).toBe(5);
      expect(at100(4 * 3600)).toBe(288);
    });

    it('does not estimate from a percent that went backwards', () => {
      const seconds = wait({
        status: 'IN_PROGRESS',
        percent: 20,
        secondsTracked: 1000,
        inProgress: { seconds: 300, percentAtStart: 60 },
      });
      expect(seconds).toBe(200);
    });

    it('probes when PercentProgress is missing', () => {
      expect(wait({ status: 'IN_PROGRESS', secondsTracked: 100 })).toBe(20);
      expect(wait({ status: 'IN_PROGRESS', percent: Number.NaN, secondsTracked: 100 })).toBe(20);
    });

    it('stays within bounds when clocks disagree (negative durations)', () => {
      const seconds = wait({
        status: 'IN_PROGRESS',
        percent: 50,
        secondsTracked: -300,
        inProgress: { seconds: -30, percentAtStart: 10, secondsSinceStarting: -10 },
      });
      expect(seconds).toBe(5);
    });
  });

  it('always returns a whole number of seconds within the bounds, whatever it is given', () => {
    const status = fc.constantFrom<CheckStatus>(...CheckResult.shape.status.options);
    const number = fc.oneof(fc.double(), fc.integer({ min: -10, max: 200 }));
    fc.assert(
      fc.property(
        status,
        fc.option(number, { nil: undefined }),
        number,
        number,
        fc.option(fc.record({ seconds: number, percentAtStart: number, secondsSinceStarting: number }), {
          nil: undefined,
        }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 60, max: 7200 }),
        (s, percent, previousWaitSeconds, secondsTracked, inProgress, minSeconds, maxSeconds) => {
          const seconds = nextWait(
            { status: s, percent, previousWaitSeconds, secondsTracked, inProgress },
            { minSeconds, maxSeconds },
          );
          expect(Number.isInteger(seconds)).toBe(true);
          expect(seconds).toBeGreaterThanOrEqual(minSeconds);
          expect(seconds).toBeLessThanOrEqual(maxSeconds);
        },
      ),
    );
  });
});

describe('eventWait', () => {
  const bounds = { minSeconds: 5, maxSeconds: 1800 };
  const input = (extra: Partial<WaitInput>): WaitInput => ({
    status: 'IN_PROGRESS',
    previousWaitSeconds: 20,
    secondsTracked: 600,
    ...extra,
  });

  it('waits three times the time tracked before the task reports a rate', () => {
    expect(eventWait(input({ status: 'STARTING' }), 60, bounds)).toBe(EVENT_HORIZON_SHARE * 600);
    expect(eventWait(input({ percent: 1 }), 60, bounds)).toBe(EVENT_HORIZON_SHARE * 600);
  });

  it('waits until the latest end the average pace so far allows, when that is sooner', () => {
    // 75 % after 600 s: at that pace (STARTING counted as no progress) 26/74 × 600 s more at most.
    expect(eventWait(input({ percent: 75 }), 60, bounds)).toBe(Math.ceil(((600 * 26) / 74) * 1.01));
  });

  it('is never shorter than the polling wait, nor longer than the event wait ceiling', () => {
    expect(eventWait(input({ percent: 99 }), 300, bounds)).toBe(300);
    expect(eventWait(input({ status: 'STARTING', secondsTracked: 86_400 }), 60, bounds)).toBe(
      EVENT_WAIT_MAX_SECONDS,
    );
  });

  it('treats a time tracked that is not a number as none', () => {
    expect(eventWait(input({ status: 'STARTING', secondsTracked: Number.NaN }), 60, bounds)).toBe(60);
  });
});
