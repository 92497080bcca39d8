import { InvalidInputError } from '#shared/contract/errors.ts';
import { selectGraphs, selectsGraph, toGraphSource } from '#shared/sources/graph/graphs.ts';
import type { KindPlan } from '#shared/sources/kinds/types.ts';

/**
 * `rds-export plan --schedule <graph schedule> [--graph <graph.json>]`: `--graph` takes what `aws
 * neptune-graph get-graph` prints (or a list-graphs output holding one graph); GetGraph returns no
 * tags, so a `tags` object beside the graph's fields (what `aws neptune-graph
 * list-tags-for-resource` prints) gives them.
 */
export const graphPlan: KindPlan = {
  option: 'graph',
  plural: 'graphs',
  criteria: 'identifier or tags',
  help: [
    'for a graph schedule: the graph JSON as neptune-graph get-graph prints it (with an',
    'optional "tags" object; works offline); without it every graph the schedule selects',
    'is listed through the AWS SDK',
  ],
  listKeys: ['graphs'],
  notAnObject: 'a graph object',
  fromFile(item, schedule, at) {
    const graph = { source: toGraphSource(item, schedule.name, at), tags: tagsOf(item) };
    return { one: graph, selected: selectsGraph(schedule.select, graph) };
  },
  all(clients, schedule, at) {
    if (clients.graphs === undefined)
      throw new InvalidInputError('a graph schedule needs a neptune-graph client');
    // Every graph's tags (a call each): the plan does not weigh which rules need them.
    return selectGraphs(clients.graphs, schedule.select, schedule.name, at, true);
  },
};

function tagsOf(graph: Record<string, unknown>): Record<string, string> {
  const tags = graph.tags ?? {};
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) {
    throw new InvalidInputError('tags must be an object of tag → value');
  }
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, String(v)]));
}
