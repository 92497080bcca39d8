import type { KindIdentity } from '#shared/sources/kinds/types.ts';
import { clusterExportability } from '#shared/sources/rds/exportability.ts';
import { rdsIdentity } from '#shared/sources/rds/identity.ts';

/** A live Aurora cluster at a schedule slot: exportable per its engine, mode and status. */
export const clusterIdentity: KindIdentity = {
  ...rdsIdentity,
  exportability: clusterExportability,
  label: 'Cluster:',
  estimate: () => 'charged per GB of the whole cluster (export pricing, price varies by Region)',
};
