import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ListExportTasksCommand, NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import { DescribeExportTasksCommand, RDSClient } from '@aws-sdk/client-rds';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { WaitsInput } from '#functions/waits/input.ts';
import { handleWaits } from '#functions/waits/waits.ts';
import { logger } from '#shared/runtime/logger.ts';
import { parseWith } from '#shared/runtime/validation.ts';

// The graph exports' slots are a pool of their own: their leases, their queue, and their count
// (Neptune Analytics ListExportTasks), apart from RDS's five.

const dynamodb = mockClient(DynamoDBClient);
const graphs = mockClient(NeptuneGraphClient);
const rds = mockClient(RDSClient);
const sfn = mockClient(SFNClient);
const deps = {
  dynamodb: new DynamoDBClient({}),
  sfn: new SFNClient({}),
  rds: new RDSClient({}),
  graphs: new NeptuneGraphClient({}),
  table: 'exports',
  now: () => new Date('2024-05-05T05:00:00.000Z'),
};
const run = (input: unknown) => handleWaits(parseWith(WaitsInput, input, 'waits input'), deps);

beforeEach(() => {
  for (const mock of [dynamodb, graphs, rds, sfn]) mock.reset();
  vi.spyOn(logger, 'info').mockImplementation(() => undefined);
  sfn.on(SendTaskSuccessCommand).resolves({});
  dynamodb.on(QueryCommand).resolves({ Items: [] });
  dynamodb.on(GetItemCommand).resolves({ Item: { holders: { M: {} } } });
  dynamodb.on(UpdateItemCommand).resolves({});
});

describe('the graph pool', () => {
  it('queues a graph export in the graph queue, apart from the RDS queue', async () => {
    dynamodb.on(PutItemCommand).resolves({});
    await run({
      action: 'wait-slot',
      taskToken: 'tok',
      exportTaskIdentifier: 'social-graph-1a2b3c4d5e',
      since: '2024-05-05T04:00:00.000Z',
      limit: 2,
      sourceKind: 'graph',
    });
    const item = dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input.Item;
    expect(item?.pk).toEqual({ S: 'queue#graph' });
    const slotsRead = dynamodb.commandCalls(GetItemCommand)[0]?.args[0].input.Key;
    expect(slotsRead).toEqual({ pk: { S: 'slots' }, sk: { S: 'graph' } });
  });

  it('releases a graph slot and counts graph exports, never RDS’s, when graph exports wait', async () => {
    dynamodb.on(QueryCommand).resolves({ Items: [{ pk: { S: 'queue#graph' }, sk: { S: 'x' } }] });
    graphs.on(ListExportTasksCommand).resolves({ tasks: [] });
    await run({ action: 'release', exportTaskIdentifier: 'social-graph-1a2b3c4d5e', sourceKind: 'graph' });
    const removed = dynamodb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(removed?.Key).toEqual({ pk: { S: 'slots' }, sk: { S: 'graph' } });
    expect(graphs.commandCalls(ListExportTasksCommand).length).toBeGreaterThan(0);
    expect(rds.commandCalls(DescribeExportTasksCommand)).toHaveLength(0);
  });

  it('takes a graph export limit above RDS’s five', () => {
    expect(() =>
      parseWith(
        WaitsInput,
        {
          action: 'wait-slot',
          taskToken: 't',
          exportTaskIdentifier: 'g',
          since: '2024-05-05T04:00:00Z',
          limit: 8,
          sourceKind: 'graph',
        },
        'waits input',
      ),
    ).not.toThrow();
  });
});
