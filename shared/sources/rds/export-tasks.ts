import {
  DescribeExportTasksCommand,
  type ExportTask,
  paginateDescribeExportTasks,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { isAwsError } from '#shared/aws/errors.ts';
import { collectPages } from '#shared/aws/pages.ts';
import {
  type CheckResult,
  EXPORT_TASK_STATUSES,
  type ExportTaskSummary,
} from '#shared/contract/execution.ts';
import { BUDGET, boundWarningMessage, truncateText } from '#shared/contract/payload.ts';

type Rds = Pick<RDSClient, 'send'>;

const KNOWN = new Set<string>(EXPORT_TASK_STATUSES);

/** RDS's status the machine branches on: a documented one (any case), else UNKNOWN. */
export function machineStatusOfRdsTask(status: string): CheckResult['status'] {
  const upper = status.toUpperCase();
  return KNOWN.has(upper) ? (upper as CheckResult['status']) : 'UNKNOWN';
}

/** Statuses that hold one of the account's export slots (Aurora guide: up to five concurrent exports). */
export const ACTIVE_EXPORT_STATUSES = ['STARTING', 'IN_PROGRESS', 'CANCELING'] as const;
const ACTIVE = new Set<string>(ACTIVE_EXPORT_STATUSES);

/** True when a task in this status holds one of the account's export slots. */
export function isActiveExportStatus(status: string | undefined): boolean {
  return ACTIVE.has((status ?? '').toUpperCase());
}

/** DescribeExportTasks' `status` filter takes lowercase values (API reference, Filters). */
const ACTIVE_STATUS_FILTER = { Name: 'status', Values: ACTIVE_EXPORT_STATUSES.map((s) => s.toLowerCase()) };

/** Largest page DescribeExportTasks allows (MaxRecords 20–100). */
const PAGE_SIZE = 100;
/**
 * A marker that never ends would loop the Lambda until its timeout; 100 pages = 10,000 tasks:
 * the listing stops there.
 */
const MAX_PAGES = 100;

function iso(date: Date | undefined): string | undefined {
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined;
}

/** The reported fields of an RDS ExportTask, dates as ISO strings, absent fields left out. */
export function toSummary(task: ExportTask, identifier: string): ExportTaskSummary {
  const summary: ExportTaskSummary = {
    exportTaskIdentifier: task.ExportTaskIdentifier ?? identifier,
    status: task.Status ?? 'UNKNOWN',
    percentProgress: task.PercentProgress,
    totalExtractedDataInGB: task.TotalExtractedDataInGB,
    snapshotTime: iso(task.SnapshotTime),
    taskStartTime: iso(task.TaskStartTime),
    taskEndTime: iso(task.TaskEndTime),
    s3Bucket: task.S3Bucket,
    s3Prefix: task.S3Prefix,
    // Bounded: both can run long (a WarningMessage lists every skipped table), and the summary
    // travels in the state machine's state (shared/contract/payload.ts).
    failureCause:
      task.FailureCause === undefined ? undefined : truncateText(task.FailureCause, BUDGET.failureCauseChars),
    warningMessage: task.WarningMessage === undefined ? undefined : boundWarningMessage(task.WarningMessage),
    sourceType: task.SourceType,
    sourceArn: task.SourceArn,
  };
  return Object.fromEntries(
    Object.entries(summary).filter(([, value]) => value !== undefined),
  ) as ExportTaskSummary;
}

/**
 * Describes one export task by identifier; `undefined` when RDS does not know it (an unknown
 * identifier returns an empty list, or ExportTaskNotFoundFault). Other errors are classified.
 */
export async function describeExportTask(
  rds: Rds,
  identifier: string,
): Promise<ExportTaskSummary | undefined> {
  try {
    const page = await rds.send(new DescribeExportTasksCommand({ ExportTaskIdentifier: identifier }));
    const task = page.ExportTasks?.find((t) => t.ExportTaskIdentifier === identifier);
    return task === undefined ? undefined : toSummary(task, identifier);
  } catch (error) {
    if (isAwsError(error, 'ExportTaskNotFound')) return undefined;
    throw error;
  }
}

export interface ActiveExports {
  /** The account's tasks in STARTING, IN_PROGRESS or CANCELING, whoever started them. */
  count: number;
  identifiers: string[];
  tasks: ExportTaskSummary[];
}

/**
 * Counts the account's export tasks that hold a slot, across every page. The status filter keeps
 * the pages short, and the returned Status is checked too, so a filter the endpoint ignores (or
 * an unknown filter semantics) can never make finished tasks count.
 */
export async function countActiveExportTasks(rds: Rds): Promise<ActiveExports> {
  const identifiers: string[] = [];
  const tasks: ExportTaskSummary[] = [];
  const pages = await collectPages(
    paginateDescribeExportTasks,
    { client: rds, pageSize: PAGE_SIZE },
    { Filters: [ACTIVE_STATUS_FILTER] },
    { maxPages: MAX_PAGES, atCap: 'truncate' },
  );
  for (const task of pages.flatMap((page) => page.ExportTasks ?? [])) {
    if (isActiveExportStatus(task.Status)) {
      identifiers.push(task.ExportTaskIdentifier ?? '(unnamed)');
      tasks.push(toSummary(task, task.ExportTaskIdentifier ?? '(unnamed)'));
    }
  }
  return { count: identifiers.length, identifiers, tasks };
}
