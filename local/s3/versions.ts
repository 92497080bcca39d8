import { createRequire } from 'node:module';

/**
 * ListObjectVersions for the local S3. s3rver has no versioning and answers `GET /<bucket>?versions`
 * with MethodNotAllowed; its buckets are what an unversioned S3 bucket is, where each object is its
 * one version, `null` ("Objects that are stored in an Amazon S3 bucket before you set the versioning
 * state have a version ID of null", S3 user guide, "Working with objects in a versioning-enabled
 * bucket"). The answer has ListObjectVersions' shape (S3 API reference, ListObjectVersions).
 * Deleting a version needs nothing more: s3rver's DeleteObjects deletes each key it is given and
 * ignores the version ID, which for a `null` version is what S3 does.
 */

interface StoredObject {
  key: string;
  size: number;
  lastModifiedDate: Date;
  metadata: Record<string, string>;
}

/** What the listing needs of s3rver's Koa context. */
interface BucketContext {
  params: { bucket: string; queryMethod?: string };
  query: Record<string, string | string[] | undefined>;
  store: {
    listObjects(
      bucket: string,
      options: { prefix?: string; startAfter?: string; maxKeys: number },
    ): Promise<{ objects: StoredObject[]; isTruncated: boolean }>;
  };
  body: unknown;
}
type Handler = (ctx: BucketContext, next: () => Promise<unknown>) => Promise<unknown> | undefined;

const require = createRequire(import.meta.url);
const router = require('s3rver/lib/routes.js') as {
  stack: { path: string; methods: string[]; stack: Handler[] }[];
};

/** ListObjectVersions pages hold up to 1,000 versions (S3 API reference, ListObjectVersions). */
const PAGE = 1000;

const text = (v: string | string[] | undefined) => (typeof v === 'string' && v !== '' ? v : undefined);

async function listObjectVersions(ctx: BucketContext): Promise<void> {
  const prefix = text(ctx.query.prefix);
  const keyMarker = text(ctx.query['key-marker']);
  const { objects, isTruncated } = await ctx.store.listObjects(ctx.params.bucket, {
    ...(prefix === undefined ? {} : { prefix }),
    ...(keyMarker === undefined ? {} : { startAfter: keyMarker }),
    maxKeys: PAGE,
  });
  const last = objects.at(-1);
  ctx.body = {
    ListVersionsResult: {
      '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
      Name: ctx.params.bucket,
      Prefix: prefix ?? '',
      KeyMarker: keyMarker ?? '',
      VersionIdMarker: '',
      MaxKeys: PAGE,
      IsTruncated: isTruncated,
      ...(isTruncated && last !== undefined ? { NextKeyMarker: last.key, NextVersionIdMarker: 'null' } : {}),
      Version: objects.map((o) => ({
        Key: o.key,
        VersionId: 'null',
        IsLatest: true,
        LastModified: o.lastModifiedDate.toISOString(),
        ETag: o.metadata.etag,
        Size: o.size,
        StorageClass: 'STANDARD',
      })),
    },
  };
}

/** Teaches the process's one s3rver router ListObjectVersions (once, however many servers start). */
export function serveObjectVersions(): void {
  const layer = router.stack.find((l) => l.path === '/:bucket' && l.methods.includes('GET'));
  const getBucket = layer?.stack.at(-1);
  if (layer === undefined || getBucket === undefined)
    throw new Error("s3rver's GET /:bucket route not found: its routes changed");
  if (getBucket.name === 'getBucketOrObjectVersions') return;
  layer.stack = [
    ...layer.stack.slice(0, -1),
    function getBucketOrObjectVersions(ctx, next) {
      return ctx.params.queryMethod === 'versions' ? listObjectVersions(ctx) : getBucket(ctx, next);
    },
  ];
}
