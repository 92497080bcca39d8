import type { SlotTable } from './items.ts';
import { giveBackSlot, type Lease, readSlots, reconcileSlots, type Slots, takeSlot } from './leases.ts';
import { countAhead, dequeue } from './queue.ts';

// No import, not even of a type, from ./waiters.ts or ./grants.ts: test/deploy/sdk-calls.ts follows
// every import, and start-export's role must not grow their PutItem and SendTaskSuccess.
export type { SlotPool, SlotTable } from './items.ts';
export type { Lease, Slots };

/**
 * The export-slot semaphore: one pool's slots (RDS's five, or the graph exports'), the queue of the
 * exports waiting for one, and the executions parked on their export's end. One interface,
 * SlotSemaphore; the part an export uses for itself (ExportSlots: start-export, and the read
 * `rds-export status` shows) is built by exportSlots, the whole by slotSemaphore
 * (./waiting.ts), which only the waits function imports: it alone queues and parks (PutItem) and
 * wakes (SendTaskSuccess), and the IAM of each function follows the commands its code imports
 * (test/deploy/sdk-calls.ts).
 *
 * Its items, in the deployment's table (./items.ts, marshalled with @aws-sdk/util-dynamodb):
 * - `slots` / `rds` or `graph`: `holders`, a map with one lease `{ at, by }` per export that holds a
 *   slot (`by`: `self`, a release's id for a grant, `outside` for a task the pipeline did not
 *   start), and `reconciledAt`, the last count (./leases.ts);
 * - `queue` or `queue#graph` / `<since>#<export>`: a queued export's `token`, `exportTaskIdentifier`
 *   and `limit` (./grants.ts);
 * - `waiter#<source ARN, lower case>` / `export#<export>`: a parked execution's `token`, and
 *   `waiter#<source ARN>` / `ended`: when an export of the source last ended (./waiters.ts).
 * Queue and waiter items carry `expiresAt` (TTL, epoch seconds), and every read filters on it.
 */
export interface ExportSlots {
  /** The pool's leases as they are now (a consistent read). */
  read(): Promise<Slots>;
  /** Whether the export holds a lease: it kept one while it waited for another export of its source. */
  holds(exportTaskIdentifier: string): Promise<boolean>;
  /**
   * Takes a slot while fewer than `limit` are out: true when the export holds one. `self` (the
   * default) keeps a lease it already holds; a release (`by` its id) grants only to an export that
   * holds none.
   */
  take(exportTaskIdentifier: string, limit: number, now: Date, by?: string): Promise<boolean>;
  /** Gives the export's slot back (idempotent); with `onlyIf`, only while that party holds it. */
  giveBack(exportTaskIdentifier: string, onlyIf?: string): Promise<void>;
  /**
   * Brings the leases in line with the service's active tasks (their lease names): a task without a
   * lease gets an `outside` one, a lease without a task goes (once past its grace). `before`: the
   * leases read before the count.
   */
  reconcile(active: readonly string[], now: Date, before?: Slots): Promise<void>;
  /** How many exports queued before this one (at `since`) still wait. */
  ahead(since: string, exportTaskIdentifier: string, now: Date): Promise<number>;
  /** Leaves the queue once the export started (idempotent). */
  leave(since: string, exportTaskIdentifier: string): Promise<void>;
}

/** An execution parked on one export of a source. */
export interface ExportWaiter {
  exportTaskIdentifier: string;
  token: string;
}

/** An export in the queue, as it is put there. */
export interface QueueEntry {
  exportTaskIdentifier: string;
  /** When it first queued: its place. */
  since: string;
  /** Its rule's maxConcurrentExports. */
  limit: number;
  token: string;
  now: Date;
}

/** The pool's active tasks as the service counts them: `identifiers` are their lease names. */
export interface ActiveTasks {
  count: number;
  identifiers: string[];
}

/** The whole semaphore: the export's part and the waiting side (built by ./waiting.ts slotSemaphore). */
export interface SlotSemaphore extends ExportSlots {
  /** Puts the export in the queue (again), at the place its first queueing gave it. */
  enqueue(entry: QueueEntry): Promise<void>;
  /**
   * Grants the free slots to the oldest queued exports within their limits and wakes them; returns
   * the exports woken. `releaseId` names the grants' leases (a new one when not given).
   */
  grant(now: Date, releaseId?: string): Promise<string[]>;
  /**
   * Gives the export's slot back and grants the free slots. `count` (the service's count of active
   * tasks) is asked only when exports wait and the leases may be wrong: the last count is old, or a
   * task started outside the pipeline holds a slot.
   */
  release(
    exportTaskIdentifier: string,
    now: Date,
    count: () => Promise<ActiveTasks>,
  ): Promise<{ activeExports?: number; woken: string[] }>;
  /**
   * Parks the execution's token as the waiter of its export: `ended` when an export of the source
   * ended after `checkedAt` (the caller wakes it to look again).
   */
  park(waiter: {
    sourceArn: string;
    exportTaskIdentifier: string;
    token: string;
    checkedAt: Date;
    now: Date;
  }): Promise<'waiting' | 'ended'>;
  /** Records that an export of the source ended; returns the executions waiting on its exports. */
  ended(sourceArn: string, now: Date): Promise<ExportWaiter[]>;
  /** Wakes a parked waiter with `output`, then removes its token; false when it no longer waited. */
  wake(sourceArn: string, waiter: ExportWaiter, output: object): Promise<boolean>;
}

/** The semaphore of one pool as an export uses it for itself (start-export, `rds-export status`). */
export function exportSlots(table: SlotTable): ExportSlots {
  return {
    read: () => readSlots(table),
    holds: async (id) => (await readSlots(table)).leases.has(id),
    take: (exportTaskIdentifier, limit, now, by) =>
      takeSlot(table, { exportTaskIdentifier, limit, now, ...(by === undefined ? {} : { by }) }),
    giveBack: (id, onlyIf) => giveBackSlot(table, id, onlyIf),
    reconcile: async (active, now, before) => {
      await reconcileSlots(table, active, now, before);
    },
    ahead: (since, id, now) => countAhead(table, since, id, now),
    leave: (since, id) => dequeue(table, since, id),
  };
}
