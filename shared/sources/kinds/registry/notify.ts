import type { SourceKind } from '#shared/contract/execution.ts';
import { graphNotify } from '#shared/sources/kinds/graph/notify.ts';
import type { KindNotify } from '#shared/sources/kinds/types.ts';
import { rdsNotify } from '#shared/sources/rds/notify.ts';
import { pick } from './kinds.ts';

/** What notify says of an export of the kind. */
export function notifyOf(kind: SourceKind): KindNotify {
  return pick<'notify'>({ snapshot: rdsNotify, cluster: rdsNotify, graph: graphNotify }, kind);
}
