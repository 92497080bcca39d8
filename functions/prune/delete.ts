import { BatchDeletePartitionCommand } from '@aws-sdk/client-glue';
import type {
  ListObjectVersionsCommandInput,
  ListObjectVersionsCommandOutput,
  S3Client,
} from '@aws-sdk/client-s3';
import { DeleteObjectsCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { classifyAwsError } from '#shared/aws/errors.ts';
import { cappedPages } from '#shared/aws/pages.ts';
import type { ExportRoot } from '#shared/exports/address.ts';
import { type Glue, whole } from './catalog.ts';

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
 * (S3 user guide, "Working with objects in a versioning-enabled bucket"). Undefined when `stop()`
 * says so between pages: nothing of a listing cut short is deleted.
 */
export async function listRoot(
  s3: S3,
  root: ExportRoot,
  stop: () => boolean = () => false,
): Promise<StoredVersion[] | undefined> {
  const versions: StoredVersion[] = [];
  const pages = cappedPages(
    paginateListObjectVersions,
    { client: s3 },
    { Bucket: root.bucket, Prefix: root.prefix },
    { maxPages: MAX_PAGES, atCap: 'fail' },
  );
  for await (const page of whole(`Listing s3://${root.bucket}/${root.prefix}`, pages)) {
    for (const v of page.Versions ?? [])
      if (v.Key !== undefined && v.VersionId !== undefined)
        versions.push({ key: v.Key, versionId: v.VersionId, size: v.Size ?? 0 });
    for (const m of page.DeleteMarkers ?? [])
      if (m.Key !== undefined && m.VersionId !== undefined)
        versions.push({ key: m.Key, versionId: m.VersionId, size: 0 });
    if (page.IsTruncated && stop()) return undefined;
  }
  return versions;
}

/** DeleteObjects takes at most 1,000 keys a request (S3 API reference, DeleteObjects). */
export const DELETE_OBJECTS_BATCH = 1000;

/** An error S3 or Glue reported for one entry of a batch request that succeeded, named after its code. */
class EntryError extends Error {
  constructor(code: string | undefined, message: string | undefined) {
    super(message ?? code ?? 'unknown entry error');
    this.name = code ?? 'EntryError';
  }
}

/**
 * Deletes one batch of versions (at most DELETE_OBJECTS_BATCH) for good: DeleteObjects naming each
 * VersionId. Without one, a delete in a versioned bucket only adds a delete marker and keeps every
 * version (S3 user guide, "Deleting object versions from a versioning-enabled bucket"). A version
 * already gone is reported deleted (S3 API reference, DeleteObjects), so a second run after a crash
 * finishes the job; any other per-key error is thrown, classified by its code (an entry error
 * arrives in a response that succeeded, which the client does not classify), so the run reports it
 * and the next run tries again.
 */
export async function deleteVersions(
  s3: S3,
  bucket: string,
  versions: readonly StoredVersion[],
): Promise<void> {
  const out = await s3.send(
    new DeleteObjectsCommand({
      Bucket: bucket,
      Delete: { Objects: versions.map((v) => ({ Key: v.key, VersionId: v.versionId })), Quiet: true },
    }),
  );
  const [failed] = out.Errors ?? [];
  if (failed !== undefined) {
    throw classifyAwsError(
      new EntryError(failed.Code, failed.Message),
      's3',
      `DeleteObjects s3://${bucket}/${failed.Key} (version ${failed.VersionId})`,
    );
  }
}

/**
 * Glue takes at most 25 partitions per BatchDeletePartition (Glue API reference, BatchDeletePartition:
 * PartitionsToDelete "Maximum number of 25 items").
 */
export const DELETE_PARTITIONS_BATCH = 25;

/**
 * Deletes one batch of history partitions of a table (at most DELETE_PARTITIONS_BATCH). A partition
 * already gone (an earlier, interrupted run deleted it) is fine; any other entry error is thrown,
 * classified by its code, so the run reports it and the next run tries again.
 */
export async function deletePartitions(
  glue: Glue,
  database: string,
  table: string,
  values: readonly string[][],
): Promise<void> {
  const out = await glue.send(
    new BatchDeletePartitionCommand({
      DatabaseName: database,
      TableName: table,
      PartitionsToDelete: values.map((v) => ({ Values: v })),
    }),
  );
  const failed = (out.Errors ?? []).find(
    (e) => (e.ErrorDetail?.ErrorCode ?? '').replace(/Exception$/, '') !== 'EntityNotFound',
  );
  if (failed) {
    throw classifyAwsError(
      new EntryError(failed.ErrorDetail?.ErrorCode, failed.ErrorDetail?.ErrorMessage),
      'glue',
      `BatchDeletePartition ${database}.${table} ${JSON.stringify(failed.PartitionValues)}`,
    );
  }
}

/** `items` in consecutive slices of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
