import { readFileSync } from 'node:fs';

/** The engine family decides the export's layout, its ExportOnly forms and its type mapping. */
export type EngineFamily = 'postgres' | 'mysql';

/** The source database of the local stack: embedded PGlite by default, or a PostgreSQL, MySQL or MariaDB server. */
export interface SourceDatabase {
  /** The database name, as the export writes it in paths and targets. */
  readonly name: string;
  readonly kind: 'pglite' | 'postgres' | 'mysql';
  readonly family: EngineFamily;
  /** The RDS `Engine` of a DB instance running this server. */
  readonly engine: 'postgres' | 'mysql' | 'mariadb';
  /** The RDS `EngineVersion` of that instance: the server's own version, e.g. `16.4`, `10.11.9`. */
  readonly engineVersion: string;
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

export const SAMPLE_SQL_PATH = new URL('./sample-db.sql', import.meta.url);
export const MYSQL_SAMPLE_SQL_PATH = new URL('./sample-db-mysql.sql', import.meta.url);

/** What `npm start -- --engine mysql` says when it has no server to export. */
export const MYSQL_NEEDS_A_SERVER = [
  'MySQL needs a server: the local stack embeds PostgreSQL only (PGlite). Install MariaDB, for example on',
  'Debian or Ubuntu, create a database and a user, and pass the URL:',
  '  sudo apt-get install -y --no-install-recommends mariadb-server',
  '  sudo service mariadb start    # where the package did not start it',
  `  sudo mariadb -e "CREATE DATABASE sample; CREATE USER 'export'@'127.0.0.1' IDENTIFIED BY 'export'; GRANT ALL ON sample.* TO 'export'@'127.0.0.1'"`,
  '  npm start -- --engine mysql --database-url mysql://export:export@127.0.0.1:3306/sample',
].join('\n');

/** The engine family a database URL's scheme names, or undefined for an unknown scheme. */
export function familyOfUrl(url: string): EngineFamily | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return 'postgres';
  if (scheme === 'mysql' || scheme === 'mariadb') return 'mysql';
  return undefined;
}

/**
 * Opens the source database: the server `url` names (PostgreSQL, MySQL or MariaDB), or an in-memory
 * PGlite when there is none. MySQL has no embedded form, so `family: 'mysql'` needs a URL.
 */
export async function openDatabase(
  options: { family?: EngineFamily; url?: string } = {},
): Promise<SourceDatabase> {
  const family = options.family ?? (options.url ? familyOfUrl(options.url) : 'postgres');
  if (options.url && familyOfUrl(options.url) !== family) {
    throw new Error(`the database URL is not a ${family} URL: ${redactUrl(options.url)}`);
  }
  if (family === 'mysql') {
    if (!options.url) throw new Error(MYSQL_NEEDS_A_SERVER);
    const { openMysql } = await import('./mysql.ts');
    return openMysql(options.url);
  }
  return options.url ? openPostgres(options.url) : openPglite();
}

async function openPostgres(url: string): Promise<SourceDatabase> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const [row] = (
    await client.query<{ db: string; version: string }>(
      "SELECT current_database() AS db, current_setting('server_version') AS version",
    )
  ).rows;
  return {
    name: row?.db ?? 'postgres',
    kind: 'postgres',
    family: 'postgres',
    engine: 'postgres',
    engineVersion: engineVersionOf(row?.version ?? ''),
    query: async <T>(sql: string) => (await client.query(sql)).rows as T[],
    exec: async (sql) => {
      await client.query(sql);
    },
    close: () => client.end(),
  };
}

async function openPglite(): Promise<SourceDatabase> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite();
  await db.waitReady;
  const [row] = (await db.query<{ version: string }>("SELECT current_setting('server_version') AS version"))
    .rows;
  return {
    name: 'postgres',
    kind: 'pglite',
    family: 'postgres',
    engine: 'postgres',
    engineVersion: engineVersionOf(row?.version ?? ''),
    query: async <T>(sql: string) => (await db.query<T>(sql)).rows,
    exec: async (sql) => {
      await db.exec(sql);
    },
    close: () => db.close(),
  };
}

/** `16.4 (Debian 16.4-1)` → `16.4`; `10.11.9-MariaDB-0+deb12u1` → `10.11.9`. */
export function engineVersionOf(serverVersion: string): string {
  return /^\d+(\.\d+)*/.exec(serverVersion.trim())?.[0] ?? serverVersion.trim();
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

/** Creates (or re-creates) the sample tables and rows of the database's engine family. */
export async function loadSampleData(db: SourceDatabase): Promise<void> {
  await db.exec(readFileSync(db.family === 'mysql' ? MYSQL_SAMPLE_SQL_PATH : SAMPLE_SQL_PATH, 'utf8'));
}
