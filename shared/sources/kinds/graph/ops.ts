import { CancelExportTaskCommand, GetGraphCommand } from '@aws-sdk/client-neptune-graph';
import { isAwsError } from '#shared/aws/errors.ts';
import type { ExportJob } from '#shared/contract/execution.ts';
import {
  isActiveGraphTask,
  machineStatusOfGraphTask,
  toGraphSummary,
} from '#shared/sources/graph/export-tasks.ts';
import { graphTags, toGraphSource } from '#shared/sources/graph/graphs.ts';
import { destinationFolder, graphIdOf, sameDestination } from '#shared/sources/graph/request.ts';
import { getGraphExportTask } from '#shared/sources/graph/task-get.ts';
import { listGraphExportTasks } from '#shared/sources/graph/task-list.ts';
import type { KindOps, KnownJob, OpsContext } from '#shared/sources/kinds/types.ts';

/** Neptune Analytics names its export tasks `t-` and ten characters (API reference, GetExportTask). */
export const GRAPH_TASK_ID = /^t-[a-z0-9]{10}$/;

/**
 * Neptune Analytics graph exports. The service names its tasks itself (`t-…`), and the pipeline
 * names each export's destination after the export (shared/sources/graph/job.ts): the task is the
 * one the execution recorded, else the graph's task writing to the export's destination
 * (ListExportTasks), as start-export finds it. A task not yet recorded (its start still running)
 * is found that way too, so a cancel never leaves it running unwatched.
 */
export const graphOps: KindOps = {
  async task(ctx, _id, job, recorded) {
    if (job === undefined) return undefined;
    const arn = job.source.arn ?? '';
    if (recorded !== undefined && GRAPH_TASK_ID.test(recorded.exportTaskIdentifier)) {
      const now = await getGraphExportTask(ctx.clients.graphs, recorded.exportTaskIdentifier, arn);
      if (now !== undefined) return now;
    }
    const listed = await ownTask(ctx, job);
    if (listed?.taskId === undefined) return undefined;
    return (await getGraphExportTask(ctx.clients.graphs, listed.taskId, arn)) ?? toGraphSummary(listed, arn);
  },

  machineStatus: machineStatusOfGraphTask,

  async cancel(ctx, task) {
    const taskIdentifier = task.exportTaskIdentifier;
    // CancelExportTask (DELETE /exporttasks/{taskIdentifier}, API reference) answers the task, its
    // status CANCELLING; the execution's next GetExportTask sees CANCELLED, mapped to CANCELED.
    try {
      const out = await ctx.clients.graphs.send(new CancelExportTaskCommand({ taskIdentifier }));
      return { status: out.status ?? 'CANCELLING' };
    } catch (error) {
      // The API reference names the errors (ConflictException, ResourceNotFoundException, …) but
      // not the one for a task that already ended: a conflict or a task gone is read again.
      if (isAwsError(error, 'ConflictException') || isAwsError(error, 'ResourceNotFoundException')) {
        return 'not-running';
      }
      throw error;
    }
  },

  async current(ctx, job) {
    const graphIdentifier = graphIdOf(job.source.arn);
    let graph: Awaited<ReturnType<typeof getGraph>>;
    try {
      graph = await getGraph(ctx, graphIdentifier);
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException')) {
        return { gone: `graph ${job.source.sourceIdentifier} (${graphIdentifier}) no longer exists` };
      }
      throw error;
    }
    // The policy may match on tags, which GetGraph does not return. The slot's time is part of the
    // identity: a retry re-exports the same slot, with the role the export was started with (the
    // deployment's stack names the RDS export role only).
    return {
      ...(await toSelected(ctx, graph, job)),
      ...('roleArn' in job.request ? { destination: { graphRole: job.request.roleArn } } : {}),
    };
  },

  async taken(ctx, job) {
    // A task holds the destination named after an identifier, and start-export would track that
    // task instead of starting one: such an identifier is taken, as RDS keeps a task's for good.
    const tasks = await listGraphExportTasks(ctx.clients.graphs, graphIdOf(job.source.arn));
    const folders = new Set(tasks.map((t) => destinationFolder(t.destination)));
    return async (id) => folders.has(id);
  },
};

function getGraph(ctx: OpsContext, graphIdentifier: string) {
  return ctx.clients.graphs.send(new GetGraphCommand({ graphIdentifier }));
}

async function toSelected(ctx: OpsContext, graph: Awaited<ReturnType<typeof getGraph>>, job: ExportJob) {
  const source = toGraphSource(
    graph,
    job.source.schedule ?? 'rds-export retry',
    job.source.scheduledTime ?? '',
  );
  return { source, tags: await graphTags(ctx.clients.graphs, source.arn) };
}

/** The graph's task writing to this export's destination, a running one first. */
async function ownTask(ctx: OpsContext, job: KnownJob) {
  const { graphIdentifier, destination } = job.request;
  if (graphIdentifier === undefined || destination === undefined) return undefined;
  const tasks = (await listGraphExportTasks(ctx.clients.graphs, graphIdentifier)).filter((t) =>
    sameDestination(t.destination, destination),
  );
  return tasks.find(isActiveGraphTask) ?? tasks[0];
}
