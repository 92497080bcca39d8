import type { SourceKind } from '#shared/contract/execution.ts';
import { clusterIdentity } from '#shared/sources/kinds/cluster/identity.ts';
import { graphIdentity } from '#shared/sources/kinds/graph/identity.ts';
import { snapshotIdentity } from '#shared/sources/kinds/snapshot/identity.ts';
import type { KindIdentity } from '#shared/sources/kinds/types.ts';
import { pick } from './kinds.ts';

/** How the policy names, judges and starts a source of the kind. */
export function identityOf(kind: SourceKind): KindIdentity {
  return pick<'identity'>(
    { snapshot: snapshotIdentity, cluster: clusterIdentity, graph: graphIdentity },
    kind,
  );
}
