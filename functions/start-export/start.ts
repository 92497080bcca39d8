import { type RDSClient, StartExportTaskCommand } from '@aws-sdk/client-rds';
import { classifyAwsError, isAwsError } from '#shared/aws-errors.ts';
import { ExportTaskConflictError } from '#shared/errors.ts';
import { countActiveExportTasks, describeExportTask, toSummary } from '#shared/export-tasks.ts';
import { logger } from '#shared/logger.ts';
import type { ExecutionState, ExportTaskSummary, QueueState, StartResult } from '#shared/machine-contract.ts';
import { queueWait } from './backoff.ts';

export interface StartDeps {
  rds: Pick<RDSClient, 'send'>;
  now: () => Date;
  /** Uniform in [0, 1): the jitter of the queue backoff. */
  random: () => number;
  queueBaseWaitSeconds: number;
  queueMaxWaitSeconds: number;
}

/**
 * First check after a start. Short, because a small export can finish within a minute; the check
 * function grows its waits from here (see functions/check-export/next-wait.ts).
 */
export const FIRST_CHECK_WAIT_SECONDS = 20;
/** A task found already finished is checked again at once, so the machine reports it. */
const FINISHED_CHECK_WAIT_SECONDS = 1;
const FINISHED = new Set(['COMPLETE', 'FAILED', 'CANCELED']);

/**
 * Starts the job's export once a slot is free: tracks the task if the identifier already exists,
 * queues (with backoff) while the account runs its limit, else sends exactly `job.request`.
 */
export async function startExport(state: ExecutionState, deps: StartDeps): Promise<StartResult> {
  const identifier = state.exportTaskIdentifier;
  const previousQueue = state.start?.queue;

  // A duplicate event or a re-run execution must never start a second task, nor wait for a slot.
  const existing = await describeExportTask(deps.rds, identifier);
  if (existing) return tracking(ownTask(existing, state), previousQueue);

  const active = await countActiveExportTasks(deps.rds);
  if (active.count >= state.limits.maxConcurrentExports) {
    logger.info('Export slots full; waiting', { activeExports: active.count, active: active.identifiers });
    return queued(state, active.count, deps);
  }

  try {
    const task = await deps.rds.send(new StartExportTaskCommand({ ...state.request }));
    const summary = toSummary(task, identifier);
    logger.info('Export task started', { status: summary.status });
    return withQueue(
      { outcome: 'started', task: summary, waitSeconds: FIRST_CHECK_WAIT_SECONDS },
      previousQueue,
    );
  } catch (error) {
    if (!isAwsError(error, 'ExportTaskAlreadyExists'))
      throw classifyAwsError(error, 'rds', 'StartExportTask');
    // Started by a concurrent duplicate between our describe and our start: track that task.
    const found = await describeExportTask(deps.rds, identifier);
    // RDS accepted the task moments ago, and its listing can lag behind its writes; every task
    // begins in STARTING (Aurora guide, Monitoring snapshot exports), and check-export looks again.
    return tracking(
      found === undefined ? { exportTaskIdentifier: identifier, status: 'STARTING' } : ownTask(found, state),
      previousQueue,
    );
  }
}

/** RDS's SnapshotTime and the described SnapshotCreateTime may differ in precision, never by more. */
const SNAPSHOT_TIME_TOLERANCE_MS = 60_000;

/**
 * A task that holds this job's identifier is tracked only when it exports this job's source: the
 * same ARN and, for a snapshot, the same snapshot time. Anything else (an identifier taken by an
 * older snapshot of the same name, say) would register someone else's data as this export.
 */
function ownTask(task: ExportTaskSummary, state: ExecutionState): ExportTaskSummary {
  const expectedArn = state.request.SourceArn.toLowerCase();
  const problems: string[] = [];
  if (task.sourceArn !== undefined && task.sourceArn.toLowerCase() !== expectedArn) {
    problems.push(`it exports ${task.sourceArn}`);
  }
  const created = state.source.snapshotCreateTime;
  if (created !== undefined && task.snapshotTime !== undefined) {
    const apart = Math.abs(Date.parse(task.snapshotTime) - Date.parse(created));
    if (!(apart <= SNAPSHOT_TIME_TOLERANCE_MS)) {
      problems.push(`its snapshot time is ${task.snapshotTime}, this snapshot was created ${created}`);
    }
  }
  if (problems.length > 0) {
    throw new ExportTaskConflictError(
      `Export task ${task.exportTaskIdentifier} exists but is not this export of ${state.request.SourceArn}: ${problems.join('; ')}`,
    );
  }
  return task;
}

function tracking(task: ExportTaskSummary, queue: QueueState | undefined): StartResult {
  logger.info('Export task already exists; tracking it', { status: task.status });
  const waitSeconds = FINISHED.has(task.status.toUpperCase())
    ? FINISHED_CHECK_WAIT_SECONDS
    : FIRST_CHECK_WAIT_SECONDS;
  return withQueue({ outcome: 'tracking-existing', task, waitSeconds }, queue);
}

function withQueue<R extends StartResult>(result: R, queue: QueueState | undefined): R {
  return queue === undefined ? result : { ...result, queue };
}

function queued(state: ExecutionState, activeExports: number, deps: StartDeps): StartResult {
  const now = deps.now();
  const previous = state.start?.outcome === 'queued' ? state.start.queue : undefined;
  const since = previous?.since ?? now.toISOString();
  const attempts = (previous?.attempts ?? 0) + 1;
  // Clock skew between invocations must not make the wait look negative.
  const waitedSeconds = Math.max(0, (now.getTime() - Date.parse(since)) / 1000);
  const alertDue = previous?.alerted !== true && waitedSeconds > state.limits.queueAlertAfterSeconds;
  if (alertDue) logger.warn('Export queued longer than allowed', { waitedSeconds, attempts });
  return {
    outcome: 'queued',
    waitSeconds: queueWait(attempts, deps.queueBaseWaitSeconds, deps.queueMaxWaitSeconds, deps.random),
    activeExports,
    queue: { since, attempts, alerted: previous?.alerted === true || alertDue },
    alertDue,
  };
}
