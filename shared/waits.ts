import {
  type AttributeValue,
  DeleteItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { classifyAwsError, isAwsError } from './aws-errors.ts';
import { logger } from './logger.ts';
import { MAX_CONCURRENT_GRAPH_EXPORTS, MAX_CONCURRENT_RDS_EXPORTS } from './machine-contract.ts';
import { queueKey, queueOf, type TableDeps } from './queue.ts';
import { giveBackSlot, readSlots, type Slots, takeSlot } from './slots.ts';

export { countAhead, dequeue, type SlotPool, slotPool, type TableDeps } from './queue.ts';

/**
 * Executions that wait without polling, on a task token kept in the deployment's DynamoDB table
 * (resources/state.yml):
 * - an export waiter (`waiter#<source ARN>`): the execution tracking that source's export. RDS
 *   runs one export of a source at a time, and its export-finished events name the source, so the
 *   source ARN finds the waiter. An event takes the token in one conditional update, so a
 *   duplicate, late or out-of-order event finds none and does nothing; the woken execution checks
 *   the task itself and never trusts the event's word.
 * - the slot queue (`queue`, sorted by the time each export first queued): exports waiting for one
 *   of the account's export slots (shared/slots.ts). A release grants the oldest ones a slot, as
 *   many as are free, each with a conditional write and a conditional delete, so no slot is given
 *   twice and no waiter is woken twice.
 * A wait also times out (the state's TimeoutSecondsPath) and then checks on its own, so a lost
 * event or a release that never comes costs a poll, never an export.
 */

/** The pool's account-wide limit: RDS's five; for graphs only each export's own limit applies. */
const poolLimit = (deps: TableDeps) =>
  (deps.pool ?? 'rds') === 'rds' ? MAX_CONCURRENT_RDS_EXPORTS : MAX_CONCURRENT_GRAPH_EXPORTS;

export interface WaitsDeps extends TableDeps {
  sfn: Pick<SFNClient, 'send'>;
}

/** Waits last at most the state machine's seven days; items expire a day after that (TTL). */
const ITEM_LIFETIME_SECONDS = 8 * 24 * 3600;
const expiresAt = (now: Date) => ({ N: String(Math.floor(now.getTime() / 1000) + ITEM_LIFETIME_SECONDS) });

const waiterKey = (sourceArn: string) => ({
  pk: { S: `waiter#${sourceArn.toLowerCase()}` },
  sk: { S: 'export' },
});
/** A token that no longer waits: used already, or its state timed out (SendTaskSuccess errors). */
function isStaleToken(error: unknown): boolean {
  return ['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'].some((name) => isAwsError(error, name));
}

/** Sends the token its success; false when it no longer waits (a no-op, logged). */
export async function wake(sfn: WaitsDeps['sfn'], token: string, output: object): Promise<boolean> {
  try {
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
    return true;
  } catch (error) {
    if (isStaleToken(error)) {
      logger.info('the waiter no longer waits: nothing to wake', { error: (error as Error).name });
      return false;
    }
    throw classifyAwsError(error, 'sfn', 'SendTaskSuccess');
  }
}

/**
 * Parks the execution's token as the waiter of its source's export. Returns `ended` when an
 * export-finished event came after `checkedAt`, the moment the execution last saw the task running:
 * the event came before the waiter, so the caller wakes the execution at once.
 */
export async function parkExportWaiter(
  deps: TableDeps,
  waiter: { sourceArn: string; exportTaskIdentifier: string; token: string; checkedAt: Date; now: Date },
): Promise<'waiting' | 'ended'> {
  try {
    await deps.dynamodb.send(
      new UpdateItemCommand({
        TableName: deps.table,
        Key: waiterKey(waiter.sourceArn),
        UpdateExpression:
          'SET #token = :token, exportTaskIdentifier = :id, parkedAt = :now, expiresAt = :expires',
        ConditionExpression: 'attribute_not_exists(endedAt) OR endedAt < :checkedAt',
        ExpressionAttributeNames: { '#token': 'token' },
        ExpressionAttributeValues: {
          ':token': { S: waiter.token },
          ':id': { S: waiter.exportTaskIdentifier },
          ':now': { S: waiter.now.toISOString() },
          ':checkedAt': { S: waiter.checkedAt.toISOString() },
          ':expires': expiresAt(waiter.now),
        },
      }),
    );
    return 'waiting';
  } catch (error) {
    if (isAwsError(error, 'ConditionalCheckFailed')) return 'ended';
    throw classifyAwsError(error, 'dynamodb', `Parking the waiter of ${waiter.exportTaskIdentifier}`);
  }
}

/** Records that the source's export ended and takes its waiter's token, if one waits (once). */
export async function takeExportWaiter(
  deps: TableDeps,
  sourceArn: string,
  now: Date,
): Promise<{ token: string; exportTaskIdentifier?: string } | undefined> {
  let old: Record<string, AttributeValue> | undefined;
  try {
    const out = await deps.dynamodb.send(
      new UpdateItemCommand({
        TableName: deps.table,
        Key: waiterKey(sourceArn),
        UpdateExpression: 'SET endedAt = :now, expiresAt = :expires REMOVE #token',
        ExpressionAttributeNames: { '#token': 'token' },
        ExpressionAttributeValues: { ':now': { S: now.toISOString() }, ':expires': expiresAt(now) },
        ReturnValues: 'ALL_OLD',
      }),
    );
    old = out.Attributes;
  } catch (error) {
    throw classifyAwsError(error, 'dynamodb', `Taking the waiter of ${sourceArn}`);
  }
  const token = old?.token?.S;
  if (token === undefined) return undefined;
  const id = old?.exportTaskIdentifier?.S;
  return id === undefined ? { token } : { token, exportTaskIdentifier: id };
}

/** Puts the export in the slot queue (again), at the place its first queueing gave it. */
export async function enqueue(
  deps: TableDeps,
  entry: { exportTaskIdentifier: string; since: string; limit: number; token: string; now: Date },
): Promise<void> {
  try {
    await deps.dynamodb.send(
      new PutItemCommand({
        TableName: deps.table,
        Item: {
          ...queueKey(deps, entry.since, entry.exportTaskIdentifier),
          token: { S: entry.token },
          exportTaskIdentifier: { S: entry.exportTaskIdentifier },
          limit: { N: String(entry.limit) },
          expiresAt: expiresAt(entry.now),
        },
      }),
    );
  } catch (error) {
    throw classifyAwsError(error, 'dynamodb', `Queueing ${entry.exportTaskIdentifier}`);
  }
}

/** Whether any export waits in the slot queue (one item read). */
export async function anyQueued(deps: TableDeps): Promise<boolean> {
  try {
    const out = await deps.dynamodb.send(
      new QueryCommand({
        TableName: deps.table,
        KeyConditionExpression: 'pk = :queue',
        ExpressionAttributeValues: { ':queue': { S: queueOf(deps) } },
        ConsistentRead: true,
        Limit: 1,
      }),
    );
    return (out.Items ?? []).length > 0;
  } catch (error) {
    throw classifyAwsError(error, 'dynamodb', 'Reading the slot queue');
  }
}

/**
 * Grants free slots (shared/slots.ts) to the oldest queued exports, each within its own limit (its
 * rule's maxConcurrentExports): a lease taken on the waiter's behalf (`by` this release, and only
 * if it holds none), then its queue item taken with a conditional delete, then its token woken.
 * Two releases at once never grant one slot twice nor wake one waiter twice; a grant whose waiter
 * was gone (another release, or its own timeout, took it first) is given back. A waiter whose wake
 * finds its token timed out starts on its own and keeps the lease. Returns the exports woken.
 */
export async function grantSlots(
  deps: WaitsDeps,
  now: Date,
  releaseId: string,
  /** The slots as the caller just read them, to save reading them again. */
  known?: Slots,
): Promise<string[]> {
  let slots = known ?? (await readSlots(deps));
  const woken: string[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    if (slots.leases.size >= poolLimit(deps)) break;
    let page: Awaited<ReturnType<typeof queryQueue>>;
    try {
      page = await queryQueue(deps, startKey);
    } catch (error) {
      throw classifyAwsError(error, 'dynamodb', 'Reading the slot queue');
    }
    for (const item of page.Items ?? []) {
      if (slots.leases.size >= poolLimit(deps)) break;
      const limit = Number(item.limit?.N ?? poolLimit(deps));
      const token = item.token?.S;
      const id = item.exportTaskIdentifier?.S;
      // Holding a lease already, it starts on its own; past its own limit, the next may still fit.
      if (token === undefined || id === undefined || slots.leases.has(id) || slots.leases.size >= limit)
        continue;
      if (!(await takeSlot(deps, { exportTaskIdentifier: id, limit, now, by: releaseId }))) {
        slots = await readSlots(deps);
        continue;
      }
      slots.leases.set(id, { at: now.toISOString(), by: releaseId });
      if (!(await claim(deps, item, token))) {
        await giveBackSlot(deps, id, releaseId);
        slots.leases.delete(id);
        continue;
      }
      if (await wake(deps.sfn, token, { granted: true, at: now.toISOString() })) woken.push(id);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return woken;
}

function queryQueue(deps: TableDeps, startKey: Record<string, AttributeValue> | undefined) {
  return deps.dynamodb.send(
    new QueryCommand({
      TableName: deps.table,
      KeyConditionExpression: 'pk = :queue',
      ExpressionAttributeValues: { ':queue': { S: queueOf(deps) } },
      ConsistentRead: true,
      Limit: 25,
      ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
    }),
  );
}

/** Deletes the queue item only if it still holds this token: true when this release took it. */
async function claim(deps: TableDeps, item: Record<string, AttributeValue>, token: string): Promise<boolean> {
  try {
    await deps.dynamodb.send(
      new DeleteItemCommand({
        TableName: deps.table,
        Key: { pk: item.pk as AttributeValue, sk: item.sk as AttributeValue },
        ConditionExpression: '#token = :token',
        ExpressionAttributeNames: { '#token': 'token' },
        ExpressionAttributeValues: { ':token': { S: token } },
      }),
    );
    return true;
  } catch (error) {
    if (isAwsError(error, 'ConditionalCheckFailed')) return false;
    throw classifyAwsError(error, 'dynamodb', 'Taking a queued export');
  }
}
