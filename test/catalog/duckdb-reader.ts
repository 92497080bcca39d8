import type { Table } from '@aws-sdk/client-glue';
import type { ExportTree } from './export-tree.ts';

/** DuckDB's name for each Glue/Hive type the mapper produces. */
export function duckType(hive: string): string {
  const simple: Record<string, string> = {
    boolean: 'BOOLEAN',
    tinyint: 'TINYINT',
    smallint: 'SMALLINT',
    int: 'INTEGER',
    bigint: 'BIGINT',
    float: 'FLOAT',
    double: 'DOUBLE',
    string: 'VARCHAR',
    binary: 'BLOB',
    date: 'DATE',
    timestamp: 'TIMESTAMP',
  };
  const dec = /^decimal\((\d+),(\d+)\)$/.exec(hive);
  if (dec) return `DECIMAL(${dec[1]},${dec[2]})`;
  const t = simple[hive];
  if (!t) throw new Error(`no DuckDB type for ${hive}`);
  return t;
}

export type ReadColumn = { name: string; glueType: string; fileType: string; value: string | null };

/**
 * Reads the files under a Glue table's (or partition's) location the way Athena does: every Parquet
 * file below the location, columns matched to the Glue columns by name ignoring case (or by position
 * when the SerDe says `parquet.column.index.access`), each value read as the registered Glue type.
 */
export async function readAsRegistered(
  tree: ExportTree,
  sd: NonNullable<Table['StorageDescriptor']>,
): Promise<ReadColumn[]> {
  const glob = `${tree.localPath(sd.Location ?? '')}**/*.parquet`;
  const described = await tree.conn.runAndReadAll(
    `DESCRIBE SELECT * FROM read_parquet('${glob}', union_by_name=true)`,
  );
  const fileCols = described
    .getRowObjectsJS()
    .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  const byIndex = sd.SerdeInfo?.Parameters?.['parquet.column.index.access'] === 'true';
  const glueCols = sd.Columns ?? [];
  const matched = glueCols.map((c, i) =>
    byIndex ? fileCols[i] : fileCols.find((f) => f.name.toLowerCase() === c.Name?.toLowerCase()),
  );
  const select = glueCols
    .map((c, i) => {
      const f = matched[i];
      return f
        ? `CAST(CAST("${f.name}" AS ${duckType(c.Type ?? '')}) AS VARCHAR) AS "c${i}"`
        : `NULL AS "c${i}"`;
    })
    .join(', ');
  const rows = await tree.conn.runAndReadAll(
    `SELECT ${select} FROM read_parquet('${glob}', union_by_name=true) LIMIT 1`,
  );
  const row = rows.getRowObjectsJS()[0] ?? {};
  return glueCols.map((c, i) => ({
    name: c.Name ?? '',
    glueType: c.Type ?? '',
    fileType: matched[i]?.type ?? '(missing)',
    value: (row[`c${i}`] as string | null | undefined) ?? null,
  }));
}
