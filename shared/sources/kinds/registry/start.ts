import type { SourceKind } from '#shared/contract/execution.ts';
import { graphStart } from '#shared/sources/kinds/graph/start.ts';
import type { ExportService, KindClients } from '#shared/sources/kinds/types.ts';
import { rdsStart } from '#shared/sources/rds/export-service.ts';
import { KIND_OF, type KindName, type Table } from './kinds.ts';

/** Each kind's export service, built once with the clients: the one of a source kind. */
export function exportServices(clients: KindClients): (kind: SourceKind) => ExportService {
  const starts: Table<'start'> = { snapshot: rdsStart, cluster: rdsStart, graph: graphStart };
  const built = {
    snapshot: starts.snapshot.service(clients),
    cluster: starts.cluster.service(clients),
    graph: starts.graph.service(clients),
  } satisfies Record<KindName, ExportService>;
  return (kind) => built[KIND_OF[kind]];
}
