import { describe, expect, it } from 'vitest';
import {
  detailTypesOf,
  EXPORT_ENDED_EVENTS,
  idsOf,
  type RdsEventSource,
  SNAPSHOT_CREATING_EVENTS,
  SNAPSHOT_READY_EVENTS,
} from '#shared/sources/rds/events.ts';

/*
 * The rows of "Amazon RDS event categories and event messages" the pipeline relies on, as AWS
 * documents them: "DB snapshot events" in the RDS User Guide
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.Messages.html), "DB cluster
 * snapshot events" and "DB cluster events" in the Aurora User Guide
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Events.Messages.html).
 * Copied here on purpose, apart from shared/sources/rds/events.ts: an edit of the list that the tables do
 * not back fails below.
 */
const DOCUMENTED: Record<string, [RdsEventSource, string]> = {
  'RDS-EVENT-0040': ['db-snapshot', 'A manual DB snapshot is being created.'],
  'RDS-EVENT-0042': ['db-snapshot', 'A manual DB snapshot has been created.'],
  'RDS-EVENT-0090': ['db-snapshot', 'An automated DB snapshot is being created.'],
  'RDS-EVENT-0091': ['db-snapshot', 'An automated DB snapshot has been created.'],
  'RDS-EVENT-0060': [
    'db-snapshot',
    'Finished copy of snapshot [DB snapshot name] from region [region name] in [time] minutes. This is a cross-Region snapshot copy.',
  ],
  'RDS-EVENT-0197': [
    'db-snapshot',
    'Finished copy of snapshot [DB snapshot name] in region [region name]. This is a local snapshot copy.',
  ],
  'RDS-EVENT-0159': ['db-snapshot', 'The DB snapshot export task failed.'],
  'RDS-EVENT-0160': ['db-snapshot', 'The DB snapshot export task was canceled.'],
  'RDS-EVENT-0161': ['db-snapshot', 'The DB snapshot export task completed.'],
  'RDS-EVENT-0074': ['db-cluster-snapshot', 'Creation of a manual DB cluster snapshot has started.'],
  'RDS-EVENT-0075': ['db-cluster-snapshot', 'A manual DB cluster snapshot has been created.'],
  'RDS-EVENT-0168': ['db-cluster-snapshot', 'Creating automated cluster snapshot.'],
  'RDS-EVENT-0169': ['db-cluster-snapshot', 'Automated cluster snapshot created.'],
  'RDS-EVENT-0162': ['db-cluster-snapshot', 'The DB cluster snapshot export task failed.'],
  'RDS-EVENT-0163': ['db-cluster-snapshot', 'The DB cluster snapshot export task was canceled.'],
  'RDS-EVENT-0164': ['db-cluster-snapshot', 'The DB cluster snapshot export task completed.'],
  'RDS-EVENT-0234': ['db-cluster', 'The DB cluster export task failed.'],
  'RDS-EVENT-0235': ['db-cluster', 'The DB cluster export task was canceled.'],
  'RDS-EVENT-0236': ['db-cluster', 'The DB cluster export task completed.'],
};

const sourceOf = (id: string) => DOCUMENTED[id]?.[0];

describe('the RDS event list (shared/sources/rds/events.ts)', () => {
  it('starts exports on the documented snapshot-created and snapshot-copied events', () => {
    expect(idsOf(SNAPSHOT_READY_EVENTS)).toEqual([
      'RDS-EVENT-0042',
      'RDS-EVENT-0091',
      'RDS-EVENT-0075',
      'RDS-EVENT-0169',
      'RDS-EVENT-0197',
      'RDS-EVENT-0060',
    ]);
  });

  it('knows the documented snapshot-creating events, which it skips', () => {
    expect(idsOf(SNAPSHOT_CREATING_EVENTS)).toEqual([
      'RDS-EVENT-0040',
      'RDS-EVENT-0090',
      'RDS-EVENT-0074',
      'RDS-EVENT-0168',
    ]);
  });

  it('wakes executions on the documented export failed, canceled and completed events of each source', () => {
    expect(EXPORT_ENDED_EVENTS.map((e) => [e.id, e.status])).toEqual([
      ['RDS-EVENT-0159', 'FAILED'],
      ['RDS-EVENT-0160', 'CANCELED'],
      ['RDS-EVENT-0161', 'COMPLETE'],
      ['RDS-EVENT-0162', 'FAILED'],
      ['RDS-EVENT-0163', 'CANCELED'],
      ['RDS-EVENT-0164', 'COMPLETE'],
      ['RDS-EVENT-0234', 'FAILED'],
      ['RDS-EVENT-0235', 'CANCELED'],
      ['RDS-EVENT-0236', 'COMPLETE'],
    ]);
  });

  it('files every event under the source type whose table lists it', () => {
    for (const e of [...SNAPSHOT_READY_EVENTS, ...SNAPSHOT_CREATING_EVENTS, ...EXPORT_ENDED_EVENTS]) {
      expect(e.source, e.id).toBe(sourceOf(e.id));
    }
  });

  it('gives the snapshot rule the detail-types of DB and cluster snapshot events', () => {
    expect(detailTypesOf(SNAPSHOT_READY_EVENTS)).toEqual([
      'RDS DB Snapshot Event',
      'RDS DB Cluster Snapshot Event',
    ]);
  });
});
