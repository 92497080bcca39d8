import {
  type ExportTaskSummary as GraphTaskSummary,
  ListExportTasksCommand,
} from '@aws-sdk/client-neptune-graph';
import { classifyAwsError } from './aws-errors.ts';
import { type Graphs, isActiveGraphTask, leaseNamesOf } from './graph-export-tasks.ts';

/** ListExportTasks maxResults: 1-100 (API reference). */
const PAGE_SIZE = 100;
const MAX_PAGES = 100;

/** Every export task of the account and Region (ListExportTasks, all pages), optionally of one graph. */
export async function listGraphExportTasks(
  client: Graphs,
  graphIdentifier?: string,
): Promise<GraphTaskSummary[]> {
  const tasks: GraphTaskSummary[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    let out: Awaited<ReturnType<typeof listPage>>;
    try {
      out = await listPage(client, token, graphIdentifier);
    } catch (error) {
      throw classifyAwsError(error, 'neptune-graph', 'ListExportTasks');
    }
    tasks.push(...(out.tasks ?? []));
    if (!out.nextToken || out.nextToken === token) break;
    token = out.nextToken;
  }
  return tasks;
}

function listPage(client: Graphs, token: string | undefined, graphIdentifier: string | undefined) {
  return client.send(
    new ListExportTasksCommand({
      maxResults: PAGE_SIZE,
      ...(token === undefined ? {} : { nextToken: token }),
      ...(graphIdentifier === undefined ? {} : { graphIdentifier }),
    }),
  );
}

/** The account's graph export tasks that hold a slot, whoever started them, by lease name. */
export async function activeGraphExports(
  client: Graphs,
): Promise<{ count: number; identifiers: string[]; tasks: GraphTaskSummary[] }> {
  const tasks = await listGraphExportTasks(client);
  const active = tasks.filter(isActiveGraphTask);
  return { count: active.length, identifiers: leaseNamesOf(active), tasks };
}
