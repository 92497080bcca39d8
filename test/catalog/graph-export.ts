import type { PutObjectCommand } from '@aws-sdk/client-s3';
import { writeGraphExport } from '#local/neptune-graph/export-files.ts';
import { type LabelTable, type PlannedCell, planExport } from '#local/neptune-graph/export-plan.ts';
import type { TypedValue } from '#local/neptune-graph/property-graph.ts';
import { SAMPLE_EXPORT_FILTER, SAMPLE_GRAPH } from '#local/neptune-graph/sample-graph.ts';

/**
 * A Neptune Analytics export of the sample graph as the local endpoint writes it (real Parquet or
 * loader CSV), as S3 objects by key, and the values each label table must read back as.
 */
export async function sampleGraphExport(
  root: string,
  format: 'PARQUET' | 'CSV',
): Promise<{ objects: Map<string, Uint8Array>; tables: LabelTable[] }> {
  const objects = new Map<string, Uint8Array>();
  const s3 = {
    send: async (command: PutObjectCommand) => {
      objects.set(command.input.Key ?? '', command.input.Body as Uint8Array);
      return {};
    },
  };
  const tables = planExport(SAMPLE_GRAPH, SAMPLE_EXPORT_FILTER);
  await writeGraphExport(s3 as never, 'bucket', root, tables, format);
  return { objects, tables };
}

/** The Glue target of a label table: `vertex.<label>` / `edge.<label>`. */
export const targetOf = (t: LabelTable) => `${t.kind}.${t.label}`;

/** A value as the Parquet files hold it, as comparable text. */
function parquetValue(v: TypedValue): string {
  return String(v.value);
}

/** A value as the loader's CSV writes it, which Athena's OpenCSVSerDe reads back. */
function csvCell(cell: PlannedCell): string {
  if (cell === null) return '';
  if (typeof cell === 'string') return cell;
  if (Array.isArray(cell)) return cell.map((v) => String(v.value)).join(';');
  return String(cell.value);
}

/**
 * The rows of a label table, each a list of comparable cells in the registered column order
 * (`_id`, then `_from`/`_to` for edges, `_label`, then the properties). In CSV a missing value is an
 * empty field: numeric and boolean columns read it as NULL, string-typed ones as an empty string.
 */
export function expectedRows(
  table: LabelTable,
  format: 'PARQUET' | 'CSV',
  stringColumns: ReadonlySet<number>,
) {
  return table.rows
    .map((row) => {
      const system =
        table.kind === 'vertex' ? [row.id, table.label] : [row.id, row.from ?? '', row.to ?? '', table.label];
      const cells = row.cells.map((cell, i) => {
        const index = system.length + i;
        if (format === 'CSV') {
          const text = csvCell(cell);
          return text === '' && !stringColumns.has(index) ? null : text;
        }
        if (cell === null) return null;
        if (typeof cell === 'string') return cell;
        return Array.isArray(cell) ? cell.map(parquetValue) : parquetValue(cell);
      });
      return [...system, ...cells];
    })
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

/** A value DuckDB returned, as comparable text (dates as ISO, timestamps as ISO instants). */
export function readValue(value: unknown, glueType: string): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((v) => readValue(v, glueType.replace(/^array<(.+)>$/, '$1')));
  if (value instanceof Date)
    return glueType === 'date' ? value.toISOString().slice(0, 10) : value.toISOString();
  return String(value);
}
