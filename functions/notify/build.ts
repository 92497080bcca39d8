import {
  type ExecutionState,
  type ExportTaskSummary,
  isGraphJob,
  type NotifyInput,
  type RdsExportJob,
  sourceLabel,
} from '#shared/contract/execution.ts';
import { formatDuration } from '#shared/notify/format.ts';
import type { Notification } from '#shared/notify/notification.ts';
import { secondsBetween } from '#shared/runtime/time.ts';
import { describeCaughtError } from './caught-error.ts';
import { registrationSummary } from './completed.ts';
import { explainFailureCause } from './failure-messages.ts';
import { graphDestination, graphDetails, graphQueuedTooLong, graphUnknownStatus } from './graph-details.ts';
import { remedyFor } from './remedies.ts';

/** The notification for one outcome of an export execution. `now` dates the queued-too-long wait. */
export function buildNotification(input: NotifyInput, now: Date = new Date()): Notification {
  const { kind, state } = input;
  const what = sourceLabel(state.source);
  const task = currentTask(state);
  // Filled in per kind below; shared by reference with `base`.
  const details: Record<string, string | number | boolean> = {
    rule: state.rule,
    engine: state.source.engine,
    ...(state.source.snapshotType === undefined ? {} : { snapshotType: state.source.snapshotType }),
    ...(state.source.schedule === undefined ? {} : { schedule: state.source.schedule }),
    ...(state.source.scheduledTime === undefined ? {} : { scheduledTime: state.source.scheduledTime }),
    ...(isGraphJob(state) ? graphDetails(state, task) : {}),
  };
  const base: Notification = {
    kind,
    severity: 'info',
    title: '',
    source: state.source.sourceIdentifier,
    snapshotArn: state.source.arn,
    exportTaskIdentifier: state.exportTaskIdentifier,
    ...(input.executionId === undefined ? {} : { executionId: input.executionId }),
    destination: destination(state, task),
    details,
  };

  switch (kind) {
    case 'started': {
      if (state.source.sizeGB !== undefined) details.snapshotSizeGB = state.source.sizeGB;
      if (state.start?.outcome === 'tracking-existing')
        details.note = 'An export task with this identifier already existed; tracking it.';
      if (state.start?.queue !== undefined) {
        details.waitedForSlot = formatDuration(secondsBetween(state.start.queue.since, now, 'whole') ?? 0);
      }
      return { ...base, title: `Export of ${what} started` };
    }
    case 'completed': {
      const summary = registrationSummary(state, task);
      return {
        ...base,
        ...summary,
        title: `Export of ${what} completed`,
        ...(task?.totalExtractedDataInGB === undefined ? {} : { sizeGB: task.totalExtractedDataInGB }),
        ...durationOf(task),
        details: { ...details, ...summary.details },
      };
    }
    case 'failed': {
      const service = isGraphJob(state) ? 'Neptune Analytics' : 'RDS';
      const cause = task?.failureCause?.trim() || `${service} reported FAILED without a failure cause.`;
      const explained = explainFailureCause(task?.failureCause, state);
      details.failureMessage = explained.matched ?? 'not in the documented failure messages';
      return {
        ...base,
        severity: 'critical',
        title: `Export of ${what} failed`,
        cause,
        fix: explained.fix,
        ...durationOf(task),
      };
    }
    case 'canceled':
      return {
        ...base,
        severity: 'warning',
        title: `Export of ${what} was canceled`,
        cause: 'The export task was canceled (CancelExportTask, from the console, the CLI or a tool).',
        // Aurora User Guide, "Canceling a snapshot export task".
        fix: `Canceling removes nothing already written: delete ${base.destination} if it is not wanted, or export it again (with a new identifier).`,
        ...durationOf(task),
      };
    case 'queued-too-long':
      return queuedTooLong(base, state, now);
    case 'start-failed':
    case 'check-failed': {
      const error = describeCaughtError(state.error);
      const outcome = kind === 'start-failed' ? `could not be started` : `could not be tracked`;
      details.error = error.name;
      return {
        ...base,
        severity: 'critical',
        title: `Export of ${what} ${outcome}`,
        cause: error.message ? `${error.name}: ${error.message}` : error.name,
        fix: remedyFor(error.name, state, error.message),
      };
    }
    case 'unknown-status': {
      const status = task?.status ?? 'none';
      if (isGraphJob(state)) {
        const graph = graphUnknownStatus(state, status);
        return {
          ...base,
          severity: 'critical',
          title: `Export of ${what} reported an unknown status`,
          ...graph,
        };
      }
      return {
        ...base,
        severity: 'critical',
        title: `Export of ${what} reported an unknown status`,
        cause: `RDS reported status "${status}", which the pipeline does not know, so it stopped tracking the export.`,
        fix:
          `Check the task with \`aws rds describe-export-tasks --export-task-identifier ${state.exportTaskIdentifier}\`. ` +
          'If RDS added a status, teach check-export about it; if the export completed, run registration again.',
      };
    }
    case 'skipped':
      return {
        ...base,
        destination: undefined,
        title: `Export of ${what} skipped`,
        cause: `Skipped by policy rule "${state.rule}".`,
      };
  }
}

function queuedTooLong(base: Notification, state: ExecutionState, now: Date): Notification {
  const start = state.start;
  const queue = start?.queue;
  const waited = queue === undefined ? undefined : secondsBetween(queue.since, now, 'whole');
  const active = start?.outcome === 'queued' ? start.activeExports : undefined;
  const limit = state.limits.maxConcurrentExports;
  const what = sourceLabel(state.source);
  return {
    ...base,
    severity: 'warning',
    title: `Export of ${what} has waited ${waited === undefined ? 'long' : formatDuration(waited)} for a free export slot`,
    ...(waited === undefined ? {} : { durationSeconds: waited }),
    cause:
      `${active ?? 'Too many'} export task(s) are running in this account and Region; this pipeline starts at most ${limit} at once ` +
      '(RDS allows 5 per account and Region).',
    fix:
      'Nothing is dropped: the export starts as soon as a slot frees, and it keeps waiting. To start it sooner, ' +
      'list running exports with `aws rds describe-export-tasks --filters Name=status,Values=starting,in_progress,canceling` ' +
      'and cancel any that are stuck or not needed, or raise maxConcurrentExports in the policy (at most 5).',
    ...(isGraphJob(state) ? graphQueuedTooLong(state, active) : {}),
    details: {
      ...base.details,
      ...(active === undefined ? {} : { activeExports: active }),
      maxConcurrentExports: limit,
      ...(queue === undefined ? {} : { queuedSince: queue.since, attempts: queue.attempts }),
    },
  };
}

function currentTask(state: ExecutionState): ExportTaskSummary | undefined {
  if (state.check !== undefined) return state.check.task;
  return state.start !== undefined && 'task' in state.start ? state.start.task : undefined;
}

/** Where the export writes: s3://bucket/prefix/exportTaskIdentifier/ (File naming convention). */
function destination(state: ExecutionState, task: ExportTaskSummary | undefined): string {
  if (isGraphJob(state)) return graphDestination(state, task);
  const { request } = state as RdsExportJob;
  const bucket = task?.s3Bucket || request.S3BucketName;
  const prefix = (task?.s3Prefix ?? request.S3Prefix ?? '').replace(/^\/+|\/+$/g, '');
  return `s3://${bucket}/${prefix === '' ? '' : `${prefix}/`}${state.exportTaskIdentifier}/`;
}

function durationOf(task: ExportTaskSummary | undefined): { durationSeconds?: number } {
  const seconds = secondsBetween(task?.taskStartTime, task?.taskEndTime, 'whole');
  return seconds === undefined ? {} : { durationSeconds: seconds };
}
