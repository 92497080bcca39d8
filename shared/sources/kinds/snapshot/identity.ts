import type { KindIdentity } from '#shared/sources/kinds/types.ts';
import { snapshotExportability } from '#shared/sources/rds/exportability.ts';
import { rdsIdentity } from '#shared/sources/rds/identity.ts';

/** Export pricing is per GB of the whole snapshot; about $0.010/GB in us-east-1 and Region-dependent. */
const USD_PER_GB = 0.01;

/** A DB or cluster snapshot: exportable per its engine, version, storage and status. */
export const snapshotIdentity: KindIdentity = {
  ...rdsIdentity,
  exportability: snapshotExportability,
  label: 'Snapshot:',
  estimate: (source) =>
    source.sizeGB === undefined
      ? 'unknown (the snapshot size is unknown)'
      : `~$${(source.sizeGB * USD_PER_GB).toFixed(2)} (estimate: ${source.sizeGB} GB x $0.010/GB; charged on the whole snapshot, price varies by Region)`,
};
