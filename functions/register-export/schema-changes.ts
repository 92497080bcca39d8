import type { Column, Table } from '@aws-sdk/client-glue';
import { P } from './glue-tables.ts';

/** How one table's columns changed since the export the latest table showed before this one. */
export type SchemaChange = {
  target: string;
  table: string;
  /** The export the columns are compared with. */
  since: string;
  changes: string[];
};

const typeOf = (c: Column) => `${c.Type ?? ''}${c.Comment ? ` (${c.Comment})` : ''}`;

/**
 * Compares a table's columns in this export with the previous latest export's, by Glue column
 * name. A dropped and an added column in the same slot (between the same surviving columns) with
 * the same type and original type are reported as a rename: the export metadata carries no column
 * identity, so that is the evidence there is, and the line says it is inferred.
 */
export function schemaChange(
  target: string,
  table: string,
  previous: Table | undefined,
  exportId: string,
  columns: readonly Column[],
): SchemaChange | undefined {
  const since = previous?.Parameters?.[P.exportId];
  if (previous === undefined || since === undefined || since === exportId) return undefined;
  const before = previous.StorageDescriptor?.Columns ?? [];
  const byName = new Map(before.map((c) => [c.Name ?? '', c]));
  const now = new Set(columns.map((c) => c.Name ?? ''));
  const changes: string[] = [];
  const added = columns.filter((c) => !byName.has(c.Name ?? ''));
  const dropped = before.filter((c) => !now.has(c.Name ?? ''));
  const renamed = new Set<Column>();
  // A column's slot: how many columns both exports have come before it (drops elsewhere don't move it).
  const common = new Set(before.filter((c) => now.has(c.Name ?? '')).map((c) => c.Name));
  const slot = (list: readonly Column[], c: Column) =>
    list.slice(0, list.indexOf(c)).filter((x) => common.has(x.Name)).length;
  const matches = (d: Column, a: Column) => slot(before, d) === slot(columns, a) && typeOf(d) === typeOf(a);
  for (const a of added) {
    const candidates = dropped.filter((d) => !renamed.has(d) && matches(d, a));
    const [d] = candidates;
    const rivals = d === undefined ? [] : added.filter((x) => x !== a && matches(d, x));
    if (candidates.length === 1 && d !== undefined && rivals.length === 0) {
      renamed.add(d);
      renamed.add(a);
      changes.push(`renamed ${d.Name} → ${a.Name} (inferred: same position and type)`);
    }
  }
  for (const a of added) if (!renamed.has(a)) changes.push(`added ${a.Name} ${typeOf(a)}`);
  for (const d of dropped) if (!renamed.has(d)) changes.push(`dropped ${d.Name}`);
  for (const c of columns) {
    const old = byName.get(c.Name ?? '');
    if (old && typeOf(old) !== typeOf(c)) changes.push(`retyped ${c.Name} ${typeOf(old)} → ${typeOf(c)}`);
  }
  return changes.length === 0 ? undefined : { target, table, since, changes };
}

/** One line per table: `shop.public.orders: added extra boolean (boolean); dropped note`. */
export function describeSchemaChange(change: SchemaChange): string {
  return `${change.target}: ${change.changes.join('; ')} (since ${change.since})`;
}
