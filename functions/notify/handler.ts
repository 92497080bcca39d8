import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import { z } from 'zod';
import { parseEnv } from '#shared/env.ts';
import { logger } from '#shared/logger.ts';
import { publishNotification } from '#shared/notify/publish.ts';
import { slackWebhookFromSsm } from '#shared/notify/slack-webhook.ts';
import { buildNotification, parseNotifyInput } from './build.ts';

const env = parseEnv(
  z.object({
    NOTIFICATION_TOPIC_ARN: z.string().startsWith('arn:'),
    // Empty means Slack is off.
    SLACK_WEBHOOK_PARAMETER: z.string().trim().optional(),
  }),
);

const sns = new SNSClient({});
const slackWebhookUrl = env.SLACK_WEBHOOK_PARAMETER
  ? slackWebhookFromSsm(new SSMClient({}), env.SLACK_WEBHOOK_PARAMETER)
  : undefined;

export const handler = middy(async (event: unknown) => {
  const input = parseNotifyInput(event);
  logger.appendKeys({
    snapshot: input.state.source.snapshotIdentifier,
    exportTaskIdentifier: input.state.exportTaskIdentifier,
    execution: input.executionId,
  });
  const notification = buildNotification(input);
  return publishNotification(notification, {
    sns,
    topicArn: env.NOTIFICATION_TOPIC_ARN,
    ...(slackWebhookUrl === undefined ? {} : { slackWebhookUrl }),
  });
}).use(injectLambdaContext(logger, { resetKeys: true }));
