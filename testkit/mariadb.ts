import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findExecutable,
  freePort,
  run,
  runningAsRoot,
  startDaemon,
  stopDaemon,
  type TestServer,
  waitUntilReady,
} from './launch.ts';

export const MARIADB_USER = 'export';
const PASSWORD = 'local-export-pw';

/** Where Debian's mariadb-server puts its binaries. */
export function mariadbBinaries(): { server: string; installDb: string } {
  return {
    server: findExecutable('mariadbd', ['/usr/sbin/mariadbd', '/usr/bin/mariadbd', '/usr/sbin/mysqld']),
    installDb: findExecutable('mariadb-install-db', [
      '/usr/bin/mariadb-install-db',
      '/usr/bin/mysql_install_db',
    ]),
  };
}

/**
 * Starts a throw-away MariaDB server on 127.0.0.1 and a free port, with its own data directory, and
 * a user `export` (password auth) that may create databases. `--no-defaults` keeps the machine's
 * my.cnf out of it, so the server runs with MariaDB's own defaults (latin1, non-strict zero dates).
 */
export async function startMariadb(): Promise<TestServer> {
  const { server, installDb } = mariadbBinaries();
  const dir = await mkdtemp(join(tmpdir(), 'test-mariadb-'));
  const datadir = join(dir, 'data');
  // mariadbd refuses to run as root unless told to: CI runs as root.
  const user = runningAsRoot() ? ['--user=root'] : [];
  await run(installDb, [
    '--no-defaults',
    `--datadir=${datadir}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    ...user,
  ]);
  const port = await freePort();
  const daemon = startDaemon(server, [
    '--no-defaults',
    `--datadir=${datadir}`,
    `--socket=${join(dir, 'mariadb.sock')}`,
    `--pid-file=${join(dir, 'mariadb.pid')}`,
    `--tmpdir=${dir}`,
    '--bind-address=127.0.0.1',
    `--port=${port}`,
    '--skip-name-resolve',
    '--innodb-buffer-pool-size=64M',
    ...user,
  ]);
  try {
    const { default: mysql } = await import('mysql2/promise');
    // The fresh server's root has no password and, with --skip-name-resolve, is root@localhost
    // through the socket only: create the user the tests connect as over TCP.
    const root = await waitUntilReady(daemon, () =>
      mysql.createConnection({ socketPath: join(dir, 'mariadb.sock'), user: 'root' }),
    );
    await root.query(`CREATE USER '${MARIADB_USER}'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'`);
    await root.query(`GRANT ALL ON *.* TO '${MARIADB_USER}'@'127.0.0.1'`);
    await root.end();
  } catch (error) {
    await stopDaemon(daemon.child);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: (database) =>
      `mysql://${MARIADB_USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    stop: async () => {
      await stopDaemon(daemon.child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Creates `database` (utf8mb4) on the server, dropping an earlier one of that name. */
export async function createMysqlDatabase(server: TestServer, database: string): Promise<void> {
  const { default: mysql } = await import('mysql2/promise');
  const connection = await mysql.createConnection({ uri: server.url('mysql'), multipleStatements: true });
  try {
    await connection.query(
      `DROP DATABASE IF EXISTS \`${database}\`; CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`,
    );
  } finally {
    await connection.end();
  }
}
