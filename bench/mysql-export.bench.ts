/**
 * The MySQL sample through the local export writer and the catalog registration, on a MariaDB server
 * started for the bench like test/servers does. Baseline in the same run: the PostgreSQL sample on
 * PGlite through the same steps. The writers differ: MySQL exports are encoded in JavaScript
 * (hyparquet-writer, for the mapping table's exact shapes), PostgreSQL ones by DuckDB. A 100,000-row
 * table of the same values in both engines gives the writers' rows per second.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { registerExport } from '#functions/register-export/register.ts';
import { loadSampleData, openDatabase, type SourceDatabase } from '#local/databases/open.ts';
import { type ExportOutcome, writeExportData } from '#local/rds/export-writer.ts';
import { writeMetadataFiles } from '#local/rds/metadata-files.ts';
import { type DatabaseSnapshot, takeSnapshot } from '#local/rds/snapshot-tables.ts';
import { LOCAL_CREDENTIALS, startLocalS3 } from '#local/s3/server.ts';
import { createMysqlDatabase, mariadbBinaries, startMariadb } from '#testkit/mariadb.ts';
import { MemoryGlue } from '#testkit/memory-glue.ts';

const TITLE = 'MySQL export and registration on the local stack';
const BUCKET = 'bench-exports';
const BULK_ROWS = 100_000;
const WRITER_RUNS = 3;

// 0..99,999 from five digit tables: no recursive CTE or sequence engine needed.
const DIGIT =
  '(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';
const MYSQL_BULK = `
CREATE TABLE bulk (id BIGINT UNSIGNED PRIMARY KEY, amount DECIMAL(38, 10), created DATETIME(6), name VARCHAR(40),
  payload VARBINARY(16), qty INT, ratio DOUBLE) DEFAULT CHARSET = utf8mb4;
INSERT INTO bulk
SELECT n, n * 1.5 + 0.0000000001, TIMESTAMP('2024-01-01 00:00:00') + INTERVAL n SECOND, CONCAT('customer ', n % 5000, ' ✓'),
       UNHEX(MD5(n)), n % 1000, n / 7
FROM (SELECT a.d * 10000 + b.d * 1000 + c.d * 100 + e.d * 10 + f.d AS n
      FROM ${DIGIT} a, ${DIGIT} b, ${DIGIT} c, ${DIGIT} e, ${DIGIT} f) AS numbers`;
const POSTGRES_BULK = `
CREATE TABLE public.bulk (id bigint PRIMARY KEY, amount numeric(38, 10), created timestamp(6), name text, payload bytea,
  qty integer, ratio double precision);
INSERT INTO public.bulk
SELECT n, n * 1.5 + 0.0000000001, timestamp '2024-01-01 00:00:00' + n * interval '1 second', 'customer ' || (n % 5000) || ' ✓',
       decode(md5(n::text), 'hex'), n % 1000, n / 7.0
FROM generate_series(0, ${BULK_ROWS - 1}) AS n`;

interface Run {
  label: string;
  tables: number;
  rows: number;
  snapshotMs: number;
  writerMs: number;
  bytes: number;
  registerMs?: number;
  glueCalls?: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const perSecond = (rows: number, ms: number) => Math.round(rows / (ms / 1000));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, performance.now() - started];
}

/** Snapshot, writer and registration of the sample as loaded, then the writer alone on the bulk table. */
async function measure(db: SourceDatabase, s3: S3Client, label: string, bulkSql: string): Promise<Run[]> {
  await loadSampleData(db);
  const [sample, sampleSnapshotMs] = await timed(() => takeSnapshot(db));
  const id = `bench-${db.family}`;
  const [written, writerMs] = await timed(() =>
    writeExportData(s3, sample, { exportTaskIdentifier: id, bucket: BUCKET, prefix: '', exportOnly: [] }),
  );
  const registration = await register(s3, sample, written, id, db.engine);
  const exported = written.tables.filter((t) => t.status === 'COMPLETE');
  await db.exec(bulkSql);
  try {
    const [withBulk, bulkSnapshotMs] = await timed(() => takeSnapshot(db));
    const bulk: DatabaseSnapshot = { ...withBulk, tables: withBulk.tables.filter((t) => t.name === 'bulk') };
    const runs: [ExportOutcome, number][] = [];
    for (let i = 0; i < WRITER_RUNS; i++) {
      runs.push(
        await timed(() =>
          writeExportData(s3, bulk, {
            exportTaskIdentifier: `${id}-bulk-${i}`,
            bucket: BUCKET,
            prefix: '',
            exportOnly: [],
          }),
        ),
      );
    }
    const rowsRead = withBulk.tables.reduce((n, t) => n + t.rows.length, 0);
    return [
      {
        label: `${label}: the sample`,
        tables: exported.length,
        rows: exported.reduce((n, t) => n + t.rows, 0),
        snapshotMs: sampleSnapshotMs,
        writerMs,
        bytes: written.totalBytes,
        ...registration,
      },
      {
        label: `${label}: ${BULK_ROWS.toLocaleString('en')}-row table`,
        tables: 1,
        rows: BULK_ROWS,
        // The snapshot reads every table; the bulk table is nearly all of its rows.
        snapshotMs: (bulkSnapshotMs * BULK_ROWS) / rowsRead,
        writerMs: median(runs.map(([, ms]) => ms)),
        bytes: runs[0]?.[0].totalBytes ?? 0,
      },
    ];
  } finally {
    await db.exec('DROP TABLE bulk');
  }
}

async function register(
  s3: S3Client,
  snapshot: DatabaseSnapshot,
  written: ExportOutcome,
  id: string,
  engine: string,
) {
  await writeMetadataFiles(
    s3,
    {
      ExportTaskIdentifier: id,
      SourceArn: `arn:aws:rds:us-east-1:123456789012:snapshot:${id}`,
      SnapshotTime: snapshot.takenAt,
      TaskStartTime: snapshot.takenAt,
      TaskEndTime: new Date(),
      S3Bucket: BUCKET,
      IamRoleArn: 'arn:aws:iam::123456789012:role/export',
      KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k',
      Status: 'COMPLETE',
      PercentProgress: 100,
      TotalExtractedDataInGB: 0,
      SourceType: 'SNAPSHOT',
    },
    written.tables,
  );
  const glue = new MemoryGlue();
  const [result, registerMs] = await timed(() =>
    registerExport(
      {
        bucket: BUCKET,
        exportTaskIdentifier: id,
        snapshotTime: snapshot.takenAt.toISOString(),
        ...(written.warningMessage ? { warningMessage: written.warningMessage } : {}),
        sourceIdentifier: id,
        sourceKind: 'db-snapshot',
        engine,
      },
      { glue, s3, databasePrefix: 'rds_export_' },
    ),
  );
  if (result.failed.length > 0) throw new Error(`registration failed: ${JSON.stringify(result.failed[0])}`);
  return { registerMs, glueCalls: glue.calls.length };
}

function table(runs: Run[], baseline: Map<string, Run>): string {
  const rows = runs.map((r) => {
    const base = baseline.get(r.label.replace(/^[^:]+/, ''));
    const ratio =
      base && base !== r
        ? `${(perSecond(r.rows, r.writerMs) / perSecond(base.rows, base.writerMs)).toFixed(2)}×`
        : '1.00× (baseline)';
    const registration =
      r.registerMs === undefined ? '–' : `${seconds(r.registerMs)} (${r.glueCalls} Glue calls)`;
    return `| ${r.label} | ${r.tables} | ${r.rows.toLocaleString('en')} | ${seconds(r.snapshotMs)} (${perSecond(r.rows, r.snapshotMs).toLocaleString('en')}/s) | ${seconds(r.writerMs)} | **${perSecond(r.rows, r.writerMs).toLocaleString('en')}** | ${ratio} | ${(r.bytes / 1024).toFixed(0)} KB | ${registration} |`;
  });
  return [
    '| run | tables | rows | snapshot read (rows/s) | export writer | writer rows/s | writer vs PostgreSQL | GZIP Parquet | registration |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

export default async function (): Promise<{ title: string; markdown: string }> {
  try {
    mariadbBinaries();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    console.error(`bench: mysql-export skipped: ${why}`);
    return { title: TITLE, markdown: `Skipped: ${why}.` };
  }
  const s3Server = await startLocalS3([BUCKET], () => {});
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: s3Server.endpoint,
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
  });
  const server = await startMariadb();
  try {
    await createMysqlDatabase(server, 'bench');
    const mysql = await openDatabase({ url: server.url('bench') });
    const postgres = await openDatabase();
    try {
      const mysqlRuns = await measure(
        mysql,
        s3,
        `MySQL (${mysql.engine} ${mysql.engineVersion})`,
        MYSQL_BULK,
      );
      const postgresRuns = await measure(
        postgres,
        s3,
        `PostgreSQL (PGlite ${postgres.engineVersion})`,
        POSTGRES_BULK,
      );
      const baseline = new Map(postgresRuns.map((r) => [r.label.replace(/^[^:]+/, ''), r]));
      return {
        title: TITLE,
        markdown: [
          'Each sample taken as a snapshot (a consistent read of every table), written by the local export writer as GZIP',
          'Parquet to the local S3 (s3rver), then registered by the real register-export code against an in-memory Glue',
          `(no latency). The ${BULK_ROWS.toLocaleString('en')}-row table holds the same values in both engines (id, a 38-digit decimal, a`,
          'microsecond timestamp, text, 16 bytes, an integer, a double); its writer time is the median of',
          `${WRITER_RUNS} runs. MySQL's writer encodes in JavaScript (hyparquet-writer) to write the mapping table's exact shapes`,
          '(FIXED_LEN_BYTE_ARRAY(9) for BIGINT UNSIGNED, decimals by precision, TIMESTAMP_MICROS), which DuckDB cannot;',
          "PostgreSQL's exports most of these types as strings and is written by DuckDB. The ratio compares writer rows per",
          'second with the PostgreSQL row of the same data in this run.',
          '',
          table([...mysqlRuns, ...postgresRuns], baseline),
        ].join('\n'),
      };
    } finally {
      await mysql.close();
      await postgres.close();
    }
  } finally {
    await server.stop();
    await s3Server.close();
  }
}
