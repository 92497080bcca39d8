import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeExportData } from '#local/rds/export-writer.ts';
import { LOCAL_CREDENTIALS, type LocalS3, startLocalS3 } from '#local/s3/server.ts';
import { mysqlSnapshot, sampleSnapshot } from '../fixtures.ts';

let s3: LocalS3;
let client: S3Client;

beforeAll(async () => {
  s3 = await startLocalS3(['exports'], () => {});
  client = new S3Client({
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
  });
});

afterAll(async () => {
  await s3?.close();
});

async function keys(prefix: string): Promise<string[]> {
  return (
    (await client.send(new ListObjectsV2Command({ Bucket: 'exports', Prefix: prefix }))).Contents ?? []
  ).map((c) => c.Key ?? '');
}

async function bytes(key: string): Promise<ArrayBuffer> {
  const body = await (
    await client.send(new GetObjectCommand({ Bucket: 'exports', Key: key }))
  ).Body?.transformToByteArray();
  return new Uint8Array(body ?? []).buffer;
}

describe('the local export writer', () => {
  it('writes each exported table as GZIP Parquet in the documented layout', async () => {
    const outcome = await writeExportData(client, sampleSnapshot(), {
      exportTaskIdentifier: 'exp-a',
      bucket: 'exports',
      prefix: 'p/q',
      exportOnly: [],
    });
    const written = await keys('p/q/exp-a/');
    expect(written).toHaveLength(2);
    expect(
      written.some((k) =>
        /^p\/q\/exp-a\/appdb\/public\.all_kinds\/1\/part-00000-[0-9a-f-]{36}-c000\.gz\.parquet$/.test(k),
      ),
    ).toBe(true);
    // Aurora User Guide: spaces in the S3 path become underscores.
    expect(written.some((k) => k.startsWith('p/q/exp-a/appdb/other.Mixed_Case/1/'))).toBe(true);
    expect(outcome.tables.filter((t) => t.status === 'COMPLETE').map((t) => t.rows)).toEqual([2, 1]);
  });

  it('maps each PostgreSQL type to the Parquet type of the mapping table', async () => {
    const key = (await keys('p/q/exp-a/appdb/public.all_kinds/'))[0] ?? '';
    const file = await bytes(key);
    const metadata = parquetMetadata(file);
    const types = Object.fromEntries(
      metadata.schema.slice(1).map((e) => [e.name, [e.type, e.converted_type ?? null]]),
    );
    expect(types).toMatchObject({
      c_bigint: ['INT64', 'INT_64'],
      c_integer: ['INT32', 'INT_32'],
      c_smallint: ['INT32', 'INT_16'],
      c_double: ['DOUBLE', null],
      c_real: ['FLOAT', null],
      c_boolean: ['BOOLEAN', null],
      c_bytea: ['BYTE_ARRAY', null],
      c_numeric: ['BYTE_ARRAY', 'UTF8'],
    });
    expect(new Set(metadata.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec)))).toEqual(
      new Set(['GZIP']),
    );
    // hyparquet has no built-in GZIP codec; node's zlib decompresses the pages.
    const compressors = { GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)) };
    const rows = await parquetReadObjects({ file, utf8: true, compressors });
    expect(rows[0]).toMatchObject({
      c_bigint: 9223372036854775807n,
      c_integer: -2147483648,
      c_smallint: 32767,
      c_numeric: '12.34',
    });
    expect(Object.values(rows[1] ?? {}).every((v) => v === null)).toBe(true);
  });

  it('skips unlogged tables, tables with a slash, and tables whose column names have forbidden characters', async () => {
    const outcome = await writeExportData(client, sampleSnapshot(), {
      exportTaskIdentifier: 'exp-b',
      bucket: 'exports',
      prefix: '',
      exportOnly: [],
    });
    const skipped = outcome.tables.filter((t) => t.status === 'SKIPPED').map((t) => t.target);
    expect(skipped).toEqual(['appdb.public.scratch', 'appdb.public.a/b', 'appdb.public.spaced']);
    expect(
      JSON.parse(outcome.warningMessage ?? '{}').skippedTables.map((t: { target: string }) => t.target),
    ).toEqual(skipped);
    expect((await keys('exp-b/')).every((k) => !k.includes('scratch') && !k.includes('spaced'))).toBe(true);
  });

  it('exports only what ExportOnly selects', async () => {
    const outcome = await writeExportData(client, sampleSnapshot(), {
      exportTaskIdentifier: 'exp-c',
      bucket: 'exports',
      prefix: '',
      exportOnly: ['appdb.other'],
    });
    expect(outcome.tables.map((t) => t.target)).toEqual(['appdb.other.Mixed Case']);
  });
});

describe('the local export writer on a MySQL snapshot', () => {
  it('writes each table to <database>/<database>.<table>/ and names it database.table', async () => {
    const outcome = await writeExportData(client, mysqlSnapshot(), {
      exportTaskIdentifier: 'exp-my',
      bucket: 'exports',
      prefix: '',
      exportOnly: [],
    });
    const written = (await keys('exp-my/')).map((k) => k.split('/').slice(1, 3).join('/')).sort();
    expect(written).toEqual(['shop/shop.all_kinds', 'shop/shop.orders']);
    expect(outcome.tables.map((t) => [t.target, t.status])).toEqual([
      ['shop.all_kinds', 'COMPLETE'],
      ['shop.orders', 'COMPLETE'],
      ['shop.semi;colon', 'SKIPPED'],
    ]);
  });

  it('exports only the database or the table a MySQL ExportOnly entry names', async () => {
    const targets = async (exportOnly: string[]) =>
      (
        await writeExportData(client, mysqlSnapshot(), {
          exportTaskIdentifier: 'exp-my-only',
          bucket: 'exports',
          prefix: '',
          exportOnly,
        })
      ).tables.map((t) => t.target);
    expect(await targets(['shop'])).toEqual(['shop.all_kinds', 'shop.orders', 'shop.semi;colon']);
    expect(await targets(['shop.orders'])).toEqual(['shop.orders']);
    expect(await targets(['other'])).toEqual([]);
  });

  it('reports what the copy could not keep, such as zero dates, as general warnings of the task', async () => {
    const outcome = await writeExportData(client, mysqlSnapshot(), {
      exportTaskIdentifier: 'exp-my-warn',
      bucket: 'exports',
      prefix: '',
      exportOnly: [],
    });
    expect(JSON.parse(outcome.warningMessage ?? '{}')).toEqual({
      skippedTables: [
        {
          target: 'shop.semi;colon',
          reason: 'INVALID_COLUMN_NAME: column "a;b" contains a character the export does not support',
        },
      ],
      skippedObjectives: [],
      general: [{ reason: 'shop.all_kinds: column c_datetime6: 1 zero date(s) written as NULL' }],
    });
  });
});
