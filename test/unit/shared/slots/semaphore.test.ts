import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { classified } from '#shared/aws/classified.ts';
import { exportSlots } from '#shared/slots/semaphore.ts';
import { slotSemaphore } from '#shared/slots/waiting.ts';

const dynamodb = mockClient(DynamoDBClient);
const sfn = mockClient(SFNClient);
const NOW = new Date('2024-05-01T08:00:00.000Z');
const table = { dynamodb: classified(new DynamoDBClient({}), 'dynamodb'), table: 'exports' };
/** DynamoDB's refusal of an update whose document path does not exist yet (a Common Error). */
const validation = () =>
  new DynamoDBServiceException({
    name: 'ValidationException',
    $fault: 'client',
    $metadata: {},
    message: 'The document path provided in the update expression is invalid for update',
  });

beforeEach(() => {
  dynamodb.reset();
  sfn.reset();
});

describe('the items the semaphore writes', () => {
  it('takes a lease on the pool’s slots item, marshalling the lease and the limit', async () => {
    dynamodb.on(UpdateItemCommand).resolves({});
    await expect(exportSlots({ ...table, pool: 'graph' }).take('g-1', 3, NOW)).resolves.toBe(true);
    const input = dynamodb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(input?.Key).toEqual({ pk: { S: 'slots' }, sk: { S: 'graph' } });
    expect(input?.ExpressionAttributeValues).toEqual({
      ':lease': { M: { at: { S: NOW.toISOString() }, by: { S: 'self' } } },
      ':limit': { N: '3' },
    });
  });

  it('reads the leases from the slots item', async () => {
    dynamodb.on(GetItemCommand).resolves({
      Item: {
        pk: { S: 'slots' },
        sk: { S: 'rds' },
        holders: { M: { a: { M: { at: { S: '2024-05-01T07:00:00.000Z' }, by: { S: 'outside' } } } } },
        reconciledAt: { S: '2024-05-01T07:30:00.000Z' },
      },
    });
    const slots = await exportSlots(table).read();
    expect([...slots.leases]).toEqual([['a', { at: '2024-05-01T07:00:00.000Z', by: 'outside' }]]);
    expect(slots.reconciledAt).toBe('2024-05-01T07:30:00.000Z');
  });

  it('queues a waiter in its pool’s queue, sorted by when it first queued, with its expiry', async () => {
    dynamodb.on(PutItemCommand).resolves({});
    await slotSemaphore({ ...table, pool: 'graph', sfn: classified(new SFNClient({}), 'sfn') }).enqueue({
      exportTaskIdentifier: 'g-1',
      since: '2024-05-01T07:00:00.000Z',
      limit: 2,
      token: 'tok',
      now: NOW,
    });
    expect(dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input.Item).toEqual({
      pk: { S: 'queue#graph' },
      sk: { S: '2024-05-01T07:00:00.000Z#g-1' },
      token: { S: 'tok' },
      exportTaskIdentifier: { S: 'g-1' },
      limit: { N: '2' },
      expiresAt: { N: String(NOW.getTime() / 1000 + 8 * 86_400) },
    });
  });

  it('parks a waiter under its source ARN in lower case, one item per export', async () => {
    dynamodb.on(PutItemCommand).resolves({});
    dynamodb.on(GetItemCommand).resolves({});
    const parked = await slotSemaphore({ ...table, sfn: classified(new SFNClient({}), 'sfn') }).park({
      sourceArn: 'arn:aws:rds:us-east-1:123456789012:snapshot:Orders',
      exportTaskIdentifier: 'orders-1',
      token: 'tok',
      checkedAt: NOW,
      now: NOW,
    });
    expect(parked).toBe('waiting');
    const item = dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input.Item;
    expect(item?.pk).toEqual({ S: 'waiter#arn:aws:rds:us-east-1:123456789012:snapshot:orders' });
    expect(item?.sk).toEqual({ S: 'export#orders-1' });
    expect(dynamodb.commandCalls(GetItemCommand)[0]?.args[0].input.Key).toEqual({
      pk: { S: 'waiter#arn:aws:rds:us-east-1:123456789012:snapshot:orders' },
      sk: { S: 'ended' },
    });
  });
});

describe('conditional failures', () => {
  it('recognises a full pool by the ConditionalCheckFailedException class', async () => {
    dynamodb
      .on(UpdateItemCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    await expect(exportSlots(table).take('a', 5, NOW)).resolves.toBe(false);
  });

  it('does not take an error that only carries the name for a conditional failure', async () => {
    const lookalike = Object.assign(new Error('not from DynamoDB'), {
      name: 'ConditionalCheckFailedException',
    });
    dynamodb.on(UpdateItemCommand).rejects(lookalike);
    await expect(exportSlots(table).take('a', 5, NOW)).rejects.toMatchObject({ name: 'UnexpectedAwsError' });
  });

  it('creates the slots item once when the first lease finds none, then takes the lease', async () => {
    dynamodb.on(UpdateItemCommand).rejectsOnce(validation()).resolves({});
    await expect(exportSlots(table).take('first', 5, NOW)).resolves.toBe(true);
    const updates = dynamodb.commandCalls(UpdateItemCommand).map((c) => c.args[0].input);
    expect(updates.map((u) => u.UpdateExpression)).toEqual([
      'SET holders.#id = :lease',
      'SET holders = if_not_exists(holders, :none)',
      'SET holders.#id = :lease',
    ]);
    expect(updates[1]?.ExpressionAttributeValues).toEqual({ ':none': { M: {} } });
  });

  it('refuses a take DynamoDB keeps refusing as invalid, after one creation, without looping', async () => {
    dynamodb
      .on(UpdateItemCommand, { UpdateExpression: 'SET holders.#id = :lease' })
      .rejects(validation())
      .on(UpdateItemCommand, { UpdateExpression: 'SET holders = if_not_exists(holders, :none)' })
      .resolves({});
    await expect(exportSlots(table).take('a', 5, NOW)).rejects.toMatchObject({ name: 'InvalidInputError' });
    expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(3);
  });

  it('leaves a queued item that holds a newer token when the grant’s conditional delete fails', async () => {
    dynamodb.on(GetItemCommand).resolves({});
    dynamodb.on(UpdateItemCommand).resolves({});
    dynamodb.on(QueryCommand).resolves({
      Items: [
        {
          pk: { S: 'queue' },
          sk: { S: '2024-05-01T07:00:00.000Z#a' },
          token: { S: 'tok-a' },
          exportTaskIdentifier: { S: 'a' },
          limit: { N: '5' },
        },
      ],
    });
    dynamodb
      .on(DeleteItemCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    sfn.on(SendTaskSuccessCommand).resolves({});
    const semaphore = slotSemaphore({ ...table, sfn: classified(new SFNClient({}), 'sfn') });
    await expect(semaphore.grant(NOW, 'release-1')).resolves.toEqual(['a']);
    expect(dynamodb.commandCalls(DeleteItemCommand)[0]?.args[0].input).toMatchObject({
      Key: { pk: { S: 'queue' }, sk: { S: '2024-05-01T07:00:00.000Z#a' } },
      ConditionExpression: '#token = :token',
      ExpressionAttributeValues: { ':token': { S: 'tok-a' } },
    });
  });
});
