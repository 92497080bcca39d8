import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { promisify } from 'node:util';

/** A database server a test started for itself: on 127.0.0.1, a port of its own, a data directory of its own. */
export interface TestServer {
  /** A URL for `database` as the given user. */
  url(database: string): string;
  stop(): Promise<void>;
}

/** What to run so that the tests can: the packages the README and .ci/run install (servers and the AWS CLI). */
export const INSTALL_SERVERS =
  'apt-get install -y --no-install-recommends mariadb-server postgresql awscli (as root, after apt-get update)';

export const run = promisify(execFile);

export const runningAsRoot = () => process.getuid?.() === 0;

/** A port free on 127.0.0.1 now (the server binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** The first of `paths` that exists, or an error that says what to install. */
export function findExecutable(what: string, paths: readonly string[]): string {
  const found = paths.find((p) => existsSync(p));
  if (!found)
    throw new Error(`${what} is not installed (looked for ${paths.join(', ')}): ${INSTALL_SERVERS}`);
  return found;
}

/** Starts `command` in the background, its output kept for the error message should it stop early. */
export function startDaemon(command: string, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => output };
}

/** Retries `attempt` until it resolves, the daemon exits, or `timeoutMs` passes. */
export async function waitUntilReady<T>(
  daemon: { child: ChildProcess; output: () => string },
  attempt: () => Promise<T>,
  timeoutMs = 60_000,
): Promise<T> {
  // performance.now: the local stack may have made Date run faster in this process.
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (daemon.child.exitCode !== null) {
      throw new Error(
        `the server exited (${daemon.child.exitCode}) before it was ready:\n${daemon.output()}`,
      );
    }
    try {
      return await attempt();
    } catch (error) {
      if (performance.now() > deadline) {
        throw new Error(
          `the server was not ready after ${timeoutMs} ms (${String(error)}):\n${daemon.output()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Stops a daemon with SIGTERM (a clean shutdown) and waits for it to exit. */
export async function stopDaemon(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
