import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DescribeExportTasksCommand, RDSClient, StartExportTaskCommand } from '@aws-sdk/client-rds';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StartExportEnv } from '#functions/start-export/config.ts';
import { parseEnv } from '#shared/runtime/env.ts';
import { job } from './job.ts';

const rds = mockClient(RDSClient);
const dynamodb = mockClient(DynamoDBClient);
const context = { functionName: 'start-export', awsRequestId: 'req-1' } as Context;

async function loadHandler(env: Record<string, string> = {}) {
  vi.resetModules();
  vi.stubEnv('EXPORTS_TABLE', 'rds-export-test-exports');
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  return (await import('#functions/start-export/handler.ts')).handler;
}

beforeEach(() => {
  rds.reset();
  dynamodb.reset();
  vi.stubEnv('AWS_REGION', 'eu-west-1');
});
afterEach(() => vi.unstubAllEnvs());

describe('start-export handler', () => {
  it('starts the export for a valid execution state and returns the StartResult', async () => {
    const handler = await loadHandler();
    dynamodb.on(UpdateItemCommand).resolves({});
    rds
      .on(StartExportTaskCommand)
      .resolves({ ExportTaskIdentifier: job().exportTaskIdentifier, Status: 'STARTING' });
    await expect(handler(job(), context)).resolves.toMatchObject({
      outcome: 'started',
      waitSeconds: 20,
      // A DB snapshot's end is announced by RDS's event.
      endAnnounced: true,
    });
    expect(rds.commandCalls(StartExportTaskCommand)[0]?.args[0].input).toStrictEqual(job().request);
    // The slot is a lease in the configured table, taken without counting the account's tasks.
    const take = dynamodb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(take?.TableName).toBe('rds-export-test-exports');
    expect(take?.ExpressionAttributeNames).toEqual({ '#id': job().exportTaskIdentifier });
    expect(rds.commandCalls(DescribeExportTasksCommand)).toHaveLength(0);
  });

  it('uses the configured queue backoff', async () => {
    const handler = await loadHandler({ QUEUE_BASE_WAIT_SECONDS: '10', QUEUE_MAX_WAIT_SECONDS: '15' });
    // Every slot is out: the conditional take fails, and nobody waits ahead.
    dynamodb
      .on(UpdateItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'full', $metadata: {} }));
    dynamodb.on(QueryCommand).resolves({ Count: 0 });
    const result = await handler(job(), context);
    expect(result).toMatchObject({ outcome: 'queued' });
    expect(result.waitSeconds).toBeGreaterThanOrEqual(5);
    expect(result.waitSeconds).toBeLessThanOrEqual(10);
    expect(rds.commandCalls(StartExportTaskCommand)).toHaveLength(0);
  });

  it('rejects an input that is not an execution state with InvalidInputError naming the field', async () => {
    const handler = await loadHandler();
    const { limits: _dropped, ...withoutLimits } = job();
    await expect(handler(withoutLimits, context)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('limits'),
    });
    expect(rds.calls()).toHaveLength(0);
    expect(dynamodb.calls()).toHaveLength(0);
  });
});

describe('StartExportEnv', () => {
  it('defaults the queue backoff to 60 s doubling up to 900 s', () => {
    expect(parseEnv(StartExportEnv, { EXPORTS_TABLE: 'exports' })).toEqual({
      QUEUE_BASE_WAIT_SECONDS: 60,
      QUEUE_MAX_WAIT_SECONDS: 900,
      EXPORTS_TABLE: 'exports',
    });
  });

  it('fails the cold start naming an invalid variable', () => {
    expect(() =>
      parseEnv(StartExportEnv, { QUEUE_BASE_WAIT_SECONDS: 'soon', EXPORTS_TABLE: 'exports' }),
    ).toThrow(/QUEUE_BASE_WAIT_SECONDS/);
    expect(() =>
      parseEnv(StartExportEnv, {
        QUEUE_BASE_WAIT_SECONDS: '600',
        QUEUE_MAX_WAIT_SECONDS: '60',
        EXPORTS_TABLE: 'exports',
      }),
    ).toThrow(/QUEUE_BASE_WAIT_SECONDS must not exceed QUEUE_MAX_WAIT_SECONDS/);
    expect(() => parseEnv(StartExportEnv, {})).toThrow(/EXPORTS_TABLE/);
  });
});
