import { BatchDeletePartitionCommand } from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';
import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DEFAULT_RETRY, mapLimit, type RetryOptions, withRetry } from '#shared/concurrency.ts';
import type { ExportRoot, Glue } from './catalog.ts';

export type S3 = Pick<S3Client, 'send'>;

const s3Retry: RetryOptions = { ...DEFAULT_RETRY, service: 's3' };

/** Every object key under an export root, with its size (ListObjectsV2 pages of 1,000). */
export async function listRoot(s3: S3, root: ExportRoot): Promise<{ key: string; size: number }[]> {
  const objects: { key: string; size: number }[] = [];
  let token: string | undefined;
  do {
    const page = await withRetry(
      () =>
        s3.send(
          new ListObjectsV2Command({ Bucket: root.bucket, Prefix: root.prefix, ContinuationToken: token }),
        ),
      s3Retry,
    );
    for (const o of page.Contents ?? [])
      if (o.Key !== undefined) objects.push({ key: o.Key, size: o.Size ?? 0 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return objects;
}

/**
 * Deletes the objects (DeleteObject, 32 at once; deleting a key that is gone succeeds, so a second
 * run after a crash finishes the job).
 */
export async function deleteObjects(s3: S3, bucket: string, keys: readonly string[]): Promise<void> {
  await mapLimit(keys, 32, (key) =>
    withRetry(() => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })), s3Retry),
  );
}

/** Glue takes at most 25 partitions per BatchDeletePartition (REFERENCE §6). */
const DELETE_BATCH = 25;

/**
 * Deletes history partitions. A partition already gone (an earlier, interrupted run deleted it) is
 * fine; any other entry error is thrown, so the run reports it and the next run tries again.
 */
export async function deletePartitions(
  glue: Glue,
  database: string,
  table: string,
  values: readonly string[][],
): Promise<void> {
  for (let i = 0; i < values.length; i += DELETE_BATCH) {
    const batch = values.slice(i, i + DELETE_BATCH).map((v) => ({ Values: v }));
    const out = await glue.send(
      new BatchDeletePartitionCommand({
        DatabaseName: database,
        TableName: table,
        PartitionsToDelete: batch,
      }),
    );
    const failed = (out.Errors ?? []).find(
      (e) => (e.ErrorDetail?.ErrorCode ?? '').replace(/Exception$/, '') !== 'EntityNotFound',
    );
    if (failed) {
      throw new Error(
        `BatchDeletePartition ${database}.${table} ${JSON.stringify(failed.PartitionValues)}: ${failed.ErrorDetail?.ErrorCode}: ${failed.ErrorDetail?.ErrorMessage}`,
      );
    }
  }
}
