import {
  type ExportTaskSummary as GraphTaskSummary,
  paginateListExportTasks,
} from '@aws-sdk/client-neptune-graph';
import { collectPages } from '#shared/aws/pages.ts';
import { type Graphs, isActiveGraphTask, leaseNamesOf } from './export-tasks.ts';

/** ListExportTasks maxResults: 1-100 (API reference). */
const PAGE_SIZE = 100;
/**
 * A token that never ends would loop until the Lambda's timeout; 100 pages = 10,000 tasks: the
 * listing stops there.
 */
const MAX_PAGES = 100;

/** Every export task of the account and Region (ListExportTasks, all pages), optionally of one graph. */
export async function listGraphExportTasks(
  client: Graphs,
  graphIdentifier?: string,
): Promise<GraphTaskSummary[]> {
  const pages = await collectPages(
    paginateListExportTasks,
    { client, pageSize: PAGE_SIZE },
    graphIdentifier === undefined ? {} : { graphIdentifier },
    { maxPages: MAX_PAGES, atCap: 'truncate' },
  );
  return pages.flatMap((page) => page.tasks ?? []);
}

/** The account's graph export tasks that hold a slot, whoever started them, by lease name. */
export async function activeGraphExports(
  client: Graphs,
): Promise<{ count: number; identifiers: string[]; tasks: GraphTaskSummary[] }> {
  const tasks = await listGraphExportTasks(client);
  const active = tasks.filter(isActiveGraphTask);
  return { count: active.length, identifiers: leaseNamesOf(active), tasks };
}
