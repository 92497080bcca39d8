import {
  GetGraphCommand,
  type NeptuneGraphClient,
  StartExportTaskCommand,
} from '@aws-sdk/client-neptune-graph';
import {
  ExportQuotaExceededError,
  ExportSourceNotReadyError,
  ExportSourceUnavailableError,
} from '#shared/contract/errors.ts';
import type { ExecutionState, GraphExportJob } from '#shared/contract/execution.ts';
import { RUNNING_GRAPH_EXPORT_STATUSES, toGraphSummary } from '#shared/sources/graph/export-tasks.ts';
import { sameDestination } from '#shared/sources/graph/request.ts';
import { activeGraphExports } from '#shared/sources/graph/task-list.ts';
import type { ExportService, KindStart } from '#shared/sources/kinds/types.ts';
import { graphExportability } from '#shared/sources/rds/exportability.ts';

type Graphs = Pick<NeptuneGraphClient, 'send'>;

/**
 * Neptune Analytics exports (StartExportTask, ListExportTasks, GetGraph). The service names its
 * tasks itself (`t-…`), so this export's task is found by what it exports: ListExportTasks (every
 * page) shows a task with this export's destination when a re-run or a duplicate of this execution
 * started it, and that task is tracked instead of starting a second one. A running task of the same
 * graph with another destination is another export's (an overlapping schedule slot, a retry, one
 * started outside the pipeline): it is never adopted (its files would be registered under this
 * export's name, twice in the history, and prune would delete what the latest tables read); this
 * export waits until it ended. The leases of the graph pool are kept under the pipeline's export
 * names, which a task's destination ends in (shared/sources/graph/export-tasks.ts leaseNamesOf).
 */
export function graphExportService(client: Graphs): ExportService {
  /** The account's graph export tasks, this export's own, and another running export of its graph. */
  async function listed(job: ExecutionState & GraphExportJob) {
    const { count, identifiers, tasks } = await activeGraphExports(client);
    const graphs = tasks.filter((t) => t.graphId === job.request.graphIdentifier);
    const running = (RUNNING_GRAPH_EXPORT_STATUSES as readonly string[]).map(String);
    const mine = graphs.find((t) => sameDestination(t.destination, job.request.destination));
    const other = graphs.find((t) => t !== mine && running.includes((t.status ?? '').toUpperCase()));
    return {
      count,
      identifiers,
      mine: mine === undefined ? undefined : toGraphSummary(mine, job.source.arn),
      other,
    };
  }
  return {
    async active(state) {
      const { mine, count, identifiers } = await listed(state as ExecutionState & GraphExportJob);
      return mine === undefined ? { count, identifiers } : { count, identifiers, mine };
    },
    async start(state) {
      const job = state as ExecutionState & GraphExportJob;
      await ensureAvailable(client, job);
      // The service cannot be asked for a task by name: look before every start, so a start the
      // state machine runs again (its Lambda timed out after StartExportTask went through) or a
      // duplicate execution tracks the task instead of exporting the graph twice.
      const { mine, other } = await listed(job);
      if (mine !== undefined) return { existing: mine };
      if (other !== undefined) {
        return {
          wait: `another export of graph ${job.request.graphIdentifier} runs (task ${other.taskId ?? '?'}, ${other.status ?? '?'}, to ${other.destination ?? '?'}); this one starts after it ended`,
        };
      }
      try {
        const out = await client.send(new StartExportTaskCommand({ ...job.request }));
        return { started: toGraphSummary(out, job.source.arn) };
      } catch (error) {
        // The service's limit is undocumented: a conflict (an export of the graph already runs) or a
        // quota refusal waits in the queue, and the next attempt looks again.
        if (error instanceof ExportQuotaExceededError) return 'full';
        throw error;
      }
    },
  };
}

/**
 * StartExportTask wants the graph AVAILABLE (API reference). A graph in a transient state is not
 * ready yet (retried, about 45 minutes, by the state machine); one in a lasting state cannot be
 * exported until someone acts (shared/sources/rds/exportability.ts decides which is which).
 */
async function ensureAvailable(client: Graphs, job: GraphExportJob): Promise<void> {
  const { status } = await client.send(new GetGraphCommand({ graphIdentifier: job.request.graphIdentifier }));
  const exportable = graphExportability({ status });
  if (exportable.exportable === true) return;
  const what = `Graph ${job.source.sourceIdentifier} (${job.request.graphIdentifier})`;
  if (exportable.exportable === 'wait') throw new ExportSourceNotReadyError(`${what}: ${exportable.reason}`);
  throw new ExportSourceUnavailableError(`${what}: ${exportable.reason}`);
}

/**
 * Graphs start with Neptune Analytics' StartExportTask. Neptune Analytics announces the end of none
 * (its export tasks emit no EventBridge events), so a graph export polls with check-export's
 * adaptive wait.
 */
export const graphStart: KindStart = {
  service: (clients) => graphExportService(clients.graphs),
  endAnnounced: false,
};
