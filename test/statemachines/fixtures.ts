import {
  CheckResult,
  ExportJob,
  type ExportJob as ExportJobType,
  type ExportTaskSummary,
  RegistrationResult,
  StartResult,
} from '#shared/contract/execution.ts';

/**
 * Execution input and function results for the state-machine tests, each parsed with the contract's
 * schema so that the machine is only ever fed what the real functions can produce.
 */

const IDENTIFIER = 'orders-db-2024-05-01-06-10-7f3a9c';

export const job: ExportJobType = ExportJob.parse({
  exportTaskIdentifier: IDENTIFIER,
  rule: 'nightly-orders',
  source: {
    kind: 'db-snapshot',
    arn: 'arn:aws:rds:us-east-1:123456789012:snapshot:rds:orders-db-2024-05-01-06-10',
    snapshotIdentifier: 'rds:orders-db-2024-05-01-06-10',
    sourceIdentifier: 'orders-db',
    engine: 'postgres',
    snapshotType: 'automated',
    snapshotCreateTime: '2024-05-01T06:10:42.511Z',
    sizeGB: 200,
  },
  request: {
    ExportTaskIdentifier: IDENTIFIER,
    SourceArn: 'arn:aws:rds:us-east-1:123456789012:snapshot:rds:orders-db-2024-05-01-06-10',
    S3BucketName: 'acme-rds-exports',
    IamRoleArn: 'arn:aws:iam::123456789012:role/rds-export-dev-export',
    KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/6f1c5a2e-8d1b-4d9e-9a57-0c3b2f7e1d44',
    S3Prefix: 'exports/orders-db',
    ExportOnly: ['orders.public'],
  },
  limits: { maxConcurrentExports: 5, queueAlertAfterSeconds: 3600 },
});

const CLUSTER_IDENTIFIER = 'orders-aurora-3b9d0c1e2f';

/** A live Aurora cluster export, as on-schedule starts it for one slot of a policy schedule. */
export const clusterJob: ExportJobType = ExportJob.parse({
  exportTaskIdentifier: CLUSTER_IDENTIFIER,
  rule: 'live-clusters-nightly',
  source: {
    kind: 'cluster',
    arn: 'arn:aws:rds:us-east-1:123456789012:cluster:orders-aurora',
    sourceIdentifier: 'orders-aurora',
    engine: 'aurora-postgresql',
    engineVersion: '16.4',
    engineMode: 'provisioned',
    status: 'available',
    schedule: 'nightly-clusters',
    scheduledTime: '2024-05-02T00:30:00.000Z',
  },
  request: {
    ExportTaskIdentifier: CLUSTER_IDENTIFIER,
    SourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:orders-aurora',
    S3BucketName: 'acme-rds-exports',
    IamRoleArn: 'arn:aws:iam::123456789012:role/rds-export-dev-export',
    KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/6f1c5a2e-8d1b-4d9e-9a57-0c3b2f7e1d44',
    S3Prefix: 'exports/cluster/orders-aurora/2024/05/02',
  },
  limits: { maxConcurrentExports: 5, queueAlertAfterSeconds: 3600 },
});

function task(status: string, extra: Partial<ExportTaskSummary> = {}): ExportTaskSummary {
  return {
    exportTaskIdentifier: IDENTIFIER,
    status,
    s3Bucket: 'acme-rds-exports',
    s3Prefix: 'exports/orders-db',
    sourceType: 'SNAPSHOT',
    snapshotTime: '2024-05-01T06:10:42.511Z',
    taskStartTime: '2024-05-01T06:15:03.000Z',
    ...extra,
  };
}

/** `eventWaitSeconds` (the wait for the export-finished event) is `waitSeconds` unless given. */
export function started(waitSeconds = 60, eventWaitSeconds = waitSeconds): StartResult {
  return StartResult.parse({
    outcome: 'started',
    task: task('STARTING'),
    waitSeconds,
    eventWaitSeconds,
    checkedAt: '2024-05-01T06:15:03.000Z',
    // RDS announces the end of its exports (the snapshot and cluster kinds' `start`).
    endAnnounced: true,
  });
}

export function trackingExisting(waitSeconds = 60, eventWaitSeconds = waitSeconds): StartResult {
  return StartResult.parse({
    outcome: 'tracking-existing',
    task: task('IN_PROGRESS'),
    waitSeconds,
    eventWaitSeconds,
    checkedAt: '2024-05-01T06:15:03.000Z',
    // RDS announces the end of its exports (the snapshot and cluster kinds' `start`).
    endAnnounced: true,
  });
}

/** `alerted` stays true once the queued-too-long alert has been raised. */
export function queued(
  attempts: number,
  alertDue: boolean,
  alerted = alertDue,
  waitSeconds = 120,
): StartResult {
  return StartResult.parse({
    outcome: 'queued',
    waitSeconds,
    activeExports: 5,
    queue: { since: '2024-05-01T06:15:03.000Z', attempts, alerted },
    alertDue,
  });
}

/** A check result; `polls` counts DescribeExportTasks calls as check-export does. */
export function checked(
  status: CheckResult['status'],
  polls: number,
  extra: Partial<ExportTaskSummary> = {},
  waitSeconds = 300,
  eventWaitSeconds = waitSeconds,
): CheckResult {
  return CheckResult.parse({
    task: task(status === 'UNKNOWN' ? 'PAUSED' : status, extra),
    status,
    waitSeconds,
    eventWaitSeconds,
    polls,
    checkedAt: '2024-05-01T06:45:00.000Z',
    ...(status === 'IN_PROGRESS' ? { inProgressSince: '2024-05-01T06:40:00.000Z' } : {}),
  });
}

export const registration: RegistrationResult = RegistrationResult.parse({
  database: 'rds_export_orders_db',
  registered: [
    { target: 'orders.public.customers', table: 'public_customers', columns: 7 },
    { target: 'orders.public.line_items', table: 'public_line_items', columns: 12 },
  ],
  skipped: [{ target: 'orders.public.audit_tmp', reason: 'unlogged table (not exported by RDS)' }],
  failed: [],
  registeredCount: 2,
  skippedCount: 1,
  failedCount: 0,
});
