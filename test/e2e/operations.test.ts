import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedRequest } from '#local/protocol/request-log.ts';
import { type LocalStack, startStack } from '#local/stack.ts';
import { requestProblems } from './api-models.ts';
import { rdsExportAgainst, until as waitUntil } from './helpers.ts';

// The operations commands, run as the real `rds-export` binary in a child process against the
// local stack, with exactly the environment `npm start -- --serve` prints. Simulated time runs ×120.

const logDir = mkdtempSync(join(tmpdir(), 'local-aws-requests-'));
const requestLog = join(logDir, 'requests.jsonl');
let stack: LocalStack;
let cli: ReturnType<typeof rdsExportAgainst>['cli'];
let json: ReturnType<typeof rdsExportAgainst>['json'];

beforeAll(async () => {
  stack = await startStack({
    timeScale: 120,
    requestLog,
    durations: ({ ExportTaskIdentifier: id }) =>
      id.startsWith('burst-')
        ? { starting: 30, inProgress: 86_400 }
        : id.startsWith('ops-slow') && !/-r\d+$/.test(id)
          ? { starting: 30, inProgress: 3600 }
          : { starting: 30, inProgress: 120 },
  });
  const first = await stack.createSnapshot('ops-1', 'ops-db-1');
  await stack.createSnapshot('ops-2', 'ops-db-2', first);
  await stack.createSnapshot('ops-slow-3', 'ops-slow-db-3', first);
  ({ cli, json } = rdsExportAgainst(stack));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(logDir, { recursive: true, force: true });
});

/** The executions and their tasks, for a wait that timed out. */
const stackState = () =>
  [...stack.sfn.executions.values()].map(
    (e) =>
      `${e.name} ${e.status} ${e.currentState ?? ''} ${stack.tasks.tasks.get(e.name)?.Status ?? 'no task'}`,
  );
const until = (done: () => boolean, what: string, ms?: number) => waitUntil(done, what, stackState, ms);

const status = (name: string) => stack.sfn.executions.get(name)?.status;

type Plan = { snapshots: { snapshot: string; decision: string; exportTaskIdentifier?: string }[] };
type Started = Plan & { started: { snapshot: string; action: string; exportTaskIdentifier?: string }[] };

describe('rds-export against the local stack', () => {
  let exported: string[] = [];

  it('backfill exports exactly the snapshots its dry run listed, and nothing else', async () => {
    const dry = await json<Plan>('backfill', '--dry-run');
    const planned = dry.snapshots.filter((s) => s.decision === 'export').map((s) => s.exportTaskIdentifier);
    expect(planned).toHaveLength(3);
    expect(stack.sfn.executions.size).toBe(0);
    const run = await json<Started>('backfill');
    exported = run.started.filter((s) => s.action === 'export').map((s) => s.exportTaskIdentifier ?? '');
    expect(exported).toEqual(planned);
    expect([...stack.sfn.executions.keys()].sort()).toEqual([...exported].sort());
  });

  it('starts nothing on a second backfill: every snapshot is recognised as exported', async () => {
    const again = await json<Started>('backfill');
    expect(again.started).toEqual([]);
    expect(again.snapshots.map((s) => s.decision)).toEqual(['done', 'done', 'done']);
    expect(stack.sfn.executions.size).toBe(3);
  });

  it('cancels an export, retries it under -r2, and lists one CANCELED and one COMPLETE', async () => {
    const slow = exported.find((id) => id.startsWith('ops-slow')) ?? '';
    await until(() => stack.tasks.tasks.get(slow)?.Status === 'IN_PROGRESS', 'the export in progress');
    const canceled = await cli('cancel', slow);
    expect(canceled.code, canceled.stderr).toBe(0);
    expect(canceled.stdout).toContain('CANCELING');
    await until(() => status(slow) === 'FAILED', 'the canceled execution to end');
    expect(stack.sfn.executions.get(slow)?.error).toBe('ExportCanceled');

    const ended = await cli('cancel', slow);
    expect([ended.code, ended.stderr]).toEqual([2, expect.stringContaining('already ended CANCELED')]);

    const retry = await json<{ attempt: number; outcome: { action: string; exportTaskIdentifier: string } }>(
      'retry',
      slow,
    );
    expect(retry).toMatchObject({
      attempt: 2,
      outcome: { action: 'export', exportTaskIdentifier: `${slow}-r2` },
    });
    await until(
      () => [...stack.sfn.executions.values()].every((e) => e.status !== 'RUNNING'),
      'every export',
    );
    expect(status(`${slow}-r2`)).toBe('SUCCEEDED');

    const done = exported.find((id) => id !== slow) ?? '';
    const refused = await cli('retry', done);
    expect([refused.code, refused.stderr]).toEqual([2, expect.stringContaining('--force')]);

    const list = await json<{
      exports: { exportTaskIdentifier: string; outcome: string; tables?: object }[];
    }>('list');
    const outcomes = Object.fromEntries(list.exports.map((e) => [e.exportTaskIdentifier, e.outcome]));
    expect(outcomes).toMatchObject({ [slow]: 'CANCELED', [`${slow}-r2`]: 'COMPLETE' });
    expect(list.exports.find((e) => e.exportTaskIdentifier === `${slow}-r2`)?.tables).toMatchObject({
      registered: expect.any(Number),
    });
  });

  it('shows during a burst at most the limit of exports in progress, and the rest queued', async () => {
    const first = await stack.createSnapshot('burst-op-1', 'burst-db-1');
    for (let i = 2; i <= 8; i++) await stack.createSnapshot(`burst-op-${i}`, `burst-db-${i}`, first);
    const run = await json<Started>('backfill', '--source', 'burst-db-*');
    const burst = run.started.map((s) => s.exportTaskIdentifier ?? '');
    expect(burst).toHaveLength(8);
    const queued = () =>
      burst.filter((id) => stack.sfn.executions.get(id)?.currentState === 'Wait for a free export slot')
        .length;
    await until(() => stack.tasks.active() === 5 && queued() === 3, 'five exports running and three queued');
    const report = await json<{
      slots: { used: number; limit: number };
      running: { exportTaskIdentifier: string; activity: string; seconds?: number }[];
    }>('status');
    expect(report.slots).toEqual({ used: 5, limit: 5, tasks: expect.any(Array) });
    const activities = report.running.map((r) => r.activity);
    expect(activities.filter((a) => a === 'in progress' || a === 'starting').length).toBeLessThanOrEqual(5);
    expect(activities.filter((a) => a === 'queued')).toHaveLength(8 - 5);
    expect(report.running).toHaveLength(8);
    const human = await cli('status');
    expect(human.stdout).toMatch(/Export slots: 5 of 5 in use/);
    expect(human.stdout).toMatch(/burst-op-\d-\w+\s+burst-db-\d\s+queued/);

    // A queued export has no task to cancel yet: its execution is stopped, and lists as ABORTED.
    const waiting = report.running.find((r) => r.activity === 'queued')?.exportTaskIdentifier ?? '';
    const stopped = await cli('cancel', waiting);
    expect([stopped.code, stopped.stdout]).toEqual([0, expect.stringContaining('its execution was stopped')]);
    await until(() => status(waiting) === 'ABORTED', 'the stopped execution');
    const list = await json<{ exports: { exportTaskIdentifier: string; outcome: string; cause?: string }[] }>(
      'list',
      '--status',
      'aborted',
    );
    expect(list.exports).toEqual([
      expect.objectContaining({
        exportTaskIdentifier: waiting,
        outcome: 'ABORTED',
        cause: expect.stringContaining('rds-export cancel'),
      }),
    ]);
  });

  it('sends only requests that are valid against the AWS API models, CloudFormation included', () => {
    const entries = readFileSync(requestLog, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LoggedRequest);
    const actions = new Set(entries.map((e) => `${e.service}.${e.action}`));
    for (const action of [
      'cloudformation.DescribeStacks',
      'sfn.GetExecutionHistory',
      'rds.CancelExportTask',
    ]) {
      expect(actions).toContain(action);
    }
    expect(entries.flatMap(requestProblems)).toEqual([]);
  });
});
