import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { RDSClient } from '@aws-sdk/client-rds';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import { z } from 'zod';
import { parseEnv } from '#shared/env.ts';
import { logger } from '#shared/logger.ts';
import { publishNotification } from '#shared/notify/publish.ts';
import { slackWebhookFromSsm } from '#shared/notify/slack-webhook.ts';
import { loadPolicyFile } from '#shared/policy/load.ts';
import { handleSnapshotEvent } from './intake.ts';

const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

const env = parseEnv(
  z.object({
    STATE_MACHINE_ARN: z.string().startsWith('arn:'),
    POLICY_FILE: z.string().min(1).default('export-policy.yml'),
    EXPORT_BUCKET: optional,
    EXPORT_KMS_KEY_ARN: optional,
    EXPORT_ROLE_ARN: optional,
    NOTIFICATION_TOPIC_ARN: z.string().startsWith('arn:'),
    SLACK_WEBHOOK_PARAMETER: optional,
  }),
);

// An invalid policy fails the cold start with a message naming the field.
const policy = loadPolicyFile(env.POLICY_FILE);

const rds = new RDSClient({});
const sfn = new SFNClient({});
const sns = new SNSClient({});
const slackParameter = env.SLACK_WEBHOOK_PARAMETER;
const slackWebhookUrl =
  slackParameter === undefined ? undefined : slackWebhookFromSsm(new SSMClient({}), slackParameter);

export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event: unknown) =>
    handleSnapshotEvent(event, {
      rds,
      sfn,
      policy,
      stateMachineArn: env.STATE_MACHINE_ARN,
      destination: { bucket: env.EXPORT_BUCKET, kmsKey: env.EXPORT_KMS_KEY_ARN, role: env.EXPORT_ROLE_ARN },
      notify: (n) => publishNotification(n, { sns, topicArn: env.NOTIFICATION_TOPIC_ARN, slackWebhookUrl }),
    }),
  );
