import { activeGraphExports } from '#shared/sources/graph/task-list.ts';
import type { KindSlots } from '#shared/sources/kinds/types.ts';

/**
 * Graph exports take slots of their own pool, apart from RDS's (Neptune Analytics documents no
 * limit: the policy's maxConcurrentGraphExports), counted from ListExportTasks (INITIALIZING,
 * EXPORTING, CANCELLING).
 */
export const graphSlots: KindSlots = {
  pool: 'graph',
  async active(clients) {
    if (clients.graphs === undefined)
      throw new Error('counting the graph exports needs a neptune-graph client');
    const { count, identifiers } = await activeGraphExports(clients.graphs);
    return { count, identifiers };
  },
};
