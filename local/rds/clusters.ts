import type { SourceDatabase } from '../databases/open.ts';
import { list } from '../protocol/query.ts';
import { fault } from './faults.ts';

// An Aurora MySQL version 3 (MySQL 8.0 compatible) engine version, spelled as RDS reports it.
const AURORA_MYSQL_VERSION = '8.0.mysql_aurora.3.08.0';

/** A live Aurora cluster whose data is the local database: exported as of the moment its clone is taken. */
export interface LiveCluster {
  identifier: string;
  arn: string;
  engine: 'aurora-postgresql' | 'aurora-mysql';
  engineVersion: string;
  db: SourceDatabase;
  tags: { Key: string; Value: string }[];
}

/** The account's live Aurora clusters (DescribeDBClusters), each backed by the local database. */
export class LiveClusters {
  readonly #byArn = new Map<string, LiveCluster>();

  constructor(
    private readonly region: string,
    private readonly account: string,
  ) {}

  add(identifier: string, db: SourceDatabase, tags: { Key: string; Value: string }[] = []): LiveCluster {
    const cluster: LiveCluster = {
      identifier,
      arn: `arn:aws:rds:${this.region}:${this.account}:cluster:${identifier}`,
      ...(db.family === 'mysql'
        ? { engine: 'aurora-mysql' as const, engineVersion: AURORA_MYSQL_VERSION }
        : { engine: 'aurora-postgresql' as const, engineVersion: db.engineVersion }),
      db,
      tags: [{ Key: 'stack', Value: 'local' }, ...tags],
    };
    this.#byArn.set(cluster.arn, cluster);
    return cluster;
  }

  list(): LiveCluster[] {
    return [...this.#byArn.values()];
  }

  /** The cluster an ARN names, or the API's DBClusterNotFoundFault. */
  byArn(arn: string): LiveCluster {
    const found = this.#byArn.get(arn);
    if (!found) throw fault.clusterNotFound(arn.split(':').pop() ?? arn);
    return found;
  }
}

/** A `DBCluster` as DescribeDBClusters returns it for a provisioned, available Aurora cluster. */
export function describeDbCluster(c: LiveCluster) {
  return {
    DBClusterIdentifier: c.identifier,
    DBClusterArn: c.arn,
    DatabaseName: c.db.name,
    Engine: c.engine,
    EngineVersion: c.engineVersion,
    EngineMode: 'provisioned',
    Status: 'available',
    Port: c.db.family === 'mysql' ? 3306 : 5432,
    MultiAZ: false,
    AllocatedStorage: 1,
    StorageType: 'aurora',
    StorageEncrypted: true,
    TagList: list('Tag', c.tags),
  };
}
