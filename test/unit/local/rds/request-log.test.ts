import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeDBSnapshotsCommand, DescribeExportTasksCommand, RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoggedRequest, requestLogger } from '#local/protocol/request-log.ts';
import { type LocalRds, startLocalRds } from '#local/rds/server.ts';
import { SnapshotStore } from '#local/rds/snapshots.ts';
import { ExportTasks } from '#local/rds/tasks.ts';
import { installSimulatedClock } from '#local/runtime/clock.ts';
import { LOCAL_CREDENTIALS } from '#local/s3/server.ts';
import { requestProblems } from '#test/e2e/api-models.ts';
import { storedSnapshot } from '../fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'rds-request-log-'));
const logFile = join(dir, 'requests.jsonl');
const snapshots = new SnapshotStore('us-east-1', '123456789012');
snapshots.add('appdb-snap-1', storedSnapshot());
// No export is started here, so the tasks never reach S3.
const tasks = new ExportTasks({
  s3: new S3Client({ region: 'us-east-1', credentials: LOCAL_CREDENTIALS }),
  clock: installSimulatedClock(1),
  snapshots,
  roles: new Set(),
  kmsKeys: new Set(),
  durations: () => ({ starting: 5, inProgress: 30 }),
});
let rds: LocalRds;
let client: RDSClient;

beforeAll(async () => {
  rds = await startLocalRds(tasks, snapshots, requestLogger(logFile));
  client = new RDSClient({
    region: 'us-east-1',
    endpoint: rds.endpoint,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  await tasks.close();
  await rds?.close();
  rmSync(dir, { recursive: true, force: true });
});

function logged(): LoggedRequest[] {
  return readFileSync(logFile, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LoggedRequest);
}

describe('the local RDS request log', () => {
  it('records the numbers, booleans and filter lists the SDK sent, valid against the model', async () => {
    await client.send(
      new DescribeExportTasksCommand({
        MaxRecords: 100,
        Filters: [{ Name: 'status', Values: ['starting', 'in_progress'] }],
      }),
    );
    await client.send(new DescribeDBSnapshotsCommand({ MaxRecords: 20, IncludeShared: true }));
    const [exportTasks, dbSnapshots] = logged();
    expect(exportTasks).toEqual({
      service: 'rds',
      action: 'DescribeExportTasks',
      params: { MaxRecords: 100, Filters: [{ Name: 'status', Values: ['starting', 'in_progress'] }] },
    });
    expect(dbSnapshots?.params).toEqual({ MaxRecords: 20, IncludeShared: true });
    for (const entry of logged()) expect(requestProblems(entry)).toEqual([]);
  });

  it('refuses an integer that does not parse with InvalidParameterValue naming it, and logs the text', async () => {
    // The SDK writes whatever it is given as text, so a caller's type error reaches the wire as is.
    await expect(
      client.send(new DescribeExportTasksCommand({ MaxRecords: 'abc' as unknown as number })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: 'Invalid value "abc" for parameter MaxRecords: expected a number.',
      $metadata: { httpStatusCode: 400 },
    });
    const last = logged().at(-1);
    expect(last?.params).toEqual({ MaxRecords: 'abc' });
    expect(requestProblems(last as LoggedRequest)).toEqual(
      expect.arrayContaining(['rds.DescribeExportTasks.MaxRecords: expected a number']),
    );
  });
});
