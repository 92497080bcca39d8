import type { SourceDatabase } from '../databases/open.ts';
import { list } from '../protocol/query.ts';
import { fault } from './faults.ts';
import { type DatabaseSnapshot, takeSnapshot } from './snapshot-tables.ts';

export type SnapshotKind = 'db-snapshot' | 'cluster-snapshot';

export interface StoredSnapshot {
  kind: SnapshotKind;
  identifier: string;
  arn: string;
  /** DB instance or cluster the snapshot was taken from. */
  sourceIdentifier: string;
  snapshotType: 'manual' | 'automated';
  /** RDS `Engine`: postgres, mysql, mariadb for DB snapshots; aurora-postgresql, aurora-mysql for clusters. */
  engine: string;
  engineVersion: string;
  data: DatabaseSnapshot;
}

// An Aurora MySQL version 3 (MySQL 8.0 compatible) engine version, spelled as RDS reports it.
const AURORA_MYSQL_VERSION = '8.0.mysql_aurora.3.08.0';

/** The RDS engine and version of a snapshot of `db`: a DB instance's, or an Aurora cluster's of the same family. */
function engineOf(db: SourceDatabase, kind: SnapshotKind): { engine: string; engineVersion: string } {
  if (kind === 'db-snapshot') return { engine: db.engine, engineVersion: db.engineVersion };
  return db.family === 'mysql'
    ? { engine: 'aurora-mysql', engineVersion: AURORA_MYSQL_VERSION }
    : { engine: 'aurora-postgresql', engineVersion: db.engineVersion };
}

const isMysql = (s: StoredSnapshot) => s.data.family === 'mysql';
const TAGS = list('Tag', [{ Key: 'stack', Value: 'local' }]);

/** A `DBSnapshot` as DescribeDBSnapshots returns it: available, gp3 storage (exportable, not magnetic). */
export function describeDbSnapshot(s: StoredSnapshot) {
  return {
    DBSnapshotIdentifier: s.identifier,
    DBInstanceIdentifier: s.sourceIdentifier,
    SnapshotCreateTime: s.data.takenAt,
    Engine: s.engine,
    EngineVersion: s.engineVersion,
    AllocatedStorage: 1,
    Status: 'available',
    Port: isMysql(s) ? 3306 : 5432,
    LicenseModel: isMysql(s) ? 'general-public-license' : 'postgresql-license',
    SnapshotType: s.snapshotType,
    PercentProgress: 100,
    StorageType: 'gp3',
    Encrypted: true,
    DBSnapshotArn: s.arn,
    TagList: TAGS,
  };
}

/** A `DBClusterSnapshot` as DescribeDBClusterSnapshots returns it for a provisioned Aurora Standard cluster. */
export function describeDbClusterSnapshot(s: StoredSnapshot) {
  return {
    DBClusterSnapshotIdentifier: s.identifier,
    DBClusterIdentifier: s.sourceIdentifier,
    SnapshotCreateTime: s.data.takenAt,
    Engine: s.engine,
    EngineMode: 'provisioned',
    EngineVersion: s.engineVersion,
    AllocatedStorage: 1,
    Status: 'available',
    Port: isMysql(s) ? 3306 : 5432,
    LicenseModel: isMysql(s) ? 'general-public-license' : 'postgresql-license',
    SnapshotType: s.snapshotType,
    PercentProgress: 100,
    // Aurora reports its cluster storage as `aurora` (Standard) or `aurora-iopt1` (I/O-Optimized).
    StorageType: 'aurora',
    StorageEncrypted: true,
    DBClusterSnapshotArn: s.arn,
    TagList: TAGS,
  };
}

/** The account's snapshots: each one a consistent copy of the database taken at creation. */
export class SnapshotStore {
  readonly #byArn = new Map<string, StoredSnapshot>();

  constructor(
    private readonly region: string,
    private readonly account: string,
  ) {}

  arnOf(kind: SnapshotKind, identifier: string): string {
    const type = kind === 'cluster-snapshot' ? 'cluster-snapshot' : 'snapshot';
    return `arn:aws:rds:${this.region}:${this.account}:${type}:${identifier}`;
  }

  /** Takes a snapshot of `db` now (a consistent read of every table). */
  async create(
    db: SourceDatabase,
    identifier: string,
    options: { kind?: SnapshotKind; sourceIdentifier?: string } = {},
  ): Promise<StoredSnapshot> {
    const kind = options.kind ?? 'db-snapshot';
    const stored: StoredSnapshot = {
      kind,
      identifier,
      arn: this.arnOf(kind, identifier),
      sourceIdentifier: options.sourceIdentifier ?? `sample-${db.engine}`,
      snapshotType: identifier.startsWith('rds:') ? 'automated' : 'manual',
      ...engineOf(db, kind),
      data: await takeSnapshot(db),
    };
    this.#byArn.set(stored.arn, stored);
    return stored;
  }

  /** Adds an already-taken copy under another identifier (cheap fan-out for bursts of snapshots). */
  add(identifier: string, from: StoredSnapshot, takenAt = new Date()): StoredSnapshot {
    const stored = {
      ...from,
      identifier,
      arn: this.arnOf(from.kind, identifier),
      data: { ...from.data, takenAt },
    };
    this.#byArn.set(stored.arn, stored);
    return stored;
  }

  list(kind: SnapshotKind): StoredSnapshot[] {
    return [...this.#byArn.values()].filter((s) => s.kind === kind);
  }

  /** Finds a snapshot by identifier or ARN, or throws the API's not-found fault. */
  find(kind: SnapshotKind, idOrArn: string): StoredSnapshot {
    const arn = idOrArn.startsWith('arn:') ? idOrArn : this.arnOf(kind, idOrArn);
    const found = this.#byArn.get(arn);
    if (!found || found.kind !== kind) {
      throw kind === 'cluster-snapshot'
        ? fault.clusterSnapshotNotFound(idOrArn)
        : fault.snapshotNotFound(idOrArn);
    }
    return found;
  }

  /** The snapshot a StartExportTask SourceArn names; a live cluster ARN is not supported here. */
  bySourceArn(arn: string): StoredSnapshot {
    const match = /^arn:[^:]+:rds:[^:]*:[^:]*:(snapshot|cluster-snapshot|cluster):(.+)$/.exec(arn);
    if (!match) throw fault.invalidParameter(`The parameter SourceArn is not a valid ARN: ${arn}`);
    if (match[1] === 'cluster') throw fault.clusterNotFound(match[2] ?? arn);
    return this.find(match[1] === 'snapshot' ? 'db-snapshot' : 'cluster-snapshot', arn);
  }
}
