import { readFileSync } from 'node:fs';
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DescribeExportTasksCommand, RDSClient } from '@aws-sdk/client-rds';
import { SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { WaitsInput } from '#functions/waits/input.ts';
import { handleWaits, type WaitsFunctionDeps } from '#functions/waits/waits.ts';
import { logger } from '#shared/runtime/logger.ts';
import { parseWith } from '#shared/runtime/validation.ts';

const dynamodb = mockClient(DynamoDBClient);
const sfn = mockClient(SFNClient);
const rds = mockClient(RDSClient);
const completed = JSON.parse(
  readFileSync(new URL('../../../events/rds-db-snapshot-export-completed.json', import.meta.url), 'utf8'),
);
const NOW = new Date('2024-05-01T12:45:01.000Z');
const deps: WaitsFunctionDeps = {
  dynamodb: new DynamoDBClient({}),
  sfn: new SFNClient({}),
  rds: new RDSClient({}),
  table: 'exports',
  now: () => NOW,
};
const run = (input: unknown) => handleWaits(parseWith(WaitsInput, input, 'waits input'), deps);

beforeEach(() => {
  dynamodb.reset();
  sfn.reset();
  rds.reset();
  vi.spyOn(logger, 'info').mockImplementation(() => undefined);
  sfn.on(SendTaskSuccessCommand).resolves({});
});

describe('an export-finished event', () => {
  const SOURCE = 'arn:aws:rds:us-east-1:123456789012:snapshot:orders-before-migration';
  it('wakes the execution waiting on the export that ended, and gives its slot back', async () => {
    dynamodb.on(UpdateItemCommand).resolves({});
    dynamodb
      .on(QueryCommand)
      .resolvesOnce({
        Items: [{ token: { S: 'tok' }, exportTaskIdentifier: { S: 'orders-x' } }],
      })
      // Nobody queued: the release ends there.
      .resolves({ Items: [] });
    rds.on(DescribeExportTasksCommand).resolves({
      ExportTasks: [{ ExportTaskIdentifier: 'orders-x', Status: 'COMPLETE' }],
    });
    await expect(run(completed)).resolves.toEqual({
      action: 'woken',
      eventId: 'RDS-EVENT-0161',
      exportTaskIdentifiers: ['orders-x'],
    });
    expect(dynamodb.commandCalls(QueryCommand)[0]?.args[0].input.ExpressionAttributeValues?.[':pk']).toEqual({
      S: `waiter#${SOURCE}`,
    });
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toEqual({
      taskToken: 'tok',
      output: JSON.stringify({ woken: 'event', eventId: 'RDS-EVENT-0161' }),
    });
    const giveBack = dynamodb.commandCalls(UpdateItemCommand)[1]?.args[0].input;
    expect(giveBack?.Key).toEqual({ pk: { S: 'slots' }, sk: { S: 'rds' } });
    expect(giveBack?.ExpressionAttributeNames).toEqual({ '#id': 'orders-x' });
    // Its own task described, by name; the token removed after the wake.
    expect(rds.commandCalls(DescribeExportTasksCommand)[0]?.args[0].input).toEqual({
      ExportTaskIdentifier: 'orders-x',
    });
    expect(dynamodb.commandCalls(DeleteItemCommand)[0]?.args[0].input.ConditionExpression).toBe(
      '#token = :token',
    );
  });

  it('leaves the waiter and the slot of an export whose task still runs (the event was another task’s)', async () => {
    dynamodb.on(UpdateItemCommand).resolves({});
    dynamodb.on(QueryCommand).resolves({
      Items: [{ token: { S: 'tok' }, exportTaskIdentifier: { S: 'orders-x' } }],
    });
    rds.on(DescribeExportTasksCommand).resolves({
      ExportTasks: [{ ExportTaskIdentifier: 'orders-x', Status: 'IN_PROGRESS' }],
    });
    await expect(run(completed)).resolves.toMatchObject({
      action: 'ignored',
      reason: expect.stringContaining('still run (orders-x)'),
    });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    // Only the end marker is written: no lease is given back.
    expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(1);
  });

  it('is a logged no-op for an export no execution waits on (late, duplicate, or not ours)', async () => {
    dynamodb.on(UpdateItemCommand).resolves({});
    dynamodb.on(QueryCommand).resolves({ Items: [] });
    await expect(run(completed)).resolves.toMatchObject({
      action: 'ignored',
      reason: expect.stringContaining('no execution waits'),
    });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('is a logged no-op when the waiter timed out meanwhile', async () => {
    dynamodb.on(UpdateItemCommand).resolves({});
    dynamodb
      .on(QueryCommand)
      .resolvesOnce({
        Items: [{ token: { S: 'old' }, exportTaskIdentifier: { S: 'orders-x' } }],
      })
      // Nobody queued: the release ends there.
      .resolves({ Items: [] });
    rds.on(DescribeExportTasksCommand).resolves({
      ExportTasks: [{ ExportTaskIdentifier: 'orders-x', Status: 'COMPLETE' }],
    });
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    await expect(run(completed)).resolves.toMatchObject({
      action: 'ignored',
      reason: expect.stringContaining('no longer waits'),
    });
  });

  it('ignores RDS events that are not the end of an export', async () => {
    const created = { ...completed, detail: { ...completed.detail, EventID: 'RDS-EVENT-0042' } };
    await expect(run(created)).resolves.toMatchObject({ action: 'ignored' });
    expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(0);
  });
});

describe('a state waiting on a token', () => {
  const waitExport = {
    action: 'wait-export',
    taskToken: 'tok',
    exportTaskIdentifier: 'orders-x',
    sourceArn: 'arn:aws:rds:us-east-1:123456789012:snapshot:orders',
    checkedAt: '2024-05-01T12:40:00.000Z',
  };

  it('parks the token of an export still running', async () => {
    dynamodb.on(PutItemCommand).resolves({});
    dynamodb.on(GetItemCommand).resolves({});
    await expect(run(waitExport)).resolves.toEqual({ action: 'parked' });
    expect(dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input.Item?.sk).toEqual({
      S: 'export#orders-x',
    });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('wakes itself at once when an export of the source ended after its last check', async () => {
    dynamodb.on(PutItemCommand).resolves({});
    dynamodb.on(GetItemCommand).resolves({ Item: { endedAt: { S: '2024-05-01T12:41:00.000Z' } } });
    await expect(run(waitExport)).resolves.toEqual({ action: 'parked', woken: true });
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input.taskToken).toBe('tok');
  });

  it('refuses an input that is none of its shapes, naming the problem', async () => {
    expect(() => parseWith(WaitsInput, { action: 'wait-slot', taskToken: 'x' }, 'waits input')).toThrow(
      /waits input/,
    );
  });
});

describe('a release', () => {
  it('gives the slot back and, with nobody queued, asks RDS nothing', async () => {
    dynamodb.on(UpdateItemCommand).resolves({});
    dynamodb.on(QueryCommand).resolves({ Items: [] });
    await expect(
      run({ action: 'release', exportTaskIdentifier: 'orders-x', sourceKind: 'db-snapshot' }),
    ).resolves.toEqual({
      action: 'released',
      woken: [],
    });
    expect(dynamodb.commandCalls(UpdateItemCommand)[0]?.args[0].input.UpdateExpression).toBe(
      'REMOVE holders.#id',
    );
    expect(rds.commandCalls(DescribeExportTasksCommand)).toHaveLength(0);
  });
});

describe('a member account’s export', () => {
  const MEMBER_SNAPSHOT = 'arn:aws:rds:eu-west-1:222222222222:snapshot:rds:orders-2026-12-01-03-10';
  const memberRds = new RDSClient({});
  // As sourceAccounts (shared/sources/rds/clients.ts) answers for a hub in 111111111111, eu-west-1.
  const accounts = {
    own: deps.rds,
    rds: vi.fn(() => memberRds),
    slots: (arn: string) => (arn.includes(':222222222222:') ? '222222222222/eu-west-1' : undefined),
  };

  it('gives back a slot of the member’s own pool and reads the member’s queue, counting with its RDS', async () => {
    dynamodb.on(UpdateItemCommand).resolves({});
    dynamodb.on(QueryCommand).resolves({ Items: [] });
    await handleWaits(
      parseWith(
        WaitsInput,
        {
          action: 'release',
          exportTaskIdentifier: 'orders-m',
          sourceKind: 'db-snapshot',
          sourceArn: MEMBER_SNAPSHOT,
        },
        'waits input',
      ),
      { ...deps, accounts },
    );
    expect(dynamodb.commandCalls(UpdateItemCommand)[0]?.args[0].input.Key).toEqual({
      pk: { S: 'slots' },
      sk: { S: 'rds#222222222222/eu-west-1' },
    });
    expect(
      dynamodb.commandCalls(QueryCommand)[0]?.args[0].input.ExpressionAttributeValues?.[':queue'],
    ).toEqual({
      S: 'queue#222222222222/eu-west-1',
    });
    expect(accounts.rds).toHaveBeenCalledWith(MEMBER_SNAPSHOT);
  });

  it('keeps the deployment’s own pool for a release that names no source (an execution started before)', async () => {
    dynamodb.on(UpdateItemCommand).resolves({});
    dynamodb.on(QueryCommand).resolves({ Items: [] });
    await handleWaits(
      parseWith(
        WaitsInput,
        { action: 'release', exportTaskIdentifier: 'orders-x', sourceKind: 'db-snapshot' },
        'waits input',
      ),
      { ...deps, accounts },
    );
    expect(dynamodb.commandCalls(UpdateItemCommand)[0]?.args[0].input.Key).toEqual({
      pk: { S: 'slots' },
      sk: { S: 'rds' },
    });
  });
});
