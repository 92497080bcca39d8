import { describe, expect, it } from 'vitest';
import { describeCaughtError } from '#functions/notify/caught-error.ts';

describe('describeCaughtError', () => {
  it('takes the name from Error and the message from the Lambda error document in Cause', () => {
    const cause = JSON.stringify({
      errorType: 'ExportKmsKeyNotAccessibleError',
      errorMessage: 'The KMS key arn:aws:kms:eu-west-1:1:key/k is not accessible',
      trace: ['ExportKmsKeyNotAccessibleError: ...', '    at start (file:///var/task/index.mjs:1:1)'],
    });
    expect(describeCaughtError({ Error: 'ExportKmsKeyNotAccessibleError', Cause: cause })).toEqual({
      name: 'ExportKmsKeyNotAccessibleError',
      message: 'The KMS key arn:aws:kms:eu-west-1:1:key/k is not accessible',
    });
  });

  it('keeps a plain-text Cause as the message (Step Functions errors)', () => {
    expect(
      describeCaughtError({ Error: 'States.Timeout', Cause: 'State timed out after 86400 seconds' }),
    ).toEqual({
      name: 'States.Timeout',
      message: 'State timed out after 86400 seconds',
    });
  });

  it('accepts a missing error, a missing Cause, and JSON that is not an error document', () => {
    expect(describeCaughtError(undefined)).toEqual({ name: 'UnknownError' });
    expect(describeCaughtError({ Error: 'States.TaskFailed' })).toEqual({ name: 'States.TaskFailed' });
    expect(describeCaughtError({ Error: 'X', Cause: '[1,2]' })).toEqual({ name: 'X', message: '[1,2]' });
    expect(describeCaughtError({ Error: 'X', Cause: '{"errorType":"Y"}' })).toEqual({
      name: 'X',
      message: 'Y',
    });
    expect(describeCaughtError({ Error: 'X', Cause: 'null' })).toEqual({ name: 'X', message: 'null' });
  });

  it('cuts an enormous Cause', () => {
    const report = describeCaughtError({
      Error: 'X',
      Cause: JSON.stringify({ errorMessage: 'm'.repeat(100_000) }),
    });
    expect(report.message?.length).toBe(2000);
  });
});
