import type { PartitionInput, Table, TableInput } from '@aws-sdk/client-glue';
import type { DesiredTable } from './glue-tables.ts';
import {
  commonFolder,
  historyTableInput,
  latestTableInput,
  P,
  partitionInput,
  sameTable,
  unionColumns,
} from './glue-tables.ts';

export type GlueWrite =
  | { kind: 'createTable'; input: TableInput }
  | { kind: 'updateTable'; input: TableInput }
  | { kind: 'createPartition'; table: string; partition: PartitionInput };

/** True when this export is the table's latest (or the one the latest table already shows). */
export function isNewerOrSame(d: DesiredTable, latest: Table | undefined): boolean {
  const current = latest?.Parameters?.[P.snapshotTime];
  if (current === undefined) return true;
  const a = Date.parse(d.snapshotTime);
  const b = Date.parse(current);
  if (Number.isNaN(a) || Number.isNaN(b)) return d.snapshotTime >= current;
  return a >= b;
}

/** The history table's columns once this export is registered (planTable writes exactly these). */
export function historyColumnsAfter(d: DesiredTable, latest: Table | undefined, history: Table | undefined) {
  if (!history) return d.columns;
  const existing = history.StorageDescriptor?.Columns ?? [];
  return isNewerOrSame(d, latest) ? unionColumns(d.columns, existing) : existing;
}

/**
 * Where the history table points once this export is registered: the deepest folder above the
 * table's current location and this export's source folder, so it stays above every export it
 * holds when the prefix changes between exports (a date in it), and a table created when its
 * location was the first export's folder moves up to the source's. In another bucket, this
 * export's source folder.
 */
export function historyLocation(d: DesiredTable, history: Table | undefined): string {
  const current = history?.StorageDescriptor?.Location;
  return (current === undefined ? undefined : commonFolder(current, d.sourceLocation)) ?? d.sourceLocation;
}

/**
 * The writes that bring one table pair up to date with this export, in the order they must run.
 *
 * Order makes re-runs cheap and safe: history table, then the partition, then the latest table last.
 * A latest table that already names this export therefore proves the earlier writes happened, so a
 * second run of the same export plans nothing. Steady state (same schema) is two writes: the
 * partition and the latest table; a schema change adds one update of the history table. An export
 * older than the one the latest table shows only adds its partition.
 */
export function planTable(
  d: DesiredTable,
  latest: Table | undefined,
  history: Table | undefined,
): GlueWrite[] {
  const writes: GlueWrite[] = [];
  const latestInput = latestTableInput(d);
  if (latest && latest.Parameters?.[P.exportId] === d.exportId && sameTable(latest, latestInput)) return [];
  const newest = isNewerOrSame(d, latest);
  if (!history) {
    writes.push({ kind: 'createTable', input: historyTableInput(d, d.columns) });
  } else {
    // Only the newest export moves the columns; any export may widen the location, and a table that
    // still reads by position (registered before historyTableInput stopped doing so) reads by name.
    const existing = history.StorageDescriptor?.Columns ?? [];
    const wanted = historyTableInput(
      d,
      newest ? unionColumns(d.columns, existing) : existing,
      historyLocation(d, history),
    );
    if (!sameTable(history, wanted)) writes.push({ kind: 'updateTable', input: wanted });
  }
  writes.push({
    kind: 'createPartition',
    table: historyTableInput(d, []).Name ?? '',
    partition: partitionInput(d),
  });
  if (!latest) writes.push({ kind: 'createTable', input: latestInput });
  else if (newest && !sameTable(latest, latestInput))
    writes.push({ kind: 'updateTable', input: latestInput });
  return writes;
}
