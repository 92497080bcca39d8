import { ExportTaskNotFoundError, InvalidInputError } from '#shared/contract/errors.ts';
import type { CheckResult, ExecutionState, ExportTaskSummary } from '#shared/contract/execution.ts';
import { logger } from '#shared/runtime/logger.ts';
import { secondsBetween } from '#shared/runtime/time.ts';
import { trackOf } from '#shared/sources/kinds/registry/track.ts';
import type { KindClients } from '#shared/sources/kinds/types.ts';
import { eventWait, nextWait, type WaitBounds, type WaitInput } from './next-wait.ts';

export interface CheckDeps extends Partial<KindClients> {
  now: () => Date;
  bounds: WaitBounds;
}

/**
 * Checks this many times before a task RDS does not list counts as gone. DescribeExportTasks can
 * lag behind StartExportTask (its listing is eventually consistent), so the first checks after a
 * start may not see the task yet; three checks span over a minute with the default waits.
 */
export const NOT_LISTED_GRACE_CHECKS = 3;

/** Describes the export task, maps its status for the machine and chooses the next wait. */
export async function checkExport(state: ExecutionState, deps: CheckDeps): Promise<CheckResult> {
  const start = state.start;
  if (start === undefined || start.outcome === 'queued') {
    throw new InvalidInputError('check-export needs $.start with outcome started or tracking-existing');
  }
  const previous = state.check;
  const polls = (previous?.polls ?? 0) + 1;
  const now = deps.now();
  const reader = trackOf(state.source.kind).reader(state, deps);
  const found = await reader.describe();
  if (found === undefined && polls > NOT_LISTED_GRACE_CHECKS) {
    throw new ExportTaskNotFoundError(
      `The service does not list export task ${reader.id} after ${polls} checks`,
    );
  }
  if (found === undefined) logger.warn('Export task not listed yet; treating it as starting', { polls });
  // Not listed yet: the service accepted it moments ago, and every task begins by starting.
  const task: ExportTaskSummary = found ?? reader.starting;
  const status = reader.status(task);
  const percent = task.percentProgress;

  const trackingSince =
    previous?.trackingSince ?? firstTrackingTime(start.outcome, start.checkedAt, task, now).toISOString();
  const startingSeenAt = status === 'STARTING' ? now.toISOString() : previous?.startingSeenAt;
  let inProgressSince = previous?.inProgressSince;
  let inProgressSincePercent = previous?.inProgressSincePercent;
  // Only a reading the schema accepts is carried into the next check's input.
  if (status === 'IN_PROGRESS' && percent !== undefined && percent >= 0 && percent <= 100) {
    // First sighting, or the percent went backwards (a restarted phase): measure from here.
    if (
      inProgressSince === undefined ||
      inProgressSincePercent === undefined ||
      percent < inProgressSincePercent
    ) {
      inProgressSince = now.toISOString();
      inProgressSincePercent = percent;
    }
  }

  const inProgressSeconds = secondsBetween(inProgressSince, now);
  const waitInput: WaitInput = {
    status,
    percent,
    previousWaitSeconds: previous?.waitSeconds ?? start.waitSeconds,
    secondsTracked: secondsBetween(trackingSince, now) ?? 0,
    inProgress:
      inProgressSeconds === undefined || inProgressSincePercent === undefined
        ? undefined
        : {
            seconds: inProgressSeconds,
            percentAtStart: inProgressSincePercent,
            secondsSinceStarting: secondsBetween(startingSeenAt, now),
          },
  };
  const waitSeconds = nextWait(waitInput, deps.bounds);
  const eventWaitSeconds = eventWait(waitInput, waitSeconds, deps.bounds);
  const result: CheckResult = {
    task,
    status,
    waitSeconds,
    eventWaitSeconds,
    polls,
    trackingSince,
    checkedAt: now.toISOString(),
  };
  if (startingSeenAt !== undefined) result.startingSeenAt = startingSeenAt;
  if (inProgressSince !== undefined) result.inProgressSince = inProgressSince;
  if (inProgressSincePercent !== undefined) result.inProgressSincePercent = inProgressSincePercent;
  return result;
}

/**
 * Tracking began when start-export saw the task (its `checkedAt`; a moment in our future, from a
 * skewed clock, counts as now). A task found already running began at its TaskStartTime (RDS's
 * clock; ignored when it lies in our future).
 */
function firstTrackingTime(
  outcome: 'started' | 'tracking-existing',
  startCheckedAt: string,
  task: ExportTaskSummary,
  now: Date,
): Date {
  const seen = Date.parse(startCheckedAt);
  const returned = Number.isFinite(seen) ? Math.min(seen, now.getTime()) : now.getTime();
  const taskStart = task.taskStartTime === undefined ? Number.NaN : Date.parse(task.taskStartTime);
  if (outcome === 'tracking-existing' && taskStart <= now.getTime())
    return new Date(Math.min(returned, taskStart));
  return new Date(returned);
}
