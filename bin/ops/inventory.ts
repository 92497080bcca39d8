import {
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  DescribeExportTasksCommand,
  type ExportTask,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { classifyAwsError } from '#shared/aws-errors.ts';
import { type DescribedSnapshot, toDescribedSnapshot } from '#shared/snapshots.ts';

/** What the account holds that a backfill decides on: its snapshots and its export tasks. */

type Rds = Pick<RDSClient, 'send'>;

/** Describe* MaxRecords: 20–100; a marker that never ends stops after 100 pages (10,000 items). */
const PAGE_SIZE = 100;
const MAX_PAGES = 100;

async function pages<T>(
  what: string,
  page: (marker: string | undefined) => Promise<{ items?: T[]; Marker?: string }>,
) {
  const all: T[] = [];
  let marker: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    let out: { items?: T[]; Marker?: string };
    try {
      out = await page(marker);
    } catch (error) {
      throw classifyAwsError(error, 'rds', what);
    }
    all.push(...(out.items ?? []));
    if (!out.Marker || out.Marker === marker) break;
    marker = out.Marker;
  }
  return all;
}

/**
 * Every snapshot of the account and Region the pipeline could export: DB snapshots (manual and
 * automated, then AWS Backup's, which DescribeDBSnapshots returns only when asked by type) and
 * Aurora cluster snapshots (automated and manual; AWS Backup's count as manual there).
 */
export async function listSnapshots(
  rds: Rds,
): Promise<{ snapshots: DescribedSnapshot[]; unreadable: string[] }> {
  const db = (type?: 'awsbackup') =>
    pages('DescribeDBSnapshots', async (Marker) => {
      const out = await rds.send(
        new DescribeDBSnapshotsCommand({
          MaxRecords: PAGE_SIZE,
          Marker,
          ...(type ? { SnapshotType: type } : {}),
        }),
      );
      return { items: out.DBSnapshots ?? [], ...(out.Marker ? { Marker: out.Marker } : {}) };
    });
  const clusters = pages('DescribeDBClusterSnapshots', async (Marker) => {
    const out = await rds.send(new DescribeDBClusterSnapshotsCommand({ MaxRecords: PAGE_SIZE, Marker }));
    return { items: out.DBClusterSnapshots ?? [], ...(out.Marker ? { Marker: out.Marker } : {}) };
  });
  const described = (await Promise.all([db(), db('awsbackup'), clusters])).flat();
  const byArn = new Map<string, DescribedSnapshot>();
  const unreadable: string[] = [];
  for (const d of described) {
    try {
      const snapshot = toDescribedSnapshot(d);
      byArn.set(snapshot.source.arn, snapshot);
    } catch (error) {
      unreadable.push((error as Error).message);
    }
  }
  return { snapshots: [...byArn.values()], unreadable };
}

/** Every export task of the account, whoever started it. */
export function listExportTasks(rds: Rds): Promise<ExportTask[]> {
  return pages('DescribeExportTasks', async (Marker) => {
    const out = await rds.send(new DescribeExportTasksCommand({ MaxRecords: PAGE_SIZE, Marker }));
    return { items: out.ExportTasks ?? [], ...(out.Marker ? { Marker: out.Marker } : {}) };
  });
}
