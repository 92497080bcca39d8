import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  FOOTER_FETCH_BYTES,
  folderOfTarget,
  listExport,
  readFooter,
  targetOfFolder,
} from '#functions/register-export/s3-export.ts';
import { exportRoot } from '#shared/sources/rds/address.ts';
import { memoryS3 } from '#test/catalog/memory-s3.ts';

const s3Mock = mockClient(S3Client);
afterEach(() => s3Mock.reset());

describe('exportRoot and table folders', () => {
  it('joins prefix and export id without doubled or leading slashes', () => {
    expect(exportRoot('exports/', 'e1')).toBe('exports/e1/');
    expect(exportRoot('/a/b', 'e1')).toBe('a/b/e1/');
    expect(exportRoot(undefined, 'e1')).toBe('e1/');
  });

  it('maps PostgreSQL and MySQL targets to their folders, turning \\ ` " and space into _', () => {
    expect(folderOfTarget('db.public.orders', false)).toBe('db/public.orders');
    expect(folderOfTarget('db.public.My "T" x', false)).toBe('db/public.My__T__x');
    expect(folderOfTarget('shop.items', true)).toBe('shop/shop.items');
    expect(targetOfFolder('db/public.orders', false)).toBe('db.public.orders');
    expect(targetOfFolder('shop/shop.items', true)).toBe('shop.items');
  });
});

describe('listExport', () => {
  it('pages through every object and keeps only Parquet data files and the metadata files', async () => {
    s3Mock
      .on(ListObjectsV2Command, { ContinuationToken: undefined })
      .resolves({
        IsTruncated: true,
        NextContinuationToken: 't1',
        Contents: [
          { Key: 'p/e/export_info_e.json', Size: 10 },
          { Key: 'p/e/export_tables_info_e_from_1_to_2.json', Size: 10 },
          { Key: 'p/e/db/public.a/1/part-00000-x-c000.gz.parquet', Size: 100 },
          { Key: 'p/e/db/public.a/_SUCCESS', Size: 0 },
        ],
      })
      .on(ListObjectsV2Command, { ContinuationToken: 't1' })
      .resolves({
        IsTruncated: true,
        NextContinuationToken: 't2',
        Contents: [
          { Key: 'p/e/db/public.a/.part-00000-x-c000.gz.parquet.crc', Size: 8 },
          { Key: 'p/e/db/public.b/part-00003-y.gz.parquet', Size: 200 },
        ],
      })
      .on(ListObjectsV2Command, { ContinuationToken: 't2' })
      .resolves({
        IsTruncated: false,
        Contents: [{ Key: 'p/e/db/public.a/2/part-00001-z-c000.gz.parquet', Size: 50 }],
      });

    const listing = await listExport(new S3Client({ region: 'us-east-1' }), 'bucket', 'p/e/');

    expect(s3Mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'bucket', Prefix: 'p/e/', ContinuationToken: undefined },
      { Bucket: 'bucket', Prefix: 'p/e/', ContinuationToken: 't1' },
      { Bucket: 'bucket', Prefix: 'p/e/', ContinuationToken: 't2' },
    ]);
    expect(listing.metadataKeys).toEqual([
      'p/e/export_info_e.json',
      'p/e/export_tables_info_e_from_1_to_2.json',
    ]);
    expect(Object.fromEntries(listing.tableFolders)).toEqual({
      'db/public.a': [
        { key: 'p/e/db/public.a/1/part-00000-x-c000.gz.parquet', size: 100 },
        { key: 'p/e/db/public.a/2/part-00001-z-c000.gz.parquet', size: 50 },
      ],
      'db/public.b': [{ key: 'p/e/db/public.b/part-00003-y.gz.parquet', size: 200 }],
    });
  });
});

describe('readFooter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'footer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads only the footer of a large file, with one ranged request when the footer is small', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const path = join(dir, 'big.parquet');
    await conn.run(
      `COPY (SELECT md5(range::VARCHAR) AS v, range AS n FROM range(100000)) TO '${path}' (FORMAT parquet, COMPRESSION gzip)`,
    );
    conn.closeSync();
    db.closeSync();
    const bytes = new Uint8Array(readFileSync(path));
    const s3 = memoryS3(new Map([['k.parquet', bytes]]));
    const md = await readFooter(s3.client, 'b', { key: 'k.parquet', size: bytes.byteLength });

    expect(md.schema.map((e) => e.name)).toEqual(['duckdb_schema', 'v', 'n']);
    expect(s3.mock.commandCalls(GetObjectCommand)).toHaveLength(1);
    expect(s3.mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Range)).toEqual([
      `bytes=${bytes.byteLength - FOOTER_FETCH_BYTES}-${bytes.byteLength - 1}`,
    ]);
    expect(bytes.byteLength).toBeGreaterThan(4 * FOOTER_FETCH_BYTES);
    s3.mock.restore();
  });

  it('asks once more, for exactly the rest, when the footer is longer than the first read', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const path = join(dir, 'wide.parquet');
    const cols = Array.from(
      { length: 1500 },
      (_, i) => `${i}::INTEGER AS column_with_a_rather_long_name_${i}`,
    ).join(', ');
    await conn.run(`COPY (SELECT ${cols}) TO '${path}' (FORMAT parquet, COMPRESSION gzip)`);
    conn.closeSync();
    db.closeSync();
    const bytes = new Uint8Array(readFileSync(path));
    const s3 = memoryS3(new Map([['w.parquet', bytes]]));
    const md = await readFooter(s3.client, 'b', { key: 'w.parquet', size: bytes.byteLength });

    expect(md.schema).toHaveLength(1501);
    expect(s3.mock.commandCalls(GetObjectCommand)).toHaveLength(2);
    const fetched = s3.ranges.reduce((n, r) => n + r.bytes, 0);
    const footerLength = new DataView(bytes.buffer, bytes.byteOffset + bytes.byteLength - 8, 4).getUint32(
      0,
      true,
    );
    expect(footerLength).toBeGreaterThan(FOOTER_FETCH_BYTES);
    expect(fetched).toBeLessThanOrEqual(footerLength + 8 + FOOTER_FETCH_BYTES);
    s3.mock.restore();
  });
});
