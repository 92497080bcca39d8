import { CancelExportTaskCommand } from '@aws-sdk/client-rds';
import { isAwsError } from '#shared/aws/errors.ts';
import type { KindOps } from '#shared/sources/kinds/types.ts';
import { describeExportTask, machineStatusOfRdsTask } from './export-tasks.ts';

/**
 * What the commands do with an RDS export's task (DB snapshots, cluster snapshots, live Aurora
 * clusters): the task carries the export's own identifier (StartExportTask ExportTaskIdentifier),
 * so it is found, canceled and kept taken by that name; RDS keeps an identifier for good, also
 * after FAILED or CANCELED. Each kind spreads these into its own and adds how it describes its
 * source now (`current`). Only the commands (bin/) import the kinds' ops.
 */
export const rdsOps: Omit<KindOps, 'current'> = {
  task: (ctx, id) => describeExportTask(ctx.clients.rds, id),
  machineStatus: machineStatusOfRdsTask,
  cancel: rdsCancel,
  taken: async (ctx) => async (id) => (await describeExportTask(ctx.clients.rds, id)) !== undefined,
};

async function rdsCancel(...[ctx, task]: Parameters<KindOps['cancel']>): ReturnType<KindOps['cancel']> {
  const id = task.exportTaskIdentifier;
  try {
    const out = await ctx.clients.rds.send(new CancelExportTaskCommand({ ExportTaskIdentifier: id }));
    return { status: out.Status ?? 'CANCELING' };
  } catch (error) {
    // It ended between the look and the cancel (CancelExportTask: InvalidExportTaskStateFault).
    if (isAwsError(error, 'InvalidExportTaskStateFault')) return 'not-running';
    throw error;
  }
}
