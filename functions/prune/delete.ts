import { BatchDeletePartitionCommand } from '@aws-sdk/client-glue';
import type {
  ListObjectVersionsCommandInput,
  ListObjectVersionsCommandOutput,
  S3Client,
} from '@aws-sdk/client-s3';
import { DeleteObjectsCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { collectPages } from '#shared/aws/pages.ts';
import type { ExportRoot } from '#shared/exports/address.ts';
import type { Glue } from './catalog.ts';

export type S3 = Pick<S3Client, 'send'>;

/** One stored version of an object, or a delete marker (size 0). */
export type StoredVersion = { key: string; versionId: string; size: number };

/**
 * ListObjectVersions pages, in the shape of the SDK's `paginate…` helpers: the S3 client has none
 * for this operation, whose position is two markers (key and version ID) rather than one token.
 */
async function* paginateListObjectVersions(
  config: { client: S3; stopOnSameToken?: boolean },
  input: ListObjectVersionsCommandInput,
): AsyncGenerator<ListObjectVersionsCommandOutput, undefined> {
  let keyMarker = input.KeyMarker;
  let versionIdMarker = input.VersionIdMarker;
  for (;;) {
    // The client's retry strategy retries each call (shared/aws/client-config.ts).
    const page = await config.client.send(
      new ListObjectVersionsCommand({ ...input, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }),
    );
    yield page;
    const next = page.IsTruncated ? page.NextKeyMarker : undefined;
    const repeated = next === keyMarker && page.NextVersionIdMarker === versionIdMarker;
    if (next === undefined || (config.stopOnSameToken && repeated)) return undefined;
    keyMarker = next;
    versionIdMarker = page.NextVersionIdMarker;
  }
}

/**
 * Pages read at most under one root: 1,000 pages of 1,000 = a million versions. Prune deletes what
 * it lists, so a longer listing fails rather than deleting part of the export.
 */
const MAX_PAGES = 1000;

/**
 * Every version and delete marker under an export root (ListObjectVersions, pages of 1,000). In a
 * bucket whose versioning was never enabled each object is listed once, with the version ID `null`
 * (S3 user guide, "Working with objects in a versioning-enabled bucket").
 */
export async function listRoot(s3: S3, root: ExportRoot): Promise<StoredVersion[]> {
  const pages = await collectPages(
    paginateListObjectVersions,
    { client: s3 },
    { Bucket: root.bucket, Prefix: root.prefix },
    { maxPages: MAX_PAGES, atCap: 'fail' },
  );
  const versions: StoredVersion[] = [];
  for (const page of pages) {
    for (const v of page.Versions ?? [])
      if (v.Key !== undefined && v.VersionId !== undefined)
        versions.push({ key: v.Key, versionId: v.VersionId, size: v.Size ?? 0 });
    for (const m of page.DeleteMarkers ?? [])
      if (m.Key !== undefined && m.VersionId !== undefined)
        versions.push({ key: m.Key, versionId: m.VersionId, size: 0 });
  }
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

/**
 * Glue takes at most 25 partitions per BatchDeletePartition (Glue API reference, BatchDeletePartition:
 * PartitionsToDelete "Maximum number of 25 items").
 */
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
