import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';

/** An S3Client over a map of objects, with the number of requests it answered. */
export type MemoryS3 = S3Client & { requests: number };

/**
 * An in-memory S3 for the registration benchmarks: ListObjectsV2 by prefix in pages of 1,000 keys
 * (S3's maximum, ListObjectsV2 API reference: MaxKeys), ranged GetObject (`bytes=a-b`), and
 * PutObject into the same map. It is an S3Client because the SDK's paginators
 * (paginateListObjectsV2) take no other client; `requests` counts every request.
 */
export function memoryS3(objects: Map<string, Uint8Array>): MemoryS3 {
  // The keys under each prefix listed, sorted once (a listing of 100,000 keys asks 100 pages of one prefix).
  const listed = new Map<string, string[]>();
  const keys = (prefix: string) => {
    let found = listed.get(prefix);
    if (found === undefined) {
      found = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
      listed.set(prefix, found);
    }
    return found;
  };
  const s3 = Object.assign(new S3Client({ region: 'us-east-1' }), {
    requests: 0,
    async send(command: unknown): Promise<unknown> {
      s3.requests++;
      if (command instanceof ListObjectsV2Command) {
        const prefix = command.input.Prefix ?? '';
        const matching = keys(prefix);
        const start = Number(command.input.ContinuationToken ?? 0);
        const more = start + 1000 < matching.length;
        return {
          Contents: matching
            .slice(start, start + 1000)
            .map((Key) => ({ Key, Size: objects.get(Key)?.byteLength })),
          IsTruncated: more,
          NextContinuationToken: more ? String(start + 1000) : undefined,
        };
      }
      if (command instanceof GetObjectCommand) {
        const data = objects.get(command.input.Key ?? '') ?? new Uint8Array();
        const m = /^bytes=(\d+)-(\d+)$/.exec(command.input.Range ?? '');
        const bytes = m ? data.subarray(Number(m[1]), Number(m[2]) + 1) : data;
        return {
          Body: {
            transformToByteArray: async () => bytes,
            transformToString: async () => new TextDecoder().decode(bytes),
          },
        };
      }
      if (command instanceof PutObjectCommand) {
        objects.set(command.input.Key ?? '', new TextEncoder().encode(String(command.input.Body)));
        listed.clear();
        return {};
      }
      throw new Error(`memory S3: unexpected command ${String((command as object)?.constructor?.name)}`);
    },
  });
  return s3;
}

/** The bytes of a Parquet file DuckDB writes from `select` with COPY's `options`. */
export async function parquetFile(select: string, options = 'FORMAT parquet'): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'testkit-parquet-'));
  try {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    await conn.run(`COPY (${select}) TO '${dir}/f.parquet' (${options})`);
    conn.closeSync();
    db.closeSync();
    return new Uint8Array(readFileSync(join(dir, 'f.parquet')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
