import {
  InternalErrorException,
  KMSThrottlingException,
  NotFoundException,
  PublishCommand,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classified } from '#shared/aws/classified.ts';
import type { Notification } from '#shared/notify/notification.ts';
import { publishNotification } from '#shared/notify/publish.ts';
import { captureOutput, startWebhookServer, type WebhookServer } from '#test/helpers/webhook-server.ts';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:rds-export';
const SECRET = 'xoxSecretToken123';

const failed: Notification = {
  kind: 'failed',
  severity: 'critical',
  title: 'Export of snapshot rds:orders-2024-05-01-06-10 failed',
  source: 'orders',
  exportTaskIdentifier: 'orders-2024-05-01-06-10-a1b2',
  destination: 's3://exports/rds/orders-2024-05-01-06-10-a1b2/',
  cause: 'KMS key check failed. Check the credentials on your KMS key and try again.',
  fix: 'Add this statement to the key policy:\n\n```\n{"Effect": "Allow"}\n```',
};

const sns = mockClient(SNSClient);
let server: WebhookServer;

beforeEach(async () => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });
  server = await startWebhookServer();
});
afterEach(async () => {
  await server.close();
});

describe('publishNotification', () => {
  it('publishes the JSON message with status, source and severity attributes to the topic', async () => {
    const outcome = await publishNotification(failed, {
      sns: classified(new SNSClient({}), 'sns'),
      topicArn: TOPIC,
    });

    expect(outcome).toEqual({ snsMessageId: 'msg-1', slack: 'not-configured' });
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.TopicArn).toBe(TOPIC);
    expect(input?.Subject).toBe(failed.title);
    expect(JSON.parse(input?.Message ?? '')).toEqual({ version: 1, ...failed });
    expect(input?.MessageAttributes).toEqual({
      status: { DataType: 'String', StringValue: 'failed' },
      source: { DataType: 'String', StringValue: 'orders' },
      severity: { DataType: 'String', StringValue: 'critical' },
    });
  });

  it('posts a Block Kit message to the webhook after publishing to SNS', async () => {
    const outcome = await publishNotification(failed, {
      sns: classified(new SNSClient({}), 'sns'),
      topicArn: TOPIC,
      slackWebhookUrl: async () => server.url,
    });

    expect(outcome).toEqual({ snsMessageId: 'msg-1', slack: 'sent' });
    expect(server.received).toHaveLength(1);
    const post = server.received[0];
    expect(post?.method).toBe('POST');
    expect(post?.path).toBe(new URL(server.url).pathname);
    expect(post?.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(post?.body ?? '{}');
    expect(body.text).toContain(failed.title);
    expect(body.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    const texts = JSON.stringify(body.blocks);
    expect(texts).toContain('KMS key check failed');
    expect(texts).toContain('*Fix*');
    expect(texts).toContain('s3://exports/rds/orders-2024-05-01-06-10-a1b2/');
  });

  it('reports slack "failed" without failing when the webhook answers an error, and never logs its URL', async () => {
    server.answer(404, 'no_service');
    const output = captureOutput();
    let outcome: Awaited<ReturnType<typeof publishNotification>>;
    try {
      outcome = await publishNotification(failed, {
        sns: classified(new SNSClient({}), 'sns'),
        topicArn: TOPIC,
        slackWebhookUrl: async () => server.url,
      });
    } finally {
      output.stop();
    }

    expect(outcome).toEqual({ snsMessageId: 'msg-1', slack: 'failed' });
    expect(server.received).toHaveLength(1);
    expect(output.text()).toContain('Slack post failed');
    expect(output.text()).toContain('HTTP 404: no_service');
    expect(output.text()).not.toContain(SECRET);
    expect(output.text()).not.toContain(server.url);
  });

  it('keeps the URL out of the logs when the webhook cannot be reached', async () => {
    const url = server.url;
    await server.close();
    server = await startWebhookServer();
    const output = captureOutput();
    let outcome: Awaited<ReturnType<typeof publishNotification>>;
    try {
      outcome = await publishNotification(failed, {
        sns: classified(new SNSClient({}), 'sns'),
        topicArn: TOPIC,
        slackWebhookUrl: async () => url,
      });
    } finally {
      output.stop();
    }

    expect(outcome.slack).toBe('failed');
    expect(output.text()).toContain('Slack post failed');
    expect(output.text()).not.toContain(SECRET);
  });

  it('redacts the URL from fetch errors that quote it', async () => {
    const badUrl = `https://hooks.example.invalid:99999/services/${SECRET}`;
    const output = captureOutput();
    let outcome: Awaited<ReturnType<typeof publishNotification>>;
    try {
      outcome = await publishNotification(failed, {
        sns: classified(new SNSClient({}), 'sns'),
        topicArn: TOPIC,
        slackWebhookUrl: async () => badUrl,
      });
    } finally {
      output.stop();
    }

    expect(outcome.slack).toBe('failed');
    expect(output.text()).toContain('webhook URL redacted');
    expect(output.text()).not.toContain(SECRET);
  });

  it('reports slack "failed" when the webhook URL cannot be loaded', async () => {
    const outcome = await publishNotification(failed, {
      sns: classified(new SNSClient({}), 'sns'),
      topicArn: TOPIC,
      slackWebhookUrl: () => Promise.reject(new Error('SSM parameter /rds-export/slack is missing')),
    });

    expect(outcome).toEqual({ snsMessageId: 'msg-1', slack: 'failed' });
  });

  it('throws a retryable error when SNS throttles, and does not post to Slack', async () => {
    sns.on(PublishCommand).rejects(new ThrottledException({ message: 'Rate exceeded', $metadata: {} }));

    const publishing = publishNotification(failed, {
      sns: classified(new SNSClient({}), 'sns'),
      topicArn: TOPIC,
      slackWebhookUrl: async () => server.url,
    });

    await expect(publishing).rejects.toMatchObject({ name: 'AwsThrottledError', retryable: true });
    expect(server.received).toHaveLength(0);
  });

  it('classifies an SNS server error as retryable', async () => {
    sns.on(PublishCommand).rejects(new InternalErrorException({ message: 'internal', $metadata: {} }));
    await expect(
      publishNotification(failed, { sns: classified(new SNSClient({}), 'sns'), topicArn: TOPIC }),
    ).rejects.toMatchObject({
      name: 'AwsServiceUnavailableError',
      retryable: true,
    });
  });

  it('classifies a missing topic as a configuration error that names the variable', async () => {
    sns.on(PublishCommand).rejects(new NotFoundException({ message: 'Topic does not exist', $metadata: {} }));
    await expect(
      publishNotification(failed, { sns: classified(new SNSClient({}), 'sns'), topicArn: TOPIC }),
    ).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringContaining('NOTIFICATION_TOPIC_ARN'),
    });
  });

  it('retries KMS throttling of the encrypted topic instead of failing the notification as unexpected', async () => {
    sns
      .on(PublishCommand)
      .rejects(new KMSThrottlingException({ message: 'Rate exceeded for KMS', $metadata: {} }));
    await expect(
      publishNotification(failed, { sns: classified(new SNSClient({}), 'sns'), topicArn: TOPIC }),
    ).rejects.toMatchObject({ name: 'AwsThrottledError', retryable: true });
  });
});
