import type { Column } from '@aws-sdk/client-glue';
import type { FileMetaData, SchemaTree } from 'hyparquet';
import { parquetSchema } from 'hyparquet';
import { columnNames } from './naming.ts';
import { glueTypeOf } from './type-map.ts';

export type FileColumn = { name: string; type: string };
export type FileSchema = { key: string; columns: FileColumn[] } | { key: string; error: string };

/**
 * The element of a LIST column (Parquet LogicalTypes.md, "Lists"): the standard three levels
 * (`group (LIST) { repeated group list { element } }`) or the legacy two (`group (LIST) { repeated
 * element }`); undefined for any other column. A graph export writes multi-valued properties so.
 */
function listElement(column: SchemaTree): SchemaTree['element'] | undefined {
  const el = column.element;
  if (el.converted_type !== 'LIST' && el.logical_type?.type !== 'LIST') return undefined;
  const repeated = column.children.length === 1 ? column.children[0] : undefined;
  if (repeated?.element.repetition_type !== 'REPEATED') return undefined;
  if (repeated.children.length === 0) return repeated.element;
  const leaf = repeated.children.length === 1 ? repeated.children[0] : undefined;
  return leaf !== undefined && leaf.children.length === 0 ? leaf.element : undefined;
}

/** A column's Glue type: a leaf's own, `array<element>` for a LIST of leaves; anything else has none. */
function columnType(column: SchemaTree) {
  const el = column.element;
  const element = listElement(column);
  if (element !== undefined) {
    const mapped = glueTypeOf({ ...element, repetition_type: 'OPTIONAL' });
    return mapped.ok ? { ok: true as const, type: `array<${mapped.type}>` } : mapped;
  }
  return glueTypeOf(column.children.length > 0 ? { ...el, num_children: column.children.length } : el);
}

/** The top-level columns of one file with their Glue types, or why one of them has none. */
export function fileSchema(key: string, metadata: FileMetaData): FileSchema {
  const columns: FileColumn[] = [];
  for (const child of parquetSchema(metadata).children) {
    const el = child.element;
    const mapped = columnType(child);
    if (!mapped.ok) return { key, error: `column ${el.name}: ${mapped.reason}` };
    columns.push({ name: el.name, type: mapped.type });
  }
  return { key, columns };
}

const INTEGER_RANK: Record<string, number> = { tinyint: 1, smallint: 2, int: 3, bigint: 4 };
const DECIMAL = /^decimal\((\d+),(\d+)\)$/;

/** The narrowest type every file's values fit in, when Athena can read each file's type as it (Parquet widening). */
export function widen(a: string, b: string): string | undefined {
  if (a === b) return a;
  const ra = INTEGER_RANK[a];
  const rb = INTEGER_RANK[b];
  if (ra !== undefined && rb !== undefined) return ra > rb ? a : b;
  if ((a === 'float' && b === 'double') || (a === 'double' && b === 'float')) return 'double';
  const da = DECIMAL.exec(a);
  const db = DECIMAL.exec(b);
  if (da && db) {
    const [pa, sa, pb, sb] = [da[1], da[2], db[1], db[2]].map(Number) as [number, number, number, number];
    const scale = Math.max(sa, sb);
    const precision = Math.max(pa - sa, pb - sb) + scale;
    return precision <= 38 ? `decimal(${precision},${scale})` : undefined;
  }
  return undefined;
}

export type TableSchema =
  | { ok: true; columns: FileColumn[]; notes: string[] }
  | { ok: false; reason: string };

/**
 * One schema for all files of a table. Files that disagree are merged when every difference is a
 * widening Athena's Parquet reader performs (int→bigint, float→double, decimal growth) or a column
 * missing from some files (read as NULL there); both are reported in notes. Any other disagreement
 * fails the table: whichever type we chose, Athena would fail on the other files (HIVE_BAD_DATA).
 */
export function mergeSchemas(files: readonly FileSchema[]): TableSchema {
  if (files.length === 0) return { ok: false, reason: 'no Parquet files found for the table' };
  const broken = files.find((f): f is { key: string; error: string } => 'error' in f);
  if (broken) return { ok: false, reason: `${broken.key}: ${broken.error}` };
  const good = files as { key: string; columns: FileColumn[] }[];
  const order: string[] = [];
  const types = new Map<string, string[]>();
  const presence = new Map<string, number>();
  for (const f of good) {
    for (const c of f.columns) {
      if (!types.has(c.name)) {
        order.push(c.name);
        types.set(c.name, []);
      }
      types.get(c.name)?.push(c.type);
      presence.set(c.name, (presence.get(c.name) ?? 0) + 1);
    }
  }
  const notes: string[] = [];
  const columns: FileColumn[] = [];
  for (const name of order) {
    const seen = types.get(name) ?? [];
    const distinct = [...new Set(seen)];
    let type: string | undefined = distinct[0];
    for (const t of distinct.slice(1)) type = type === undefined ? undefined : widen(type, t);
    if (type === undefined) {
      return { ok: false, reason: `files disagree on column ${name}: ${distinct.join(' vs ')}` };
    }
    if (distinct.length > 1)
      notes.push(`column ${name}: files hold ${distinct.join(', ')}; registered as ${type}`);
    const count = presence.get(name) ?? 0;
    if (count < good.length)
      notes.push(`column ${name} is missing from ${good.length - count} of ${good.length} files`);
    columns.push({ name, type });
  }
  return { ok: true, columns, notes };
}

export type GlueColumns =
  | { ok: true; columns: Column[]; serde: Record<string, string> }
  | { ok: false; reason: string };

const COMMENT_MAX = 255;

/**
 * Athena-safe column names, with each column's original database type as its comment. Athena reads
 * Parquet by name and ignores case, so lowercasing is free; any other rename would read NULLs, so
 * then this export's files are read by position (`parquet.column.index.access`, on the latest table
 * and on the export's own history partition, never on the history table: glue-tables.ts), which is
 * only sound when every file has the same columns in the same order.
 */
export function glueColumns(
  schema: { columns: FileColumn[] },
  files: readonly FileSchema[],
  originalTypes: ReadonlyMap<string, string>,
): GlueColumns {
  const raw = schema.columns.map((c) => c.name);
  const names = columnNames(raw);
  const lowered = new Map([...originalTypes].map(([k, v]) => [k.toLowerCase(), v]));
  const columns: Column[] = schema.columns.map((c, i) => {
    const comment = originalTypes.get(c.name) ?? lowered.get(c.name.toLowerCase());
    const col: Column = { Name: names[i] ?? c.name, Type: c.type };
    if (comment !== undefined) col.Comment = comment.slice(0, COMMENT_MAX);
    return col;
  });
  const renamed = raw.some((r, i) => r.toLowerCase() !== names[i]);
  if (!renamed) return { ok: true, columns, serde: {} };
  const layout = JSON.stringify(raw);
  const sameLayout = files.every(
    (f) => 'columns' in f && JSON.stringify(f.columns.map((c) => c.name)) === layout,
  );
  if (!sameLayout) {
    return { ok: false, reason: 'columns need renaming for Athena and the files differ in column layout' };
  }
  return { ok: true, columns, serde: { 'parquet.column.index.access': 'true' } };
}
