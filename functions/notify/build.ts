import { scopeOf } from '#shared/aws/accounts.ts';
import {
  type ExecutionState,
  type ExportTaskSummary,
  type NotifyInput,
  sourceLabel,
} from '#shared/contract/execution.ts';
import { formatDuration } from '#shared/notify/format.ts';
import type { Notification } from '#shared/notify/notification.ts';
import { secondsBetween } from '#shared/runtime/time.ts';
import { notifyOf } from '#shared/sources/kinds/registry/notify.ts';
import { describeCaughtError } from './caught-error.ts';
import { registrationSummary } from './completed.ts';
import { explainFailureCause } from './failure-messages.ts';
import { remedyFor } from './remedies.ts';

/** The notification for one outcome of an export execution. `now` dates the queued-too-long wait. */
export function buildNotification(input: NotifyInput, now: Date = new Date()): Notification {
  const { kind, state } = input;
  const what = sourceLabel(state.source);
  const task = currentTask(state);
  const kindNotify = notifyOf(state.source.kind);
  // Filled in per kind below; shared by reference with `base`.
  // Which account and Region the source is in: a hub serves its Organization's (shared/aws/accounts.ts).
  const { account, region } = scopeOf(state.source.arn);
  const details: Record<string, string | number | boolean> = {
    account,
    // A member account's name, when the policy gives one (`accounts:`).
    ...(state.accountName === undefined ? {} : { accountName: state.accountName }),
    region,
    rule: state.rule,
    engine: state.source.engine,
    ...(state.source.snapshotType === undefined ? {} : { snapshotType: state.source.snapshotType }),
    ...(state.source.schedule === undefined ? {} : { schedule: state.source.schedule }),
    ...(state.source.scheduledTime === undefined ? {} : { scheduledTime: state.source.scheduledTime }),
    ...kindNotify.details(state, task),
  };
  const base: Notification = {
    kind,
    severity: 'info',
    title: '',
    source: state.source.sourceIdentifier,
    snapshotArn: state.source.arn,
    exportTaskIdentifier: state.exportTaskIdentifier,
    ...(input.executionId === undefined ? {} : { executionId: input.executionId }),
    destination: kindNotify.destination(state, task),
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
      const cause =
        task?.failureCause?.trim() || `${kindNotify.service} reported FAILED without a failure cause.`;
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
      return {
        ...base,
        severity: 'critical',
        title: `Export of ${what} reported an unknown status`,
        ...kindNotify.unknownStatus(state, task?.status ?? 'none'),
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
    ...notifyOf(state.source.kind).queuedTooLong(state, active),
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

function durationOf(task: ExportTaskSummary | undefined): { durationSeconds?: number } {
  const seconds = secondsBetween(task?.taskStartTime, task?.taskEndTime, 'whole');
  return seconds === undefined ? {} : { durationSeconds: seconds };
}
