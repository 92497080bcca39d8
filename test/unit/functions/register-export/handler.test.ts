import {
  BatchCreatePartitionCommand,
  CreateTableCommand,
  GetDatabaseCommand,
  GetTablesCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import { ListObjectsV2Command, NoSuchBucket, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const glueMock = mockClient(GlueClient);
const s3Mock = mockClient(S3Client);

const state = {
  exportTaskIdentifier: 'e1',
  rule: 'r',
  source: { kind: 'db-snapshot', sourceIdentifier: 'Prod', engine: 'postgres', arn: 'arn:aws:rds:x' },
  request: { S3BucketName: 'request-bucket', S3Prefix: 'req' },
  check: {
    task: {
      exportTaskIdentifier: 'e1',
      status: 'COMPLETE',
      s3Bucket: 'task-bucket',
      s3Prefix: 'exports',
      snapshotTime: '2026-01-01T00:00:00Z',
    },
    status: 'COMPLETE',
  },
};

describe('register-export handler', () => {
  let handler: (event: unknown, context: Context) => Promise<unknown>;
  beforeAll(async () => {
    vi.stubEnv('GLUE_DATABASE_PREFIX', 'lake_');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    handler = (await import('#functions/register-export/handler.ts')).handler;
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    glueMock.restore();
    s3Mock.restore();
  });

  it('lists the export under the bucket and prefix of the completed task and names the database from the env prefix', async () => {
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [] });
    glueMock.on(GetDatabaseCommand).resolves({}).on(GetTablesCommand).resolves({});
    const result = await handler(state, {} as Context);
    expect(s3Mock.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toMatchObject({
      Bucket: 'task-bucket',
      Prefix: 'exports/e1/',
    });
    expect(result).toMatchObject({ database: 'lake_db_prod', registered: [], skipped: [], failed: [] });
    expect(glueMock.commandCalls(CreateTableCommand)).toHaveLength(0);
    expect(glueMock.commandCalls(BatchCreatePartitionCommand)).toHaveLength(0);
  });

  it('names a throttled listing AwsThrottledError so the state machine retries it, sending it once: the client retried it', async () => {
    s3Mock.reset();
    s3Mock
      .on(ListObjectsV2Command)
      .rejects(Object.assign(new Error('Slow Down'), { name: 'SlowDown', $metadata: {} }));
    await expect(handler(state, {} as Context)).rejects.toMatchObject({ name: 'AwsThrottledError' });
    expect(s3Mock.commandCalls(ListObjectsV2Command)).toHaveLength(1);
  });

  it('names a missing bucket ConfigurationError, a failure no retry fixes', async () => {
    s3Mock.reset();
    s3Mock.on(ListObjectsV2Command).rejects(new NoSuchBucket({ message: 'no bucket', $metadata: {} }));
    await expect(handler(state, {} as Context)).rejects.toMatchObject({ name: 'ConfigurationError' });
  });

  it('names a listing past its page cap UnexpectedAwsError, which the state machine does not retry', async () => {
    s3Mock.reset();
    let page = 0;
    s3Mock.on(ListObjectsV2Command).callsFake(() => ({
      Contents: [],
      IsTruncated: true,
      NextContinuationToken: String(++page),
    }));
    await expect(handler(state, {} as Context)).rejects.toMatchObject({
      name: 'UnexpectedAwsError',
      message: 'Registering the export: The listing has more than 1000 pages',
    });
  });

  it('rejects a state without the completed task as InvalidInputError', async () => {
    await expect(handler({ ...state, check: undefined }, {} as Context)).rejects.toMatchObject({
      name: 'InvalidInputError',
    });
  });
});
