import type { SourceKind } from '#shared/contract/execution.ts';
import { rdsStart } from '#shared/sources/rds/export-service.ts';
import { rdsNotify } from '#shared/sources/rds/notify.ts';
import { rdsTrack } from '#shared/sources/rds/track.ts';
import { clusterOps } from './cluster/ops.ts';
import { graphNotify } from './graph/notify.ts';
import { graphOps } from './graph/ops.ts';
import { graphStart } from './graph/start.ts';
import { graphTrack } from './graph/track.ts';
import { snapshotOps } from './snapshot/ops.ts';
import type { ExportService, KindClients, KindModule, KindNotify, KindOps, KindTrack } from './types.ts';

/**
 * The only place that maps a source kind to its module: `snapshot` (DB and cluster snapshots, which
 * differ only by RDS's API names), `cluster` (a live Aurora cluster at a schedule slot) and `graph`
 * (a Neptune Analytics graph). Each capability has its own table, so a function that asks for one
 * capability bundles only that capability of every kind (esbuild drops the tables it does not use).
 */
export const KIND_OF = {
  'db-snapshot': 'snapshot',
  'cluster-snapshot': 'snapshot',
  cluster: 'cluster',
  graph: 'graph',
} as const satisfies Record<SourceKind, string>;
export type KindName = (typeof KIND_OF)[SourceKind];

type Capabilities<C extends keyof KindModule> = { readonly [K in KindName]: KindModule[C] };

const START: Capabilities<'start'> = { snapshot: rdsStart, cluster: rdsStart, graph: graphStart };
const TRACK: Capabilities<'track'> = { snapshot: rdsTrack, cluster: rdsTrack, graph: graphTrack };
const NOTIFY: Capabilities<'notify'> = { snapshot: rdsNotify, cluster: rdsNotify, graph: graphNotify };
const OPS: Capabilities<'ops'> = { snapshot: snapshotOps, cluster: clusterOps, graph: graphOps };

/** Each kind's export service, built once with the clients: the one of a source kind. */
export function exportServices(clients: KindClients): (kind: SourceKind) => ExportService {
  const services = {
    snapshot: START.snapshot.service(clients),
    cluster: START.cluster.service(clients),
    graph: START.graph.service(clients),
  } satisfies Record<KindName, ExportService>;
  return (kind) => services[KIND_OF[kind]];
}

/** How check-export reads an export's task. */
export function trackOf(kind: SourceKind): KindTrack {
  return TRACK[KIND_OF[kind]];
}

/** What notify says of an export of the kind. */
export function notifyOf(kind: SourceKind): KindNotify {
  return NOTIFY[KIND_OF[kind]];
}

/**
 * What the commands do with an export of a source kind. A job the commands could not read names
 * no kind (or one this version does not know): its task is looked for as RDS's, by its identifier.
 */
export function opsOf(kind: string | undefined): KindOps {
  return kind !== undefined && Object.hasOwn(KIND_OF, kind) ? OPS[KIND_OF[kind as SourceKind]] : OPS.snapshot;
}
