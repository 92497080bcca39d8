import { type RDSClient, StartExportTaskCommand } from '@aws-sdk/client-rds';
import { isAwsError } from '#shared/aws/errors.ts';
import {
  ExportQuotaExceededError,
  ExportSourceNotReadyError,
  ExportTaskConflictError,
} from '#shared/contract/errors.ts';
import type { ExecutionState, ExportTaskSummary, RdsExportJob } from '#shared/contract/execution.ts';
import type { ExportService, KindStart } from '#shared/sources/kinds/types.ts';
import { countActiveExportTasks, describeExportTask, toSummary } from './export-tasks.ts';

/** RDS's snapshot time and the described SnapshotCreateTime may differ in precision, never by more. */
const SNAPSHOT_TIME_TOLERANCE_MS = 60_000;

/**
 * A task that holds this job's identifier is tracked only when it exports this job's source: the
 * same ARN and, for a snapshot, the same snapshot time. Anything else (an identifier taken by an
 * older snapshot of the same name, say) would register someone else's data as this export.
 */
function ownTask(task: ExportTaskSummary, state: RdsExportJob): ExportTaskSummary {
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

/**
 * RDS exports (StartExportTask, DescribeExportTasks): the export task identifier is the pipeline's
 * own, so a task holding it is this export's (when it exports this source), and
 * ExportTaskAlreadyExistsFault means "track it".
 */
export function rdsExportService(rds: Pick<RDSClient, 'send'>): ExportService {
  return {
    async active(state) {
      const job = state as ExecutionState & RdsExportJob;
      const active = await countActiveExportTasks(rds);
      const mine = active.tasks.find((t) => t.exportTaskIdentifier === state.exportTaskIdentifier);
      return {
        count: active.count,
        identifiers: active.identifiers,
        ...(mine === undefined ? {} : { mine: ownTask(mine, job) }),
      };
    },
    async start(state) {
      const job = state as ExecutionState & RdsExportJob;
      const identifier = state.exportTaskIdentifier;
      try {
        const task = await rds.send(new StartExportTaskCommand({ ...job.request }));
        return { started: toSummary(task, identifier) };
      } catch (error) {
        if (isAwsError(error, 'ExportTaskAlreadyExists')) {
          // Started before: by a duplicate or an earlier run of this execution. Track that task.
          const found = await describeExportTask(rds, identifier);
          // RDS accepted the task moments ago, and its listing can lag behind its writes; every task
          // begins in STARTING (Aurora guide, Monitoring snapshot exports), and check-export looks again.
          return {
            existing:
              found === undefined
                ? { exportTaskIdentifier: identifier, status: 'STARTING' }
                : ownTask(found, job),
          };
        }
        if (error instanceof ExportQuotaExceededError) return 'full';
        // "You can't run multiple export tasks for the same DB cluster snapshot simultaneously"
        // (Aurora user guide, Exporting DB cluster snapshot data to Amazon S3; the RDS guide says the
        // same of DB snapshots): another export of this source (an overlapping schedule slot, a
        // retry, one started outside the pipeline) may run for hours, longer than the start's
        // retries last. Wait for it in the queue instead; any other cause stays the state's retry.
        if (error instanceof ExportSourceNotReadyError) {
          const other = (await countActiveExportTasks(rds)).tasks.find(
            (t) =>
              t.exportTaskIdentifier !== identifier &&
              t.sourceArn?.toLowerCase() === job.request.SourceArn.toLowerCase(),
          );
          if (other !== undefined) {
            return {
              wait: `export task ${other.exportTaskIdentifier} (${other.status}) exports ${job.request.SourceArn}; this one starts after it ended`,
            };
          }
        }
        throw error;
      }
    },
  };
}

/**
 * Snapshots and live Aurora clusters start with RDS's StartExportTask. RDS announces the end of
 * every export it runs (RDS-EVENT-0159 to 0164, 0234 to 0236: ./events.ts EXPORT_ENDED_EVENTS), so
 * the execution waits for that event instead of polling.
 */
export const rdsStart: KindStart = {
  service: (clients) => rdsExportService(clients.rds),
  endAnnounced: true,
};
