import { type DBCluster, paginateDescribeDBClusters, type RDSClient } from '@aws-sdk/client-rds';
import { collectPages } from '#shared/aws/pages.ts';
import { type SnapshotSource, SnapshotSource as SourceSchema } from '#shared/contract/execution.ts';
import { matches } from '#shared/policy/decide.ts';
import type { ScheduleSelector } from '#shared/policy/schedule.ts';
import { parseWith } from '#shared/runtime/validation.ts';

/** A live cluster as the policy decides on it: the source plus its tags. */
export interface SelectedCluster {
  source: SnapshotSource;
  tags: Record<string, string>;
}

/** DescribeDBClusters MaxRecords: 20-100 (API reference). */
const PAGE_SIZE = 100;
/**
 * A marker that never ends would loop the Lambda until its timeout; 100 pages = 10,000 clusters:
 * the listing stops there.
 */
const MAX_PAGES = 100;

/**
 * A `DBCluster` as DescribeDBClusters returns it (SDK Dates) or as `aws rds describe-db-clusters`
 * prints it (ISO strings), as the source of a scheduled export at `scheduledTime`.
 */
export function toClusterSource(
  cluster: DBCluster | Record<string, unknown>,
  schedule: string,
  scheduledTime: string,
): SelectedCluster {
  const c = cluster as DBCluster;
  const tags: Record<string, string> = {};
  for (const t of c.TagList ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  const source = parseWith(
    SourceSchema,
    {
      kind: 'cluster',
      arn: c.DBClusterArn,
      sourceIdentifier: c.DBClusterIdentifier,
      engine: c.Engine,
      engineVersion: c.EngineVersion,
      engineMode: c.EngineMode,
      status: c.Status,
      storageType: c.StorageType,
      schedule,
      scheduledTime: new Date(scheduledTime).toISOString(),
    },
    'Not a DBCluster (DescribeDBClusters output)',
  );
  return { source, tags };
}

/** True when the cluster is one the schedule's selector names (identifier and engine globs, tags). */
export function selects(selector: ScheduleSelector, cluster: SelectedCluster): boolean {
  const { identifier, engine, tags } = selector;
  return matches({ identifier, engine, tags }, cluster.source, cluster.tags);
}

/** Every cluster of the account and Region the selector names, across all pages of DescribeDBClusters. */
export async function selectClusters(
  rds: Pick<RDSClient, 'send'>,
  selector: ScheduleSelector,
  schedule: string,
  scheduledTime: string,
): Promise<SelectedCluster[]> {
  const pages = await collectPages(
    paginateDescribeDBClusters,
    { client: rds, pageSize: PAGE_SIZE },
    {},
    { maxPages: MAX_PAGES, atCap: 'truncate' },
  );
  const selected: SelectedCluster[] = [];
  for (const cluster of pages.flatMap((page) => page.DBClusters ?? [])) {
    const candidate = toClusterSource(cluster, schedule, scheduledTime);
    if (selects(selector, candidate)) selected.push(candidate);
  }
  return selected;
}
