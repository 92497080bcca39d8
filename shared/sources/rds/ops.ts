import {
  CancelExportTaskCommand,
  DBClusterNotFoundFault,
  DescribeDBClustersCommand,
} from '@aws-sdk/client-rds';
import { classifyAwsError, isAwsError } from '#shared/aws/errors.ts';
import type { ExportJob } from '#shared/contract/execution.ts';
import { toClusterSource } from '#shared/sources/rds/clusters.ts';
import { describeExportTask, machineStatusOfRdsTask } from '#shared/sources/rds/export-tasks.ts';
import { snapshotTypeOf } from '#shared/sources/rds/snapshot-events.ts';
import { describeSnapshot } from '#shared/sources/rds/snapshots.ts';
import { UsageError } from '../command.ts';
import type { Context } from './deployment.ts';
import type { CurrentSource, ExportKind } from './export-kinds.ts';

/**
 * RDS exports (DB snapshots, cluster snapshots, live Aurora clusters): the task carries the
 * export's own identifier (StartExportTask ExportTaskIdentifier), so it is found, canceled and kept
 * taken by that name; RDS keeps an identifier for good, also after FAILED or CANCELED.
 */
export const rdsKind: ExportKind = {
  task: (ctx, id) => describeExportTask(ctx.clients.rds, id),

  machineStatus: machineStatusOfRdsTask,

  async cancel(ctx, task) {
    const id = task.exportTaskIdentifier;
    try {
      const out = await ctx.clients.rds.send(new CancelExportTaskCommand({ ExportTaskIdentifier: id }));
      return { status: out.Status ?? 'CANCELING' };
    } catch (error) {
      // It ended between the look and the cancel (CancelExportTask: InvalidExportTaskStateFault).
      if (isAwsError(error, 'InvalidExportTaskStateFault')) return 'not-running';
      throw classifyAwsError(error, 'rds', `CancelExportTask ${id}`);
    }
  },

  current: (ctx, job) => currentSource(ctx, job.source),

  async taken(ctx) {
    return async (id) => (await describeExportTask(ctx.clients.rds, id)) !== undefined;
  },
};

/** The source as RDS describes it now (tags included), which must still be the one exported. */
async function currentSource(ctx: Context, source: ExportJob['source']): Promise<CurrentSource> {
  if (source.kind === 'cluster') {
    let found: unknown;
    try {
      const out = await ctx.clients.rds.send(
        new DescribeDBClustersCommand({ DBClusterIdentifier: source.sourceIdentifier }),
      );
      found = out.DBClusters?.[0];
    } catch (error) {
      if (!(error instanceof DBClusterNotFoundFault))
        throw classifyAwsError(error, 'rds', 'DescribeDBClusters');
    }
    if (found === undefined) throw new UsageError(`cluster ${source.sourceIdentifier} no longer exists`);
    // The slot's time is part of the identity: a retry re-exports the same slot.
    return toClusterSource(
      found as Record<string, unknown>,
      source.schedule ?? 'retry',
      source.scheduledTime ?? '',
    );
  }
  const snapshotIdentifier = source.snapshotIdentifier ?? '';
  const result = await describeSnapshot(ctx.clients.rds, {
    kind: source.kind,
    arn: source.arn,
    snapshotIdentifier,
    snapshotType: source.snapshotType ?? snapshotTypeOf(snapshotIdentifier),
    region: ctx.deployment.region,
    trigger: 'rds-export retry',
  });
  if (!result.found) throw new UsageError(result.reason);
  const now = result.snapshot.source;
  if (now.snapshotCreateTime !== source.snapshotCreateTime) {
    throw new UsageError(
      `snapshot ${snapshotIdentifier} was created again (${now.snapshotCreateTime}, the export was of ${source.snapshotCreateTime}): it is a new snapshot, exported on its own`,
    );
  }
  return { ...result.snapshot, snapshot: now.arn };
}
