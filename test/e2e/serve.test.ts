import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// `npm start -- --serve`: the stack keeps running, and stdout holds only lines a shell can eval.
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const START = fileURLToPath(new URL('../../local/start.ts', import.meta.url));
const CLI = fileURLToPath(new URL('../../bin/rds-export.js', import.meta.url));
let child: ChildProcess | undefined;

afterAll(() => {
  if (child?.exitCode === null) child.kill('SIGKILL');
});

/** Starts the served stack and resolves with its stdout lines once the last one (the stage) is out. */
function serve(): Promise<string[]> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(AWS_|RDS_EXPORT_)/.test(k)),
  );
  child = spawn(TSX, [START, '--serve', '--snapshots', '2'], {
    env: { ...clean, POWERTOOLS_LOG_LEVEL: 'ERROR' },
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child?.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/RDS_EXPORT_STAGE=.*\n/.test(out)) resolve(out.trim().split('\n'));
    });
    child?.on('exit', (code) => reject(new Error(`npm start -- --serve exited ${code} before serving`)));
  });
}

describe('npm start -- --serve', () => {
  it('prints the endpoint variables, the Region and credentials, then the stage, and keeps serving', async () => {
    const lines = await serve();
    for (const line of lines) expect(line).toMatch(/^export [A-Z0-9_]+=\S+$/);
    const names = lines.map((l) => l.replace(/^export /, '').split('=')[0]);
    const endpoints = names.filter((n) => n?.startsWith('AWS_ENDPOINT_URL_'));
    expect(endpoints).toEqual(
      expect.arrayContaining(
        ['CLOUDFORMATION', 'DYNAMODB', 'RDS', 'SFN'].map((s) => `AWS_ENDPOINT_URL_${s}`),
      ),
    );
    expect(names.slice(endpoints.length)).toEqual([
      'AWS_REGION',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'RDS_EXPORT_STAGE',
    ]);
    for (const line of lines.filter((l) => l.includes('AWS_ENDPOINT_URL_'))) {
      expect(line).toMatch(/=http:\/\/127\.0\.0\.1:\d+$/);
    }
    // A command run with exactly those variables finds the deployment and its two snapshots.
    const env = Object.fromEntries(
      lines.map((l) =>
        l
          .replace(/^export /, '')
          .split(/=(.*)/s)
          .slice(0, 2),
      ),
    );
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(AWS_|RDS_EXPORT_)/.test(k)),
    );
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'backfill', '--dry-run', '--json'], {
      env: { ...clean, ...env, NODE_NO_WARNINGS: '1' },
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
    });
    const plan = JSON.parse(stdout) as { snapshots: { snapshot: string; decision: string }[] };
    expect(plan.snapshots.map((s) => [s.snapshot, s.decision])).toEqual([
      ['sample-snapshot-1', 'export'],
      ['sample-snapshot-2', 'export'],
    ]);
    expect(child?.exitCode).toBeNull();
    const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)));
    child?.kill('SIGINT');
    expect(await exited).toBe(130);
  });
});
