import { describe, expect, it } from 'vitest';
import { FATAL_ERROR_NAMES, RETRYABLE_ERROR_NAMES } from '#shared/contract/errors.ts';
import { loadDefinition } from './definition.ts';
import { checked, job, registration, started } from './fixtures.ts';
import { kinds, lambdaError, runExecution, ScriptedFunction } from './harness.ts';

// Errors travel from a function to the ASL by name (shared/contract/errors.ts): these runs throw errors whose
// `name` is the contract name, the way the lambda:invoke integration reports a function's errorType.

function attemptsAllowed(stateName: string, errorName: string): number {
  const retrier = loadDefinition().States[stateName]?.Retry?.find((r) => r.ErrorEquals.includes(errorName));
  if (!retrier) throw new Error(`${stateName} does not retry ${errorName}`);
  // Step Functions' default MaxAttempts is 3.
  return 1 + (retrier.MaxAttempts ?? 3);
}

describe('errors while starting the export', () => {
  it('alerts with the fatal error and fails the execution under its name, without retrying', async () => {
    const message = 'The KMS key arn:aws:kms:us-east-1:123456789012:key/6f1c5a2e is not accessible';
    const start = new ScriptedFunction('start-export', [
      lambdaError('ExportKmsKeyNotAccessibleError', message),
    ]);

    const outcome = await runExecution(job, { start });

    expect(start.requests).toHaveLength(1);
    expect(kinds(outcome)).toEqual(['start-failed']);
    const error = outcome.notifications[0]?.state.error;
    expect(error?.Error).toBe('ExportKmsKeyNotAccessibleError');
    expect(JSON.parse(error?.Cause ?? '{}')).toMatchObject({ errorMessage: message });
    expect(outcome.notifications[0]?.state.start).toBeUndefined();
    expect(outcome.error?.name).toBe('ExportKmsKeyNotAccessibleError');
  });

  it.each(FATAL_ERROR_NAMES)('does not retry the fatal %s', async (name) => {
    const start = new ScriptedFunction('start-export', [lambdaError(name, 'fatal'), started()]);

    const outcome = await runExecution(job, { start });

    expect(start.requests).toHaveLength(1);
    expect(kinds(outcome)).toEqual(['start-failed']);
  });

  it.each(RETRYABLE_ERROR_NAMES)(
    'retries the retryable %s and goes on once the start succeeds',
    async (name) => {
      const start = new ScriptedFunction('start-export', [lambdaError(name, 'transient'), started()]);
      const check = new ScriptedFunction('check-export', [checked('COMPLETE', 1)]);
      const register = new ScriptedFunction('register-export', [registration]);

      const outcome = await runExecution(job, { start, check, register });

      expect(start.requests).toHaveLength(2);
      expect(kinds(outcome)).toEqual(['started', 'completed']);
      expect(outcome.error).toBeUndefined();
    },
  );

  it('alerts with the last error once the retries of a retryable error run out', async () => {
    const attempts = attemptsAllowed('Start export', 'ExportSourceNotReadyError');
    const start = new ScriptedFunction(
      'start-export',
      Array.from({ length: attempts + 1 }, () =>
        lambdaError('ExportSourceNotReadyError', 'snapshot is creating'),
      ),
    );

    const outcome = await runExecution(job, { start });

    expect(start.requests).toHaveLength(attempts);
    expect(kinds(outcome)).toEqual(['start-failed']);
    expect(outcome.notifications[0]?.state.error?.Error).toBe('ExportSourceNotReadyError');
    expect(outcome.error?.name).toBe('ExportSourceNotReadyError');
  });
});

describe('errors while checking the export', () => {
  it('retries a throttled check without alerting and goes on polling', async () => {
    const start = new ScriptedFunction('start-export', [started()]);
    const check = new ScriptedFunction('check-export', [
      lambdaError('AwsThrottledError', 'Rate exceeded'),
      lambdaError('AwsThrottledError', 'Rate exceeded'),
      checked('IN_PROGRESS', 1, { percentProgress: 40 }),
      lambdaError('Lambda.TooManyRequestsException', 'Rate Exceeded.'),
      checked('COMPLETE', 2),
    ]);
    const register = new ScriptedFunction('register-export', [registration]);

    const outcome = await runExecution(job, { start, check, register });

    expect(check.requests).toHaveLength(5);
    expect(kinds(outcome)).toEqual(['started', 'completed']);
    expect(outcome.notifications[1]?.state.error).toBeUndefined();
    expect(outcome.error).toBeUndefined();
  });

  it('alerts check-failed with the error and fails under its name when the task is gone', async () => {
    const start = new ScriptedFunction('start-export', [started()]);
    const check = new ScriptedFunction('check-export', [
      checked('IN_PROGRESS', 1),
      lambdaError(
        'ExportTaskNotFoundError',
        'DescribeExportTasks returned no task orders-db-2024-05-01-06-10-7f3a9c',
      ),
    ]);

    const outcome = await runExecution(job, { start, check });

    expect(check.requests).toHaveLength(2);
    expect(kinds(outcome)).toEqual(['started', 'check-failed']);
    const state = outcome.notifications[1]?.state;
    expect(state?.error?.Error).toBe('ExportTaskNotFoundError');
    expect(state?.check?.status).toBe('IN_PROGRESS');
    expect(outcome.error?.name).toBe('ExportTaskNotFoundError');
  });

  it('still fails with the export failure when the failed notification cannot be sent', async () => {
    const start = new ScriptedFunction('start-export', [started()]);
    const check = new ScriptedFunction('check-export', [
      checked('FAILED', 1, { failureCause: 'Access denied' }),
    ]);

    const outcome = await runExecution(job, {
      start,
      check,
      notifyFailures: { failed: lambdaError('UnexpectedAwsError', 'SNS said no') },
    });

    expect(kinds(outcome)).toEqual(['started', 'failed']);
    expect(outcome.error?.name).toBe('ExportFailed');
  });

  it('succeeds when the completed notification cannot be sent: the export and its tables are done', async () => {
    const start = new ScriptedFunction('start-export', [started()]);
    const check = new ScriptedFunction('check-export', [checked('COMPLETE', 1)]);
    const register = new ScriptedFunction('register-export', [registration]);

    const outcome = await runExecution(job, {
      start,
      check,
      register,
      notifyFailures: { completed: lambdaError('UnexpectedAwsError', 'SNS said no') },
    });

    expect(kinds(outcome)).toEqual(['started', 'completed']);
    expect(outcome.error).toBeUndefined();
  });

  it.each(['Lambda.Unknown', 'Sandbox.Timedout', 'States.Timeout', 'TypeError'])(
    'keeps tracking a long export through a %s of check-export',
    async (name) => {
      const start = new ScriptedFunction('start-export', [started()]);
      const check = new ScriptedFunction('check-export', [
        checked('IN_PROGRESS', 1, { percentProgress: 10 }),
        lambdaError(name, 'the invocation failed'),
        lambdaError(name, 'the invocation failed'),
        checked('COMPLETE', 2),
      ]);
      const register = new ScriptedFunction('register-export', [registration]);

      const outcome = await runExecution(job, { start, check, register });

      expect(check.requests).toHaveLength(4);
      expect(kinds(outcome)).toEqual(['started', 'completed']);
      expect(outcome.error).toBeUndefined();
    },
  );

  it.each(FATAL_ERROR_NAMES)('does not retry the fatal %s in check-export', async (name) => {
    const start = new ScriptedFunction('start-export', [started()]);
    const check = new ScriptedFunction('check-export', [lambdaError(name, 'fatal'), checked('COMPLETE', 1)]);

    const outcome = await runExecution(job, { start, check });

    expect(check.requests).toHaveLength(1);
    expect(kinds(outcome)).toEqual(['started', 'check-failed']);
  });

  it('gives up on an invocation that keeps failing, within a bound, and alerts check-failed', async () => {
    const start = new ScriptedFunction('start-export', [started()]);
    const check = new ScriptedFunction(
      'check-export',
      Array.from({ length: 20 }, () => lambdaError('Lambda.Unknown', 'still failing')),
    );

    const outcome = await runExecution(job, { start, check });

    expect(check.requests.length).toBeLessThan(20);
    expect(kinds(outcome)).toEqual(['started', 'check-failed']);
    expect(outcome.error?.name).toBe('Lambda.Unknown');
  });
});
