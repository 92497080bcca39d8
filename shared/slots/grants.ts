import { PutItemCommand, paginateQuery } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { cappedPages, type PageCap } from '../aws/pages.ts';
import {
  epochSeconds,
  expiresAt,
  POOL_LIMIT,
  poolOf,
  queueKey,
  queueOf,
  type SlotTable,
  UNEXPIRED,
} from './items.ts';
import { giveBackSlot, readSlots, type Slots, takeSlot } from './leases.ts';
import type { QueueEntry } from './semaphore.ts';
import { deleteIfToken, type WaitsDeps, wake } from './waiters.ts';

/**
 * The slot queue (`queue`, sorted by the time each export first queued) as the waits function keeps
 * it: exports waiting for one of the pool's slots (./leases.ts). A release grants the oldest ones a
 * slot, as many as are free, each with a conditional write and a conditional delete, so no slot is
 * given twice and no waiter is woken twice. A queued wait also times out and then looks on its own,
 * so a release that never comes costs a poll, never an export.
 */

const poolLimit = (deps: SlotTable) => POOL_LIMIT[poolOf(deps)];

/** Puts the export in the slot queue (again), at the place its first queueing gave it. */
export async function enqueue(deps: SlotTable, entry: QueueEntry): Promise<void> {
  await deps.dynamodb.send(
    new PutItemCommand({
      TableName: deps.table,
      Item: {
        ...queueKey(deps, entry.since, entry.exportTaskIdentifier),
        ...marshall({
          token: entry.token,
          exportTaskIdentifier: entry.exportTaskIdentifier,
          limit: entry.limit,
          expiresAt: expiresAt(entry.now),
        }),
      },
    }),
  );
}

/** Whether any export waits in the slot queue (expired items aside; a page or a few read). */
export async function anyQueued(deps: SlotTable, now: Date): Promise<boolean> {
  // Expired items are filtered out after the page's Limit: a page may be empty with more to come.
  for await (const page of queuePages(deps, now)) if ((page.Items ?? []).length > 0) return true;
  return false;
}

/**
 * Grants free slots (./leases.ts) to the oldest queued exports, each within its own limit (its
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
  for await (const page of queuePages(deps, now)) {
    for (const item of page.Items ?? []) {
      if (full()) return woken;
      const granted = await grantOne(deps, unmarshall(item), slots, now, releaseId);
      if (granted !== undefined) woken.push(granted);
    }
  }
  return woken;
}

/** Grants one queued export a slot and wakes it (see grantSlots): its identifier when it was woken. */
async function grantOne(
  deps: WaitsDeps,
  item: Record<string, unknown>,
  slots: { current: Slots },
  now: Date,
  releaseId: string,
): Promise<string | undefined> {
  const limit = typeof item.limit === 'number' ? item.limit : poolLimit(deps);
  const { token, exportTaskIdentifier: id, pk, sk } = item;
  // Holding a lease already, it starts on its own; past its own limit, the next may still fit.
  if (typeof token !== 'string' || typeof id !== 'string') return undefined;
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
  // Taken only if it still holds this token: its export may have queued again.
  await deleteIfToken(deps, marshall({ pk, sk }), token, 'Taking a queued export');
  if (live) return id;
  await giveBackSlot(deps, id, releaseId);
  slots.current.leases.delete(id);
  return undefined;
}

/** Bounds one pass over the queue (pages of QUEUE_PAGE_SIZE): far beyond any real queue. */
const QUEUE_PAGES: PageCap = { maxPages: 40, atCap: 'truncate' };
const QUEUE_PAGE_SIZE = 25;

/** The queue's unexpired items, oldest first, a page at a time (a consumer that stops reads no more). */
function queuePages(deps: SlotTable, now: Date) {
  return cappedPages(
    paginateQuery,
    { client: deps.dynamodb, pageSize: QUEUE_PAGE_SIZE },
    {
      TableName: deps.table,
      KeyConditionExpression: 'pk = :queue',
      FilterExpression: UNEXPIRED,
      ExpressionAttributeValues: marshall({ ':queue': queueOf(deps), ':now': epochSeconds(now) }),
      ConsistentRead: true,
    },
    QUEUE_PAGES,
  );
}
