import { GetExportTaskCommand } from '@aws-sdk/client-neptune-graph';
import { isAwsError } from '#shared/aws/errors.ts';
import type { ExportTaskSummary } from '#shared/contract/execution.ts';
import { type Graphs, toGraphSummary } from './export-tasks.ts';

/** GetExportTask; `undefined` when the service does not know the task (ResourceNotFoundException). */
export async function getGraphExportTask(
  client: Graphs,
  taskIdentifier: string,
  graphArn: string,
): Promise<ExportTaskSummary | undefined> {
  try {
    const out = await client.send(new GetExportTaskCommand({ taskIdentifier }));
    return toGraphSummary(out, graphArn);
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  }
}
