import type { NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import type { RDSClient } from '@aws-sdk/client-rds';
import { type ExecutionState, type ExportTaskSummary, isGraphJob } from '#shared/contract/execution.ts';
import { machineStatusOfGraphTask } from '#shared/sources/graph/export-tasks.ts';
import { getGraphExportTask } from '#shared/sources/graph/task-get.ts';
import { describeExportTask, machineStatusOfRdsTask } from '#shared/sources/rds/export-tasks.ts';
import type { CheckStatus } from './next-wait.ts';

/**
 * How check-export reads an export's task, per service: RDS's DescribeExportTasks by the export's
 * own identifier, or Neptune Analytics' GetExportTask by the `t-…` id the start was given. Each
 * maps its service's statuses onto the machine's (CheckResult), so the adaptive wait, the branches
 * and the notifications are one for every source.
 */
export interface TaskReader {
  /** What the service calls the task. */
  id: string;
  /** The task now; undefined when the service does not list it (yet). */
  describe(): Promise<ExportTaskSummary | undefined>;
  /** What a task not listed yet is taken for: it was accepted moments ago, so it is just starting. */
  starting: ExportTaskSummary;
  status(task: ExportTaskSummary): CheckStatus;
}

export interface ReaderClients {
  rds: Pick<RDSClient, 'send'>;
  graphs?: Pick<NeptuneGraphClient, 'send'>;
}

export function taskReader(state: ExecutionState, clients: ReaderClients): TaskReader {
  if (isGraphJob(state)) {
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
  }
  const id = state.exportTaskIdentifier;
  return {
    id,
    describe: () => describeExportTask(clients.rds, id),
    starting: { exportTaskIdentifier: id, status: 'STARTING' },
    status: (task) => machineStatusOfRdsTask(task.status),
  };
}
