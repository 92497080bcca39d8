import {
  type ExportTask,
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBSnapshots,
  paginateDescribeExportTasks,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { collectPages, type PageCap } from '#shared/aws/pages.ts';
import { type DescribedSnapshot, toDescribedSnapshot } from '#shared/sources/rds/snapshots.ts';

/** What the account holds that a backfill decides on: its snapshots and its export tasks. */

type Rds = Pick<RDSClient, 'send'>;

/** Describe* MaxRecords: 20–100; a marker that never ends stops after 100 pages (10,000 items). */
const PAGE_SIZE = 100;
const CAP: PageCap = { maxPages: 100, atCap: 'truncate' };

/** The items of a listing's pages; its failure classified as the operation's (`what`). */
async function itemsOf<P, T>(_what: string, pages: Promise<P[]>, items: (page: P) => T[] | undefined) {
  return (await pages).flatMap((page) => items(page) ?? []);
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
    itemsOf(
      'DescribeDBSnapshots',
      collectPages(
        paginateDescribeDBSnapshots,
        { client: rds, pageSize: PAGE_SIZE },
        type ? { SnapshotType: type } : {},
        CAP,
      ),
      (page) => page.DBSnapshots,
    );
  const clusters = itemsOf(
    'DescribeDBClusterSnapshots',
    collectPages(paginateDescribeDBClusterSnapshots, { client: rds, pageSize: PAGE_SIZE }, {}, CAP),
    (page) => page.DBClusterSnapshots,
  );
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
  return itemsOf(
    'DescribeExportTasks',
    collectPages(paginateDescribeExportTasks, { client: rds, pageSize: PAGE_SIZE }, {}, CAP),
    (page) => page.ExportTasks,
  );
}
