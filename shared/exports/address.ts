import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { parseS3Uri } from '../sources/graph/request.ts';

/**
 * Where an export can be found again: its execution, the S3 folder it was started with, and the
 * ledger item that records that folder. No SDK client here: the ledger writes the item, prune reads
 * it, and neither's IAM may include the other's calls (the role tests derive actions from imports).
 */

/** An export's folder: `s3://<bucket>/<prefix>`, the prefix ending in `<export id>/`. */
export type ExportRoot = { bucket: string; prefix: string };

/** The ARN of the execution named `name` (an export's task identifier) of the state machine. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** An RDS export's folder in its bucket: `<prefix>/<exportId>/` with no doubled or leading slash. */
export function exportRoot(prefix: string | undefined, exportId: string): string {
  const p = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return p === '' ? `${exportId}/` : `${p}/${exportId}/`;
}

/** The destination fields of a StartExportTask request: RDS's or Neptune Analytics'. */
export type StartedRequest =
  | { S3BucketName: string; S3Prefix?: string | undefined }
  | { destination: string };

/**
 * The folder an export was started with. RDS writes below `<S3Prefix>/<ExportTaskIdentifier>/` (RDS
 * user guide, "File naming conventions for exports to Amazon S3"); a graph export's destination
 * already ends in its export name (shared/sources/graph/job.ts).
 */
export function startedRoot(exportTaskIdentifier: string, request: StartedRequest): ExportRoot {
  if ('destination' in request) {
    const { bucket, prefix } = parseS3Uri(request.destination);
    return { bucket, prefix: prefix === '' ? '' : `${prefix}/` };
  }
  return { bucket: request.S3BucketName, prefix: exportRoot(request.S3Prefix, exportTaskIdentifier) };
}

/**
 * The ledger item recording where an export was started, one per export an event starts. It outlives
 * the execution, which Step Functions keeps 90 days after it ends ("Quotas for Standard Workflows",
 * maximum execution history retention time), so prune can check an older export too.
 */
export function startedRecordKey(exportTaskIdentifier: string): Record<string, AttributeValue> {
  return marshall({ pk: `export#${exportTaskIdentifier}`, sk: 'started' });
}
