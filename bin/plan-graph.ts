import { NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import { classified } from '#shared/aws/classified.ts';
import type { Schedule } from '#shared/policy/schedule.ts';
import {
  type SelectedGraph,
  selectGraphs,
  selectsGraph,
  toGraphSource,
} from '#shared/sources/graph/graphs.ts';
import { UsageError } from './command.ts';
import { unwrapOne } from './unwrap-one.ts';

/**
 * `rds-export plan --schedule <graph schedule> [--graph <graph.json>]`: the graphs a `kind: graph`
 * schedule selects at a slot. `--graph` takes what `aws neptune-graph get-graph` prints (or a
 * list-graphs output holding one graph); GetGraph returns no tags, so a `tags` object beside the
 * graph's fields (what `aws neptune-graph list-tags-for-resource` prints) gives them.
 */

function tagsOf(graph: Record<string, unknown>, path: string): Record<string, string> {
  const tags = graph.tags ?? {};
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) {
    throw new UsageError(`graph file ${path}: tags must be an object of tag → value`);
  }
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, String(v)]));
}

/** The graph of a `--graph` file as the schedule's slot at `at` sees it, or why the schedule skips it. */
export function graphFromFile(
  json: unknown,
  path: string,
  schedule: Schedule,
  at: string,
): { graph: SelectedGraph; selected: boolean } {
  const graph = unwrapOne(json, path, {
    file: 'graph',
    plural: 'graphs',
    keys: ['graphs'],
    notAnObject: 'a graph object',
  });
  let selectedGraph: SelectedGraph;
  try {
    selectedGraph = { source: toGraphSource(graph, schedule.name, at), tags: tagsOf(graph, path) };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`graph file ${path}: ${(error as Error).message}`);
  }
  return { graph: selectedGraph, selected: selectsGraph(schedule.select, selectedGraph) };
}

/** Every graph of the account the schedule selects, through the SDK (ListGraphs, their tags). */
export function graphsOfAccount(schedule: Schedule, at: string): Promise<SelectedGraph[]> {
  return selectGraphs(
    classified(new NeptuneGraphClient({}), 'neptune-graph'),
    schedule.select,
    schedule.name,
    at,
    true,
  );
}
