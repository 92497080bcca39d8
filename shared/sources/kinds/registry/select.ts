import type { SCHEDULE_KINDS } from '#shared/policy/schedule.ts';
import { clusterSelect } from '#shared/sources/kinds/cluster/select.ts';
import { graphSelect } from '#shared/sources/kinds/graph/select.ts';
import type { KindSelect } from '#shared/sources/kinds/types.ts';

type ScheduledKind = (typeof SCHEDULE_KINDS)[number];

/** How a schedule's slot selects the sources of a scheduled kind (snapshots come from events). */
export function selectOf(kind: ScheduledKind): KindSelect {
  const tables: Record<ScheduledKind, KindSelect> = { cluster: clusterSelect, graph: graphSelect };
  return tables[kind];
}
