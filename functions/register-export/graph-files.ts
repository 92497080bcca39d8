import { GetObjectCommand, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import type { FileMetaData } from 'hyparquet';
import { parquetReadObjects } from 'hyparquet';
import { awsCause } from '#shared/aws/errors.ts';
import { collectPages } from '#shared/aws/pages.ts';
import { csvRecords, type HeaderColumn, headerColumn } from './graph-csv.ts';
import { REPORT_FILE } from './report.ts';
import { EXPORT_LISTING, type ParquetObject, readFooter, type S3 } from './s3-export.ts';
import { type FileColumn, fileSchema } from './schema.ts';

/**
 * What a graph export's files are, read from the files themselves: "Structure of exported files"
 * documents separate file sets for vertices and edges, split by label, but no folder or file
 * names, so none is assumed. A file is a vertex file when it has `~id` and no `~from`/`~to`, an
 * edge file when it has both; its label is the `~label` its rows hold (Parquet: the column's
 * statistics in the footer, else the column itself; CSV: the first rows of the file).
 */

export interface GraphFile {
  key: string;
  size: number;
  kind: 'vertex' | 'edge';
  /** The one label its rows hold; undefined when they hold several (all labels in one file set) or none. */
  label: string | undefined;
  columns: FileColumn[];
  /** Column name → its comment (the CSV header cell, or the footer's Any / Date / DateTime). */
  comments: Map<string, string>;
  /** A file with a header and no row: it belongs to whichever label's folder holds it. */
  empty: boolean;
}

export type Inspected = GraphFile | { key: string; problem: string };

/** Every object below `root` that Athena would read: not the report, not a hidden (`_`, `.`) one. */
export async function listGraphExport(
  s3: S3,
  bucket: string,
  root: string,
): Promise<{ files: ParquetObject[] }> {
  const pages = await collectPages(
    paginateListObjectsV2,
    { client: s3 },
    { Bucket: bucket, Prefix: root },
    EXPORT_LISTING,
  );
  const files: ParquetObject[] = [];
  for (const obj of pages.flatMap((page) => page.Contents ?? [])) {
    if (obj.Key === undefined || obj.Key.endsWith('/')) continue;
    const rel = obj.Key.slice(root.length);
    // Athena (like Hive) skips files and folders whose names begin with _ or . below a location.
    if (rel === REPORT_FILE || rel.split('/').some((part) => /^[_.]/.test(part))) continue;
    files.push({ key: obj.Key, size: obj.Size ?? 0 });
  }
  files.sort((a, b) => a.key.localeCompare(b.key));
  return { files };
}

function kindOf(names: readonly string[]): GraphFile['kind'] | undefined {
  if (names.includes('~from') && names.includes('~to')) return 'edge';
  if (names.includes('~id')) return 'vertex';
  return undefined;
}

const NOT_GRAPH = 'neither a vertex file (~id) nor an edge file (~from, ~to)';

function footerComments(metadata: FileMetaData): Map<string, string> {
  const comments = new Map<string, string>([
    ['~id', '~id'],
    ['~label', '~label'],
    ['~from', '~from'],
    ['~to', '~to'],
  ]);
  // The loader's annotations of Any, Date and DateTime columns ("Using Parquet data").
  const annotated: [string, string][] = [
    ['anyTypeColumns', 'Any: one {"value","type"} JSON per value, separated by ;'],
    ['dateTypeColumns', 'Date'],
    ['dateTimeTypeColumns', 'DateTime'],
  ];
  for (const { key, value } of metadata.key_value_metadata ?? []) {
    const comment = annotated.find(([k]) => k === key)?.[1];
    if (comment === undefined || value === undefined) continue;
    try {
      for (const name of JSON.parse(value) as unknown[]) comments.set(String(name), comment);
    } catch {
      // Not the loader's JSON list: no comments from it.
    }
  }
  return comments;
}

/** The one value every row group's statistics give the column, if they all give the same one. */
function statisticsLabel(metadata: FileMetaData, column: string): { label?: string; known: boolean } {
  let label: string | undefined;
  for (const group of metadata.row_groups) {
    const chunk = group.columns.find((c) => c.meta_data?.path_in_schema.join('.') === column);
    const stats = chunk?.meta_data?.statistics;
    const min = stats?.min_value ?? stats?.min;
    const max = stats?.max_value ?? stats?.max;
    if (typeof min !== 'string' || typeof max !== 'string') return { known: false };
    if (min !== max || (label !== undefined && label !== min)) return { known: true };
    label = min;
  }
  return { label, known: true };
}

/** A Parquet file: its columns from the footer, its label from the `~label` statistics or values. */
export async function inspectParquet(
  file: ParquetObject,
  metadata: FileMetaData,
  read: (start: number, end: number) => Promise<ArrayBuffer>,
): Promise<Inspected> {
  const schema = fileSchema(file.key, metadata);
  if ('error' in schema) return { key: file.key, problem: schema.error };
  const names = schema.columns.map((c) => c.name);
  const kind = kindOf(names);
  if (kind === undefined) return { key: file.key, problem: NOT_GRAPH };
  const rows = Number(metadata.num_rows);
  const base = {
    key: file.key,
    size: file.size,
    kind,
    columns: schema.columns,
    comments: footerComments(metadata),
  };
  if (rows === 0) return { ...base, label: undefined, empty: true };
  if (!names.includes('~label')) return { ...base, label: undefined, empty: false };
  const fromStats = statisticsLabel(metadata, '~label');
  if (fromStats.known) return { ...base, label: fromStats.label, empty: false };
  const values = await parquetReadObjects({
    file: { byteLength: file.size, slice: read },
    metadata,
    columns: ['~label'],
  });
  const labels = new Set(values.map((row) => String(row['~label'] ?? '')));
  return { ...base, label: labels.size === 1 ? [...labels][0] : undefined, empty: false };
}

/** Bytes of the start of a CSV file read for its header and first rows. */
export const CSV_SAMPLE_BYTES = 64 * 1024;

/** A CSV file: its columns from the header, its label from the first rows (one ranged GET). */
export async function inspectCsv(s3: S3, bucket: string, file: ParquetObject): Promise<Inspected> {
  const whole = file.size <= CSV_SAMPLE_BYTES;
  const out = await s3.send(
    new GetObjectCommand({
      Bucket: bucket,
      Key: file.key,
      ...(whole ? {} : { Range: `bytes=0-${CSV_SAMPLE_BYTES - 1}` }),
    }),
  );
  const text = (await out.Body?.transformToString('utf-8')) ?? '';
  const [header, ...rows] = csvRecords(text.replace(/^\uFEFF/, ''), whole);
  if (header === undefined)
    return { key: file.key, problem: `no header in the first ${CSV_SAMPLE_BYTES} bytes` };
  const columns: HeaderColumn[] = header.map(headerColumn);
  const names = columns.map((c) => c.name);
  const kind = kindOf(names);
  if (kind === undefined) return { key: file.key, problem: NOT_GRAPH };
  const comments = new Map(columns.map((c) => [c.name, c.header]));
  const at = names.indexOf('~label');
  const labels = new Set(
    rows.filter((r) => r.length === header.length).map((r) => (at < 0 ? '' : (r[at] ?? ''))),
  );
  const base = { key: file.key, size: file.size, kind, columns, comments };
  if (rows.length === 0) return { ...base, label: undefined, empty: true };
  return { ...base, label: labels.size === 1 && at >= 0 ? [...labels][0] : undefined, empty: false };
}

/** One file's kind, label and columns, or why it has none. */
export async function inspectFile(
  s3: S3,
  bucket: string,
  format: 'PARQUET' | 'CSV',
  file: ParquetObject,
): Promise<Inspected> {
  try {
    if (format === 'CSV') return await inspectCsv(s3, bucket, file);
    const metadata = await readFooter(s3, bucket, file);
    return await inspectParquet(file, metadata, (start, end) => ranged(s3, bucket, file, start, end));
  } catch (error) {
    // The AWS error's own name and message (a classified client keeps it as the cause).
    const e = awsCause(error) as Error;
    return { key: file.key, problem: `unreadable: ${e.name}: ${e.message}` };
  }
}

async function ranged(s3: S3, bucket: string, file: ParquetObject, start: number, end: number) {
  const out = await s3.send(
    new GetObjectCommand({ Bucket: bucket, Key: file.key, Range: `bytes=${start}-${end - 1}` }),
  );
  const bytes = (await out.Body?.transformToByteArray()) ?? new Uint8Array();
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
