import { machineStatusOfGraphTask } from '#shared/sources/graph/export-tasks.ts';
import { getGraphExportTask } from '#shared/sources/graph/task-get.ts';
import type { KindTrack } from '#shared/sources/kinds/types.ts';

/**
 * A graph export's task is read with Neptune Analytics' GetExportTask by the `t-…` id the start
 * was given (the service names its tasks itself).
 */
export const graphTrack: KindTrack = {
  reader(state, clients) {
    const graphs = clients.graphs;
    if (graphs === undefined) throw new Error('check-export needs a neptune-graph client for a graph export');
    const started = state.start !== undefined && 'task' in state.start ? state.start.task : undefined;
    const id = state.check?.task.exportTaskIdentifier || started?.exportTaskIdentifier || '';
    return {
      id,
      describe: () => getGraphExportTask(graphs, id, state.source.arn),
      starting: { exportTaskIdentifier: id, status: 'INITIALIZING' },
      status: (task) => machineStatusOfGraphTask(task.status),
    };
  },
};
