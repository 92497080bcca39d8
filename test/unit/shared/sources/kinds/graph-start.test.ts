import {
  ConflictException,
  GetGraphCommand,
  ListExportTasksCommand,
  NeptuneGraphClient,
  ServiceQuotaExceededException,
  StartExportTaskCommand,
  ValidationException,
} from '@aws-sdk/client-neptune-graph';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type StartDeps, startExport } from '#functions/start-export/start.ts';
import { classified } from '#shared/aws/classified.ts';
import type { ExecutionState } from '#shared/contract/execution.ts';
import { graphExportService, graphStart } from '#shared/sources/kinds/graph/start.ts';
import { graphJob } from '#test/statemachines/graph-fixtures.ts';

const graphs = mockClient(NeptuneGraphClient);
const service = graphExportService(
  classified(new NeptuneGraphClient({ region: 'us-east-1' }), 'neptune-graph'),
);
const state = graphJob as ExecutionState;
const NOW = new Date('2024-05-05T04:00:10.000Z');

const task = (status: string, extra: Record<string, unknown> = {}) =>
  ({
    graphId: 'g-0a1b2c3d4e',
    roleArn: graphJob.request.roleArn,
    taskId: 't-0123456789',
    status,
    format: 'PARQUET',
    destination: 's3://other/place/',
    kmsKeyIdentifier: graphJob.request.kmsKeyIdentifier,
    ...extra,
  }) as never;

/** Slots that hold `free` more leases, recording what start-export did with them. */
function slots(free: number) {
  const calls: string[] = [];
  return {
    calls,
    holds: async () => false,
    take: async (id: string) => {
      calls.push(`take ${id}`);
      return free-- > 0;
    },
    giveBack: async (id: string) => {
      calls.push(`giveBack ${id}`);
    },
    reconcile: async (active: readonly string[]) => {
      calls.push(`reconcile ${active.join(',')}`);
    },
    ahead: async () => 0,
    leave: async () => {},
  };
}

const deps = (s: ReturnType<typeof slots>): StartDeps => ({
  service,
  endAnnounced: graphStart.endAnnounced,
  now: () => NOW,
  random: () => 0.5,
  queueBaseWaitSeconds: 60,
  queueMaxWaitSeconds: 900,
  slots: s,
});

beforeEach(() => {
  graphs.reset();
  graphs
    .on(GetGraphCommand)
    .resolves({ id: 'g-0a1b2c3d4e', name: 'social-graph', arn: graphJob.source.arn, status: 'AVAILABLE' });
  graphs.on(ListExportTasksCommand).resolves({ tasks: [] });
});

describe('starting a graph export', () => {
  it('sends exactly the job’s neptune-graph request once the graph is AVAILABLE and a slot is free', async () => {
    graphs
      .on(StartExportTaskCommand)
      .resolves(task('INITIALIZING', { destination: graphJob.request.destination }));
    const s = slots(1);
    const result = await startExport(state, deps(s));
    expect(result).toMatchObject({
      outcome: 'started',
      task: { exportTaskIdentifier: 't-0123456789', status: 'INITIALIZING' },
      // Neptune Analytics announces no export's end: the state machine polls.
      endAnnounced: false,
    });
    expect(graphs.commandCalls(StartExportTaskCommand)[0]?.args[0].input).toEqual(graphJob.request);
    expect(s.calls).toEqual([`take ${graphJob.exportTaskIdentifier}`]);
  });

  it('tracks the graph’s running task instead of starting a second one, even on its first attempt', async () => {
    // A start the state machine ran again after StartExportTask went through (its Lambda timed out).
    graphs
      .on(ListExportTasksCommand)
      .resolves({ tasks: [task('EXPORTING', { destination: graphJob.request.destination })] });
    const s = slots(1);
    const result = await startExport(state, deps(s));
    expect(result).toMatchObject({
      outcome: 'tracking-existing',
      task: { exportTaskIdentifier: 't-0123456789', status: 'EXPORTING' },
    });
    expect(graphs.commandCalls(StartExportTaskCommand)).toHaveLength(0);
  });

  it('queues without starting while the graph pool’s slots are taken', async () => {
    const result = await startExport(state, deps(slots(0)));
    expect(result.outcome).toBe('queued');
    expect(graphs.commandCalls(StartExportTaskCommand)).toHaveLength(0);
  });

  it('queues again when Neptune Analytics refuses for a conflict or its quota, whose limit is undocumented', async () => {
    for (const refusal of [
      new ConflictException({ message: 'An export task is already running', $metadata: {} }),
      new ServiceQuotaExceededException({ message: 'limit', $metadata: {} }),
    ]) {
      graphs.on(StartExportTaskCommand).rejects(refusal);
      const s = slots(1);
      const result = await startExport(state, deps(s));
      expect(result.outcome).toBe('queued');
      expect(s.calls).toContain(`giveBack ${graphJob.exportTaskIdentifier}`);
    }
  });

  it('gives the slot back and fails with ExportParameterInvalidError when the request is refused as invalid', async () => {
    graphs
      .on(StartExportTaskCommand)
      .rejects(new ValidationException({ message: 'bad role', $metadata: {} }));
    const s = slots(1);
    await expect(startExport(state, deps(s))).rejects.toMatchObject({ name: 'ExportParameterInvalidError' });
    expect(s.calls).toContain(`giveBack ${graphJob.exportTaskIdentifier}`);
  });

  it('waits (retryably) for a graph still IMPORTING, and fails for good on a STOPPED one', async () => {
    graphs.on(GetGraphCommand).resolves({ status: 'IMPORTING' });
    await expect(startExport(state, deps(slots(1)))).rejects.toMatchObject({
      name: 'ExportSourceNotReadyError',
    });
    graphs.on(GetGraphCommand).resolves({ status: 'STOPPED' });
    await expect(startExport(state, deps(slots(1)))).rejects.toMatchObject({
      name: 'ExportSourceUnavailableError',
    });
    expect(graphs.commandCalls(StartExportTaskCommand)).toHaveLength(0);
  });
});

describe('a graph export that already runs', () => {
  const queuedState: ExecutionState = {
    ...state,
    start: {
      outcome: 'queued',
      waitSeconds: 60,
      activeExports: 2,
      queue: { since: '2024-05-05T04:00:00.000Z', attempts: 1, alerted: false },
      alertDue: false,
    },
  };

  it('is tracked when a task holds this export’s destination (a re-run of this execution started it)', async () => {
    graphs
      .on(ListExportTasksCommand)
      .resolves({ tasks: [task('SUCCEEDED', { destination: graphJob.request.destination })] });
    const result = await startExport(queuedState, deps(slots(1)));
    expect(result).toMatchObject({
      outcome: 'tracking-existing',
      task: { exportTaskIdentifier: 't-0123456789' },
    });
    expect(graphs.commandCalls(StartExportTaskCommand)).toHaveLength(0);
  });

  it('waits, never adopting it, while another export of the same graph runs, and keeps its slot meanwhile', async () => {
    // An overlapping schedule slot, a retry, or an export started outside the pipeline: its files
    // are not this export's, and registering them here would file them twice.
    graphs.on(ListExportTasksCommand).resolves({
      tasks: [task('EXPORTING'), task('EXPORTING', { graphId: 'g-ffffffffff', taskId: 't-9999999999' })],
    });
    const s = slots(1);
    const result = await startExport(queuedState, deps(s));
    expect(result).toMatchObject({ outcome: 'queued', queue: { attempts: 2 } });
    expect(graphs.commandCalls(StartExportTaskCommand)).toHaveLength(0);
    // Both tasks write to a folder named `place`: each holds a lease of its own, under its id.
    expect(s.calls[0]).toBe('reconcile t-0123456789,t-9999999999');
    expect(s.calls).not.toContain(`giveBack ${graphJob.exportTaskIdentifier}`);
  });

  it('starts once the other export of the graph ended', async () => {
    graphs.on(ListExportTasksCommand).resolves({ tasks: [task('SUCCEEDED')] });
    graphs
      .on(StartExportTaskCommand)
      .resolves(task('INITIALIZING', { destination: graphJob.request.destination }));
    await expect(startExport(queuedState, deps(slots(1)))).resolves.toMatchObject({ outcome: 'started' });
  });
});
