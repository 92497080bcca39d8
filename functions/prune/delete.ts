import { BatchDeletePartitionCommand } from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';
import { DeleteObjectsCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import type { ExportRoot } from '#shared/export-address.ts';
import type { Glue } from './catalog.ts';

export type S3 = Pick<S3Client, 'send'>;

/** One stored version of an object, or a delete marker (size 0). */
export type StoredVersion = { key: string; versionId: string; size: number };

/**
 * Every version and delete marker under an export root (ListObjectVersions, pages of 1,000). In a
 * bucket whose versioning was never enabled each object is listed once, with the version ID `null`
 * (S3 user guide, "Working with objects in a versioning-enabled bucket").
 */
export async function listRoot(s3: S3, root: ExportRoot): Promise<StoredVersion[]> {
  const versions: StoredVersion[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  do {
    // The client's retry strategy retries each call (shared/sdk-config.ts).
    const page = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: root.bucket,
        Prefix: root.prefix,
        KeyMarker: keyMarker,
        VersionIdMarker: versionIdMarker,
      }),
    );
    for (const v of page.Versions ?? [])
      if (v.Key !== undefined && v.VersionId !== undefined)
        versions.push({ key: v.Key, versionId: v.VersionId, size: v.Size ?? 0 });
    for (const m of page.DeleteMarkers ?? [])
      if (m.Key !== undefined && m.VersionId !== undefined)
        versions.push({ key: m.Key, versionId: m.VersionId, size: 0 });
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker !== undefined);
  return versions;
}

/** DeleteObjects takes at most 1,000 keys a request (S3 API reference, DeleteObjects). */
const DELETE_OBJECTS_BATCH = 1000;

/**
 * Deletes the versions for good: DeleteObjects naming each VersionId. Without one, a delete in a
 * versioned bucket only adds a delete marker and keeps every version (S3 user guide, "Deleting object
 * versions from a versioning-enabled bucket"). A version already gone is reported deleted (S3 API
 * reference, DeleteObjects), so a second run after a crash finishes the job; any other per-key
 * error is thrown, so the run reports it and the next run tries again.
 */
export async function deleteVersions(
  s3: S3,
  bucket: string,
  versions: readonly StoredVersion[],
): Promise<void> {
  for (let i = 0; i < versions.length; i += DELETE_OBJECTS_BATCH) {
    const batch = versions.slice(i, i + DELETE_OBJECTS_BATCH);
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: batch.map((v) => ({ Key: v.key, VersionId: v.versionId })), Quiet: true },
      }),
    );
    const [failed] = out.Errors ?? [];
    if (failed !== undefined) {
      throw new Error(
        `DeleteObjects s3://${bucket}/${failed.Key} (version ${failed.VersionId}): ${failed.Code}: ${failed.Message}`,
      );
    }
  }
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
