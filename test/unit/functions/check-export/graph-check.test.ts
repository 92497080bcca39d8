import {
  GetExportTaskCommand,
  NeptuneGraphClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-neptune-graph';
import { RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkExport, NOT_LISTED_GRACE_CHECKS } from '#functions/check-export/check.ts';
import type { ExecutionState } from '#shared/contract/execution.ts';
import { graphJob, graphStarted, graphTaskOutput } from '#test/statemachines/graph-fixtures.ts';

// check-export on a graph export: GetExportTask by the t-… id the start was given, its statuses
// mapped onto the machine's, progressPercentage driving the adaptive wait as PercentProgress does.

const graphs = mockClient(NeptuneGraphClient);
const NOW = new Date('2024-05-05T04:30:10.000Z');
const deps = {
  rds: new RDSClient({ region: 'us-east-1' }),
  graphs: new NeptuneGraphClient({ region: 'us-east-1' }),
  now: () => NOW,
  bounds: { minSeconds: 5, maxSeconds: 1800 },
};
const state: ExecutionState = { ...graphJob, start: graphStarted() };
const exporting = (progressPercentage: number) =>
  graphTaskOutput('EXPORTING', { timeElapsedSeconds: 1800, progressPercentage });

beforeEach(() => graphs.reset());

describe('checking a graph export', () => {
  it('reads the task by its t-… id and maps EXPORTING with its progress onto IN_PROGRESS', async () => {
    graphs.on(GetExportTaskCommand, { taskIdentifier: 't-k2j4h6g8f0' }).resolves(exporting(50));
    const result = await checkExport(state, deps);
    expect(result).toMatchObject({
      status: 'IN_PROGRESS',
      task: { status: 'EXPORTING', percentProgress: 50 },
    });
    expect(graphs.commandCalls(GetExportTaskCommand)[0]?.args[0].input).toEqual({
      taskIdentifier: 't-k2j4h6g8f0',
    });
  });

  it('lands the next check near the end its progress predicts', async () => {
    graphs.on(GetExportTaskCommand).resolves(exporting(50));
    const first = await checkExport(state, deps);
    graphs.on(GetExportTaskCommand).resolves(exporting(90));
    const later = { ...deps, now: () => new Date(NOW.getTime() + 600_000) };
    const second = await checkExport({ ...state, check: first }, later);
    // 40 points in 10 minutes: the last 10 in about 2.5 minutes, not the 30-minute maximum.
    expect(second.waitSeconds).toBeGreaterThan(60);
    expect(second.waitSeconds).toBeLessThan(400);
  });

  it('takes a task the service does not list yet for INITIALIZING, then gives up after the grace checks', async () => {
    graphs
      .on(GetExportTaskCommand)
      .rejects(new ResourceNotFoundException({ message: 'no task', $metadata: {} }));
    const first = await checkExport(state, deps);
    expect(first).toMatchObject({
      status: 'STARTING',
      task: { exportTaskIdentifier: 't-k2j4h6g8f0', status: 'INITIALIZING' },
    });
    const late = { ...state, check: { ...first, polls: NOT_LISTED_GRACE_CHECKS } };
    await expect(checkExport(late, deps)).rejects.toMatchObject({ name: 'ExportTaskNotFoundError' });
  });
});
