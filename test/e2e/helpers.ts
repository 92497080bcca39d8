import { waitForNamed } from '../../local/progress.ts';
import type { StoredSnapshot } from '../../local/rds/snapshots.ts';
import type { Execution } from '../../local/sfn.ts';
import type { CellValue, ParquetKind } from '../../local/snapshot.ts';
import type { LocalStack } from '../../local/stack.ts';

/** Raises one snapshot-created event per snapshot and waits for the executions on-snapshot started. */
export async function exportSnapshots(stack: LocalStack, snapshots: StoredSnapshot[]): Promise<Execution[]> {
  const decisions = (await Promise.all(snapshots.map((s) => stack.raiseSnapshotEvent(s)))) as {
    exportTaskIdentifier?: string;
  }[];
  const names = decisions.map((d) => d.exportTaskIdentifier ?? '');
  return waitForNamed(stack, [...new Set(names)]);
}

/** A cell as comparable text: the source value and the value Athena reads must give the same. */
export function comparable(value: unknown, kind: ParquetKind): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return `hex:${Buffer.from(value).toString('hex')}`;
  // REAL is a 32-bit float in the Parquet file: the source's double rounds to it.
  if (kind === 'FLOAT') return String(Math.fround(Number(value)));
  if (kind === 'DOUBLE') return String(Number(value));
  return String(value);
}

export function comparableRows(
  rows: readonly (readonly (CellValue | unknown)[])[],
  kinds: ParquetKind[],
): string[] {
  return rows.map((row) => JSON.stringify(row.map((v, i) => comparable(v, kinds[i] ?? 'STRING')))).sort();
}

/** Published SNS notifications, parsed. */
export function notifications(
  stack: LocalStack,
): { kind: string; exportTaskIdentifier?: string; cause?: string; fix?: string }[] {
  return stack.sns.messages.map((m) => JSON.parse(m.Message));
}
