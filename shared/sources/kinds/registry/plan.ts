import type { SCHEDULE_KINDS } from '#shared/policy/schedule.ts';
import { clusterPlan } from '#shared/sources/kinds/cluster/plan.ts';
import { graphPlan } from '#shared/sources/kinds/graph/plan.ts';
import type { KindPlan } from '#shared/sources/kinds/types.ts';

type ScheduledKind = (typeof SCHEDULE_KINDS)[number];

/** What `rds-export plan --schedule` reads and lists for a scheduled kind (bin/plan.ts alone imports it). */
export function planOf(kind: ScheduledKind): KindPlan {
  const tables: Record<ScheduledKind, KindPlan> = { cluster: clusterPlan, graph: graphPlan };
  return tables[kind];
}
