import type { SourceKind } from '#shared/contract/execution.ts';
import { clusterOps } from '#shared/sources/kinds/cluster/ops.ts';
import { graphOps } from '#shared/sources/kinds/graph/ops.ts';
import { snapshotOps } from '#shared/sources/kinds/snapshot/ops.ts';
import type { KindOps } from '#shared/sources/kinds/types.ts';
import { KIND_OF, pick } from './kinds.ts';

/**
 * What the commands do with an export of a source kind. A job the commands could not read names
 * no kind (or one this version does not know): its task is looked for as RDS's, by its identifier.
 */
export function opsOf(kind: string | undefined): KindOps {
  const known = kind !== undefined && Object.hasOwn(KIND_OF, kind) ? (kind as SourceKind) : 'db-snapshot';
  return pick<'ops'>({ snapshot: snapshotOps, cluster: clusterOps, graph: graphOps }, known);
}
