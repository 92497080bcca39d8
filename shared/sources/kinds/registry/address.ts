import type { SourceKind } from '#shared/contract/execution.ts';
import { graphAddress } from '#shared/sources/kinds/graph/address.ts';
import type { KindAddress } from '#shared/sources/kinds/types.ts';
import { rdsAddress } from '#shared/sources/rds/address.ts';
import { pick } from './kinds.ts';

/** Where an export of the kind writes, read from its start request (the ledger's record, prune's check). */
export function addressOf(kind: SourceKind): KindAddress {
  return pick<'address'>({ snapshot: rdsAddress, cluster: rdsAddress, graph: graphAddress }, kind);
}
