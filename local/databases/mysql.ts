import type { SourceDatabase } from './open.ts';
import { engineVersionOf, redactUrl } from './open.ts';

/**
 * Connects to a MySQL or MariaDB server (`mysql://user:password@host:port/database`) with the
 * `mysql2` driver. The connection reads every value losslessly: BIGINT and DECIMAL as text (no
 * float rounding), dates and times as the server prints them (microseconds, zero dates), JSON as its
 * text, geometry as its stored bytes; TIMESTAMP values are read in UTC.
 */
export async function openMysql(url: string): Promise<SourceDatabase> {
  const { default: mysql } = await import('mysql2/promise');
  const database = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (database === '') {
    throw new Error(
      `the MySQL URL must name a database (mysql://user:password@host:port/database): ${redactUrl(url)}`,
    );
  }
  const connection = await mysql.createConnection({
    uri: url,
    // The sample file is one script of many statements.
    multipleStatements: true,
    // 4-byte characters (emoji) need utf8mb4 on the wire as well as in the tables.
    charset: 'utf8mb4',
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    jsonStrings: true,
    // mysql2 parses geometry into {x, y} objects; the export writes the stored bytes (SRID + WKB).
    typeCast: (field, next) => (field.type === 'GEOMETRY' ? field.buffer() : next()),
  });
  try {
    await connection.query("SET time_zone = '+00:00'");
    const [rows] = await connection.query('SELECT DATABASE() AS db, VERSION() AS version');
    const [row] = rows as { db?: string; version?: string }[];
    const version = String(row?.version ?? '');
    return {
      name: row?.db ?? database,
      kind: 'mysql',
      family: 'mysql',
      engine: /mariadb/i.test(version) ? 'mariadb' : 'mysql',
      engineVersion: engineVersionOf(version),
      query: async <T>(sql: string) => (await connection.query(sql))[0] as T[],
      exec: async (sql) => {
        try {
          await connection.query(sql);
        } catch (error) {
          // mysql2 attaches the whole statement; for the sample script that buries the message.
          if (error instanceof Error && 'sql' in error) delete error.sql;
          throw error;
        }
      },
      close: () => connection.end(),
    };
  } catch (error) {
    await connection.end();
    throw error;
  }
}
