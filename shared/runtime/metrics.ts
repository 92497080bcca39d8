import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { MetricsOptions, MetricUnit } from '@aws-lambda-powertools/metrics/types';
import { safeScope } from '../aws/accounts.ts';
import type {
  CheckResult,
  ExportTaskSummary,
  RegistrationResult,
  StartResult,
} from '../contract/execution.ts';
import { useInEveryHandler } from './handler.ts';
import { logger } from './logger.ts';
import { secondsBetween } from './time.ts';

/**
 * The pipeline's CloudWatch metrics, written by Powertools Metrics as embedded metric format log
 * lines (CloudWatch extracts them from the function's log: no PutMetricData call, no extra IAM).
 * Every metric has the dimensions `service` (the deployment: POWERTOOLS_SERVICE_NAME, set per stage)
 * and `sourceKind`; with METRICS_SOURCE_DIMENSION=true each is also written with `source` (the DB
 * instance or cluster), one more custom metric per source; in a hub (MEMBER_ROLE_NAME set, see
 * shared/aws/accounts.ts) each is also written with `account` and `region`, the source's: one more
 * per account and Region the hub serves, a bound the Organization and its Regions set. The dashboard in serverless.yml draws
 * exactly these (test/deploy/operations.test.ts). Only the functions that import this module bundle
 * Powertools Metrics; their handlers publish with its `logMetrics` middleware.
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

/** The dimensions of every metric (besides `service`); `source`, `account` and `region` only when enabled. */
export const METRIC_DIMENSIONS = ['sourceKind', 'source', 'account', 'region'] as const;

const EMPTY_FLUSH_WARNING = 'No application metrics to publish';

/**
 * Powertools' warnings, through the shared logger as JSON with the invocation's keys. Not the one at
 * every flush with nothing to publish: most invocations record no metric (a queued start, a check
 * of a running export), which is normal here, not worth a WARN line each time. With the `source`
 * dimension on, the second dimension set repeats `sourceKind` on purpose (a metric per kind and one
 * per source of a kind), which Powertools warns about at every flush.
 */
const warn = logger.warn.bind(logger) as (...content: unknown[]) => void;
const metricsLogger: NonNullable<MetricsOptions['logger']> = {
  debug: logger.debug.bind(logger),
  info: logger.info.bind(logger),
  error: logger.error.bind(logger),
  warn: (...content: unknown[]) => {
    const [message] = content;
    if (typeof message === 'string' && message.startsWith(EMPTY_FLUSH_WARNING)) return;
    warn(...content);
  },
};

/**
 * The one Metrics instance. It writes nothing when Powertools metrics are off
 * (POWERTOOLS_METRICS_DISABLED, or POWERTOOLS_DEV as in the local stack).
 */
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, logger: metricsLogger });

// Every lambdaHandler of a function that imports this module publishes what its invocation recorded,
// after it returns or throws; an invocation that recorded nothing writes nothing (no EMF line).
useInEveryHandler(logMetrics(metrics, { throwOnEmptyMetrics: false }));

const bySource = process.env.METRICS_SOURCE_DIMENSION === 'true';
const byAccount = (process.env.MEMBER_ROLE_NAME ?? '').trim() !== '';

/** What the dimensions name: the source's kind and identifier, and its ARN (whose account). */
export interface MetricSource {
  kind: string;
  sourceIdentifier: string;
  arn?: string;
}

/**
 * Records metrics of the invocation's export, with its dimensions; `logMetrics` publishes them as
 * one EMF line when the invocation ends. One invocation handles one export, and an execution
 * environment runs one invocation at a time (the functions do not enable Lambda's multi-concurrency).
 */
export function recordMetrics(
  source: MetricSource,
  values: Partial<Record<PipelineMetric, number | undefined>>,
): void {
  const finite = Object.entries(values).filter(
    (entry): entry is [PipelineMetric, number] => entry[1] !== undefined && Number.isFinite(entry[1]),
  );
  if (finite.length === 0) return;
  // The dimensions once per invocation: publishing clears them with the metrics.
  if (!metrics.hasStoredMetrics()) {
    metrics.addDimension('sourceKind', source.kind);
    if (bySource) metrics.addDimensions({ sourceKind: source.kind, source: source.sourceIdentifier });
    // Per account and Region, the grain of RDS's export quota: one set per pair the hub serves.
    const scope = byAccount && source.arn !== undefined ? safeScope(source.arn) : undefined;
    if (scope !== undefined)
      metrics.addDimensions({ sourceKind: source.kind, account: scope.account, region: scope.region });
  }
  for (const [name, value] of finite) metrics.addMetric(name, PIPELINE_METRICS[name], value);
}

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
