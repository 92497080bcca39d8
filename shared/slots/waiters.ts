import {
  type AttributeValue,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  paginateQuery,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  InvalidToken,
  SendTaskSuccessCommand,
  type SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { isConditionalCheckFailed } from '../aws/dynamodb-errors.ts';
import { awsCause } from '../aws/errors.ts';
import { cappedPages, type PageCap } from '../aws/pages.ts';
import { logger } from '../runtime/logger.ts';
import {
  endedKey,
  epochSeconds,
  expiresAt,
  type SlotTable,
  UNEXPIRED,
  WAITER_PREFIX,
  waiterKey,
  waiterPk,
} from './items.ts';
import type { ExportWaiter } from './semaphore.ts';

/**
 * Executions that wait without polling, on a task token kept in the deployment's DynamoDB table
 * (resources/state.yml), and their waking (`SendTaskSuccess`): only the waits function imports this
 * file, so only its role may wake a token.
 *
 * An export waiter (`waiter#<source ARN>` / `export#<export>`) is the execution tracking that
 * source's export. RDS runs one export of a source at a time, and its export-finished events name
 * the source, so the source ARN finds the waiter. An event takes the token in one conditional
 * delete, so a duplicate, late or out-of-order event finds none and does nothing; the woken
 * execution checks the task itself and never trusts the event's word. A wait also times out (the
 * state's TimeoutSecondsPath) and then checks on its own, so a lost event costs a poll, never an
 * export.
 */

/** The waiting side's clients: the table, and Step Functions to wake a token. */
export interface WaitsDeps extends SlotTable {
  sfn: Pick<SFNClient, 'send'>;
}

/** Bounds the waiters read per event: far more than one source ever has exports at once. */
const WAITER_PAGES: PageCap = { maxPages: 10, atCap: 'truncate' };

/**
 * A token that no longer waits: used already, or its state timed out. SendTaskSuccess's errors in
 * the Step Functions API reference: TaskTimedOut, TaskDoesNotExist, InvalidToken.
 */
const isStaleToken = (error: unknown): boolean => {
  const aws = awsCause(error);
  return aws instanceof TaskTimedOut || aws instanceof TaskDoesNotExist || aws instanceof InvalidToken;
};

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
    throw error;
  }
}

/**
 * Parks the execution's token as the waiter of its export. Returns `ended` when an export-finished
 * event for the source came after `checkedAt`, the moment the execution last saw the task running:
 * the event may have come before the waiter (it may also be another export's of the source), so the
 * caller wakes the execution, which looks at its task again. The waiter is written before the end
 * marker is read, and an event writes the marker before it reads the waiters (both consistently), so
 * at least one of the two sees the other.
 */
export async function parkExportWaiter(
  deps: SlotTable,
  waiter: { sourceArn: string; exportTaskIdentifier: string; token: string; checkedAt: Date; now: Date },
): Promise<'waiting' | 'ended'> {
  await deps.dynamodb.send(
    new PutItemCommand({
      TableName: deps.table,
      Item: {
        ...waiterKey(waiter.sourceArn, waiter.exportTaskIdentifier),
        ...marshall({
          token: waiter.token,
          exportTaskIdentifier: waiter.exportTaskIdentifier,
          parkedAt: waiter.now.toISOString(),
          expiresAt: expiresAt(waiter.now),
        }),
      },
    }),
  );
  const ended = await deps.dynamodb.send(
    new GetItemCommand({ TableName: deps.table, Key: endedKey(waiter.sourceArn), ConsistentRead: true }),
  );
  const endedAt: unknown = ended.Item === undefined ? undefined : unmarshall(ended.Item).endedAt;
  return typeof endedAt === 'string' && endedAt >= waiter.checkedAt.toISOString() ? 'ended' : 'waiting';
}

/**
 * Records that an export of the source ended and returns the executions waiting on the source's
 * exports (their tokens stay until each is woken: wakeExportWaiter). Items past their expiry are
 * left out: DynamoDB's TTL deletes them lazily, and a query still returns them until it does.
 */
export async function exportEnded(deps: SlotTable, sourceArn: string, now: Date): Promise<ExportWaiter[]> {
  const waiters: ExportWaiter[] = [];
  await deps.dynamodb.send(
    new UpdateItemCommand({
      TableName: deps.table,
      Key: endedKey(sourceArn),
      UpdateExpression: 'SET endedAt = :now, expiresAt = :expires',
      ExpressionAttributeValues: marshall({ ':now': now.toISOString(), ':expires': expiresAt(now) }),
    }),
  );
  const pages = cappedPages(
    paginateQuery,
    { client: deps.dynamodb },
    {
      TableName: deps.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :waiter)',
      FilterExpression: `attribute_exists(#token) AND ${UNEXPIRED}`,
      ExpressionAttributeNames: { '#token': 'token' },
      ExpressionAttributeValues: marshall({
        ':pk': waiterPk(sourceArn),
        ':waiter': WAITER_PREFIX,
        ':now': epochSeconds(now),
      }),
      ConsistentRead: true,
    },
    WAITER_PAGES,
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const { token, exportTaskIdentifier } = unmarshall(item);
      if (typeof token === 'string' && typeof exportTaskIdentifier === 'string')
        waiters.push({ exportTaskIdentifier, token });
    }
  }
  return waiters;
}

/**
 * Wakes a parked waiter, and only then removes its token: a wake that fails (throttled) throws with
 * the token still parked, so the event's retry finds it again. The removal holds only while the
 * token is still this one (the execution may have parked again since). False when it no longer
 * waited.
 */
export async function wakeExportWaiter(
  deps: WaitsDeps,
  sourceArn: string,
  waiter: ExportWaiter,
  output: object,
): Promise<boolean> {
  const woken = await wake(deps.sfn, waiter.token, output);
  const key = waiterKey(sourceArn, waiter.exportTaskIdentifier);
  await deleteIfToken(deps, key, waiter.token, `Removing the waiter of ${waiter.exportTaskIdentifier}`);
  return woken;
}

/**
 * Deletes a parked token's item only while it still holds that token (its execution may have parked
 * or queued again since): a condition that fails leaves the newer token.
 */
export async function deleteIfToken(
  deps: SlotTable,
  key: Record<string, AttributeValue>,
  token: string,
  _what: string,
): Promise<void> {
  try {
    await deps.dynamodb.send(
      new DeleteItemCommand({
        TableName: deps.table,
        Key: key,
        ConditionExpression: '#token = :token',
        ExpressionAttributeNames: { '#token': 'token' },
        ExpressionAttributeValues: marshall({ ':token': token }),
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
}
