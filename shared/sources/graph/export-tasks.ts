import type {
  GetExportTaskOutput,
  ExportTaskSummary as GraphTaskSummary,
  NeptuneGraphClient,
} from '@aws-sdk/client-neptune-graph';
import type { CheckResult, ExportTaskSummary } from '#shared/contract/execution.ts';
import { BUDGET, truncateText } from '#shared/contract/payload.ts';
import { isValidExportTaskIdentifier } from '../identifiers.ts';
import { destinationFolder, parseS3Uri } from './request.ts';

export type Graphs = Pick<NeptuneGraphClient, 'send'>;
type MachineStatus = CheckResult['status'];

/**
 * Neptune Analytics export tasks (API reference: GetExportTask, ListExportTasks; statuses
 * INITIALIZING, EXPORTING, SUCCEEDED, FAILED, CANCELLING, CANCELLED, DELETED), as the same
 * ExportTaskSummary the state machine tracks an RDS export with. The calls are in
 * task-get.ts and task-list.ts, so that a function importing this mapping
 * imports no SDK command it is not granted (test/deploy/graph-exports.test.ts reads the imports).
 */

/** Statuses that hold one of the graph export slots. */
export const ACTIVE_GRAPH_EXPORT_STATUSES = ['INITIALIZING', 'EXPORTING', 'CANCELLING'] as const;
/** A task of the graph in one of these is running: a second start would duplicate it. */
export const RUNNING_GRAPH_EXPORT_STATUSES = ['INITIALIZING', 'EXPORTING'] as const;

/** Why a DELETED task ended: the API says no more, and nothing was registered. */
export const DELETED_CAUSE =
  'The export task was DELETED (its graph was deleted, or the task was removed) before it succeeded.';

/**
 * The machine status for a graph task's status: one explicit branch per documented status, and
 * UNKNOWN for anything else, which the machine reports instead of polling forever. DELETED is an
 * end without data, reported as a failure whose cause says so (the summary's failureCause).
 */
export function machineStatusOfGraphTask(status: string): MachineStatus {
  switch (status.toUpperCase()) {
    case 'INITIALIZING':
      return 'STARTING';
    case 'EXPORTING':
      return 'IN_PROGRESS';
    case 'SUCCEEDED':
      return 'COMPLETE';
    case 'FAILED':
      return 'FAILED';
    case 'CANCELLING':
      return 'CANCELING';
    case 'CANCELLED':
      return 'CANCELED';
    case 'DELETED':
      return 'FAILED';
    default:
      return 'UNKNOWN';
  }
}

function iso(date: Date | undefined): string | undefined {
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined;
}

/** A graph ARN in the Region and account of `graphArn`, for the task's `graphId`. */
function sameAccountGraphArn(graphArn: string, graphId: string | undefined): string | undefined {
  if (graphId === undefined) return undefined;
  return `${graphArn.slice(0, graphArn.lastIndexOf('/') + 1)}${graphId}`;
}

/**
 * The fields the pipeline reports on. The export clones the graph when it starts ("Exporting
 * data": a clone of the graph is created to process the export), so the data is as of startTime,
 * which becomes the snapshot time of the export's history partitions.
 */
export function toGraphSummary(
  task: GetExportTaskOutput | GraphTaskSummary,
  graphArn: string,
): ExportTaskSummary {
  const details = 'exportTaskDetails' in task ? task.exportTaskDetails : undefined;
  const { bucket, prefix } = parseS3Uri(task.destination ?? '');
  const status = task.status ?? 'UNKNOWN';
  const reason = task.statusReason?.trim();
  const cause =
    status.toUpperCase() === 'DELETED' ? [DELETED_CAUSE, reason].filter(Boolean).join(' ') : reason;
  const start = iso(details?.startTime);
  const summary: ExportTaskSummary = {
    exportTaskIdentifier: task.taskId ?? '',
    status,
    percentProgress: details?.progressPercentage,
    taskStartTime: start,
    snapshotTime: start,
    s3Bucket: bucket || undefined,
    s3Prefix: prefix,
    failureCause: cause ? truncateText(cause, BUDGET.failureCauseChars) : undefined,
    sourceType: 'GRAPH',
    sourceArn: sameAccountGraphArn(graphArn, task.graphId),
    verticesWritten: details?.numVerticesWritten,
    edgesWritten: details?.numEdgesWritten,
  };
  if (start !== undefined && details?.timeElapsedSeconds !== undefined && isEnded(status)) {
    summary.taskEndTime = new Date(Date.parse(start) + details.timeElapsedSeconds * 1000).toISOString();
  }
  return Object.fromEntries(
    Object.entries(summary).filter(([, value]) => value !== undefined),
  ) as ExportTaskSummary;
}

const isEnded = (status: string) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(status.toUpperCase());

/** True when the task holds a graph export slot. */
export function isActiveGraphTask(task: { status?: string | undefined }): boolean {
  return (ACTIVE_GRAPH_EXPORT_STATUSES as readonly string[]).includes((task.status ?? '').toUpperCase());
}

/**
 * The names the tasks hold their slot leases under (shared/slots/leases.ts, the graph pool), one per task
 * and never one twice: a pipeline export's name, which its destination ends in
 * (shared/sources/graph/job.ts), else the task's own `t-…` id. A folder name that is no export
 * identifier, or that two active tasks share (an outside export writing to a folder of the same
 * name), names no lease: each such task holds one under its id. One name twice would make the
 * reconcile name one path twice in an UpdateExpression, which DynamoDB refuses.
 */
export function leaseNamesOf(
  tasks: readonly { destination?: string | undefined; taskId?: string | undefined }[],
): string[] {
  const folders = tasks.map((task) => destinationFolder(task.destination));
  const seen = new Map<string, number>();
  for (const folder of folders) seen.set(folder, (seen.get(folder) ?? 0) + 1);
  return tasks.map((task, i) => {
    const folder = folders[i] ?? '';
    if (isValidExportTaskIdentifier(folder) && seen.get(folder) === 1) return folder;
    return task.taskId || `(unnamed ${i})`;
  });
}
