import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_GRAPH } from '#local/neptune-graph/sample-graph.ts';
import type { LoggedRequest } from '#local/protocol/request-log.ts';
import { type LocalStack, startStack } from '#local/stack.ts';
import { requestProblems } from './api-models.ts';
import { rdsExportAgainst, until as waitUntil } from './helpers.ts';

// A graph export operated with the real `rds-export` binary, in a child process, against the served
// local stack (the environment `npm start -- --source graph --serve` prints): status while it
// exports, cancel, retry under -r2, list. Simulated time runs ×600; a first attempt exports for ten
// simulated hours, a retry (its destination ends in -r<n>/) for five minutes.

const logDir = mkdtempSync(join(tmpdir(), 'local-aws-requests-'));
const requestLog = join(logDir, 'requests.jsonl');
let stack: LocalStack;
let cli: ReturnType<typeof rdsExportAgainst>['cli'];
let json: ReturnType<typeof rdsExportAgainst>['json'];
let exportName = '';

beforeAll(async () => {
  stack = await startStack({
    timeScale: 600,
    requestLog,
    graphDurations: (task) =>
      /-r\d+\/$/.test(task.destination)
        ? { initializing: 30, exporting: 300 }
        : { initializing: 30, exporting: 36_000 },
  });
  stack.graphs.add('sample-graph', SAMPLE_GRAPH);
  ({ cli, json } = rdsExportAgainst(stack));
  const run = (await stack.fireSchedule('local-graphs')) as {
    decisions: { source: string; exportTaskIdentifier?: string }[];
  };
  exportName = run.decisions.find((d) => d.source === 'sample-graph')?.exportTaskIdentifier ?? '';
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(logDir, { recursive: true, force: true });
});

/** The executions and graph tasks, for a wait that timed out. */
const stackState = () => [
  ...[...stack.sfn.executions.values()].map((e) => `${e.name} ${e.status} ${e.currentState}`),
  ...[...stack.graphTasks.tasks.values()].map((t) => `${t.taskId} ${t.status} ${t.destination}`),
];
const until = (done: () => boolean, what: string, ms?: number) => waitUntil(done, what, stackState, ms);

const taskOf = (name: string) =>
  [...stack.graphTasks.tasks.values()].find((t) => t.destination.endsWith(`/${name}/`));
const execution = (name: string) => stack.sfn.executions.get(name);

interface Status {
  graphSlots: { used: number; limit?: number; leases: { exportTaskIdentifier: string; pipeline: boolean }[] };
  running: {
    exportTaskIdentifier: string;
    sourceKind?: string;
    activity: string;
    taskStatus?: string;
    percentProgress?: number;
    estimatedFinish?: string;
  }[];
}

describe('rds-export operating a graph export on the local stack', () => {
  it('shows a graph export in progress with its percent, estimated finish and the graph slot it holds', async () => {
    expect(exportName).toMatch(/^sample-graph-[0-9a-f]{10}$/);
    await until(() => (taskOf(exportName)?.progressPercentage ?? 0) > 0, 'the graph export to make progress');
    const report = await json<Status>('status');
    const running = report.running.find((r) => r.exportTaskIdentifier === exportName);
    expect(running).toMatchObject({ sourceKind: 'graph', activity: 'in progress', taskStatus: 'EXPORTING' });
    expect(running?.percentProgress).toBeGreaterThan(0);
    expect(Date.parse(running?.estimatedFinish ?? '')).toBeGreaterThan(stack.clock.now());
    expect(report.graphSlots).toEqual({
      used: 1,
      limit: 2,
      leases: [expect.objectContaining({ exportTaskIdentifier: exportName, pipeline: true })],
    });
    const human = await cli('status');
    expect(human.stdout).toContain('Graph export slots: 1 of 2 in use');
    expect(human.stdout).toMatch(new RegExp(`${exportName}\\s+sample-graph\\s+in progress`));
  });

  it("cancels the graph export's Neptune Analytics task, and its execution ends CANCELED", async () => {
    const task = taskOf(exportName);
    const canceled = await cli('cancel', exportName);
    expect(canceled.code, canceled.stderr).toBe(0);
    expect(canceled.stdout).toContain(`task ${task?.taskId} of export ${exportName} is CANCELLING`);
    await until(() => execution(exportName)?.status === 'FAILED', 'the canceled execution to end', 60_000);
    expect(execution(exportName)?.error).toBe('ExportCanceled');
    expect(taskOf(exportName)?.status).toBe('CANCELLED');
    const again = await cli('cancel', exportName);
    expect([again.code, again.stderr]).toEqual([2, expect.stringContaining('already ended CANCELLED')]);
  });

  it('retries it under -r2 into a folder of its own, and lists one CANCELED and one COMPLETE with what it wrote', async () => {
    const retry = await json<{ attempt: number; outcome: { action: string; exportTaskIdentifier: string } }>(
      'retry',
      exportName,
      '--policy',
      'local/export-policy.yml',
    );
    const second = `${exportName}-r2`;
    expect(retry).toMatchObject({ attempt: 2, outcome: { action: 'export', exportTaskIdentifier: second } });
    await until(() => execution(second)?.status === 'SUCCEEDED', 'the retry to complete', 60_000);
    expect(taskOf(second)?.destination).toMatch(
      new RegExp(`^s3://[^/]+/exports/graph/sample-graph/${second}/$`),
    );

    const list = await json<{
      exports: {
        exportTaskIdentifier: string;
        outcome: string;
        verticesWritten?: number;
        edgesWritten?: number;
        tables?: { registered: number };
      }[];
    }>('list');
    const listed = Object.fromEntries(list.exports.map((e) => [e.exportTaskIdentifier, e]));
    expect(listed[exportName]?.outcome).toBe('CANCELED');
    expect(listed[second]).toMatchObject({
      outcome: 'COMPLETE',
      verticesWritten: 12,
      edgesWritten: 14,
      tables: { registered: 7 },
    });
    const human = await cli('list');
    expect(human.stdout).toMatch(
      new RegExp(`COMPLETE\\s+${second}\\s+sample-graph\\s+.*12 vertices, 14 edges`),
    );
    expect((await json<Status>('status')).graphSlots.used).toBe(0);
  });

  it('sends only requests that are valid against the AWS API models, the neptune-graph ones included', () => {
    const entries = readFileSync(requestLog, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LoggedRequest);
    const actions = new Set(entries.filter((e) => e.service === 'neptune-graph').map((e) => e.action));
    for (const action of [
      'CancelExportTask',
      'GetExportTask',
      'ListExportTasks',
      'GetGraph',
      'ListTagsForResource',
    ]) {
      expect(actions).toContain(action);
    }
    expect(entries.flatMap(requestProblems)).toEqual([]);
  });
});
