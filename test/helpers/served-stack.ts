import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const START = fileURLToPath(new URL('../../local/start.ts', import.meta.url));

/** This process's environment without AWS or rds-export settings: only what the served stack prints counts. */
export const withoutAws = (): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AWS_|RDS_EXPORT_)/.test(k)));

/** `export NAME=value` lines, as `npm start -- --serve` prints them, as variables. */
export function environmentOf(lines: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    lines.map(
      (l) =>
        l
          .replace(/^export /, '')
          .split(/=(.*)/s)
          .slice(0, 2) as [string, string],
    ),
  );
}

export interface ServedStack {
  /** What `npm start -- --serve` printed on stdout: `export NAME=value` lines. */
  lines: string[];
  /** Those lines as variables. */
  env: Record<string, string>;
  /** The served stack's simulated now, from the Date header its endpoints answer with. */
  simulatedNow(): Promise<number>;
  /** Ctrl-C: resolves with the exit code. */
  interrupt(): Promise<number | null>;
  /** Whether it still runs. */
  running(): boolean;
}

/**
 * Runs `npm start -- --serve <args>` (local/start.ts under tsx, as the script does) and resolves
 * once it has printed its last line (the stage). Stop it with `interrupt()`: its endpoints and their
 * temporary directories go with it.
 */
export function startServedStack(args: string[]): Promise<ServedStack> {
  const child: ChildProcess = spawn(TSX, [START, '--serve', ...args], {
    env: { ...withoutAws(), POWERTOOLS_LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err = (err + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!/RDS_EXPORT_STAGE=.*\n/.test(out)) return;
      const lines = out.trim().split('\n');
      const env = environmentOf(lines);
      resolve({
        lines,
        env,
        running: () => child.exitCode === null && child.signalCode === null,
        simulatedNow: async () => {
          const response = await fetch(String(env.AWS_ENDPOINT_URL_SFN), { method: 'POST', body: '{}' });
          await response.arrayBuffer();
          return Date.parse(String(response.headers.get('date')));
        },
        interrupt: () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
          return exited;
        },
      });
    });
    void exited.then((code) =>
      reject(new Error(`npm start -- --serve exited ${code} before serving:\n${err}`)),
    );
  });
}
