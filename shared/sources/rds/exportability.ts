import { engineFamily } from '#shared/policy/export-only.ts';

/**
 * Whether RDS can export a snapshot at all, decided from its description before any API call, so
 * a snapshot RDS would refuse is skipped with the reason instead of failing after retries (with a
 * critical alert, every day for automated snapshots).
 */
export type Exportability =
  | { exportable: true }
  /** Not yet: the export waits for it (StartExportTask is retried while the snapshot is not available). */
  | { exportable: 'wait'; reason: string }
  | { exportable: false; reason: string };

export interface ExportableFacts {
  engine: string;
  engineVersion?: string | undefined;
  /** Snapshot status as described (`available`, `creating`, ...). */
  status?: string | undefined;
  /** `standard` is magnetic storage. */
  storageType?: string | undefined;
}

/** Snapshots become available after these. */
const NOT_YET = new Set(['creating', 'copying', 'pending']);

/**
 * Minimum engine versions whose snapshots export, per major version (RDS User Guide, "Exporting DB
 * Snapshot Data to Amazon S3", supported engine versions table). A major version the table does not
 * list is newer than the table and supported.
 */
const MINIMUM_VERSIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  mysql: { '5.6': '5.6.40', '5.7': '5.7.24', '8.0': '8.0.13' },
  mariadb: { '10.0': '10.0.32', '10.1': '10.1.26', '10.2': '10.2.12' },
  postgres: { '9.5': '9.5.16', '9.6': '9.6.6', '10': '10.7', '11': '11.2' },
};
/** PostgreSQL 9.6.10 and 9.6.11 are the one gap in the table ("9.6.6–9.6.9, 9.6.12 and higher"). */
const UNSUPPORTED_VERSIONS = new Set(['postgres 9.6.10', 'postgres 9.6.11']);

function numbers(version: string): number[] {
  return version.split('.').map((part) => Number.parseInt(part, 10) || 0);
}

function atLeast(version: string, minimum: string): boolean {
  const [a, b] = [numbers(version), numbers(minimum)];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

function versionProblem(engine: string, version: string | undefined): string | undefined {
  if (version === undefined) return undefined;
  if (UNSUPPORTED_VERSIONS.has(`${engine} ${version}`)) {
    return `${engine} ${version} is not a version whose snapshots can be exported`;
  }
  const table = MINIMUM_VERSIONS[engine];
  if (table === undefined) return undefined;
  const parts = version.split('.');
  const major =
    Number(parts[0]) >= 10 && engine === 'postgres' ? (parts[0] ?? '') : parts.slice(0, 2).join('.');
  const minimum = table[major];
  if (minimum !== undefined && !atLeast(version, minimum)) {
    return `${engine} ${version} is older than ${minimum}, the first ${major} version whose snapshots can be exported`;
  }
  return undefined;
}

/** Decides whether the described snapshot can be exported now, later, or never. */
export function snapshotExportability(facts: ExportableFacts): Exportability {
  const engine = facts.engine.toLowerCase();
  if (engine.startsWith('custom-')) {
    return {
      exportable: false,
      reason: `RDS Custom DB instances cannot be exported (engine ${facts.engine})`,
    };
  }
  if (engineFamily(engine) === undefined) {
    return {
      exportable: false,
      reason:
        `engine ${facts.engine} cannot be exported to S3 (export supports MySQL, MariaDB, PostgreSQL, ` +
        'Aurora MySQL and Aurora PostgreSQL)',
    };
  }
  if (facts.storageType?.toLowerCase() === 'standard') {
    return { exportable: false, reason: 'snapshots of DB instances on magnetic storage cannot be exported' };
  }
  const version = versionProblem(engine, facts.engineVersion);
  if (version !== undefined) return { exportable: false, reason: version };
  const status = facts.status?.toLowerCase();
  if (status === undefined || status === 'available') return { exportable: true };
  if (NOT_YET.has(status)) return { exportable: 'wait', reason: `snapshot is ${status}` };
  return { exportable: false, reason: `snapshot is ${status}, not available` };
}

/**
 * Whether a live Aurora cluster can be exported now (Aurora User Guide, "Considerations for DB
 * cluster exports" and "Supported Regions and Aurora DB engines for exporting cluster data"): every
 * current Aurora MySQL and Aurora PostgreSQL version can, in the provisioned engine mode only (Aurora
 * Serverless v1 cannot); Multi-AZ DB clusters (engine `mysql` / `postgres`) cannot (StartExportTask
 * API reference). A cluster that is not `available` is skipped for this slot: the next slot tries again.
 */
export function clusterExportability(
  facts: ExportableFacts & { engineMode?: string | undefined },
): Exportability {
  const engine = facts.engine.toLowerCase();
  if (engine === 'mysql' || engine === 'postgres') {
    return { exportable: false, reason: `Multi-AZ DB clusters (engine ${facts.engine}) cannot be exported` };
  }
  if (engine !== 'aurora-mysql' && engine !== 'aurora-postgresql' && engine !== 'aurora') {
    return {
      exportable: false,
      reason: `engine ${facts.engine} cannot be exported (live-cluster export supports Aurora MySQL and Aurora PostgreSQL)`,
    };
  }
  const mode = facts.engineMode?.toLowerCase();
  if (mode !== undefined && mode !== 'provisioned') {
    return {
      exportable: false,
      reason:
        mode === 'serverless'
          ? 'Aurora Serverless v1 clusters cannot be exported'
          : `clusters in engine mode ${facts.engineMode} cannot be exported (provisioned only)`,
    };
  }
  const status = facts.status?.toLowerCase();
  if (status !== undefined && status !== 'available') {
    return { exportable: false, reason: `cluster is ${status}, not available; the next slot tries again` };
  }
  return { exportable: true };
}

/**
 * Graph states that end in AVAILABLE on their own within minutes (creating, loading data, a
 * snapshot or an update in progress, a reset, a stopped graph starting): the export waits for
 * them, a bounded time (start-export's retries of ExportSourceNotReadyError, about 45 minutes).
 * Every other state lasts until someone acts (STOPPED, STOPPING, DELETING, FAILED, or one the API
 * does not list yet): the slot is skipped with the reason, and the next slot decides again.
 * StartExportTask API reference: "The graph state should be AVAILABLE".
 */
export const TRANSIENT_GRAPH_STATES: ReadonlySet<string> = new Set([
  'CREATING',
  'IMPORTING',
  'SNAPSHOTTING',
  'UPDATING',
  'RESETTING',
  'STARTING',
]);

/** Whether a Neptune Analytics graph can be exported now, once it is available, or not this slot. */
export function graphExportability(facts: { status?: string | undefined }): Exportability {
  const status = facts.status?.toUpperCase();
  if (status === undefined || status === 'AVAILABLE') return { exportable: true };
  if (TRANSIENT_GRAPH_STATES.has(status)) return { exportable: 'wait', reason: `graph is ${status}` };
  return { exportable: false, reason: `graph is ${status}, not AVAILABLE; the next slot tries again` };
}
