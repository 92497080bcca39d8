import type { KindAddress, StartedRequest } from '#shared/sources/kinds/types.ts';

/** An RDS export's folder in its bucket: `<prefix>/<exportId>/` with no doubled or leading slash. */
export function exportRoot(prefix: string | undefined, exportId: string): string {
  const p = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return p === '' ? `${exportId}/` : `${p}/${exportId}/`;
}

/**
 * RDS writes below `<S3Prefix>/<ExportTaskIdentifier>/` (RDS user guide, "File naming conventions
 * for exports to Amazon S3"), for a snapshot and a live cluster alike.
 */
export const rdsAddress: KindAddress = {
  root(exportTaskIdentifier, request) {
    const { S3BucketName, S3Prefix } = request as Extract<StartedRequest, { S3BucketName: string }>;
    return { bucket: S3BucketName, prefix: exportRoot(S3Prefix, exportTaskIdentifier) };
  },
};
