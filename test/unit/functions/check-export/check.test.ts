import {
  DescribeExportTasksCommand,
  type ExportTask,
  RDSClient,
  RDSServiceException,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type CheckDeps, checkExport, NOT_LISTED_GRACE_CHECKS } from '#functions/check-export/check.ts';
import { classified } from '#shared/aws/classified.ts';
import { CheckResult, type ExecutionState } from '#shared/contract/execution.ts';
import { job } from '../start-export/job.ts';
import { ID, startedState } from './state.ts';

const rds = mockClient(RDSClient);
const T0 = Date.parse('2024-05-01T08:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

const deps = (secondsAfterT0: number): CheckDeps => ({
  rds: classified(new RDSClient({ region: 'us-east-1' }), 'rds'),
  now: () => at(secondsAfterT0),
  bounds: { minSeconds: 5, maxSeconds: 1800 },
});

const listing = (task: Partial<ExportTask>) =>
  rds.on(DescribeExportTasksCommand).resolves({ ExportTasks: [{ ExportTaskIdentifier: ID, ...task }] });

beforeEach(() => rds.reset());

describe('checkExport', () => {
  it.each(['STARTING', 'IN_PROGRESS', 'COMPLETE', 'FAILED', 'CANCELING', 'CANCELED'] as const)(
    'passes the documented status %s to the state machine',
    async (status) => {
      listing({ Status: status, PercentProgress: 50 });
      const result = await checkExport(startedState(), deps(20));
      expect(result.status).toBe(status);
      expect(Number.isInteger(result.waitSeconds) && result.waitSeconds > 0).toBe(true);
      expect(CheckResult.parse(result)).toEqual(result);
    },
  );

  it('reports a status it does not know as UNKNOWN and keeps the raw one in the task', async () => {
    listing({ Status: 'PAUSED' });
    const result = await checkExport(startedState(), deps(20));
    expect(result).toMatchObject({ status: 'UNKNOWN', task: { status: 'PAUSED' } });
  });

  it('accepts a documented status in another case', async () => {
    listing({ Status: 'complete' });
    await expect(checkExport(startedState(), deps(20))).resolves.toMatchObject({ status: 'COMPLETE' });
  });

  it('keeps the failure cause of a FAILED task for the notifier', async () => {
    listing({ Status: 'FAILED', FailureCause: 'S3 credential check failed.' });
    await expect(checkExport(startedState(), deps(20))).resolves.toMatchObject({
      status: 'FAILED',
      task: { failureCause: 'S3 credential check failed.' },
    });
  });

  it('counts checks and remembers when tracking began and when it last saw STARTING', async () => {
    listing({ Status: 'STARTING', PercentProgress: 0 });
    const first = await checkExport(startedState(), deps(20));
    expect(first).toMatchObject({
      polls: 1,
      trackingSince: at(0).toISOString(),
      startingSeenAt: at(20).toISOString(),
      waitSeconds: 20,
      // No rate yet: three times the 20 s tracked.
      eventWaitSeconds: 60,
    });
    const second = await checkExport({ ...startedState(), check: first }, deps(40));
    expect(second).toMatchObject({
      polls: 2,
      trackingSince: at(0).toISOString(),
      startingSeenAt: at(40).toISOString(),
    });
    expect(second.waitSeconds).toBeGreaterThanOrEqual(first.waitSeconds);
  });

  it('records the first IN_PROGRESS sighting and estimates the completion from it', async () => {
    listing({ Status: 'STARTING' });
    const starting = await checkExport(startedState(), deps(20));
    listing({ Status: 'IN_PROGRESS', PercentProgress: 10 });
    const first = await checkExport({ ...startedState(), check: starting }, deps(700));
    expect(first).toMatchObject({ inProgressSince: at(700).toISOString(), inProgressSincePercent: 10 });

    listing({ Status: 'IN_PROGRESS', PercentProgress: 50 });
    const later = await checkExport({ ...startedState(), check: first }, deps(800));
    expect(later).toMatchObject({
      inProgressSince: at(700).toISOString(),
      inProgressSincePercent: 10,
      polls: 3,
    });
    // 40 points in 100 s: the remaining 50 take about 125 s; it waits until just after the latest
    // completion whole-percent readings allow (51 points at 38 points per 100 s, about 134 s).
    expect(later.waitSeconds).toBeGreaterThanOrEqual(125);
    expect(later.waitSeconds).toBeLessThanOrEqual(140);
  });

  it('measures again from a percent that went backwards', async () => {
    listing({ Status: 'IN_PROGRESS', PercentProgress: 5 });
    const previous: CheckResult = {
      task: { exportTaskIdentifier: ID, status: 'IN_PROGRESS', percentProgress: 70 },
      status: 'IN_PROGRESS',
      waitSeconds: 60,
      // 70 % after 300 s tracked: at the average pace so far it ends within 300 × 31 / 69 s more.
      eventWaitSeconds: Math.ceil(((300 * 31) / 69) * 1.01),
      polls: 4,
      checkedAt: at(300).toISOString(),
      trackingSince: at(0).toISOString(),
      inProgressSince: at(100).toISOString(),
      inProgressSincePercent: 60,
    };
    const result = await checkExport({ ...startedState(), check: previous }, deps(400));
    expect(result).toMatchObject({
      inProgressSince: at(400).toISOString(),
      inProgressSincePercent: 5,
      polls: 5,
    });
  });

  it('does not carry a PercentProgress outside 0–100 into the next input', async () => {
    listing({ Status: 'IN_PROGRESS', PercentProgress: 140 });
    const result = await checkExport(startedState(), deps(20));
    expect(result.inProgressSincePercent).toBeUndefined();
    expect(CheckResult.parse(result)).toEqual(result);
  });

  it('starts the clock at TaskStartTime for a task that was already running', async () => {
    listing({ Status: 'STARTING', TaskStartTime: at(-3600) });
    const state: ExecutionState = {
      ...job(),
      start: {
        outcome: 'tracking-existing',
        task: { exportTaskIdentifier: ID, status: 'STARTING', taskStartTime: at(-3600).toISOString() },
        waitSeconds: 20,
        eventWaitSeconds: 900,
        checkedAt: '2024-05-01T08:00:00.000Z',
      },
    };
    const result = await checkExport(state, deps(20));
    expect(result.trackingSince).toBe(at(-3600).toISOString());
    expect(result.waitSeconds).toBeGreaterThan(1000);
  });

  it('ignores a TaskStartTime in its future (clock skew)', async () => {
    listing({ Status: 'STARTING', TaskStartTime: at(3600) });
    const state: ExecutionState = {
      ...job(),
      start: {
        outcome: 'tracking-existing',
        task: { exportTaskIdentifier: ID, status: 'STARTING' },
        waitSeconds: 20,
        eventWaitSeconds: 900,
        checkedAt: '2024-05-01T08:00:00.000Z',
      },
    };
    await expect(checkExport(state, deps(20))).resolves.toMatchObject({ trackingSince: at(0).toISOString() });
  });

  it(`treats a task not listed yet as STARTING for the first ${NOT_LISTED_GRACE_CHECKS} checks (listing lags the start)`, async () => {
    rds.on(DescribeExportTasksCommand).resolves({ ExportTasks: [] });
    let state = startedState();
    for (let poll = 1; poll <= NOT_LISTED_GRACE_CHECKS; poll++) {
      const result = await checkExport(state, deps(20 * poll));
      expect(result).toMatchObject({ status: 'STARTING', polls: poll, task: { exportTaskIdentifier: ID } });
      state = { ...state, check: result };
    }
    await expect(checkExport(state, deps(200))).rejects.toMatchObject({
      name: 'ExportTaskNotFoundError',
      message: expect.stringContaining(ID),
    });
  });

  it('fails with AwsThrottledError when DescribeExportTasks is throttled', async () => {
    rds.on(DescribeExportTasksCommand).rejects(
      new RDSServiceException({
        name: 'Throttling',
        message: 'Rate exceeded',
        $fault: 'client',
        $metadata: {},
      }),
    );
    await expect(checkExport(startedState(), deps(20))).rejects.toMatchObject({
      name: 'AwsThrottledError',
      message: expect.stringMatching(
        /^DescribeExportTasks \(ExportTaskIdentifier=[^)]+\) failed: Throttling: Rate exceeded$/,
      ),
    });
  });

  it('refuses a state whose export was not started', async () => {
    const queued: ExecutionState = {
      ...job(),
      start: {
        outcome: 'queued',
        waitSeconds: 60,
        activeExports: 5,
        alertDue: false,
        queue: { since: at(0).toISOString(), attempts: 1, alerted: false },
      },
    };
    await expect(checkExport(queued, deps(20))).rejects.toMatchObject({ name: 'InvalidInputError' });
    await expect(checkExport(job(), deps(20))).rejects.toMatchObject({ name: 'InvalidInputError' });
    expect(rds.calls()).toHaveLength(0);
  });
});
