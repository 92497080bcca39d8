import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import type { CellValue, ParquetKind } from '#local/rds/snapshot-tables.ts';
import type { StoredSnapshot } from '#local/rds/snapshots.ts';
import { waitForNamed } from '#local/runtime/progress.ts';
import { serveEnvironment } from '#local/serve.ts';
import type { Execution } from '#local/sfn/server.ts';
import type { LocalStack } from '#local/stack.ts';
import { environmentOf, withoutAws } from '../helpers/served-stack.ts';

/** Raises one snapshot-created event per snapshot and waits for the executions on-snapshot started. */
export async function exportSnapshots(stack: LocalStack, snapshots: StoredSnapshot[]): Promise<Execution[]> {
  const decisions = (await Promise.all(snapshots.map((s) => stack.raiseSnapshotEvent(s)))) as {
    exportTaskIdentifier?: string;
  }[];
  const names = decisions.map((d) => d.exportTaskIdentifier ?? '');
  return waitForNamed(stack, [...new Set(names)]);
}

/** A cell as comparable text: the source value and the value Athena reads must give the same. */
export function comparable(value: unknown, kind: ParquetKind): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return `hex:${Buffer.from(value).toString('hex')}`;
  // REAL is a 32-bit float in the Parquet file: the source's double rounds to it.
  if (kind === 'FLOAT') return String(Math.fround(Number(value)));
  if (kind === 'DOUBLE') return String(Number(value));
  return String(value);
}

export function comparableRows(
  rows: readonly (readonly (CellValue | unknown)[])[],
  kinds: ParquetKind[],
): string[] {
  return rows.map((row) => JSON.stringify(row.map((v, i) => comparable(v, kinds[i] ?? 'STRING')))).sort();
}

/** Published SNS notifications, parsed. */
export function notifications(
  stack: LocalStack,
): { kind: string; exportTaskIdentifier?: string; cause?: string; fix?: string }[] {
  return stack.sns.messages.map((m) => JSON.parse(m.Message));
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The real `rds-export` binary in a child process against a local stack, with the environment
 * `npm start -- --serve` prints for it over this process's own (AWS settings left out).
 */
export function rdsExportAgainst(stack: Pick<LocalStack, 'endpoints'>) {
  const served = environmentOf(serveEnvironment(stack));
  const env = { ...withoutAws(), ...served, NODE_NO_WARNINGS: '1', NO_COLOR: '1' };
  /** Its exit code and output, whatever the code. */
  async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        [join(ROOT, 'bin/rds-export.js'), ...args],
        { cwd: ROOT, env },
      );
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }
  /** Its `--json` output, parsed; it must exit 0. */
  async function json<T>(...args: string[]): Promise<T> {
    const out = await cli(...args, '--json');
    expect(out.code, out.stderr).toBe(0);
    return JSON.parse(out.stdout) as T;
  }
  return { env, cli, json };
}

/**
 * Polls `done` until it holds, or throws after `ms` naming `what` and the lines `state` gives then
 * (the executions and tasks of the stack, say), so a test that hangs says where.
 */
export async function until(
  done: () => boolean | Promise<boolean>,
  what: string,
  state: () => string[] = () => [],
  ms = 30_000,
): Promise<void> {
  const end = performance.now() + ms;
  while (!(await done())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}:\n${state().join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every key of a local bucket (every page of ListObjectsV2, through the SDK's paginator). */
export async function bucketKeys(stack: LocalStack, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: stack.s3Client }, { Bucket: bucket })) {
    keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
  }
  return keys;
}
