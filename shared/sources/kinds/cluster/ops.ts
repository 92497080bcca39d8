import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { isAwsError } from '#shared/aws/errors.ts';
import type { KindOps } from '#shared/sources/kinds/types.ts';
import { toClusterSource } from '#shared/sources/rds/clusters.ts';
import { rdsOps } from '#shared/sources/rds/ops.ts';

/** A live Aurora cluster's export, for the commands: RDS's task, and the cluster as RDS describes it now. */
export const clusterOps: KindOps = {
  ...rdsOps,

  async current(ctx, job) {
    const source = job.source;
    let found: unknown;
    try {
      const out = await ctx.clients.rds.send(
        new DescribeDBClustersCommand({ DBClusterIdentifier: source.sourceIdentifier }),
      );
      found = out.DBClusters?.[0];
    } catch (error) {
      if (!isAwsError(error, 'DBClusterNotFoundFault')) throw error;
    }
    if (found === undefined) return { gone: `cluster ${source.sourceIdentifier} no longer exists` };
    // The slot's time is part of the identity: a retry re-exports the same slot.
    return toClusterSource(
      found as Record<string, unknown>,
      source.schedule ?? 'retry',
      source.scheduledTime ?? '',
    );
  },
};
