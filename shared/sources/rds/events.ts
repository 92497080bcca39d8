/**
 * The RDS events the pipeline acts on, by `detail.EventID` (never `Message`, whose wording differs
 * between documents and releases): the one list the EventBridge patterns in serverless.yml (through
 * scripts/rds-events.cjs), the intake (shared/sources/rds/snapshot-events.ts), the waits function, the local stack and
 * the tests read. Each ID is as the "Amazon RDS event categories and event messages" tables give it:
 * "DB snapshot events" in the RDS User Guide
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.Messages.html), "DB cluster
 * snapshot events" and "DB cluster events" in the Aurora User Guide
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Events.Messages.html).
 * test/unit/shared/sources/rds/events.test.ts pins them to those tables.
 */

/** The table an event is listed in, by the source type DescribeEvents names it with. */
export type RdsEventSource = 'db-snapshot' | 'db-cluster-snapshot' | 'db-cluster';

/** The EventBridge `detail-type` of each source type's events. */
export const DETAIL_TYPES: Readonly<Record<RdsEventSource, string>> = Object.freeze({
  'db-snapshot': 'RDS DB Snapshot Event',
  'db-cluster-snapshot': 'RDS DB Cluster Snapshot Event',
  'db-cluster': 'RDS DB Cluster Event',
});

export interface RdsEvent {
  readonly id: string;
  readonly source: RdsEventSource;
  readonly meaning: string;
}

export type ExportEndStatus = 'FAILED' | 'CANCELED' | 'COMPLETE';
export interface ExportEndedEvent extends RdsEvent {
  /** The export task's status when RDS sends the event (DescribeExportTasks' Status). */
  readonly status: ExportEndStatus;
}

const frozen = <T extends RdsEvent>(events: T[]): readonly T[] =>
  Object.freeze(events.map((e) => Object.freeze(e)));

/** A snapshot that can be exported now: created, or copied into this Region. The intake's trigger. */
export const SNAPSHOT_READY_EVENTS = frozen([
  { id: 'RDS-EVENT-0042', source: 'db-snapshot', meaning: 'manual DB snapshot created' },
  { id: 'RDS-EVENT-0091', source: 'db-snapshot', meaning: 'automated DB snapshot created' },
  { id: 'RDS-EVENT-0075', source: 'db-cluster-snapshot', meaning: 'manual DB cluster snapshot created' },
  { id: 'RDS-EVENT-0169', source: 'db-cluster-snapshot', meaning: 'automated DB cluster snapshot created' },
  { id: 'RDS-EVENT-0197', source: 'db-snapshot', meaning: 'DB snapshot copy finished (same Region)' },
  { id: 'RDS-EVENT-0060', source: 'db-snapshot', meaning: 'DB snapshot copy finished (cross-Region)' },
]);

/** A snapshot still being created (`meaning` names which): a broad rule delivers them, the intake skips them. */
export const SNAPSHOT_CREATING_EVENTS = frozen([
  { id: 'RDS-EVENT-0040', source: 'db-snapshot', meaning: 'manual DB snapshot' },
  { id: 'RDS-EVENT-0090', source: 'db-snapshot', meaning: 'automated DB snapshot' },
  { id: 'RDS-EVENT-0074', source: 'db-cluster-snapshot', meaning: 'manual DB cluster snapshot' },
  { id: 'RDS-EVENT-0168', source: 'db-cluster-snapshot', meaning: 'automated DB cluster snapshot' },
]);

/** The end of an export task, of a DB snapshot, a cluster snapshot or a live DB cluster: wakes its execution. */
export const EXPORT_ENDED_EVENTS = frozen<ExportEndedEvent>([
  { id: 'RDS-EVENT-0159', source: 'db-snapshot', status: 'FAILED', meaning: 'DB snapshot export failed' },
  { id: 'RDS-EVENT-0160', source: 'db-snapshot', status: 'CANCELED', meaning: 'DB snapshot export canceled' },
  {
    id: 'RDS-EVENT-0161',
    source: 'db-snapshot',
    status: 'COMPLETE',
    meaning: 'DB snapshot export completed',
  },
  {
    id: 'RDS-EVENT-0162',
    source: 'db-cluster-snapshot',
    status: 'FAILED',
    meaning: 'DB cluster snapshot export failed',
  },
  {
    id: 'RDS-EVENT-0163',
    source: 'db-cluster-snapshot',
    status: 'CANCELED',
    meaning: 'DB cluster snapshot export canceled',
  },
  {
    id: 'RDS-EVENT-0164',
    source: 'db-cluster-snapshot',
    status: 'COMPLETE',
    meaning: 'DB cluster snapshot export completed',
  },
  { id: 'RDS-EVENT-0234', source: 'db-cluster', status: 'FAILED', meaning: 'DB cluster export failed' },
  { id: 'RDS-EVENT-0235', source: 'db-cluster', status: 'CANCELED', meaning: 'DB cluster export canceled' },
  { id: 'RDS-EVENT-0236', source: 'db-cluster', status: 'COMPLETE', meaning: 'DB cluster export completed' },
]);

/** The event of `id` in `events`, if it is one of them. */
export function eventOf<T extends RdsEvent>(events: readonly T[], id: string): T | undefined {
  return events.find((e) => e.id === id);
}

/** The IDs of `events`, as an EventBridge pattern lists them. */
export const idsOf = (events: readonly RdsEvent[]): string[] => events.map((e) => e.id);

/** The detail-types of `events`, each once, in the order the list first names it. */
export const detailTypesOf = (events: readonly RdsEvent[]): string[] => [
  ...new Set(events.map((e) => DETAIL_TYPES[e.source])),
];
