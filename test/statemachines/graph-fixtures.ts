import type { ExportTaskDetails, GetExportTaskOutput } from '@aws-sdk/client-neptune-graph';
import {
  CheckResult,
  ExportJob,
  type ExportTaskSummary,
  type GraphExportJob,
  RegistrationResult,
  StartResult,
} from '#shared/contract/execution.ts';
import { machineStatusOfGraphTask, toGraphSummary } from '#shared/sources/graph/export-tasks.ts';

/**
 * A Neptune Analytics graph export as on-schedule starts it for a slot of `weekly-graphs`, and the
 * results the real functions give for it, each parsed with the contract's schema. The task
 * summaries come from the real GetExportTask mapping (shared/sources/graph/export-tasks.ts).
 */

const NAME = 'social-graph-5e4d3c2b1a';
const GRAPH_ARN = 'arn:aws:neptune-graph:us-east-1:123456789012:graph/g-0a1b2c3d4e';

export const graphJob = ExportJob.parse({
  exportTaskIdentifier: NAME,
  rule: 'graphs-weekly',
  source: {
    kind: 'graph',
    arn: GRAPH_ARN,
    sourceIdentifier: 'social-graph',
    engine: 'neptune-graph',
    status: 'AVAILABLE',
    schedule: 'weekly-graphs',
    scheduledTime: '2024-05-05T04:00:00.000Z',
  },
  request: {
    graphIdentifier: 'g-0a1b2c3d4e',
    roleArn: 'arn:aws:iam::123456789012:role/rds-export-dev-graph-export',
    format: 'PARQUET',
    destination: `s3://acme-rds-exports/exports/graph/social-graph/${NAME}/`,
    kmsKeyIdentifier: 'arn:aws:kms:us-east-1:123456789012:key/6f1c5a2e-8d1b-4d9e-9a57-0c3b2f7e1d44',
    parquetType: 'COLUMNAR',
  },
  limits: { maxConcurrentExports: 2, queueAlertAfterSeconds: 3600 },
}) as GraphExportJob;

/** GetExportTask's answer for the graph job's task `t-k2j4h6g8f0`, with these details. */
export function graphTaskOutput(
  status: string,
  details: Partial<ExportTaskDetails> = {},
  statusReason?: string,
): GetExportTaskOutput {
  return {
    graphId: 'g-0a1b2c3d4e',
    roleArn: graphJob.request.roleArn,
    taskId: 't-k2j4h6g8f0',
    status: status as never,
    format: 'PARQUET',
    destination: graphJob.request.destination,
    kmsKeyIdentifier: graphJob.request.kmsKeyIdentifier,
    ...(statusReason === undefined ? {} : { statusReason }),
    exportTaskDetails: {
      startTime: new Date('2024-05-05T04:00:10.000Z'),
      timeElapsedSeconds: 600,
      progressPercentage: 0,
      numVerticesWritten: 1200,
      numEdgesWritten: 3400,
      ...details,
    },
  };
}

/** The task as GetExportTask reports it in `status` (with statusReason, progress and counts). */
export function graphTask(
  status: string,
  extra: { statusReason?: string; progress?: number } = {},
): ExportTaskSummary {
  return toGraphSummary(
    graphTaskOutput(status, { progressPercentage: extra.progress ?? 0 }, extra.statusReason),
    GRAPH_ARN,
  );
}

export function graphStarted(): StartResult {
  return StartResult.parse({
    outcome: 'started',
    task: graphTask('INITIALIZING'),
    waitSeconds: 20,
    eventWaitSeconds: 300,
    checkedAt: '2024-05-05T04:00:10.000Z',
    // Neptune Analytics announces no export's end (the graph kind's `start`).
    endAnnounced: false,
  });
}

/** A check of the task in `status`, mapped for the machine as check-export maps it. */
export function graphChecked(
  status: string,
  polls: number,
  extra: { statusReason?: string; progress?: number } = {},
): CheckResult {
  return CheckResult.parse({
    task: graphTask(status, extra),
    status: machineStatusOfGraphTask(status),
    waitSeconds: 60,
    eventWaitSeconds: 60,
    polls,
    checkedAt: '2024-05-05T04:10:00.000Z',
  });
}

export const graphRegistration = RegistrationResult.parse({
  database: 'rds_export_graph_social_graph',
  registered: [
    { target: 'vertex.person', table: 'vertex_person', columns: 5 },
    { target: 'edge.follows', table: 'edge_follows', columns: 5 },
  ],
  registeredCount: 2,
  skipped: [],
  skippedCount: 0,
  failed: [],
  failedCount: 0,
});
