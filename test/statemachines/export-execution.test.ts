import { describe, expect, it } from 'vitest';
import { buildNotification } from '#functions/notify/build.ts';
import { CheckResult, ExecutionState, NotifyInput, StartResult } from '#shared/contract/execution.ts';
import { FUNCTION_ARNS } from './definition.ts';
import { checked, clusterJob, job, queued, registration, started, trackingExisting } from './fixtures.ts';
import { kinds, lambdaError, runExecution, ScriptedFunction } from './harness.ts';

// Runs the real statemachines/export.asl.yml in aws-local-stepfunctions; waits and retry pauses are
// overridden to 0 ms, everything else (paths, choices, retries, catches, Fail states) is the ASL's.

describe('an export that completes', () => {
  it('polls until COMPLETE, registers the tables and sends started then completed', async () => {
    const start = new ScriptedFunction('start-export', [started()]);
    const polls = [
      checked('STARTING', 1),
      checked('IN_PROGRESS', 2, { percentProgress: 10 }),
      checked('IN_PROGRESS', 3, { percentProgress: 65 }),
      checked('COMPLETE', 4, { percentProgress: 100, totalExtractedDataInGB: 31 }),
    ];
    const check = new ScriptedFunction('check-export', polls);
    const register = new ScriptedFunction('register-export', [registration]);

    const outcome = await runExecution(job, { start, check, register });

    expect(outcome.error).toBeUndefined();
    expect(kinds(outcome)).toEqual(['started', 'completed']);
    expect(check.requests).toHaveLength(4);
    // The start result reaches check-export unwrapped, exactly as start-export returned it.
    for (const payload of check.payloads) expect(payload.start).toEqual(started());
    // Each check sees the previous check's result, so check-export can adapt its wait.
    expect(check.payloads.map((payload) => (payload.check as CheckResult | undefined)?.status)).toEqual([
      undefined,
      'STARTING',
      'IN_PROGRESS',
      'IN_PROGRESS',
    ]);
    expect(ExecutionState.parse(register.payloads[0]).check?.status).toBe('COMPLETE');
    const completed = outcome.notifications[1];
    expect(completed?.executionId).toMatch(/^arn:aws:states:.*:execution:/);
    expect(completed?.state.registration).toEqual(registration);
    expect(completed?.state.error).toBeUndefined();
    expect(outcome.output).toMatchObject({ ...job, start: started(), check: polls[3], registration });
  });

  it('exports a live Aurora cluster through the same states, and names the cluster in its notifications', async () => {
    const start = new ScriptedFunction('start-export', [started()]);
    const check = new ScriptedFunction('check-export', [
      checked('STARTING', 1),
      checked('COMPLETE', 2, { percentProgress: 100, sourceType: 'CLUSTER' }),
    ]);
    const register = new ScriptedFunction('register-export', [registration]);

    const outcome = await runExecution(clusterJob, { start, check, register });

    expect(outcome.error).toBeUndefined();
    expect(kinds(outcome)).toEqual(['started', 'completed']);
    expect(start.payloads[0]).toMatchObject({
      source: { kind: 'cluster', scheduledTime: '2024-05-02T00:30:00.000Z' },
    });
    const completed = outcome.notifications[1];
    const notification = buildNotification(NotifyInput.parse(completed));
    expect(notification.title).toBe('Export of cluster orders-aurora completed');
    expect(notification.details).toMatchObject({ schedule: 'nightly-clusters' });
  });

  it('sends each task its own function ARN and the whole state as payload', async () => {
    const start = new ScriptedFunction('start-export', [started()]);
    const check = new ScriptedFunction('check-export', [checked('COMPLETE', 1)]);
    const register = new ScriptedFunction('register-export', [registration]);

    await runExecution(job, { start, check, register });

    expect(start.requests[0]).toEqual({ FunctionName: FUNCTION_ARNS.StartExportFunctionArn, Payload: job });
    expect(check.requests[0]?.FunctionName).toBe(FUNCTION_ARNS.CheckExportFunctionArn);
    expect(register.requests[0]?.FunctionName).toBe(FUNCTION_ARNS.RegisterExportFunctionArn);
    expect(register.payloads[0]).toMatchObject(job);
  });

  it('tracks an export that was already running when start-export found its identifier taken', async () => {
    const start = new ScriptedFunction('start-export', [trackingExisting()]);
    const check = new ScriptedFunction('check-export', [checked('COMPLETE', 1)]);
    const register = new ScriptedFunction('register-export', [registration]);

    const outcome = await runExecution(job, { start, check, register });

    expect(outcome.error).toBeUndefined();
    expect(kinds(outcome)).toEqual(['started', 'completed']);
    expect(outcome.notifications[0]?.state.start?.outcome).toBe('tracking-existing');
  });

  it('keeps tracking the export when the started notification cannot be sent', async () => {
    const start = new ScriptedFunction('start-export', [started()]);
    const check = new ScriptedFunction('check-export', [checked('IN_PROGRESS', 1), checked('COMPLETE', 2)]);
    const register = new ScriptedFunction('register-export', [registration]);

    const outcome = await runExecution(job, {
      start,
      check,
      register,
      notifyFailures: { started: lambdaError('ConfigurationError', 'NOTIFICATION_TOPIC_ARN is not set') },
    });

    expect(outcome.error).toBeUndefined();
    expect(kinds(outcome)).toEqual(['started', 'completed']);
    expect(check.requests).toHaveLength(2);
    // A failed notification leaves no error behind that a later state could mistake for its own.
    expect(outcome.notifications[1]?.state.error).toBeUndefined();
  });

  it('reports registration failure in the completed notification and fails the execution', async () => {
    const start = new ScriptedFunction('start-export', [started()]);
    const check = new ScriptedFunction('check-export', [checked('COMPLETE', 1)]);
    const register = new ScriptedFunction('register-export', [
      lambdaError('InvalidInputError', 'export_info_orders-db-2024-05-01-06-10-7f3a9c.json is missing'),
    ]);

    const outcome = await runExecution(job, { start, check, register });

    expect(kinds(outcome)).toEqual(['started', 'completed']);
    const completed = outcome.notifications[1];
    expect(completed?.state.registration).toBeUndefined();
    expect(completed?.state.error?.Error).toBe('InvalidInputError');
    expect(completed?.state.error?.Cause).toContain('export_info_');
    expect(outcome.error?.name).toBe('TablesNotRegistered');
  });
});

describe('an export that does not complete', () => {
  it('sends the failed notification with the FailureCause and fails the execution', async () => {
    const failureCause = 'The S3 bucket acme-rds-exports does not exist or is in another Region.';
    const start = new ScriptedFunction('start-export', [started()]);
    const check = new ScriptedFunction('check-export', [
      checked('IN_PROGRESS', 1, { percentProgress: 5 }),
      checked('FAILED', 2, { failureCause }),
    ]);
    const register = new ScriptedFunction('register-export', []);

    const outcome = await runExecution(job, { start, check, register });

    expect(kinds(outcome)).toEqual(['started', 'failed']);
    expect(outcome.notifications[1]?.state.check?.task.failureCause).toBe(failureCause);
    expect(register.requests).toHaveLength(0);
    expect(outcome.error?.name).toBe('ExportFailed');
  });

  it('sends the canceled notification and fails the execution after CANCELING then CANCELED', async () => {
    const start = new ScriptedFunction('start-export', [started()]);
    const check = new ScriptedFunction('check-export', [checked('CANCELING', 1), checked('CANCELED', 2)]);

    const outcome = await runExecution(job, { start, check });

    expect(kinds(outcome)).toEqual(['started', 'canceled']);
    expect(check.requests).toHaveLength(2);
    expect(outcome.error?.name).toBe('ExportCanceled');
  });

  it('alerts on an UNKNOWN status instead of polling forever', async () => {
    const start = new ScriptedFunction('start-export', [started()]);
    const check = new ScriptedFunction('check-export', [checked('UNKNOWN', 1)]);

    const outcome = await runExecution(job, { start, check });

    expect(kinds(outcome)).toEqual(['started', 'unknown-status']);
    expect(outcome.notifications[1]?.state.check?.task.status).toBe('PAUSED');
    expect(outcome.error?.name).toBe('UnknownExportStatus');
  });

  it('routes a status outside the check-export contract to the unknown-status alert and fails', async () => {
    const start = new ScriptedFunction('start-export', [started()]);
    const offContract = { ...checked('IN_PROGRESS', 1), status: 'PAUSED' };
    expect(CheckResult.safeParse(offContract).success).toBe(false);
    const check = new ScriptedFunction('check-export', [offContract]);

    const outcome = await runExecution(job, { start, check }, { offContract: true });

    expect(kinds(outcome)).toEqual(['started', 'unknown-status']);
    expect(outcome.notifications[1]?.state.check?.status).toBe('PAUSED');
    // NotifyInput refuses the off-contract state; the execution still fails under the right name.
    expect(outcome.rejectedByNotifier).toEqual(['unknown-status']);
    expect(outcome.error?.name).toBe('UnknownExportStatus');
  });
});

describe('waiting for a free export slot', () => {
  it('calls start-export again after each wait and alerts exactly once when the wait is too long', async () => {
    const start = new ScriptedFunction('start-export', [
      queued(1, false),
      queued(2, true),
      queued(3, false, true),
      started(),
    ]);
    const check = new ScriptedFunction('check-export', [checked('COMPLETE', 1)]);
    const register = new ScriptedFunction('register-export', [registration]);

    const outcome = await runExecution(job, { start, check, register });

    expect(outcome.error).toBeUndefined();
    expect(kinds(outcome)).toEqual(['queued-too-long', 'started', 'completed']);
    expect(start.requests).toHaveLength(4);
    // Each attempt gets the previous queue state back, so start-export can back off and alert once.
    expect(start.payloads.map((payload) => (payload.start as StartResult | undefined)?.outcome)).toEqual([
      undefined,
      'queued',
      'queued',
      'queued',
    ]);
    expect(StartResult.parse(start.payloads[2]?.start)).toEqual(queued(2, true));
    expect(outcome.notifications[0]?.state.start).toEqual(queued(2, true));
  });

  it('keeps waiting when the queued-too-long alert cannot be sent', async () => {
    const start = new ScriptedFunction('start-export', [queued(1, true), started()]);
    const check = new ScriptedFunction('check-export', [checked('COMPLETE', 1)]);
    const register = new ScriptedFunction('register-export', [registration]);

    const outcome = await runExecution(job, {
      start,
      check,
      register,
      notifyFailures: { 'queued-too-long': lambdaError('Lambda.Unknown', 'Unhandled') },
    });

    expect(outcome.error).toBeUndefined();
    expect(kinds(outcome)).toEqual(['queued-too-long', 'started', 'completed']);
  });

  it('alerts and fails when start-export answers with an outcome the machine does not know', async () => {
    const start = new ScriptedFunction('start-export', [{ outcome: 'deferred', waitSeconds: 60 }]);

    const outcome = await runExecution(job, { start }, { offContract: true });

    expect(kinds(outcome)).toEqual(['start-failed']);
    expect(outcome.notifications[0]?.state.error?.Error).toBe('UnexpectedStartResult');
    expect(outcome.rejectedByNotifier).toEqual(['start-failed']);
    expect(outcome.error?.name).toBe('UnexpectedStartResult');
  });
});
