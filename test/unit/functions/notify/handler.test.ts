import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureOutput, startWebhookServer, type WebhookServer } from '#test/helpers/webhook-server.ts';
import { BUCKET, checked, EXPORT_ID, input, ROLE_ARN, state, task } from './state.ts';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:rds-export-notifications';
const PARAMETER = '/rds-export/slack-webhook';
const SECRET = 'xoxSecretToken123';

const sns = mockClient(SNSClient);
const ssm = mockClient(SSMClient);
let server: WebhookServer;

const context = {
  functionName: 'rds-export-notify',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:rds-export-notify',
  memoryLimitInMB: '256',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

type Handler = (event: unknown, ctx: Context) => Promise<unknown>;

/** Loads the handler as a cold start with the given environment. */
async function coldStart(env: Record<string, string>): Promise<Handler> {
  vi.resetModules();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const { handler } = await import('#functions/notify/handler.ts');
  return handler as unknown as Handler;
}

beforeEach(async () => {
  sns.reset();
  ssm.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'sns-message-1' });
  server = await startWebhookServer();
  ssm.on(GetParameterCommand, { Name: PARAMETER, WithDecryption: true }).resolves({
    Parameter: { Name: PARAMETER, Type: 'SecureString', Value: server.url },
  });
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await server.close();
});

const failedExport = input(
  'failed',
  state(
    checked(
      task({
        status: 'FAILED',
        failureCause: `The IAM role ${ROLE_ARN} isn't authorized to call s3:PutObject on the S3 bucket ${BUCKET}. Review your permissions and retry the export.`,
      }),
    ),
  ),
);

describe('notify handler', () => {
  it('publishes the notification to SNS with filterable attributes when Slack is off', async () => {
    const handler = await coldStart({ NOTIFICATION_TOPIC_ARN: TOPIC, SLACK_WEBHOOK_PARAMETER: '' });

    await expect(handler(failedExport, context)).resolves.toEqual({
      snsMessageId: 'sns-message-1',
      slack: 'not-configured',
    });

    const published = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(published?.TopicArn).toBe(TOPIC);
    expect(published?.MessageAttributes).toMatchObject({
      status: { DataType: 'String', StringValue: 'failed' },
      source: { DataType: 'String', StringValue: 'orders' },
      severity: { DataType: 'String', StringValue: 'critical' },
    });
    const message = JSON.parse(published?.Message ?? '{}');
    expect(message).toMatchObject({
      version: 1,
      kind: 'failed',
      exportTaskIdentifier: EXPORT_ID,
      executionId: failedExport.executionId,
      cause: expect.stringContaining("isn't authorized to call s3:PutObject"),
      fix: expect.stringContaining(`arn:aws:s3:::${BUCKET}/*`),
    });
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it('posts to the Slack webhook named by the SSM parameter, and never logs its URL', async () => {
    const handler = await coldStart({ NOTIFICATION_TOPIC_ARN: TOPIC, SLACK_WEBHOOK_PARAMETER: PARAMETER });
    const output = captureOutput();
    let first: unknown;
    try {
      first = await handler(failedExport, context);
      server.answer(500, 'internal_error');
      await expect(handler(failedExport, context)).resolves.toEqual({
        snsMessageId: 'sns-message-1',
        slack: 'failed',
      });
    } finally {
      output.stop();
    }

    expect(first).toEqual({ snsMessageId: 'sns-message-1', slack: 'sent' });
    expect(server.received).toHaveLength(2);
    const body = JSON.parse(server.received[0]?.body ?? '{}');
    expect(body.blocks[0]).toMatchObject({
      type: 'header',
      text: { text: expect.stringContaining('failed') },
    });
    expect(JSON.stringify(body.blocks)).toContain('*Fix*');
    // Cached per container: one SSM read for two invocations.
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);

    const logs = output.text();
    expect(logs).toContain(`"exportTaskIdentifier":"${EXPORT_ID}"`);
    expect(logs).toContain('"snapshot":"rds:orders-2024-05-01-06-10"');
    expect(logs).toContain(`"execution":"${failedExport.executionId}"`);
    expect(logs).toContain('Slack post failed');
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toContain(server.url);
  });

  it('sends the completed-export summary of registered, skipped and failed tables', async () => {
    const handler = await coldStart({ NOTIFICATION_TOPIC_ARN: TOPIC, SLACK_WEBHOOK_PARAMETER: PARAMETER });
    const completed = input(
      'completed',
      state({
        ...checked(task()),
        registration: {
          database: 'rds_export_orders',
          registered: [{ target: 'orders.public.orders', table: 'public_orders', columns: 3 }],
          skipped: [{ target: 'orders.public.tmp', reason: 'unlogged table' }],
          failed: [{ target: 'orders.public.blobs', reason: 'footer unreadable' }],
          registeredCount: 1,
          skippedCount: 1,
          failedCount: 1,
        },
      }),
    );

    await handler(completed, context);

    const message = JSON.parse(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '{}');
    expect(message).toMatchObject({
      registeredTables: ['rds_export_orders.public_orders (orders.public.orders)'],
      skippedTables: ['orders.public.tmp: unlogged table'],
      failedTables: ['orders.public.blobs: footer unreadable'],
      sizeGB: 263,
    });
    const slack = server.received[0]?.body ?? '';
    expect(slack).toContain('rds_export_orders.public_orders');
    expect(slack).toContain('orders.public.tmp: unlogged table');
    expect(slack).toContain('orders.public.blobs: footer unreadable');
  });

  it('rejects an invalid input with InvalidInputError and publishes nothing', async () => {
    const handler = await coldStart({ NOTIFICATION_TOPIC_ARN: TOPIC });

    await expect(
      handler({ kind: 'completed', state: { exportTaskIdentifier: EXPORT_ID } }, context),
    ).rejects.toMatchObject({
      name: 'InvalidInputError',
    });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('fails the cold start naming NOTIFICATION_TOPIC_ARN when it is missing', async () => {
    vi.stubEnv('NOTIFICATION_TOPIC_ARN', undefined);
    await expect(coldStart({})).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringContaining('NOTIFICATION_TOPIC_ARN'),
    });
  });
});
