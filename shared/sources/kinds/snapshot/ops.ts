import type { KindOps } from '#shared/sources/kinds/types.ts';
import { rdsOps } from '#shared/sources/rds/ops.ts';
import { snapshotTypeOf } from '#shared/sources/rds/snapshot-events.ts';
import { describeSnapshot } from '#shared/sources/rds/snapshots.ts';

/** A DB or cluster snapshot's export, for the commands: RDS's task, and the snapshot as RDS describes it now. */
export const snapshotOps: KindOps = {
  ...rdsOps,

  async current(ctx, job) {
    const source = job.source;
    const snapshotIdentifier = source.snapshotIdentifier ?? '';
    const result = await describeSnapshot(ctx.clients.rds, {
      kind: source.kind,
      arn: source.arn,
      snapshotIdentifier,
      snapshotType: source.snapshotType ?? snapshotTypeOf(snapshotIdentifier),
      region: ctx.deployment.region,
      trigger: 'rds-export retry',
    });
    if (!result.found) return { gone: result.reason };
    const now = result.snapshot.source;
    if (now.snapshotCreateTime !== source.snapshotCreateTime) {
      return {
        gone: `snapshot ${snapshotIdentifier} was created again (${now.snapshotCreateTime}, the export was of ${source.snapshotCreateTime}): it is a new snapshot, exported on its own`,
      };
    }
    return { ...result.snapshot, snapshot: now.arn };
  },
};
