import { InvalidInputError } from '#shared/contract/errors.ts';
import type { Policy } from '#shared/policy/schema.ts';
import { selectGraphs } from '#shared/sources/graph/graphs.ts';
import type { KindSelect } from '#shared/sources/kinds/types.ts';

/** Graph tags cost a call per graph: read them only when the selector or a rule that may match graphs asks. */
function graphTagsNeeded(policy: Pick<Policy, 'rules'>, selectorTags: boolean): boolean {
  return (
    selectorTags ||
    policy.rules.some(
      (rule) =>
        rule.match.tags !== undefined && (rule.match.kind === undefined || rule.match.kind.includes('graph')),
    )
  );
}

/** A graph schedule's slot selects the account's Neptune Analytics graphs its selector matches (ListGraphs). */
export const graphSelect: KindSelect = {
  select(clients, schedule, scheduledTime, policy) {
    if (clients.graphs === undefined)
      throw new InvalidInputError('a graph schedule needs a neptune-graph client');
    const withTags = graphTagsNeeded(policy, schedule.select.tags !== undefined);
    return selectGraphs(clients.graphs, schedule.select, schedule.name, scheduledTime, withTags);
  },
};
