import type { SourceKind } from '#shared/contract/execution.ts';
import { graphTrack } from '#shared/sources/kinds/graph/track.ts';
import type { KindTrack } from '#shared/sources/kinds/types.ts';
import { rdsTrack } from '#shared/sources/rds/track.ts';
import { pick } from './kinds.ts';

/** How check-export reads an export's task. */
export function trackOf(kind: SourceKind): KindTrack {
  return pick<'track'>({ snapshot: rdsTrack, cluster: rdsTrack, graph: graphTrack }, kind);
}
