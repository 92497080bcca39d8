import { DeleteItemCommand, type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { classifyAwsError } from '../aws/errors.ts';

/**
 * The slot queue as an export that waits in it sees it: its place and leaving it (the waits
 * function, shared/slots/waiters.ts, puts it there and wakes it). Apart from the waking, so that the
 * start-export function's code, and its role, reach only these.
 */

export interface TableDeps {
  dynamodb: Pick<DynamoDBClient, 'send'>;
  table: string;
  /** Whose slots and queue: RDS's unless given (shared/slots/leases.ts). */
  pool?: SlotPool;
}

/**
 * The slot pools: RDS's export slots (five per account and Region, whatever the source), and the
 * Neptune Analytics graph exports', which count apart (the service documents no limit: the
 * policy's maxConcurrentGraphExports). Each pool has its own leases and its own queue.
 */
export type SlotPool = 'rds' | 'graph';

export function slotPool(sourceKind: string): SlotPool {
  return sourceKind === 'graph' ? 'graph' : 'rds';
}

/** Waits last at most the state machine's seven days; items expire a day after that (TTL). */
const ITEM_LIFETIME_SECONDS = 8 * 24 * 3600;
export const epochSeconds = (at: Date) => ({ N: String(Math.floor(at.getTime() / 1000)) });
export const expiresAt = (now: Date) => ({
  N: String(Math.floor(now.getTime() / 1000) + ITEM_LIFETIME_SECONDS),
});
/**
 * Leaves out items past `expiresAt` (with `:now`, epoch seconds): TTL deletes expired items in the
 * background, typically within two days, and until then they "continue to show in read and write
 * operations" (DynamoDB developer guide, "Working with expired items": filter them out of Query
 * and Scan with a filter expression on the TTL attribute).
 */
export const UNEXPIRED = 'expiresAt > :now';

const QUEUE = 'queue';
/** The pool's queue: `queue` for RDS (as before pools), `queue#<pool>` for another. */
export const queueOf = (deps: TableDeps) =>
  (deps.pool ?? 'rds') === 'rds' ? QUEUE : `${QUEUE}#${deps.pool}`;
export const queueKey = (deps: TableDeps, since: string, exportTaskIdentifier: string) => ({
  pk: { S: queueOf(deps) },
  sk: { S: `${since}#${exportTaskIdentifier}` },
});

/** How many exports queued before this one and still wait (a consistent count of one page, 1 MB). */
export async function countAhead(
  deps: TableDeps,
  since: string,
  exportTaskIdentifier: string,
  now: Date,
): Promise<number> {
  try {
    const out = await deps.dynamodb.send(
      new QueryCommand({
        TableName: deps.table,
        KeyConditionExpression: 'pk = :queue AND sk < :mine',
        FilterExpression: UNEXPIRED,
        ExpressionAttributeValues: {
          ':queue': { S: queueOf(deps) },
          ':mine': queueKey(deps, since, exportTaskIdentifier).sk,
          ':now': epochSeconds(now),
        },
        ConsistentRead: true,
        Select: 'COUNT',
      }),
    );
    return out.Count ?? 0;
  } catch (error) {
    throw classifyAwsError(error, 'dynamodb', 'Counting the slot queue');
  }
}

/** Leaves the queue: the export started (idempotent). */
export async function dequeue(deps: TableDeps, since: string, exportTaskIdentifier: string): Promise<void> {
  try {
    await deps.dynamodb.send(
      new DeleteItemCommand({ TableName: deps.table, Key: queueKey(deps, since, exportTaskIdentifier) }),
    );
  } catch (error) {
    throw classifyAwsError(error, 'dynamodb', `Leaving the queue: ${exportTaskIdentifier}`);
  }
}
