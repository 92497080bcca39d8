import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerExport } from '#functions/register-export/register.ts';
import { countRequests, totalRequests } from '#functions/register-export/request-count.ts';
import { SDK_CLIENT_CONFIG } from '#shared/aws/client-config.ts';
import { memoryS3 } from '#test/catalog/memory-s3.ts';
import { MemoryGlue } from '#testkit/memory-glue.ts';

let parquet: Uint8Array;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'register-throttle-'));
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(`COPY (SELECT 1::INTEGER AS id) TO '${dir}/f.parquet' (FORMAT parquet)`);
  conn.closeSync();
  db.closeSync();
  parquet = new Uint8Array(readFileSync(`${dir}/f.parquet`));
  rmSync(dir, { recursive: true, force: true });
});

let s3: ReturnType<typeof memoryS3> | undefined;
afterEach(() => s3?.mock.restore());

describe('registration against a throttling Glue', () => {
  it('registers every table, none failed, when Glue throttles the requests beyond its rate', async () => {
    const tables = 24;
    s3 = memoryS3(
      new Map(
        Array.from({ length: tables }, (_, i) => [
          `p/e1/db/public.t${i}/1/part-00000-x-c000.gz.parquet`,
          parquet,
        ]),
      ),
    );
    // The functions' own client configuration: adaptive retry mode, 5 attempts.
    const glue = new MemoryGlue({ rateLimit: { perSecond: 40, burst: 10 }, client: SDK_CLIENT_CONFIG });
    const requests = countRequests(glue);

    const result = await registerExport(
      {
        bucket: 'b',
        prefix: 'p',
        exportTaskIdentifier: 'e1',
        snapshotTime: '2026-01-01T00:00:00Z',
        sourceIdentifier: 'prod',
        sourceKind: 'db-snapshot',
        engine: 'postgres',
      },
      { glue, s3: s3.client, databasePrefix: 'rds_export_' },
    );

    expect(glue.throttled).toBeGreaterThan(5);
    expect(result.failedCount).toBe(0);
    expect(result.registeredCount).toBe(tables);
    // Every attempt went through the client's stack: the counter saw each throttled one too.
    expect(totalRequests(requests)).toBe(glue.calls.length);
  }, 60_000);
});
