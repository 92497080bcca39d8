import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBInstance } from '@duckdb/node-api';

/** One column of a fixture table: how DuckDB writes it, the Glue type it must get, and its value as text. */
export type FixtureColumn = {
  name: string;
  /** DuckDB expression producing the value with the Parquet type the export would write. */
  sql: string;
  glue: string;
  /** The value as DuckDB prints it after reading the file back with the Glue type. */
  text: string;
  /** originalTypeMappings entry of the metadata file (omitted: column absent from the metadata). */
  original?: Record<string, unknown>;
};

/** A directory of files written like an RDS export, later served as S3 objects `<key> → bytes`. */
export class ExportTree {
  readonly dir = mkdtempSync(join(tmpdir(), 'export-tree-'));
  private constructor(
    private readonly db: DuckDBInstance,
    readonly conn: DuckDBConnection,
  ) {}

  static async create(): Promise<ExportTree> {
    const db = await DuckDBInstance.create(':memory:');
    return new ExportTree(db, await db.connect());
  }

  /** Writes `SELECT <columns>` (repeated `rows` times) as a GZIP Parquet file at `key`. */
  async parquet(key: string, columns: readonly FixtureColumn[], rows = 1): Promise<void> {
    const path = join(this.dir, key);
    mkdirSync(join(path, '..'), { recursive: true });
    const select = columns.map((c) => `${c.sql} AS "${c.name}"`).join(', ');
    const from = rows > 1 ? ` FROM range(${rows})` : '';
    await this.conn.run(`COPY (SELECT ${select}${from}) TO '${path}' (FORMAT parquet, COMPRESSION gzip)`);
  }

  text(key: string, content: string): void {
    const path = join(this.dir, key);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
  }

  /** Every file under the tree as S3 objects. */
  objects(): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    const walk = (dir: string, prefix: string) => {
      for (const name of readdirSync(dir)) {
        const full = join(dir, name);
        if (statSync(full).isDirectory()) walk(full, `${prefix}${name}/`);
        else out.set(`${prefix}${name}`, new Uint8Array(readFileSync(full)));
      }
    };
    walk(this.dir, '');
    return out;
  }

  /** Local path of an `s3://bucket/key` location served from this tree. */
  localPath(location: string): string {
    return join(this.dir, location.replace(/^s3:\/\/[^/]+\//, ''));
  }

  close(): void {
    this.conn.closeSync();
    this.db.closeSync();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `export_tables_info` entry for a table written from fixture columns. */
export function tableStatus(target: string, columns: readonly FixtureColumn[]): Record<string, unknown> {
  return {
    target,
    status: 'COMPLETE',
    sizeGB: 0.001,
    schemaMetadata: {
      originalTypeMappings: columns
        .filter((c) => c.original)
        .map((c) => ({ columnName: c.name, expectedExportedType: 'x', ...c.original })),
    },
  };
}

/** One column of a multi-row fixture: its DuckDB type in the file, and its cells as SQL literals. */
export type ValuesColumn = { name: string; fileType: string; original?: Record<string, unknown> };

/** Writes rows of literal cells (`'text'`, `42`, `NULL`) as a GZIP Parquet file at `key`. */
export async function writeRows(
  tree: ExportTree,
  key: string,
  columns: readonly ValuesColumn[],
  rows: readonly (readonly string[])[],
): Promise<void> {
  const path = join(tree.dir, key);
  mkdirSync(join(path, '..'), { recursive: true });
  const values = rows
    .map((row) => `(${row.map((cell, i) => `CAST(${cell} AS ${columns[i]?.fileType})`).join(', ')})`)
    .join(', ');
  const names = columns.map((c) => `"${c.name}"`).join(', ');
  await tree.conn.run(
    `COPY (SELECT * FROM (VALUES ${values}) AS t(${names})) TO '${path}' (FORMAT parquet, COMPRESSION gzip)`,
  );
}
