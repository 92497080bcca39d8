import type { SourceKind } from '#shared/contract/execution.ts';
import type { SCHEDULE_KINDS } from '#shared/policy/schedule.ts';
import { rdsStart } from '#shared/sources/rds/export-service.ts';
import { rdsNotify } from '#shared/sources/rds/notify.ts';
import { rdsTrack } from '#shared/sources/rds/track.ts';
import { clusterIdentity } from './cluster/identity.ts';
import { clusterOps } from './cluster/ops.ts';
import { clusterSelect } from './cluster/select.ts';
import { graphIdentity } from './graph/identity.ts';
import { graphNotify } from './graph/notify.ts';
import { graphOps } from './graph/ops.ts';
import { graphSelect } from './graph/select.ts';
import { graphStart } from './graph/start.ts';
import { graphTrack } from './graph/track.ts';
import { snapshotIdentity } from './snapshot/identity.ts';
import { snapshotOps } from './snapshot/ops.ts';
import type { ExportService, KindClients, KindModule, KindSelect } from './types.ts';

/**
 * The only place that maps a source kind to its module: `snapshot` (DB and cluster snapshots, which
 * differ only by RDS's API names), `cluster` (a live Aurora cluster at a schedule slot) and `graph`
 * (a Neptune Analytics graph). Each capability has its own table, built when asked for (the modules
 * import each other in cycles: nothing here reads an import while the modules load), so a function
 * that asks for one capability bundles only that capability of every kind.
 */
export const KIND_OF = {
  'db-snapshot': 'snapshot',
  'cluster-snapshot': 'snapshot',
  cluster: 'cluster',
  graph: 'graph',
} as const satisfies Record<SourceKind, string>;
export type KindName = (typeof KIND_OF)[SourceKind];

type Table<C extends keyof KindModule> = { readonly [K in KindName]: KindModule[C] };
/** A table of every kind's capability (the type checker names a kind it lacks), at a source kind. */
const pick = <C extends keyof KindModule>(_capability: C, table: Table<C>, kind: SourceKind): KindModule[C] =>
  table[KIND_OF[kind]];

/** How the policy names, judges and starts a source of the kind. */
export function identityOf(kind: SourceKind): KindModule['identity'] {
  return pick(
    'identity',
    { snapshot: snapshotIdentity, cluster: clusterIdentity, graph: graphIdentity },
    kind,
  );
}

/** How a schedule's slot selects the sources of a scheduled kind (snapshots come from events). */
export function selectOf(kind: (typeof SCHEDULE_KINDS)[number]): KindSelect {
  const tables: Record<(typeof SCHEDULE_KINDS)[number], KindSelect> = {
    cluster: clusterSelect,
    graph: graphSelect,
  };
  return tables[kind];
}

/** Each kind's export service, built once with the clients: the one of a source kind. */
export function exportServices(clients: KindClients): (kind: SourceKind) => ExportService {
  const services: Table<'start'> = { snapshot: rdsStart, cluster: rdsStart, graph: graphStart };
  const built = {
    snapshot: services.snapshot.service(clients),
    cluster: services.cluster.service(clients),
    graph: services.graph.service(clients),
  } satisfies Record<KindName, ExportService>;
  return (kind) => built[KIND_OF[kind]];
}

/** How check-export reads an export's task. */
export function trackOf(kind: SourceKind): KindModule['track'] {
  return pick('track', { snapshot: rdsTrack, cluster: rdsTrack, graph: graphTrack }, kind);
}

/** What notify says of an export of the kind. */
export function notifyOf(kind: SourceKind): KindModule['notify'] {
  return pick('notify', { snapshot: rdsNotify, cluster: rdsNotify, graph: graphNotify }, kind);
}

/**
 * What the commands do with an export of a source kind. A job the commands could not read names
 * no kind (or one this version does not know): its task is looked for as RDS's, by its identifier.
 */
export function opsOf(kind: string | undefined): KindModule['ops'] {
  const known = kind !== undefined && Object.hasOwn(KIND_OF, kind) ? (kind as SourceKind) : 'db-snapshot';
  return pick('ops', { snapshot: snapshotOps, cluster: clusterOps, graph: graphOps }, known);
}
