import { validate as isArn, parse as parseArn } from '@aws-sdk/util-arn-parser';
import { isKmsKeyArn } from '#shared/aws/kms.ts';
import type { ExportSettings } from '#shared/policy/schema.ts';
import { type ExportFilter, type GraphStartExportTaskRequest, graphIdOf } from './request.ts';

/** Graph exports queue behind this many graph exports unless the policy says otherwise. */
export const DEFAULT_MAX_CONCURRENT_GRAPH_EXPORTS = 2;

/**
 * The key ARN the neptune-graph model requires (kmsKeyIdentifier: KmsKeyArn). A policy may name
 * its key by ID (shared/aws/kms.ts); the graph's own Region and account complete it, as for IAM scopes.
 */
export function graphKeyArn(kmsKey: string, graphArn: string): string {
  if (isKmsKeyArn(kmsKey)) return kmsKey;
  const { partition, region, accountId } = isArn(graphArn)
    ? parseArn(graphArn)
    : { partition: undefined, region: undefined, accountId: undefined };
  return `arn:${partition}:kms:${region}:${accountId}:key/${kmsKey}`;
}

/**
 * The exact neptune-graph StartExportTask input for one graph export. Neptune Analytics assigns the
 * task id itself (`t-…`), so the destination carries the pipeline's own export name: every export
 * writes below a prefix of its own, and the task holding that destination is this export's.
 */
export function graphStartRequest(args: {
  graphArn: string;
  exportName: string;
  bucket: string;
  prefix: string;
  role: string;
  kmsKey: string;
  format: NonNullable<ExportSettings['format']> | undefined;
  exportFilter: ExportFilter | undefined;
}): GraphStartExportTaskRequest {
  const parquet = (args.format ?? 'parquet') === 'parquet';
  const path = args.prefix === '' ? args.exportName : `${args.prefix}/${args.exportName}`;
  return {
    graphIdentifier: graphIdOf(args.graphArn),
    roleArn: args.role,
    format: parquet ? 'PARQUET' : 'CSV',
    destination: `s3://${args.bucket}/${path}/`,
    kmsKeyIdentifier: graphKeyArn(args.kmsKey, args.graphArn),
    ...(parquet ? { parquetType: 'COLUMNAR' as const } : {}),
    ...(args.exportFilter === undefined ? {} : { exportFilter: structuredClone(args.exportFilter) }),
  };
}
