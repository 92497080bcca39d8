import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { MetricUnit } from '@aws-lambda-powertools/metrics/types';
import type {
  CheckResult,
  ExportTaskSummary,
  RegistrationResult,
  StartResult,
} from '../contract/execution.ts';
import { atInvocationEnd } from './handler.ts';
import { logger } from './logger.ts';
import { secondsBetween } from './time.ts';

/**
 * The pipeline's CloudWatch metrics, written by Powertools Metrics as embedded metric format log
 * lines (CloudWatch extracts them from the function's log: no PutMetricData call, no extra IAM).
 * Every metric has the dimensions `service` (the deployment: POWERTOOLS_SERVICE_NAME, set per stage)
 * and `sourceKind`; with METRICS_SOURCE_DIMENSION=true each is also written with `source` (the DB
 * instance or cluster), one more custom metric per source. The dashboard in serverless.yml draws
 * exactly these (test/deploy/operations.test.ts). Only the functions that import this module bundle
 * Powertools Metrics, and they load it at their first metric, not at cold start.
 */

export const METRICS_NAMESPACE = 'RdsExport';

/** Every metric the functions emit, with its unit. */
export const PIPELINE_METRICS = {
  ExportsStarted: 'Count',
  ExportsCompleted: 'Count',
  ExportsFailed: 'Count',
  ExportsCanceled: 'Count',
  /** From first finding the account's slots full to the start: 0 for an export that never waited. */
  QueueWait: 'Seconds',
  /** TaskStartTime to TaskEndTime of a completed export. */
  ExportDuration: 'Seconds',
  /** TotalExtractedDataInGB of a completed export. */
  ExportedGB: 'Gigabytes',
  TablesRegistered: 'Count',
  TablesSkipped: 'Count',
  TablesFailed: 'Count',
} as const satisfies Record<string, MetricUnit>;
export type PipelineMetric = keyof typeof PIPELINE_METRICS;

/** The dimensions of every metric (besides `service`); `source` only when enabled. */
export const METRIC_DIMENSIONS = ['sourceKind', 'source'] as const;

/** Powertools Metrics, loaded at the first flush: a cold start runs none of its module code. */
let powertools: Promise<Metrics> | undefined;
/**
 * Its warnings go through the shared logger, as JSON with the invocation's keys. With the `source`
 * dimension on, the second dimension set repeats `sourceKind` on purpose (a metric per kind and
 * one per source of a kind), which Powertools warns about at every flush.
 */
const load = () =>
  import('@aws-lambda-powertools/metrics').then(
    ({ Metrics }) => new Metrics({ namespace: METRICS_NAMESPACE, logger }),
  );

const bySource = process.env.METRICS_SOURCE_DIMENSION === 'true';

/** What the dimensions name: the source's kind and identifier. */
export interface MetricSource {
  kind: string;
  sourceIdentifier: string;
}

/**
 * What this invocation recorded. One invocation handles one export, and an execution environment
 * runs one invocation at a time (the functions do not enable Lambda's multi-concurrency).
 */
let buffered: { source: MetricSource; values: [PipelineMetric, number][] } | undefined;

/** Buffers metrics of one export; the lambdaHandler middleware flushes them as one EMF line. */
export function recordMetrics(
  source: MetricSource,
  values: Partial<Record<PipelineMetric, number | undefined>>,
): void {
  buffered ??= { source, values: [] };
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && Number.isFinite(value)) buffered.values.push([name as PipelineMetric, value]);
  }
}

/**
 * Writes what the invocation buffered as one EMF line, with its dimensions; nothing (and no
 * warning) when it buffered none. Powertools writes nothing when it is off (POWERTOOLS_METRICS_DISABLED,
 * or POWERTOOLS_DEV as in the local stack).
 */
export async function flushMetrics(): Promise<void> {
  const pending = buffered;
  buffered = undefined;
  if (pending === undefined || pending.values.length === 0) return;
  powertools ??= load();
  const metrics = await powertools;
  metrics.addDimension('sourceKind', pending.source.kind);
  if (bySource)
    metrics.addDimensions({ sourceKind: pending.source.kind, source: pending.source.sourceIdentifier });
  for (const [name, value] of pending.values) metrics.addMetric(name, PIPELINE_METRICS[name], value);
  metrics.publishStoredMetrics();
}
// lambdaHandler's middleware calls it after every invocation, successful or not.
atInvocationEnd(flushMetrics);

/** start-export: a started export, and how long it waited for a slot. */
export function recordStart(
  source: MetricSource,
  result: Pick<StartResult, 'outcome'> & { checkedAt?: string; queue?: { since: string } },
): void {
  if (result.outcome !== 'started') return;
  const at = result.checkedAt ?? new Date().toISOString();
  recordMetrics(source, {
    ExportsStarted: 1,
    QueueWait: result.queue === undefined ? 0 : secondsBetween(result.queue.since, at),
  });
}

/** check-export: an export that ended, with the duration and size of a completed one. */
export function recordCheck(
  source: MetricSource,
  result: Pick<CheckResult, 'status'> & {
    task: Pick<ExportTaskSummary, 'taskStartTime' | 'taskEndTime' | 'totalExtractedDataInGB'>;
  },
): void {
  const { task } = result;
  if (result.status === 'COMPLETE') {
    recordMetrics(source, {
      ExportsCompleted: 1,
      ExportDuration: secondsBetween(task.taskStartTime, task.taskEndTime),
      ExportedGB: task.totalExtractedDataInGB,
    });
  } else if (result.status === 'FAILED') recordMetrics(source, { ExportsFailed: 1 });
  else if (result.status === 'CANCELED') recordMetrics(source, { ExportsCanceled: 1 });
}

/** register-export: the tables registered, skipped by the export, and not registered. */
export function recordRegistration(
  source: MetricSource,
  result: Pick<RegistrationResult, 'registeredCount' | 'skippedCount' | 'failedCount'>,
): void {
  recordMetrics(source, {
    TablesRegistered: result.registeredCount,
    TablesSkipped: result.skippedCount,
    TablesFailed: result.failedCount,
  });
}
