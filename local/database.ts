import { readFileSync } from 'node:fs';

/** The source database of the local stack: embedded PGlite by default, or a PostgreSQL server. */
export interface SourceDatabase {
  /** The database name, as the export writes it in paths and targets. */
  readonly name: string;
  readonly kind: 'pglite' | 'postgres';
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

export const SAMPLE_SQL_PATH = new URL('./sample-db.sql', import.meta.url);

/** Opens the database: a PostgreSQL server when `url` is given, else an in-memory PGlite. */
export async function openDatabase(url?: string): Promise<SourceDatabase> {
  if (url) {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const [row] = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows;
    return {
      name: row?.db ?? 'postgres',
      kind: 'postgres',
      query: async <T>(sql: string) => (await client.query(sql)).rows as T[],
      exec: async (sql) => {
        await client.query(sql);
      },
      close: () => client.end(),
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite();
  await db.waitReady;
  return {
    name: 'postgres',
    kind: 'pglite',
    query: async <T>(sql: string) => (await db.query<T>(sql)).rows,
    exec: async (sql) => {
      await db.exec(sql);
    },
    close: () => db.close(),
  };
}

/** Creates (or re-creates) the sample schemas and rows. */
export async function loadSampleData(db: SourceDatabase): Promise<void> {
  await db.exec(readFileSync(SAMPLE_SQL_PATH, 'utf8'));
}
