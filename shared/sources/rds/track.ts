import type { KindTrack } from '#shared/sources/kinds/types.ts';
import { describeExportTask, machineStatusOfRdsTask } from './export-tasks.ts';

/**
 * An RDS export's task (a snapshot's or a live cluster's) is read with DescribeExportTasks by the
 * export's own identifier, which StartExportTask was given.
 */
export const rdsTrack: KindTrack = {
  reader(state, clients) {
    const rds = clients.rds;
    if (rds === undefined) throw new Error('check-export needs an RDS client for an RDS export');
    const id = state.exportTaskIdentifier;
    return {
      id,
      describe: () => describeExportTask(rds, id),
      starting: { exportTaskIdentifier: id, status: 'STARTING' },
      status: (task) => machineStatusOfRdsTask(task.status),
    };
  },
};
