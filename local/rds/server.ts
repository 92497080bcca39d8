import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import * as rdsModel from '@aws-sdk/client-rds';
import { FaultInjector, type LocalServer, listen, send } from '../protocol/http.ts';
import { decodeRequest, list, queryError, queryResponse } from '../protocol/query.ts';
import type { RequestLogger } from '../protocol/request-log.ts';
import { describeDbCluster, type LiveClusters } from './clusters.ts';
import { fault, RdsFault } from './faults.ts';
import { describeDbClusterSnapshot, describeDbSnapshot, type SnapshotStore } from './snapshots.ts';
import type { ExportTaskRecord, ExportTasks } from './tasks.ts';

const NAMESPACE = 'https://rds.amazonaws.com/doc/2014-10-31/';

export interface LocalRds extends LocalServer {
  readonly faults: FaultInjector;
}

interface Filter {
  Name?: string;
  Values?: string[];
}

const FILTER_FIELDS: Record<string, (t: ExportTaskRecord) => string> = {
  'export-task-identifier': (t) => t.ExportTaskIdentifier,
  's3-bucket': (t) => t.S3Bucket,
  'source-arn': (t) => t.SourceArn,
  // DescribeExportTasks: status filter values are lowercase.
  status: (t) => t.Status.toLowerCase(),
};

function describeExportTasks(tasks: ExportTasks, params: Record<string, unknown>) {
  const maxRecords = typeof params.MaxRecords === 'number' ? params.MaxRecords : 100;
  if (!Number.isInteger(maxRecords) || maxRecords < 20 || maxRecords > 100) {
    throw fault.invalidParameter('The parameter MaxRecords must be between 20 and 100.');
  }
  const filters = (params.Filters as Filter[] | undefined) ?? [];
  let matching = [...tasks.tasks.values()];
  for (const filter of filters) {
    const field = FILTER_FIELDS[filter.Name ?? ''];
    if (!field) throw fault.invalidParameter(`Unrecognized filter name: ${filter.Name}`);
    const values = new Set(
      (filter.Values ?? []).map((v) => (filter.Name === 'status' ? v.toLowerCase() : v)),
    );
    matching = matching.filter((t) => values.has(field(t)));
  }
  if (typeof params.ExportTaskIdentifier === 'string') {
    matching = matching.filter((t) => t.ExportTaskIdentifier === params.ExportTaskIdentifier);
  }
  if (typeof params.SourceArn === 'string')
    matching = matching.filter((t) => t.SourceArn === params.SourceArn);
  if (typeof params.SourceType === 'string')
    matching = matching.filter((t) => t.SourceType === params.SourceType);
  const offset =
    typeof params.Marker === 'string' ? Number(Buffer.from(params.Marker, 'base64url').toString()) : 0;
  const page = matching.slice(offset, offset + maxRecords);
  // For the burst benchmark: how often was each existing task checked, and when did the pipeline
  // first see that it had ended?
  const named =
    typeof params.ExportTaskIdentifier === 'string' ||
    filters.some((f) => f.Name === 'export-task-identifier');
  for (const task of named ? page : []) {
    tasks.statusChecks.set(
      task.ExportTaskIdentifier,
      (tasks.statusChecks.get(task.ExportTaskIdentifier) ?? 0) + 1,
    );
    const ended = ['COMPLETE', 'FAILED', 'CANCELED'].includes(task.Status);
    if (ended && !tasks.noticedAt.has(task.ExportTaskIdentifier))
      tasks.noticedAt.set(task.ExportTaskIdentifier, Date.now());
  }
  const next =
    offset + maxRecords < matching.length
      ? Buffer.from(String(offset + maxRecords)).toString('base64url')
      : undefined;
  return { Marker: next, ExportTasks: list('ExportTask', page) };
}

/** The snapshot type an identifier says: `rds:` automated, `awsbackup:` AWS Backup's, else manual. */
const typeOf = (identifier: string) =>
  identifier.startsWith('rds:') ? 'automated' : identifier.startsWith('awsbackup:') ? 'awsbackup' : 'manual';

/** One page of a Describe* listing: MaxRecords 20–100 (default 100), Marker an opaque offset. */
function paged<T>(items: T[], p: Record<string, unknown>): { page: T[]; Marker?: string } {
  const maxRecords = p.MaxRecords === undefined ? 100 : Number(p.MaxRecords);
  if (!Number.isInteger(maxRecords) || maxRecords < 20 || maxRecords > 100) {
    throw fault.invalidParameter('The parameter MaxRecords must be between 20 and 100.');
  }
  const offset = typeof p.Marker === 'string' ? Number(Buffer.from(p.Marker, 'base64url').toString()) : 0;
  const next = offset + maxRecords;
  return {
    page: items.slice(offset, next),
    ...(next < items.length ? { Marker: Buffer.from(String(next)).toString('base64url') } : {}),
  };
}

/** One account's RDS: its snapshots, its export tasks (and their quota), its live clusters. */
export interface RdsAccount {
  tasks: ExportTasks;
  snapshots: SnapshotStore;
  clusters?: LiveClusters | undefined;
}

/**
 * Starts the local RDS endpoint (RDS Query protocol, API version 2014-10-31) for the export calls.
 * `accountOf` picks the account whose credentials signed a request (local/sts/server.ts), as RDS
 * answers each account with its own resources; without it every request is the one account's.
 */
export async function startLocalRds(
  tasks: ExportTasks,
  snapshots: SnapshotStore,
  log: RequestLogger,
  clusters?: LiveClusters,
  accountOf?: (req: IncomingMessage) => RdsAccount,
): Promise<LocalRds> {
  const faults = new FaultInjector();
  const own: RdsAccount = { tasks, snapshots, clusters };
  const actions: Record<
    string,
    (p: Record<string, unknown>, account: RdsAccount) => Promise<unknown> | unknown
  > = {
    StartExportTask: (p, { tasks }) => tasks.start(p),
    DescribeExportTasks: (p, { tasks }) => describeExportTasks(tasks, p),
    CancelExportTask: (p, { tasks }) => tasks.cancel(String(p.ExportTaskIdentifier ?? '')),
    DescribeDBSnapshots: (p, { snapshots }) => {
      const id = p.DBSnapshotIdentifier as string | undefined;
      // Without an identifier: SnapshotType, or manual and automated (AWS Backup's only when asked).
      const type = typeof p.SnapshotType === 'string' ? [p.SnapshotType] : ['manual', 'automated'];
      const found = id
        ? [snapshots.find('db-snapshot', id)]
        : snapshots.list('db-snapshot').filter((s) => type.includes(typeOf(s.identifier)));
      const { page, Marker } = paged(found, p);
      return { Marker, DBSnapshots: list('DBSnapshot', page.map(describeDbSnapshot)) };
    },
    DescribeDBClusters: (p, { clusters }) => {
      const all = clusters?.list() ?? [];
      const id = p.DBClusterIdentifier as string | undefined;
      const found = id === undefined ? all : all.filter((c) => c.identifier === id || c.arn === id);
      if (id !== undefined && found.length === 0) throw fault.clusterNotFound(id);
      const maxRecords = p.MaxRecords === undefined ? 100 : Number(p.MaxRecords);
      if (!Number.isInteger(maxRecords) || maxRecords < 20 || maxRecords > 100) {
        throw fault.invalidParameter('The parameter MaxRecords must be between 20 and 100.');
      }
      const offset = typeof p.Marker === 'string' ? Number(Buffer.from(p.Marker, 'base64url').toString()) : 0;
      const page = found.slice(offset, offset + maxRecords);
      const next =
        offset + maxRecords < found.length
          ? Buffer.from(String(offset + maxRecords)).toString('base64url')
          : undefined;
      return { Marker: next, DBClusters: list('DBCluster', page.map(describeDbCluster)) };
    },
    DescribeDBClusterSnapshots: (p, { snapshots }) => {
      const id = p.DBClusterSnapshotIdentifier as string | undefined;
      const found = id ? [snapshots.find('cluster-snapshot', id)] : snapshots.list('cluster-snapshot');
      const { page, Marker } = paged(found, p);
      return { Marker, DBClusterSnapshots: list('DBClusterSnapshot', page.map(describeDbClusterSnapshot)) };
    },
  };
  const server = await listen(async (req, body, res) => {
    const requestId = randomUUID();
    const { action, version, params, invalid } = decodeRequest(body.toString('utf8'), rdsModel);
    log({ service: 'rds', action, params });
    try {
      const handler = actions[action];
      if (!handler || version !== '2014-10-31') {
        throw new RdsFault(
          'InvalidAction',
          `The action ${action} (version ${version}) is not valid for this endpoint.`,
        );
      }
      if (invalid) throw fault.invalidParameter(invalid.message);
      if (faults.take(action)) throw fault.throttling();
      const result = await handler(params, accountOf?.(req) ?? own);
      send(res, 200, 'text/xml', queryResponse(NAMESPACE, action, result, requestId));
    } catch (error) {
      if (!(error instanceof RdsFault)) throw error;
      send(res, error.status, 'text/xml', queryError('Sender', error.code, error.message, requestId));
    }
  });
  return { ...server, faults };
}
