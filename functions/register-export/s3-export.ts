import type { GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { GetObjectCommand, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import { parquetMetadataAsync } from 'hyparquet';
import { collectPages, type PageCap } from '#shared/aws/pages.ts';

export type S3 = Pick<S3Client, 'send'>;

export type ParquetObject = { key: string; size: number };

/** What one export wrote: its metadata files and, per table folder (`<db>/<schema.table>`), its Parquet files. */
export type ExportListing = {
  root: string;
  metadataKeys: string[];
  tableFolders: Map<string, ParquetObject[]>;
};

const METADATA_FILE = /^export_(tables_)?info_[^/]*\.json$/;

/**
 * An export's listing, at most 1,000 pages of 1,000 objects. What it lists is registered as the
 * export's data, so a longer listing fails rather than registering part of it.
 */
export const EXPORT_LISTING: PageCap = { maxPages: 1000, atCap: 'fail' };

/**
 * Lists everything under the export root, page by page. Data files are the `.parquet` objects two or
 * more levels down (`<db>/<table folder>/[<batch>/]part-…`); `_SUCCESS`, `.crc` and anything else is ignored.
 */
export async function listExport(s3: S3, bucket: string, root: string): Promise<ExportListing> {
  const pages = await collectPages(
    paginateListObjectsV2,
    { client: s3 },
    { Bucket: bucket, Prefix: root },
    EXPORT_LISTING,
  );
  const listing: ExportListing = { root, metadataKeys: [], tableFolders: new Map() };
  for (const obj of pages.flatMap((page) => page.Contents ?? [])) {
    if (obj.Key === undefined) continue;
    const rel = obj.Key.slice(root.length);
    const parts = rel.split('/');
    if (parts.length === 1 && METADATA_FILE.test(rel)) {
      listing.metadataKeys.push(obj.Key);
      continue;
    }
    const file = parts.at(-1) ?? '';
    if (parts.length < 3 || !file.toLowerCase().endsWith('.parquet') || /^[_.]/.test(file)) continue;
    const folder = `${parts[0]}/${parts[1]}`;
    const files = listing.tableFolders.get(folder) ?? [];
    files.push({ key: obj.Key, size: obj.Size ?? 0 });
    listing.tableFolders.set(folder, files);
  }
  for (const files of listing.tableFolders.values()) files.sort((a, b) => a.key.localeCompare(b.key));
  listing.metadataKeys.sort();
  return listing;
}

/** The export writes `\`, `` ` ``, `"` and space in paths as `_`. */
export function s3PathPart(name: string): string {
  return name.replace(/[\\`" ]/g, '_');
}

/** Table folder of a target: `db.schema.table` → `db/schema.table` (PostgreSQL), `db.table` → `db/db.table` (MySQL). */
export function folderOfTarget(target: string, mysql: boolean): string {
  const dot = target.indexOf('.');
  const db = target.slice(0, dot);
  return `${s3PathPart(db)}/${s3PathPart(mysql ? target : target.slice(dot + 1))}`;
}

/** The target a folder holds when no metadata names it (inverse of folderOfTarget, up to the `_` replacement). */
export function targetOfFolder(folder: string, mysql: boolean): string {
  const [db, table] = folder.split('/') as [string, string];
  return mysql ? table : `${db}.${table}`;
}

async function bodyBytes(out: GetObjectCommandOutput): Promise<ArrayBuffer> {
  if (!out.Body) return new ArrayBuffer(0);
  const bytes = await out.Body.transformToByteArray();
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export async function getText(s3: S3, bucket: string, key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await out.Body?.transformToString('utf-8')) ?? '';
}

/** Footer bytes fetched in the first ranged request; a larger footer costs one more request. */
export const FOOTER_FETCH_BYTES = 64 * 1024;

/**
 * Reads a Parquet footer with ranged GETs only: the last min(size, 64 KiB) bytes hold the length
 * (last 8 bytes) and usually the whole footer; hyparquet asks for the rest only when it is longer.
 */
export async function readFooter(s3: S3, bucket: string, file: ParquetObject): Promise<FileMetaData> {
  const buffer: AsyncBuffer = {
    byteLength: file.size,
    async slice(start: number, end?: number) {
      const last = (end ?? file.size) - 1;
      const out = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: file.key, Range: `bytes=${start}-${last}` }),
      );
      return bodyBytes(out);
    },
  };
  return parquetMetadataAsync(buffer, { initialFetchSize: Math.min(FOOTER_FETCH_BYTES, file.size) });
}
