import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { MAX_CONCURRENT_GRAPH_EXPORTS, MAX_CONCURRENT_RDS_EXPORTS } from '../contract/execution.ts';

/**
 * The keys of the semaphore's items in the deployment's table (resources/state.yml; their shapes:
 * ./semaphore.ts). Attribute values are marshalled with `@aws-sdk/util-dynamodb` (`marshall` /
 * `unmarshall`), as Powertools' DynamoDBPersistenceLayer does; none is spelled out as `{ S: … }`.
 */

/**
 * The slot pools: RDS's export slots (five per account and Region, whatever the source), and the
 * Neptune Analytics graph exports', which count apart (the service documents no limit: the
 * policy's maxConcurrentGraphExports). Each pool has its own leases and its own queue. Which pool
 * an export takes is its source kind's (its `slots`, shared/sources/kinds/registry/slots.ts).
 */
export type SlotPool = 'rds' | 'graph';

/** Where one pool's semaphore lives: the deployment's table and the client that reaches it. */
export interface SlotTable {
  dynamodb: Pick<DynamoDBClient, 'send'>;
  table: string;
  /** Whose slots and queue: RDS's unless given. */
  pool?: SlotPool;
  /**
   * Whose account and Region (`<account>/<region>`, shared/aws/accounts.ts scopeKey) when not the
   * deployment's own: RDS's five slots are per account and Region, so each member account has its
   * own leases and queue, and one busy account never holds up another.
   */
  scope?: string | undefined;
}

/** The pool a semaphore's items belong to. */
export const poolOf = (deps: SlotTable): SlotPool => deps.pool ?? 'rds';

/**
 * Each pool's account-wide limit: RDS's five exports at once per account and Region; for graphs,
 * whose service documents none, the policy setting's ceiling (each export's own limit applies too).
 */
export const POOL_LIMIT: Readonly<Record<SlotPool, number>> = {
  rds: MAX_CONCURRENT_RDS_EXPORTS,
  graph: MAX_CONCURRENT_GRAPH_EXPORTS,
};

/** `#<account>/<region>` after a key of another account's or Region's pool, nothing for the deployment's. */
const scoped = (deps: SlotTable) => (deps.scope === undefined ? '' : `#${deps.scope}`);

/** The pool's leases: `rds`, `graph`, or `rds#<account>/<region>` for another account's. */
export const slotsKey = (deps: SlotTable) => marshall({ pk: 'slots', sk: poolOf(deps) + scoped(deps) });

/**
 * The pool's queue: `queue` for RDS (as before pools), `queue#<pool>` for another, each with
 * `#<account>/<region>` for another account's or Region's.
 */
export const queueOf = (deps: SlotTable) =>
  (poolOf(deps) === 'rds' ? 'queue' : `queue#${poolOf(deps)}`) + scoped(deps);
/** A queued export's sort key: the queue is read oldest first. */
export const queueSk = (since: string, exportTaskIdentifier: string) => `${since}#${exportTaskIdentifier}`;
export const queueKey = (deps: SlotTable, since: string, exportTaskIdentifier: string) =>
  marshall({ pk: queueOf(deps), sk: queueSk(since, exportTaskIdentifier) });

/** Every waiter and the end marker of one source share a partition: one query finds them all. */
export const waiterPk = (sourceArn: string) => `waiter#${sourceArn.toLowerCase()}`;
export const WAITER_PREFIX = 'export#';
/**
 * One waiter per export, not per source: two exports of one source overlap (schedule slots of one
 * cluster, `rds-export retry --force` of a running export, an export of the same snapshot started
 * outside the pipeline), and each must keep its own token.
 */
export const waiterKey = (sourceArn: string, exportTaskIdentifier: string) =>
  marshall({ pk: waiterPk(sourceArn), sk: `${WAITER_PREFIX}${exportTaskIdentifier}` });
/** When an export-finished event for the source last came: a waiter parking late sees it. */
export const endedKey = (sourceArn: string) => marshall({ pk: waiterPk(sourceArn), sk: 'ended' });

/** Waits last at most the state machine's seven days; items expire a day after that (TTL). */
const ITEM_LIFETIME_SECONDS = 8 * 24 * 3600;
export const epochSeconds = (at: Date) => Math.floor(at.getTime() / 1000);
export const expiresAt = (now: Date) => epochSeconds(now) + ITEM_LIFETIME_SECONDS;
/**
 * Leaves out items past `expiresAt` (with `:now`, epoch seconds): TTL deletes expired items in the
 * background, typically within two days, and until then they "continue to show in read and write
 * operations" (DynamoDB developer guide, "Working with expired items": filter them out of Query
 * and Scan with a filter expression on the TTL attribute).
 */
export const UNEXPIRED = 'expiresAt > :now';
