import { SNSClient } from '@aws-sdk/client-sns';
import { validate as isArn, parse as parseArn } from '@aws-sdk/util-arn-parser';
import { z } from 'zod';
import { classified } from '../aws/classified.ts';
import { SDK_CLIENT_CONFIG } from '../aws/client-config.ts';
import type { Notification } from './notification.ts';
import { type PublishOutcome, publishNotification } from './publish.ts';
import { slackWebhookFromSsm } from './slack-webhook.ts';

/** `arn:<partition>:sns:<region>:<account>:<topic name>` (Amazon SNS API reference, Publish, TopicArn). */
const isTopicArn = (value: string) => isArn(value) && parseArn(value).service === 'sns';

/** The environment of every function that notifies: the topic, and the Slack parameter (empty = off). */
export const NotifierEnv = z.object({
  NOTIFICATION_TOPIC_ARN: z.string().refine(isTopicArn, 'must be an SNS topic ARN'),
  SLACK_WEBHOOK_PARAMETER: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim())),
});
export type NotifierEnv = z.infer<typeof NotifierEnv>;

export type Notify = (n: Notification) => Promise<PublishOutcome>;

/** Builds the SNS client once per container; the Slack webhook's reader loads at its first read. */
export function notifierFromEnv(env: NotifierEnv): Notify {
  const sns = classified(new SNSClient(SDK_CLIENT_CONFIG), 'sns');
  const parameter = env.SLACK_WEBHOOK_PARAMETER;
  const slackWebhookUrl = parameter === undefined ? undefined : slackWebhookFromSsm(parameter);
  return (n) =>
    publishNotification(n, {
      sns,
      topicArn: env.NOTIFICATION_TOPIC_ARN,
      ...(slackWebhookUrl === undefined ? {} : { slackWebhookUrl }),
    });
}
