import type { SourceKind } from '#shared/contract/execution.ts';
import { graphStart } from '#shared/sources/kinds/graph/start.ts';
import type { ExportService, KindClients, KindStart } from '#shared/sources/kinds/types.ts';
import { rdsStart } from '#shared/sources/rds/export-service.ts';
import { KIND_OF, type KindName, pick, type Table } from './kinds.ts';

const starts = (): Table<'start'> => ({ snapshot: rdsStart, cluster: rdsStart, graph: graphStart });

/**
 * How an export of a source kind starts: its service (built by exportServices) and whether the
 * service announces the end of its exports (what start-export records for the state machine's
 * `Export end announced?` choices).
 */
export function startOf(kind: SourceKind): KindStart {
  return pick<'start'>(starts(), kind);
}

/** Each kind's export service, built once with the clients: the one of a source kind. */
export function exportServices(clients: KindClients): (kind: SourceKind) => ExportService {
  const table = starts();
  const built = {
    snapshot: table.snapshot.service(clients),
    cluster: table.cluster.service(clients),
    graph: table.graph.service(clients),
  } satisfies Record<KindName, ExportService>;
  return (kind) => built[KIND_OF[kind]];
}
