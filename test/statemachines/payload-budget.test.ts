import { describe, expect, it } from 'vitest';
import { boundedResult } from '#functions/register-export/report.ts';
import { type ExecutionState, NotifyInput } from '#shared/contract/execution.ts';
import { BUDGET, STATE_LIMIT_BYTES } from '#shared/contract/payload.ts';
import { EXPORT_ONLY_MAX_BYTES } from '#shared/policy/export-only.ts';
import { ERROR_MESSAGE_MAX_CHARS } from '#shared/runtime/handler.ts';
import { toSummary } from '#shared/sources/rds/export-tasks.ts';
import { job } from '../unit/functions/start-export/job.ts';

/**
 * Step Functions caps a state at 256 KiB, and States.DataLimitExceeded is not caught by
 * States.ALL: the execution would die without a notification. This builds the largest state the
 * functions can produce, each part at its bound, and the largest notification input made from it.
 */
const name63 = (i: number) => `t_${String(i).padStart(5, '0')}_${'x'.repeat(55)}`;

function largestExportOnly(): string[] {
  const entries: string[] = [];
  while (
    Buffer.byteLength(JSON.stringify([...entries, `${name63(0)}.${name63(0)}`])) <= EXPORT_ONLY_MAX_BYTES
  ) {
    entries.push(`${name63(entries.length)}.${name63(entries.length)}`);
  }
  return entries;
}

/** A task as DescribeExportTasks could return it for an export of 10,000 skipped tables. */
function hugeTask() {
  const skippedTables = Array.from({ length: 10_000 }, (_, i) => ({
    target: `db.public.${name63(i)}`,
    reason: 'INVALID_COLUMN_NAME: a column name contains a character the export does not support',
  }));
  return toSummary(
    {
      ExportTaskIdentifier: job().exportTaskIdentifier,
      Status: 'COMPLETE',
      PercentProgress: 100,
      FailureCause: 'x'.repeat(100_000),
      WarningMessage: JSON.stringify({ skippedTables, general: [{ reason: 'y'.repeat(50_000) }] }),
      S3Bucket: 'b'.repeat(63),
      S3Prefix: 'p'.repeat(1024),
      SourceArn: job().source.arn,
    },
    job().exportTaskIdentifier,
  );
}

function largestRegistration() {
  const tables = Array.from({ length: 2_000 }, (_, i) => `db.${name63(i)}.${name63(i)}`);
  return boundedResult(
    {
      database: 'd'.repeat(255),
      registered: tables.map((target) => ({
        target,
        table: target.replace(/\./g, '_'),
        columns: 1600,
        notes: ['n'.repeat(1000)],
      })),
      skipped: tables.map((target) => ({ target, reason: 'r'.repeat(5000) })),
      failed: tables.map((target) => ({ target, reason: 'f'.repeat(5000) })),
      problems: tables.map((target) => `${target}: ${'p'.repeat(5000)}`),
      schemaChanges: tables.map((target) => ({
        target,
        table: target.replace(/\./g, '_'),
        since: 'e'.repeat(60),
        changes: ['c'.repeat(5000)],
      })),
      typedViews: { count: 4_000, written: 4_000, names: tables },
    },
    `s3://${'b'.repeat(63)}/${'p'.repeat(1024)}/report.json`,
  );
}

/** What a Catch stores at `$.error` for a Lambda error, with the handler's bounded message and stack. */
function largestCaughtError() {
  return {
    Error: 'ExportKmsKeyNotAccessibleError',
    Cause: JSON.stringify({
      errorType: 'ExportKmsKeyNotAccessibleError',
      errorMessage: 'm'.repeat(ERROR_MESSAGE_MAX_CHARS),
      trace: ['t'.repeat(2000)],
    }),
  };
}

describe('the size of the export state', () => {
  it('keeps each bounded part within its budget', () => {
    const task = hugeTask();
    expect(Buffer.byteLength(task.warningMessage ?? '')).toBeLessThanOrEqual(BUDGET.warningMessageBytes);
    expect(task.failureCause?.length).toBeLessThanOrEqual(BUDGET.failureCauseChars);
    expect(JSON.parse(task.warningMessage ?? '')).toMatchObject({
      omitted: { skippedTables: expect.any(Number) },
    });
    expect(Buffer.byteLength(JSON.stringify(largestRegistration()))).toBeLessThanOrEqual(
      BUDGET.registrationBytes,
    );
  });

  it('stays below 256 KiB at its largest, also as the input of the completed notification', () => {
    const task = hugeTask();
    const base = job();
    const exportOnly = largestExportOnly();
    const state: ExecutionState = {
      ...base,
      request: { ...base.request, S3Prefix: 'p'.repeat(1024), ExportOnly: exportOnly },
      start: {
        outcome: 'tracking-existing',
        task,
        waitSeconds: 20,
        eventWaitSeconds: 900,
        checkedAt: '2024-05-01T06:00:00.000Z',
        queue: { since: '2024-05-01T06:00:00.000Z', attempts: 600, alerted: true },
      },
      check: {
        task,
        status: 'COMPLETE',
        waitSeconds: 5,
        eventWaitSeconds: 5,
        polls: 900,
        checkedAt: '2024-05-01T06:00:00.000Z',
        trackingSince: '2024-05-01T06:00:00.000Z',
        inProgressSince: '2024-05-01T07:00:00.000Z',
        inProgressSincePercent: 0,
        startingSeenAt: '2024-05-01T06:59:00.000Z',
      },
      registration: largestRegistration(),
      error: largestCaughtError(),
    };
    const notification = {
      kind: 'completed',
      executionId: `arn:aws:states:us-east-1:123456789012:execution:${'s'.repeat(80)}:${'e'.repeat(80)}`,
      state: { ...state, notification: largestCaughtError() },
    };
    expect(NotifyInput.parse(notification)).toEqual(notification);
    const size = Buffer.byteLength(JSON.stringify(notification));
    expect(size).toBeLessThan(STATE_LIMIT_BYTES);
    // The margin is what the lambda:invoke integration's own fields and future fields may use.
    expect(size).toBeLessThan(STATE_LIMIT_BYTES * 0.75);
  });
});
