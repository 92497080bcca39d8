import type { SourceKind } from '#shared/contract/execution.ts';
import { graphSlots } from '#shared/sources/kinds/graph/slots.ts';
import type { KindSlots } from '#shared/sources/kinds/types.ts';
import { rdsSlots } from '#shared/sources/rds/slots.ts';
import { pick } from './kinds.ts';

/**
 * The slot pool of a source kind and how its running tasks are counted: start-export takes a slot
 * of it, the waits function releases one and grants the next.
 */
export function slotsOf(kind: SourceKind): KindSlots {
  return pick<'slots'>({ snapshot: rdsSlots, cluster: rdsSlots, graph: graphSlots }, kind);
}
