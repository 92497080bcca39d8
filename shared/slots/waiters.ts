import {
  type AttributeValue,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  paginateQuery,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { classifyAwsError, isAwsError } from '../aws/errors.ts';
import { cappedPages, type PageCap } from '../aws/pages.ts';
import { MAX_CONCURRENT_GRAPH_EXPORTS, MAX_CONCURRENT_RDS_EXPORTS } from '../contract/execution.ts';
import { logger } from '../runtime/logger.ts';
import { giveBackSlot, readSlots, type Slots, takeSlot } from './leases.ts';
import { epochSeconds, expiresAt, queueKey, queueOf, type TableDeps, UNEXPIRED } from './queue.ts';

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
 *   of the account's export slots (shared/slots/leases.ts). A release grants the oldest ones a slot, as
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

/** Every waiter and the end marker of one source share a partition: one query finds them all. */
const waiterPk = (sourceArn: string) => ({ S: `waiter#${sourceArn.toLowerCase()}` });
/**
 * One waiter per export, not per source: two exports of one source overlap (schedule slots of one
 * cluster, `rds-export retry --force` of a running export, an export of the same snapshot started
 * outside the pipeline), and each must keep its own token.
 */
const waiterKey = (sourceArn: string, exportTaskIdentifier: string) => ({
  pk: waiterPk(sourceArn),
  sk: { S: `${WAITER_PREFIX}${exportTaskIdentifier}` },
});
const WAITER_PREFIX = 'export#';
/** When an export-finished event for the source last came: a waiter parking late sees it. */
const endedKey = (sourceArn: string) => ({ pk: waiterPk(sourceArn), sk: { S: 'ended' } });
/** Bounds the waiters read per event: far more than one source ever has exports at once. */
const WAITER_PAGES: PageCap = { maxPages: 10, atCap: 'truncate' };

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

/** An execution parked on one export of a source. */
export interface ExportWaiter {
  exportTaskIdentifier: string;
  token: string;
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
  deps: TableDeps,
  waiter: { sourceArn: string; exportTaskIdentifier: string; token: string; checkedAt: Date; now: Date },
): Promise<'waiting' | 'ended'> {
  let endedAt: string | undefined;
  try {
    await deps.dynamodb.send(
      new PutItemCommand({
        TableName: deps.table,
        Item: {
          ...waiterKey(waiter.sourceArn, waiter.exportTaskIdentifier),
          token: { S: waiter.token },
          exportTaskIdentifier: { S: waiter.exportTaskIdentifier },
          parkedAt: { S: waiter.now.toISOString() },
          expiresAt: expiresAt(waiter.now),
        },
      }),
    );
    const ended = await deps.dynamodb.send(
      new GetItemCommand({ TableName: deps.table, Key: endedKey(waiter.sourceArn), ConsistentRead: true }),
    );
    endedAt = ended.Item?.endedAt?.S;
  } catch (error) {
    throw classifyAwsError(error, 'dynamodb', `Parking the waiter of ${waiter.exportTaskIdentifier}`);
  }
  return endedAt !== undefined && endedAt >= waiter.checkedAt.toISOString() ? 'ended' : 'waiting';
}

/**
 * Records that an export of the source ended and returns the executions waiting on the source's
 * exports (their tokens stay until each is woken: wakeExportWaiter). Items past their expiry are
 * left out: DynamoDB's TTL deletes them lazily, and a query still returns them until it does.
 */
export async function exportEnded(deps: TableDeps, sourceArn: string, now: Date): Promise<ExportWaiter[]> {
  const waiters: ExportWaiter[] = [];
  try {
    await deps.dynamodb.send(
      new UpdateItemCommand({
        TableName: deps.table,
        Key: endedKey(sourceArn),
        UpdateExpression: 'SET endedAt = :now, expiresAt = :expires',
        ExpressionAttributeValues: { ':now': { S: now.toISOString() }, ':expires': expiresAt(now) },
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
        ExpressionAttributeValues: {
          ':pk': waiterPk(sourceArn),
          ':waiter': { S: WAITER_PREFIX },
          ':now': epochSeconds(now),
        },
        ConsistentRead: true,
      },
      WAITER_PAGES,
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const token = item.token?.S;
        const id = item.exportTaskIdentifier?.S;
        if (token !== undefined && id !== undefined) waiters.push({ exportTaskIdentifier: id, token });
      }
    }
  } catch (error) {
    throw classifyAwsError(error, 'dynamodb', `Finding the waiters of ${sourceArn}`);
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
  try {
    await deps.dynamodb.send(
      new DeleteItemCommand({
        TableName: deps.table,
        Key: waiterKey(sourceArn, waiter.exportTaskIdentifier),
        ConditionExpression: '#token = :token',
        ExpressionAttributeNames: { '#token': 'token' },
        ExpressionAttributeValues: { ':token': { S: waiter.token } },
      }),
    );
  } catch (error) {
    if (!isAwsError(error, 'ConditionalCheckFailed'))
      throw classifyAwsError(error, 'dynamodb', `Removing the waiter of ${waiter.exportTaskIdentifier}`);
  }
  return woken;
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

/** Whether any export waits in the slot queue (expired items aside; a page or a few read). */
export async function anyQueued(deps: TableDeps, now: Date): Promise<boolean> {
  try {
    // Expired items are filtered out after the page's Limit: a page may be empty with more to come.
    for await (const page of queuePages(deps, now)) if ((page.Items ?? []).length > 0) return true;
  } catch (error) {
    throw classifyAwsError(error, 'dynamodb', 'Reading the slot queue');
  }
  return false;
}

/**
 * Grants free slots (shared/slots/leases.ts) to the oldest queued exports, each within its own limit (its
 * rule's maxConcurrentExports): a lease taken on the waiter's behalf (`by` this release, and only
 * if it holds none), then its token woken, then its queue item taken with a conditional delete.
 * Two releases at once never grant one slot twice nor wake one waiter twice (the second's lease
 * fails). A waiter whose token is dead (its execution ended: cancelled, timed out, failed; or its
 * wait timed out and it looks on its own) gives the lease back at once, and its item goes. A wake
 * that fails (throttled) gives the lease back and throws with the item still queued, so the
 * release's retry finds it. Returns the exports woken.
 */
export async function grantSlots(
  deps: WaitsDeps,
  now: Date,
  releaseId: string,
  /** The slots as the caller just read them, to save reading them again. */
  known?: Slots,
): Promise<string[]> {
  const slots = { current: known ?? (await readSlots(deps)) };
  const woken: string[] = [];
  const full = () => slots.current.leases.size >= poolLimit(deps);
  if (full()) return woken;
  try {
    for await (const page of queuePages(deps, now)) {
      for (const item of page.Items ?? []) {
        if (full()) return woken;
        const granted = await grantOne(deps, item, slots, now, releaseId);
        if (granted !== undefined) woken.push(granted);
      }
    }
  } catch (error) {
    throw classifyAwsError(error, 'dynamodb', 'Reading the slot queue');
  }
  return woken;
}

/** Grants one queued export a slot and wakes it (see grantSlots): its identifier when it was woken. */
async function grantOne(
  deps: WaitsDeps,
  item: Record<string, AttributeValue>,
  slots: { current: Slots },
  now: Date,
  releaseId: string,
): Promise<string | undefined> {
  const limit = Number(item.limit?.N ?? poolLimit(deps));
  const token = item.token?.S;
  const id = item.exportTaskIdentifier?.S;
  // Holding a lease already, it starts on its own; past its own limit, the next may still fit.
  if (token === undefined || id === undefined) return undefined;
  if (slots.current.leases.has(id) || slots.current.leases.size >= limit) return undefined;
  if (!(await takeSlot(deps, { exportTaskIdentifier: id, limit, now, by: releaseId }))) {
    slots.current = await readSlots(deps);
    return undefined;
  }
  slots.current.leases.set(id, { at: now.toISOString(), by: releaseId });
  let live: boolean;
  try {
    live = await wake(deps.sfn, token, { granted: true, at: now.toISOString() });
  } catch (error) {
    await giveBackSlot(deps, id, releaseId);
    throw error;
  }
  await claim(deps, item, token);
  if (live) return id;
  await giveBackSlot(deps, id, releaseId);
  slots.current.leases.delete(id);
  return undefined;
}

/** Bounds one pass over the queue (pages of QUEUE_PAGE_SIZE): far beyond any real queue. */
const QUEUE_PAGES: PageCap = { maxPages: 40, atCap: 'truncate' };
const QUEUE_PAGE_SIZE = 25;

/** The queue's unexpired items, oldest first, a page at a time (a consumer that stops reads no more). */
function queuePages(deps: TableDeps, now: Date) {
  return cappedPages(
    paginateQuery,
    { client: deps.dynamodb, pageSize: QUEUE_PAGE_SIZE },
    {
      TableName: deps.table,
      KeyConditionExpression: 'pk = :queue',
      FilterExpression: UNEXPIRED,
      ExpressionAttributeValues: { ':queue': { S: queueOf(deps) }, ':now': epochSeconds(now) },
      ConsistentRead: true,
    },
    QUEUE_PAGES,
  );
}

/** Deletes the queue item only if it still holds this token (its export may have queued again). */
async function claim(deps: TableDeps, item: Record<string, AttributeValue>, token: string): Promise<void> {
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
  } catch (error) {
    if (isAwsError(error, 'ConditionalCheckFailed')) return;
    throw classifyAwsError(error, 'dynamodb', 'Taking a queued export');
  }
}
