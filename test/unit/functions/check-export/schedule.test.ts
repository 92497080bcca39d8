import { DescribeExportTasksCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkExport } from '#functions/check-export/check.ts';
import { FIRST_CHECK_WAIT_SECONDS } from '#functions/start-export/start.ts';
import type { CheckResult } from '#shared/contract/execution.ts';
import { ID, startedState } from './state.ts';

/**
 * The whole polling loop against a simulated export: STARTING for a share of its duration, then
 * IN_PROGRESS with PercentProgress growing linearly in whole percents, then COMPLETE. Time is
 * simulated, so this runs in milliseconds. Goal (issue 2): at most 12 checks per export and
 * completion noticed within 5% of its duration, for exports of 1 to 60 minutes.
 */
const rds = mockClient(RDSClient);
const client = new RDSClient({ region: 'us-east-1' });
const T0 = Date.parse('2024-05-01T08:00:00.000Z');

function simulate(
  durationSeconds: number,
  startingShare: number,
  whole: (x: number) => number,
  pace: (share: number) => number = (share) => share,
) {
  const starting = durationSeconds * startingShare;
  let now = 0;
  rds.on(DescribeExportTasksCommand).callsFake(() => {
    const status = now >= durationSeconds ? 'COMPLETE' : now >= starting ? 'IN_PROGRESS' : 'STARTING';
    const progress = status === 'STARTING' ? 0 : 100 * pace((now - starting) / (durationSeconds - starting));
    return {
      ExportTasks: [
        { ExportTaskIdentifier: ID, Status: status, PercentProgress: Math.min(100, whole(progress)) },
      ],
    };
  });
  return async () => {
    let state = startedState({ waitSeconds: FIRST_CHECK_WAIT_SECONDS });
    let check: CheckResult | undefined;
    now = FIRST_CHECK_WAIT_SECONDS;
    for (let polls = 1; polls <= 50; polls++) {
      const at = now;
      check = await checkExport(state, {
        rds: client,
        now: () => new Date(T0 + at * 1000),
        bounds: { minSeconds: 5, maxSeconds: 1800 },
      });
      if (check.status === 'COMPLETE')
        return { checks: check.polls, late: (now - durationSeconds) / durationSeconds };
      state = { ...state, check };
      now += check.waitSeconds;
    }
    throw new Error('never noticed completion');
  };
}

beforeEach(() => rds.reset());

describe('polling schedule', () => {
  const durations = [60, 75, 90, 120, 180, 300, 450, 600, 900, 1200, 1800, 2400, 3000, 3600];
  const stretch = [1, 1.0037, 1.033, 1.077];
  const startingShares = [0, 0.1, 0.25, 0.4, 0.5];

  it.each([
    ['floored', Math.floor],
    ['rounded', Math.round],
  ])(
    'checks a 1–60 minute export with %s percents at most 12 times and notices completion within 5% of its duration',
    async (_, whole) => {
      let worstChecks = 0;
      let worstLate = 0;
      for (const base of durations)
        for (const factor of stretch)
          for (const share of startingShares) {
            rds.reset();
            const outcome = await simulate(base * factor, share, whole)();
            worstChecks = Math.max(worstChecks, outcome.checks);
            worstLate = Math.max(worstLate, outcome.late);
          }
      expect(worstChecks).toBeLessThanOrEqual(12);
      expect(worstLate).toBeLessThanOrEqual(0.05);
      expect(worstLate).toBeGreaterThanOrEqual(0);
    },
  );

  it.each([
    { pace: 'slows down', exponent: 0.9 },
    { pace: 'speeds up', exponent: 1.1 },
  ])(
    'keeps to 12 checks and the 5 percent goal when progress $pace (share ** $exponent)',
    async ({ exponent }) => {
      let worstChecks = 0;
      let worstLate = 0;
      for (const base of durations)
        for (const factor of stretch)
          for (const share of startingShares) {
            rds.reset();
            const outcome = await simulate(base * factor, share, Math.floor, (x) => x ** exponent)();
            worstChecks = Math.max(worstChecks, outcome.checks);
            worstLate = Math.max(worstLate, outcome.late);
          }
      expect(worstChecks).toBeLessThanOrEqual(12);
      expect(worstLate).toBeLessThanOrEqual(0.05);
    },
  );

  it('does not poll a 12-hour export every minute', async () => {
    const outcome = await simulate(12 * 3600, 0.3, Math.floor)();
    expect(outcome.checks).toBeLessThanOrEqual(40);
    expect(outcome.late).toBeLessThanOrEqual(0.05);
  });
});
