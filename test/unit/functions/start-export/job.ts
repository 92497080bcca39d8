import type { ExecutionState, RdsExportJob } from '#shared/contract/execution.ts';

/** An execution state as on-snapshot starts it: the ExportJob only. */
export function job(overrides: Partial<ExecutionState> = {}): ExecutionState & RdsExportJob {
  return {
    exportTaskIdentifier: 'orders-db-2024-05-01-06-10-a1b2c3',
    rule: 'nightly-orders',
    source: {
      kind: 'db-snapshot',
      arn: 'arn:aws:rds:us-east-1:123456789012:snapshot:rds:orders-db-2024-05-01-06-10',
      snapshotIdentifier: 'rds:orders-db-2024-05-01-06-10',
      sourceIdentifier: 'orders-db',
      engine: 'postgres',
      snapshotType: 'automated',
    },
    request: {
      ExportTaskIdentifier: 'orders-db-2024-05-01-06-10-a1b2c3',
      SourceArn: 'arn:aws:rds:us-east-1:123456789012:snapshot:rds:orders-db-2024-05-01-06-10',
      S3BucketName: 'analytics-exports',
      IamRoleArn: 'arn:aws:iam::123456789012:role/rds-export',
      KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      S3Prefix: 'rds/orders-db',
      ExportOnly: ['orders.public.line_items'],
    },
    limits: { maxConcurrentExports: 3, queueAlertAfterSeconds: 3600 },
    ...overrides,
  } as ExecutionState & RdsExportJob;
}
