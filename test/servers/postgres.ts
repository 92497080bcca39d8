import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, INSTALL_SERVERS, run, runningAsRoot, type TestServer } from '#testkit/launch.ts';

export const POSTGRES_USER = 'export';
const PASSWORD = 'local-export-pw';
const ROOT = '/usr/lib/postgresql';

/** The bin directory of Debian's newest installed PostgreSQL (`/usr/lib/postgresql/<major>/bin`). */
export function postgresBinDir(): string {
  const majors = existsSync(ROOT)
    ? readdirSync(ROOT)
        .filter((v) => existsSync(join(ROOT, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const [major] = majors;
  if (major === undefined)
    throw new Error(`PostgreSQL is not installed (no ${ROOT}/<version>/bin/postgres): ${INSTALL_SERVERS}`);
  return join(ROOT, major, 'bin');
}

/**
 * Starts a throw-away PostgreSQL server on 127.0.0.1 and a free port, with its own data directory,
 * and a superuser `export` that logs in over TCP with a password (scram-sha-256). PostgreSQL refuses
 * to run as root, so as root it runs as the `postgres` user, which then owns the directory.
 */
export async function startPostgres(): Promise<TestServer> {
  const bin = postgresBinDir();
  const dir = await mkdtemp(join(tmpdir(), 'test-postgres-'));
  const asPostgres = async (command: string, args: string[]) =>
    runningAsRoot() ? run('runuser', ['-u', 'postgres', '--', command, ...args]) : run(command, args);
  const data = join(dir, 'data');
  const passwordFile = join(dir, 'password');
  await writeFile(passwordFile, PASSWORD, { mode: 0o600 });
  if (runningAsRoot()) {
    const [uid, gid] = await postgresUser();
    await chown(dir, uid, gid);
    await chown(passwordFile, uid, gid);
  }
  await asPostgres(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    POSTGRES_USER,
    `--pwfile=${passwordFile}`,
    '--auth-host=scram-sha-256',
    '--auth-local=trust',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  const port = await freePort();
  const log = join(dir, 'server.log');
  try {
    // pg_ctl -w returns once the server accepts connections; fsync off: the data is thrown away.
    await asPostgres(join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      log,
      '-w',
      '-o',
      `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c shared_buffers=32MB`,
      'start',
    ]);
  } catch (error) {
    const output = await readFile(log, 'utf8').catch(() => '');
    await rm(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${String(error)}\n${output}`);
  }
  return {
    url: (database) =>
      `postgres://${POSTGRES_USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    stop: async () => {
      await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The uid and gid of Debian's `postgres` user, which the package creates. */
async function postgresUser(): Promise<[number, number]> {
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
  return [await id('-u'), await id('-g')];
}

/** Creates `database` (UTF8) on the server, dropping an earlier one of that name. */
export async function createPostgresDatabase(server: TestServer, database: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: server.url('postgres') });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${database}"`);
    await client.query(`CREATE DATABASE "${database}" ENCODING 'UTF8'`);
  } finally {
    await client.end();
  }
}
