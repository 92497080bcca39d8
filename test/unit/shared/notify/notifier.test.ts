import { describe, expect, it } from 'vitest';
import { NotifierEnv } from '#shared/notify/notifier.ts';

describe('NotifierEnv', () => {
  it('takes an SNS topic ARN and turns an empty Slack parameter into none', () => {
    expect(
      NotifierEnv.parse({
        NOTIFICATION_TOPIC_ARN: 'arn:aws-cn:sns:cn-north-1:123456789012:rds-export',
        SLACK_WEBHOOK_PARAMETER: ' ',
      }),
    ).toEqual({ NOTIFICATION_TOPIC_ARN: 'arn:aws-cn:sns:cn-north-1:123456789012:rds-export' });
  });

  it.each([
    ['a queue ARN', 'arn:aws:sqs:us-east-1:123456789012:rds-export'],
    ['a topic name', 'rds-export'],
    ['a truncated ARN', 'arn:aws:sns:us-east-1'],
  ])('refuses %s as the topic, naming what it must be', (_, value) => {
    const result = NotifierEnv.safeParse({ NOTIFICATION_TOPIC_ARN: value });
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ['NOTIFICATION_TOPIC_ARN'], message: 'must be an SNS topic ARN' }),
    ]);
  });
});
