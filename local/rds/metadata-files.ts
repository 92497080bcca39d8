import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { exportRoot, type TableOutcome } from './export-writer.ts';
import { decimalStorage } from './mysql-parquet.ts';
import type { ParquetKind, SnapshotColumn } from './snapshot-tables.ts';
import type { ExportTaskRecord } from './tasks.ts';

const EXPORTED_TYPE: Record<Exclude<ParquetKind, 'DECIMAL'>, string> = {
  INT64: 'int64',
  INT32: 'int32',
  INT16: 'int32 (INT_16)',
  DOUBLE: 'double',
  FLOAT: 'float',
  BOOLEAN: 'boolean',
  BINARY: 'binary',
  STRING: 'binary (UTF8)',
  TIMESTAMP_MICROS: 'int64 (TIMESTAMP_MICROS)',
};

/** The exported type as the files spell it (`int32 (INT_16)`), decimals with their storage. */
function exportedType(column: SnapshotColumn): string {
  if (column.kind !== 'DECIMAL') return EXPORTED_TYPE[column.kind];
  const precision = column.numPrecision ?? 0;
  const storage = decimalStorage(precision);
  const physical =
    'typeLength' in storage ? `fixed_len_byte_array(${storage.typeLength})` : storage.type.toLowerCase();
  return `${physical} (DECIMAL(${precision},${column.numScale ?? 0}))`;
}

/** How many tables each export_tables_info file lists; several files exercise the merge. */
export const TABLES_PER_INFO_FILE = 10;

function typeMapping(column: SnapshotColumn) {
  return {
    columnName: column.name,
    originalType: column.originalType,
    expectedExportedType: exportedType(column),
    originalCharMaxLength: column.charMaxLength ?? 0,
    originalNumPrecision: column.numPrecision ?? 0,
    originalDateTimePrecision: column.dateTimePrecision ?? 0,
  };
}

const GB = 1024 ** 3;

/**
 * Writes `export_tables_info_<id>_from_<N>_to_<M>.json` files and `export_info_<id>.json` the way
 * the service does at the end of a task (field names as third-party parsers of these files read them).
 */
export async function writeMetadataFiles(
  s3: Pick<S3Client, 'send'>,
  task: ExportTaskRecord,
  outcomes: TableOutcome[],
): Promise<void> {
  const root = exportRoot({ prefix: task.S3Prefix ?? '', exportTaskIdentifier: task.ExportTaskIdentifier });
  const put = (name: string, doc: unknown) =>
    s3.send(
      new PutObjectCommand({
        Bucket: task.S3Bucket,
        Key: `${root}${name}`,
        Body: JSON.stringify(doc),
        ContentType: 'application/json',
      }),
    );
  for (let from = 0; from < outcomes.length; from += TABLES_PER_INFO_FILE) {
    const chunk = outcomes.slice(from, from + TABLES_PER_INFO_FILE);
    const perTableStatus = chunk.map((outcome) => {
      if (outcome.status === 'SKIPPED') {
        return { target: outcome.target, status: 'SKIPPED', warningMessage: outcome.reason };
      }
      return {
        target: outcome.target,
        status: 'COMPLETE',
        sizeGB: outcome.sizeBytes / GB,
        tableStatistics: {
          extractionStartTime: task.TaskStartTime,
          partitioningInfo: { numberOfPartitions: 1 },
        },
        schemaMetadata: { originalTypeMappings: outcome.columns.map(typeMapping) },
      };
    });
    const name = `export_tables_info_${task.ExportTaskIdentifier}_from_${from + 1}_to_${from + chunk.length}.json`;
    await put(name, { perTableStatus });
  }
  await put(`export_info_${task.ExportTaskIdentifier}.json`, {
    exportTaskIdentifier: task.ExportTaskIdentifier,
    sourceArn: task.SourceArn,
    exportOnly: task.ExportOnly ?? [],
    snapshotTime: task.SnapshotTime,
    taskStartTime: task.TaskStartTime,
    taskEndTime: task.TaskEndTime,
    s3Bucket: task.S3Bucket,
    s3Prefix: task.S3Prefix ?? '',
    exportedFilesPath: `${task.S3Bucket}/${root}`,
    iamRoleArn: task.IamRoleArn,
    kmsKeyId: task.KmsKeyId,
    status: task.Status,
    percentProgress: task.PercentProgress,
    totalExportedDataInGB: task.TotalExtractedDataInGB,
  });
}
