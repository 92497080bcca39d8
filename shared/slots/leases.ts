import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { isConditionalCheckFailed, isValidationError } from '../aws/dynamodb-errors.ts';
import { secondsBetween } from '../runtime/time.ts';
import { type SlotTable, slotsKey } from './items.ts';

/**
 * The account's export slots as the pipeline hands them out: one lease per export, keyed by its
 * task identifier, in one item of the deployment's table (`slots` / `rds`). A lease is taken with a
 * conditional write that holds only while fewer than the limit are out, so no slot is given twice
 * and no export needs to count the account's tasks before it starts.
 *
 * The leases are the pipeline's view; RDS's count is the truth. A count (DescribeExportTasks,
 * shared/sources/rds/export-tasks.ts) reconciles the two: a task started outside the pipeline gets an
 * `outside` lease, so it holds its slot here too, and a lease whose task no longer runs goes (its
 * export ended, or its execution stopped without giving it back), once it is older than
 * LEASE_GRACE_SECONDS (a slot just granted has no task yet). Counts happen when RDS refuses a start
 * for its quota, when a queued export's timeout looks again, and at a release when the last count
 * is older than RECONCILE_EVERY_SECONDS or an outside task still holds a lease.
 */

/**
 * A lease this young may be a slot granted a moment ago whose task RDS does not list yet. An hour:
 * generous against any delay before the start, and a leaked lease (rare) costs a slot no longer.
 */
export const LEASE_GRACE_SECONDS = 3600;
/** At most this long between counts while exports wait, so a leaked lease costs a slot no longer. */
export const RECONCILE_EVERY_SECONDS = 1800;

export interface Lease {
  at: string;
  /** Who took it: `self` (the export), a release's id (granted to a queued export), `outside`. */
  by: string;
}

export interface Slots {
  leases: Map<string, Lease>;
  reconciledAt?: string;
}

/** The leases as they are now (a consistent read). */
export async function readSlots(deps: SlotTable): Promise<Slots> {
  const out = await deps.dynamodb.send(
    new GetItemCommand({ TableName: deps.table, Key: slotsKey(deps), ConsistentRead: true }),
  );
  return slotsOf(out.Item === undefined ? {} : (unmarshall(out.Item) as SlotsItem));
}

/** The leases of a slots item as unmarshalled (./items.ts slotsKey). */
export function slotsOf(item: SlotsItem): Slots {
  const leases = new Map<string, Lease>();
  for (const [id, value] of Object.entries(item.holders ?? {})) {
    leases.set(id, { at: text(value?.at) ?? '', by: text(value?.by) ?? 'self' });
  }
  const reconciledAt = text(item.reconciledAt);
  return reconciledAt === undefined ? { leases } : { leases, reconciledAt };
}

/** The slots item as unmarshalled: read leniently, as a lease of an unknown shape still holds a slot. */
export interface SlotsItem {
  holders?: Record<string, { at?: unknown; by?: unknown } | undefined>;
  reconciledAt?: unknown;
}
const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

const lease = (by: string, now: Date): Lease => ({ at: now.toISOString(), by });

/**
 * Takes a slot for the export while fewer than `limit` are out: true when it holds one. `self`
 * (the export itself) keeps a lease it already holds, a release (`by` its id) grants only to an
 * export that holds none.
 */
export async function takeSlot(
  deps: SlotTable,
  take: { exportTaskIdentifier: string; limit: number; now: Date; by?: string },
): Promise<boolean> {
  const by = take.by ?? 'self';
  const command = new UpdateItemCommand({
    TableName: deps.table,
    Key: slotsKey(deps),
    UpdateExpression: 'SET holders.#id = :lease',
    ConditionExpression:
      // No `holders` yet passes, and the update then fails as invalid: the map is created first.
      by === 'self'
        ? 'attribute_not_exists(holders) OR attribute_exists(holders.#id) OR size(holders) < :limit'
        : 'attribute_not_exists(holders) OR (attribute_not_exists(holders.#id) AND size(holders) < :limit)',
    ExpressionAttributeNames: { '#id': take.exportTaskIdentifier },
    ExpressionAttributeValues: marshall({ ':lease': lease(by, take.now), ':limit': take.limit }),
  });
  const send = async (first: boolean): Promise<boolean> => {
    try {
      await deps.dynamodb.send(command);
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      // The first lease ever: the item (its `holders` map) does not exist yet. Created once, then
      // the take is tried once more: never a loop.
      if (first && isValidationError(error)) {
        await createSlots(deps);
        return send(false);
      }
      throw error;
    }
  };
  return send(true);
}

async function createSlots(deps: SlotTable): Promise<void> {
  await deps.dynamodb.send(
    new UpdateItemCommand({
      TableName: deps.table,
      Key: slotsKey(deps),
      UpdateExpression: 'SET holders = if_not_exists(holders, :none)',
      ExpressionAttributeValues: marshall({ ':none': {} }),
    }),
  );
}

/**
 * Gives the export's slot back (idempotent). With `onlyIf`, only a lease that party still holds:
 * a release takes back a grant its waiter never received, not a lease the export took since.
 */
export async function giveBackSlot(
  deps: SlotTable,
  exportTaskIdentifier: string,
  onlyIf?: string,
): Promise<void> {
  try {
    await deps.dynamodb.send(
      new UpdateItemCommand({
        TableName: deps.table,
        Key: slotsKey(deps),
        UpdateExpression: 'REMOVE holders.#id',
        ExpressionAttributeNames: {
          '#id': exportTaskIdentifier,
          ...(onlyIf === undefined ? {} : { '#by': 'by' }),
        },
        ...(onlyIf === undefined
          ? {}
          : {
              ConditionExpression: 'holders.#id.#by = :by',
              ExpressionAttributeValues: marshall({ ':by': onlyIf }),
            }),
      }),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) return;
    // No item yet: there is nothing to give back.
    if (isValidationError(error)) return;
    throw error;
  }
}

/** Whether a release should count the account's tasks before it grants (see the file comment). */
export function needsReconcile(slots: Slots, now: Date): boolean {
  if ([...slots.leases.values()].some((l) => l.by === 'outside')) return true;
  const last = slots.reconciledAt === undefined ? Number.NaN : Date.parse(slots.reconciledAt);
  return !(now.getTime() - last < RECONCILE_EVERY_SECONDS * 1000);
}

/**
 * Brings the leases in line with RDS's count of active tasks (`active`, their identifiers): an
 * active task without a lease gets an `outside` one; a lease whose task is not active goes, an
 * outside one at once, any other once older than the grace. `before` holds the leases read before
 * the count: a task among them whose lease is gone now was given back after RDS listed it (its
 * export ended meanwhile), so it gets no outside lease. Returns what changed.
 */
export async function reconcileSlots(
  deps: SlotTable,
  active: readonly string[],
  now: Date,
  before?: Slots,
  /** Whether the slots item was just created (a first reconcile creates it once, never again). */
  created = false,
): Promise<{ added: string[]; removed: string[] }> {
  const slots = await readSlots(deps);
  // One name once: an UpdateExpression that names a path twice is refused ("Two document paths
  // overlap", a ValidationException), and the slots would never be counted.
  const running = new Set(active);
  const added = [...running].filter((id) => !slots.leases.has(id) && !before?.leases.has(id));
  const removed = [...slots.leases]
    .filter(([id, l]) => {
      if (running.has(id)) return false;
      const age = secondsBetween(l.at, now);
      // A lease whose time cannot be read counts as old.
      return l.by === 'outside' || age === undefined || age >= LEASE_GRACE_SECONDS;
    })
    .map(([id]) => id);
  const names: Record<string, string> = {};
  const values: Record<string, string | Lease> = { ':now': now.toISOString() };
  const sets = ['reconciledAt = :now'];
  added.forEach((id, i) => {
    names[`#a${i}`] = id;
    values[`:a${i}`] = lease('outside', now);
    sets.push(`holders.#a${i} = :a${i}`);
  });
  const removes = removed.map((id, i) => {
    names[`#r${i}`] = id;
    return `holders.#r${i}`;
  });
  try {
    await deps.dynamodb.send(
      new UpdateItemCommand({
        TableName: deps.table,
        Key: slotsKey(deps),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: marshall(values),
      }),
    );
  } catch (error) {
    // The first lease ever: the item (its `holders` map) does not exist yet. Once only: any other
    // ValidationException is the caller's to see, never a loop until the Lambda times out.
    if (isValidationError(error) && added.length > 0 && !created) {
      await createSlots(deps);
      return reconcileSlots(deps, active, now, before, true);
    }
    throw error;
  }
  return { added, removed };
}
