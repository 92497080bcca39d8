import { DeleteItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { epochSeconds, queueKey, queueOf, queueSk, type SlotTable, UNEXPIRED } from './items.ts';

/**
 * The slot queue as an export that waits in it sees it: its place and leaving it (the waits
 * function, shared/slots/grants.ts, puts it there and wakes it). Apart from the queueing and the
 * waking, so that the start-export function's code, and its role, reach only these.
 */

/** How many exports queued before this one and still wait (a consistent count of one page, 1 MB). */
export async function countAhead(
  deps: SlotTable,
  since: string,
  exportTaskIdentifier: string,
  now: Date,
): Promise<number> {
  const out = await deps.dynamodb.send(
    new QueryCommand({
      TableName: deps.table,
      KeyConditionExpression: 'pk = :queue AND sk < :mine',
      FilterExpression: UNEXPIRED,
      ExpressionAttributeValues: marshall({
        ':queue': queueOf(deps),
        ':mine': queueSk(since, exportTaskIdentifier),
        ':now': epochSeconds(now),
      }),
      ConsistentRead: true,
      Select: 'COUNT',
    }),
  );
  return out.Count ?? 0;
}

/** Leaves the queue: the export started (idempotent). */
export async function dequeue(deps: SlotTable, since: string, exportTaskIdentifier: string): Promise<void> {
  await deps.dynamodb.send(
    new DeleteItemCommand({ TableName: deps.table, Key: queueKey(deps, since, exportTaskIdentifier) }),
  );
}
