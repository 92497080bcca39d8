import {
  GetParameterCommand,
  InternalServerError,
  ParameterNotFound,
  SSMClient,
  SSMServiceException,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isWebhookUrl, slackWebhookFromSsm, WEBHOOK_MAX_AGE_SECONDS } from '#shared/notify/slack-webhook.ts';

const ssm = mockClient(SSMClient);
const PARAMETER = '/rds-export/slack-webhook';
const URL_VALUE = 'https://hooks.slack.com/services/T000/B000/xoxSecretToken123';

beforeEach(() => {
  ssm.reset();
});
afterEach(() => {
  vi.useRealTimers();
});

function parameter(value: string) {
  return { Parameter: { Name: PARAMETER, Type: 'SecureString' as const, Value: value } };
}

describe('slackWebhookFromSsm', () => {
  it('reads the SecureString parameter with decryption', async () => {
    ssm.on(GetParameterCommand).resolves(parameter(URL_VALUE));

    await expect(slackWebhookFromSsm(PARAMETER)()).resolves.toBe(URL_VALUE);
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: PARAMETER,
      WithDecryption: true,
    });
  });

  it('asks SSM once per WEBHOOK_MAX_AGE_SECONDS however often the URL is needed, then again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    ssm.on(GetParameterCommand).resolves(parameter(URL_VALUE));
    const load = slackWebhookFromSsm(PARAMETER);

    await load();
    await load();
    vi.advanceTimersByTime((WEBHOOK_MAX_AGE_SECONDS - 1) * 1000);
    await load();
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);

    vi.advanceTimersByTime(2000);
    await expect(load()).resolves.toBe(URL_VALUE);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it('asks again after a failed read instead of caching the failure', async () => {
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(new InternalServerError({ message: 'internal', $metadata: {} }))
      .resolves(parameter(URL_VALUE));
    const load = slackWebhookFromSsm(PARAMETER);

    await expect(load()).rejects.toThrow('internal');
    await expect(load()).resolves.toBe(URL_VALUE);
  });

  it.each([
    [new InternalServerError({ message: 'internal', $metadata: {} }), 'AwsServiceUnavailableError'],
    [
      new SSMServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        message: 'Rate exceeded',
        $metadata: {},
      }),
      'AwsThrottledError',
    ],
    [
      new SSMServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        message: 'denied',
        $metadata: {},
      }),
      'ConfigurationError',
    ],
  ])('throws a failed read classified as the pipeline names it (%s)', async (awsError, name) => {
    ssm.on(GetParameterCommand).rejects(awsError);

    await expect(slackWebhookFromSsm(PARAMETER)()).rejects.toMatchObject({
      name,
      message: expect.stringContaining(`GetParameter (Name=${PARAMETER}) failed`),
      cause: awsError,
    });
  });

  it('sends GetParameter and no other SSM call', async () => {
    ssm.on(GetParameterCommand).resolves(parameter(URL_VALUE));
    const load = slackWebhookFromSsm(PARAMETER);

    await load();
    expect(ssm.calls()).toHaveLength(1);
    expect(ssm.call(0).args[0]).toBeInstanceOf(GetParameterCommand);
  });

  it('rejects a value that is not an https URL with a ConfigurationError that does not print the value', async () => {
    const secretish = 'http://hooks.slack.com/services/T000/B000/notTlsSecret';
    ssm.on(GetParameterCommand).resolves(parameter(secretish));

    const error: Error = await slackWebhookFromSsm(PARAMETER)().then(
      () => new Error('expected a rejection'),
      (e: unknown) => e as Error,
    );

    expect(error).toMatchObject({ name: 'ConfigurationError' });
    expect(error.message).toContain(PARAMETER);
    expect(error.message).not.toContain('notTlsSecret');
    expect(JSON.stringify(error)).not.toContain('notTlsSecret');
  });

  it('names the parameter when it does not exist', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));

    await expect(slackWebhookFromSsm(PARAMETER)()).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringContaining(`${PARAMETER} (SLACK_WEBHOOK_PARAMETER) does not exist`),
    });
  });
});

describe('isWebhookUrl', () => {
  it.each([
    [URL_VALUE, true],
    ['http://127.0.0.1:4000/services/x', true],
    ['http://localhost:4000/hook', true],
    ['http://hooks.slack.com/services/x', false],
    ['https://user:pass@hooks.slack.com/services/x', false],
    ['ftp://hooks.slack.com/x', false],
    ['hooks.slack.com/services/x', false],
    ['', false],
  ])('judges %j as a webhook URL: %s', (value, expected) => {
    expect(isWebhookUrl(value)).toBe(expected);
  });
});
