import { describe, expect, it } from 'vitest';
import { buildNotification } from '#functions/notify/build.ts';
import { NotifyInput } from '#shared/contract/execution.ts';
import { graphChecked, graphJob, graphRegistration, graphStarted } from './graph-fixtures.ts';
import { kinds, lambdaError, runExecution, ScriptedFunction, ScriptedWaits } from './harness.ts';

// A Neptune Analytics graph export through the real statemachines/export.asl.yml: the same states
// as an RDS export, with GetExportTask's statuses (INITIALIZING, EXPORTING, SUCCEEDED, FAILED,
// CANCELLING, CANCELLED, DELETED) mapped onto the machine's by check-export. Neptune Analytics
// emits no export-finished events, so the machine polls instead of waiting for one.

const run = (checks: unknown[], waits = new ScriptedWaits()) => {
  const start = new ScriptedFunction('start-export', [graphStarted()]);
  const check = new ScriptedFunction('check-export', checks);
  const register = new ScriptedFunction('register-export', [graphRegistration]);
  return {
    start,
    check,
    register,
    waits,
    outcome: runExecution(graphJob, { start, check, register, waits }),
  };
};

const notification = async (outcome: Awaited<ReturnType<typeof runExecution>>, kind: string) =>
  buildNotification(NotifyInput.parse(outcome.notifications.find((n) => n.kind === kind)));

describe('a graph export', () => {
  it('polls through INITIALIZING and EXPORTING to SUCCEEDED, registers its tables and never waits for an event', async () => {
    const { check, waits, outcome } = run([
      graphChecked('INITIALIZING', 1),
      graphChecked('EXPORTING', 2, { progress: 40 }),
      graphChecked('SUCCEEDED', 3, { progress: 100 }),
    ]);
    const result = await outcome;
    expect(result.error).toBeUndefined();
    expect(kinds(result)).toEqual(['started', 'completed']);
    expect(check.requests).toHaveLength(3);
    expect(waits.ofAction('wait-export')).toEqual([]);
    // The slot it held is one of the graph exports' (shared/slots/items.ts SlotPool).
    expect(waits.ofAction('release')).toEqual([
      {
        action: 'release',
        exportTaskIdentifier: graphJob.exportTaskIdentifier,
        sourceKind: 'graph',
        sourceArn: graphJob.source.arn,
      },
    ]);
    const completed = await notification(result, 'completed');
    expect(completed.title).toBe('Export of graph social-graph completed');
    expect(completed.details).toMatchObject({ format: 'PARQUET', verticesWritten: 1200, edgesWritten: 3400 });
    expect(completed.registeredTables).toEqual([
      'rds_export_graph_social_graph.vertex_person (vertex.person)',
      'rds_export_graph_social_graph.edge_follows (edge.follows)',
    ]);
  });

  it('alerts on FAILED with the statusReason and the fix for the role trust', async () => {
    const reason = 'Unable to assume role arn:aws:iam::123456789012:role/rds-export-dev-graph-export';
    const { outcome } = run([
      graphChecked('EXPORTING', 1),
      graphChecked('FAILED', 2, { statusReason: reason }),
    ]);
    const result = await outcome;
    expect(result.error?.name).toBe('ExportFailed');
    expect(kinds(result)).toEqual(['started', 'failed']);
    const failed = await notification(result, 'failed');
    expect(failed.cause).toBe(reason);
    expect(failed.fix).toContain('neptune-graph.amazonaws.com');
    expect(failed.fix).toContain('aws:SourceAccount');
  });

  it('reports CANCELLING then CANCELLED as canceled', async () => {
    const { outcome } = run([graphChecked('CANCELLING', 1), graphChecked('CANCELLED', 2)]);
    const result = await outcome;
    expect(result.error?.name).toBe('ExportCanceled');
    expect(kinds(result)).toEqual(['started', 'canceled']);
  });

  it('reports DELETED as a failure that says nothing was exported, without registering', async () => {
    const { register, outcome } = run([graphChecked('EXPORTING', 1), graphChecked('DELETED', 2)]);
    const result = await outcome;
    expect(result.error?.name).toBe('ExportFailed');
    expect(register.requests).toHaveLength(0);
    const failed = await notification(result, 'failed');
    expect(failed.cause).toMatch(/DELETED/);
    expect(failed.fix).toMatch(/Nothing was exported/);
  });

  it('alerts on a status Neptune Analytics never documented instead of polling forever', async () => {
    const { outcome } = run([graphChecked('PAUSED', 1)]);
    const result = await outcome;
    expect(result.error?.name).toBe('UnknownExportStatus');
    const unknown = await notification(result, 'unknown-status');
    expect(unknown.cause).toContain('Neptune Analytics reported status "PAUSED"');
  });

  it('retries a throttled GetExportTask and goes on tracking', async () => {
    const { check, outcome } = run([
      lambdaError(
        'AwsThrottledError',
        'GetExportTask t-k2j4h6g8f0 failed: ThrottlingException: Rate exceeded',
      ),
      lambdaError(
        'AwsThrottledError',
        'GetExportTask t-k2j4h6g8f0 failed: ThrottlingException: Rate exceeded',
      ),
      graphChecked('SUCCEEDED', 1, { progress: 100 }),
    ]);
    const result = await outcome;
    expect(result.error).toBeUndefined();
    expect(check.requests).toHaveLength(3);
    expect(kinds(result)).toEqual(['started', 'completed']);
  });

  it('waits for a slot of the graph pool when queued', async () => {
    const start = new ScriptedFunction('start-export', [
      {
        outcome: 'queued',
        waitSeconds: 120,
        activeExports: 2,
        queue: { since: '2024-05-05T04:00:10.000Z', attempts: 1, alerted: false },
        alertDue: false,
      },
      graphStarted(),
    ]);
    const check = new ScriptedFunction('check-export', [graphChecked('SUCCEEDED', 1, { progress: 100 })]);
    const register = new ScriptedFunction('register-export', [graphRegistration]);
    const waits = new ScriptedWaits({ slots: ['woken'] });
    const result = await runExecution(graphJob, { start, check, register, waits });
    expect(result.error).toBeUndefined();
    expect(waits.ofAction('wait-slot')).toEqual([
      expect.objectContaining({
        limit: 2,
        sourceKind: 'graph',
        exportTaskIdentifier: graphJob.exportTaskIdentifier,
      }),
    ]);
  });
});
