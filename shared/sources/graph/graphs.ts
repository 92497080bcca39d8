import {
  type GetGraphOutput,
  type GraphSummary,
  ListTagsForResourceCommand,
  type NeptuneGraphClient,
  paginateListGraphs,
} from '@aws-sdk/client-neptune-graph';
import { mapLimit } from '#shared/aws/concurrency.ts';
import { collectPages } from '#shared/aws/pages.ts';
import { type SnapshotSource, SnapshotSource as SourceSchema } from '#shared/contract/execution.ts';
import { matches } from '#shared/policy/decide.ts';
import type { ScheduleSelector } from '#shared/policy/schedule.ts';
import { parseWith } from '#shared/runtime/validation.ts';

export type Graphs = Pick<NeptuneGraphClient, 'send'>;

/** A Neptune Analytics graph as the policy decides on it: the source plus its tags. */
export interface SelectedGraph {
  source: SnapshotSource;
  tags: Record<string, string>;
}

/** What SnapshotSource.engine says of a graph: the service, since a graph has no engine. */
export const GRAPH_ENGINE = 'neptune-graph';

/** ListGraphs maxResults: 1-100 (API reference). */
const PAGE_SIZE = 100;
/**
 * A token that never ends would loop until the Lambda's timeout; 100 pages = 10,000 graphs: the
 * listing stops there.
 */
const MAX_PAGES = 100;
/**
 * ListTagsForResource calls in flight at once: a few, so 100 graphs are not read one call at a time,
 * while staying well under the Neptune Analytics control-plane request rate.
 */
const TAG_READ_CONCURRENCY = 8;

/**
 * A graph as GetGraph or ListGraphs returns it (SDK Dates) or as `aws neptune-graph get-graph`
 * prints it, as the source of a scheduled export at `scheduledTime`. The graph's name is the
 * source identifier: it is what people call the graph, and what its Glue database is named after.
 */
export function toGraphSource(
  graph: GetGraphOutput | GraphSummary | Record<string, unknown>,
  schedule: string,
  scheduledTime: string,
): SnapshotSource {
  const g = graph as GraphSummary;
  return parseWith(
    SourceSchema,
    {
      kind: 'graph',
      arn: g.arn,
      sourceIdentifier: g.name,
      engine: GRAPH_ENGINE,
      status: g.status,
      schedule,
      scheduledTime: new Date(scheduledTime).toISOString(),
    },
    'Not a Neptune Analytics graph (GetGraph / ListGraphs output)',
  );
}

/** True when the selector names the graph: its name or `g-…` identifier, and its tags. */
export function selectsGraph(selector: ScheduleSelector, graph: SelectedGraph): boolean {
  // A graph has no engine to select by (the schema refuses one): only identifier and tags count.
  const { identifier, tags } = selector;
  return matches({ identifier, tags }, graph.source, graph.tags);
}

/** The graph's tags (ListTagsForResource): GetGraph and ListGraphs do not return them. */
export async function graphTags(client: Graphs, arn: string): Promise<Record<string, string>> {
  const out = await client.send(new ListTagsForResourceCommand({ resourceArn: arn }));
  return { ...(out.tags ?? {}) };
}

/**
 * Every graph of the account and Region the selector names, across all pages of ListGraphs. Tags
 * cost one ListTagsForResource per graph, so they are read only when `withTags` (the selector or a
 * rule asks for tags), and only for graphs the identifier globs keep.
 */
export async function selectGraphs(
  client: Graphs,
  selector: ScheduleSelector,
  schedule: string,
  scheduledTime: string,
  withTags: boolean,
): Promise<SelectedGraph[]> {
  const pages = await collectPages(
    paginateListGraphs,
    { client, pageSize: PAGE_SIZE },
    {},
    { maxPages: MAX_PAGES, atCap: 'truncate' },
  );
  const named = pages
    .flatMap((page) => page.graphs ?? [])
    .map((graph) => toGraphSource(graph, schedule, scheduledTime))
    .filter((source) => selectsGraph({ ...selector, tags: undefined }, { source, tags: {} }));
  const candidates = await mapLimit(named, TAG_READ_CONCURRENCY, async (source) => ({
    source,
    tags: withTags ? await graphTags(client, source.arn) : {},
  }));
  return candidates.filter((candidate) => selectsGraph(selector, candidate));
}
