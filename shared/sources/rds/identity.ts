import type { KindIdentity } from '#shared/sources/kinds/types.ts';

/** RDS's limit of concurrent exports per account and Region is the pool's limit unless the policy sets one. */
export const DEFAULT_MAX_CONCURRENT_EXPORTS = 5;

/**
 * What snapshots and live clusters share of their identity: RDS's StartExportTask request, the RDS
 * export role (EXPORT_ROLE_ARN), and RDS's pool. Each kind adds its exportability.
 */
export const rdsIdentity: Omit<KindIdentity, 'exportability' | 'label' | 'estimate'> = {
  identifiers: (source) => [source.sourceIdentifier],
  readableName: () => undefined,
  unsupported: () => undefined,
  role: (settings, destination) => settings.role ?? destination?.role,
  roleSetting: 'export.role or EXPORT_ROLE_ARN',
  request: ({ id, source, bucket, prefix, role, kmsKey, settings }) => ({
    ExportTaskIdentifier: id,
    SourceArn: source.arn,
    S3BucketName: bucket,
    IamRoleArn: role,
    KmsKeyId: kmsKey,
    ...(prefix === '' ? {} : { S3Prefix: prefix }),
    ...(settings.exportOnly === undefined ? {} : { ExportOnly: [...settings.exportOnly] }),
  }),
  maxConcurrentExports: (settings) => settings.maxConcurrentExports ?? DEFAULT_MAX_CONCURRENT_EXPORTS,
  api: 'StartExportTask',
};
