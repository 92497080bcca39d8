import type { KindSlots } from '#shared/sources/kinds/types.ts';
import { countActiveExportTasks } from './export-tasks.ts';

/**
 * Snapshots and live clusters take RDS's export slots: five per account and Region, whatever the
 * source, counted from DescribeExportTasks (STARTING, IN_PROGRESS, CANCELING).
 */
export const rdsSlots: KindSlots = {
  pool: 'rds',
  async active(clients) {
    if (clients.rds === undefined) throw new Error("counting RDS's exports needs an RDS client");
    const { count, identifiers } = await countActiveExportTasks(clients.rds);
    return { count, identifiers };
  },
};
