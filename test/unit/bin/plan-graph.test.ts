import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { exportTaskIdentifier } from '#shared/sources/identifiers.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const graphFile = join(root, 'test/events/graphs/social-graph.json');
const policy = join(root, 'examples/export-policy.schedules.yml');
const dir = mkdtempSync(join(tmpdir(), 'rds-export-plan-graph-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEY_ID = '0a1b2c3d-4444-4222-8333-944455556666';
const destination = [
  '--bucket',
  'cli-exports',
  '--kms-key',
  KEY_ID,
  '--role',
  'arn:aws:iam::123456789012:role/cli-graph-export',
];

async function plan(args: string[]) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(AWS_|EXPORT_|GRAPH_|STATE_MACHINE_ARN)/.test(k)),
  );
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(root, 'bin/rds-export.js'), 'plan', '--schedule', 'weekly-graphs', '--policy', policy, ...args],
      { cwd: root, env: clean },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('rds-export plan --schedule <graph schedule> --graph', () => {
  it('prints the exact neptune-graph StartExportTask input, with the key as an ARN the model requires', async () => {
    const at = '2024-05-05T04:00:00.000Z';
    const { code, stdout } = await plan(['--graph', graphFile, '--at', at, '--json', ...destination]);
    expect(code).toBe(0);
    const arn = 'arn:aws:neptune-graph:us-east-1:123456789012:graph/g-0a1b2c3d4e';
    const id = exportTaskIdentifier({ arn, at, name: 'social-graph' });
    expect(JSON.parse(stdout)).toEqual({
      action: 'export',
      rule: 'graphs-weekly',
      reason: 'rule "graphs-weekly" matched',
      exportTaskIdentifier: id,
      request: {
        graphIdentifier: 'g-0a1b2c3d4e',
        roleArn: 'arn:aws:iam::123456789012:role/cli-graph-export',
        format: 'PARQUET',
        destination: `s3://cli-exports/exports/graph/social-graph/2024/05/05/${id}/`,
        kmsKeyIdentifier: `arn:aws:kms:us-east-1:123456789012:key/${KEY_ID}`,
        parquetType: 'COLUMNAR',
      },
    });
    expect(id).toMatch(/^social-graph-[0-9a-f]{10}$/);
  });

  it('names one export per graph and slot: the same slot again gives the same name, the next slot another', async () => {
    const name = async (at: string) =>
      JSON.parse((await plan(['--graph', graphFile, '--at', at, '--json', ...destination])).stdout)
        .exportTaskIdentifier;
    const first = await name('2024-05-05T04:00:00Z');
    expect(await name('2024-05-05T04:00:00.000Z')).toBe(first);
    expect(await name('2024-05-12T04:00:00Z')).not.toBe(first);
  });

  it('skips, with the reason, a graph that is not AVAILABLE for a lasting reason', async () => {
    const stopped = join(dir, 'stopped.json');
    writeFileSync(
      stopped,
      JSON.stringify({ ...JSON.parse(readFileSync(graphFile, 'utf8')), status: 'STOPPED' }),
    );
    const { code, stdout } = await plan(['--graph', stopped, '--json', ...destination]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      action: 'skip',
      rule: null,
      reason: 'not exportable: graph is STOPPED, not AVAILABLE; the next slot tries again',
    });
  });

  it('prints the decision for people, naming the graph and the neptune-graph request', async () => {
    const { code, stdout } = await plan(['--graph', graphFile, ...destination]);
    expect(code).toBe(0);
    expect(stdout).toContain('Graph:     arn:aws:neptune-graph:us-east-1:123456789012:graph/g-0a1b2c3d4e');
    expect(stdout).toContain('neptune-graph StartExportTask request:');
  });

  it('refuses a cluster file for a graph schedule, naming the option (exit 2)', async () => {
    const { code, stderr } = await plan(['--cluster', graphFile, ...destination]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/selects graphs: give --graph, not --cluster/);
  });
});
