import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAthena } from '#local/athena/engine.ts';
import { findTable } from '#local/runtime/progress.ts';
import type { Execution } from '#local/sfn/server.ts';
import {
  ACCOUNT,
  BUCKET,
  type LocalStack,
  MEMBER_ACCOUNTS,
  REGION,
  REGIONAL_DESTINATIONS,
  startStack,
} from '#local/stack.ts';
import { bucketKeys, exportSnapshots } from './helpers.ts';

// A hub (us-east-1) and a member, each with RDS in us-west-2 too: RDS exports only to a bucket "in
// the same AWS Region as the snapshot" (Amazon RDS user guide, "Exporting DB snapshot data to
// Amazon S3"), so their us-west-2 snapshots export to the hub's us-west-2 bucket and key, which
// local/export-policy.yml names under `regions:` (as serverless.region.yml would create them), and
// register in the hub's one catalog.
const [MEMBER] = MEMBER_ACCOUNTS;
const WEST = 'us-west-2';
const west = REGIONAL_DESTINATIONS[WEST];

let stack: LocalStack;
let athena: LocalAthena;
let executions: Execution[] = [];

beforeAll(async () => {
  stack = await startStack({
    timeScale: 600,
    accounts: 2,
    regions: [WEST],
    durations: () => ({ starting: 30, inProgress: 300 }),
  });
  athena = new LocalAthena(stack.catalog, stack.s3Client);
  // sample-shop*: ExportOnly postgres.shop keeps each export small.
  const first = await stack.createSnapshot('west-1', 'sample-shop-west', undefined, ACCOUNT, WEST);
  const snapshots = [
    first,
    await stack.createSnapshot('west-1', 'sample-shop-west', first, MEMBER, WEST),
    await stack.createSnapshot('east-1', 'sample-shop-east', first, MEMBER, REGION),
  ];
  executions = await exportSnapshots(stack, snapshots);
}, 90_000);

afterAll(async () => {
  await athena?.close();
  await stack?.stop();
});

const keysIn = (bucket: string) => bucketKeys(stack, bucket);

describe('sources in another Region than the hub’s', () => {
  it('export in their own account and Region, to that Region’s bucket and key', () => {
    expect(executions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    const place = (id: string, region: string) =>
      stack.accounts.find((a) => a.id === id && a.region === region);
    const [hubWest] = place(ACCOUNT, WEST)?.tasks.tasks.values() ?? [];
    const [memberWest] = place(MEMBER as string, WEST)?.tasks.tasks.values() ?? [];
    const [memberEast] = place(MEMBER as string, REGION)?.tasks.tasks.values() ?? [];
    expect(hubWest).toMatchObject({ S3Bucket: west.bucket, KmsKeyId: west.kmsKey, Status: 'COMPLETE' });
    expect(hubWest?.SourceArn).toContain(`:rds:${WEST}:${ACCOUNT}:`);
    // A member's: with its export role, under its account's folder of the regional bucket.
    expect(memberWest).toMatchObject({
      S3Bucket: west.bucket,
      KmsKeyId: west.kmsKey,
      IamRoleArn: `arn:aws:iam::${MEMBER}:role/rds-export-local-member-export`,
      Status: 'COMPLETE',
    });
    expect(memberWest?.S3Prefix?.startsWith(`${MEMBER}/`)).toBe(true);
    // The member's home-Region source keeps the hub's home bucket.
    expect(memberEast).toMatchObject({ S3Bucket: BUCKET, Status: 'COMPLETE' });
  });

  it('writes the files into the regional bucket, and nothing of theirs into the home bucket', async () => {
    const westKeys = await keysIn(west.bucket);
    expect(westKeys.some((k) => k.startsWith(`${MEMBER}/`))).toBe(true);
    expect(westKeys.some((k) => !k.startsWith(`${MEMBER}/`))).toBe(true);
    const homeKeys = await keysIn(BUCKET);
    expect(homeKeys.some((k) => k.includes('sample-shop-west'))).toBe(false);
  });

  it('registers them in the hub’s one catalog, where one query reads every Region’s rows', async () => {
    // The latest-export table of postgres.shop.orders (local/runtime/progress.ts findTable).
    const ordersOf = (database: string) =>
      findTable(stack.catalog, 'postgres.shop.orders', (name) => name === database);
    // A source of another Region's database names the Region: identifiers are unique per account
    // and Region only (functions/register-export/naming.ts).
    const databases = [
      'rds_export_us_west_2_db_sample_shop_west',
      `rds_export_${MEMBER}_us_west_2_db_sample_shop_west`,
      `rds_export_${MEMBER}_db_sample_shop_east`,
    ];
    for (const database of databases) {
      const table = ordersOf(database);
      expect(table, database).toBeDefined();
      expect(table?.StorageDescriptor?.Location, database).toContain(
        database.endsWith('east') ? `s3://${BUCKET}/` : `s3://${west.bucket}/`,
      );
    }
    const sql = databases
      .map((d, i) => `SELECT ${i} AS n, count(*) AS orders FROM "${d}"."${ordersOf(d)?.Name}"`)
      .join(' UNION ALL ');
    const { rows } = await athena.query(`${sql} ORDER BY n`, databases);
    expect(rows.map((r) => Number(r[1]))).toEqual([200, 200, 200]);
  });
});
