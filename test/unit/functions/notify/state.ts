import type { ExecutionState, ExportTaskSummary, NotifyInput } from '#shared/contract/execution.ts';

export const EXPORT_ID = 'orders-2024-05-01-06-10-a1b2';
export const BUCKET = 'acme-rds-exports';
export const ROLE_ARN = 'arn:aws:iam::123456789012:role/service/rds-s3-export-role';
export const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** An execution state as the state machine passes it to notify (ExportJob plus earlier results). */
export function state(overrides: Partial<ExecutionState> = {}): ExecutionState {
  return {
    exportTaskIdentifier: EXPORT_ID,
    rule: 'nightly-orders',
    source: {
      kind: 'db-snapshot',
      arn: 'arn:aws:rds:eu-west-1:123456789012:snapshot:rds:orders-2024-05-01-06-10',
      snapshotIdentifier: 'rds:orders-2024-05-01-06-10',
      sourceIdentifier: 'orders',
      engine: 'postgres',
      snapshotType: 'automated',
      sizeGB: 500,
    },
    request: {
      ExportTaskIdentifier: EXPORT_ID,
      SourceArn: 'arn:aws:rds:eu-west-1:123456789012:snapshot:rds:orders-2024-05-01-06-10',
      S3BucketName: BUCKET,
      IamRoleArn: ROLE_ARN,
      KmsKeyId: KEY_ARN,
      S3Prefix: 'rds/orders',
    },
    limits: { maxConcurrentExports: 3, queueAlertAfterSeconds: 3600 },
    ...overrides,
  };
}

/** A DescribeExportTasks task as check-export stores it. */
export function task(overrides: Partial<ExportTaskSummary> = {}): ExportTaskSummary {
  return {
    exportTaskIdentifier: EXPORT_ID,
    status: 'COMPLETE',
    percentProgress: 100,
    totalExtractedDataInGB: 263,
    taskStartTime: '2024-05-01T07:00:00.000Z',
    taskEndTime: '2024-05-01T09:13:00.000Z',
    s3Bucket: BUCKET,
    s3Prefix: 'rds/orders',
    ...overrides,
  };
}

export function checked(t: ExportTaskSummary, status = t.status): Pick<ExecutionState, 'check'> {
  return {
    check: {
      task: t,
      status: status as NonNullable<ExecutionState['check']>['status'],
      waitSeconds: 60,
      eventWaitSeconds: 60,
      polls: 7,
      checkedAt: '2024-05-01T07:00:00.000Z',
    },
  };
}

export function input(kind: NotifyInput['kind'], s: ExecutionState): NotifyInput {
  return {
    kind,
    executionId: `arn:aws:states:eu-west-1:123456789012:execution:export:${EXPORT_ID}`,
    state: s,
  };
}

/** The fenced JSON blocks of a fix, parsed: what an operator would paste. */
export function jsonBlocksOf(fix: string | undefined): unknown[] {
  return [...(fix ?? '').matchAll(/```\n([\s\S]*?)\n```/g)].map((m) => JSON.parse(m[1] ?? ''));
}
