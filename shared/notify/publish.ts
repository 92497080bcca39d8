import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { ConfigurationError } from '../contract/errors.ts';
import { logger } from '../runtime/logger.ts';
import { toPublishInput } from './message.ts';
import type { Notification } from './notification.ts';
import { toSlackMessage } from './slack-blocks.ts';

export interface NotifyDeps {
  sns: Pick<SNSClient, 'send'>;
  topicArn: string;
  /** Resolves the Slack incoming-webhook URL (see slackWebhookFromSsm); absent = Slack off. */
  slackWebhookUrl?: () => Promise<string>;
  fetch?: typeof fetch;
}

export interface PublishOutcome {
  snsMessageId?: string;
  slack: 'sent' | 'not-configured' | 'failed';
}

/** Slack answers webhooks within a few seconds; never let it hold the Lambda to its timeout. */
const SLACK_TIMEOUT_MS = 5000;

/**
 * Publishes to SNS, then posts to Slack when configured. An SNS failure throws (classified, so the
 * state machine retries throttling and 5xx); a Slack failure is logged and reported as
 * `slack: 'failed'`, never thrown, because SNS already carries the message. SNS goes first so a
 * retried invocation cannot post to Slack twice for a message SNS never got.
 */
export async function publishNotification(n: Notification, deps: NotifyDeps): Promise<PublishOutcome> {
  const out = await deps.sns.send(new PublishCommand(toPublishInput(n, deps.topicArn))).catch((error) => {
    // The topic is the deployment's: a missing or forbidden one is fixed where it is configured.
    if (error instanceof ConfigurationError) {
      throw new ConfigurationError(`${error.message} (NOTIFICATION_TOPIC_ARN)`, { cause: error.cause });
    }
    throw error;
  });
  const snsMessageId = out.MessageId;
  logger.info('Notification published to SNS', { kind: n.kind, severity: n.severity, snsMessageId });

  if (deps.slackWebhookUrl === undefined) return { snsMessageId, slack: 'not-configured' };
  let url: string | undefined;
  try {
    url = await deps.slackWebhookUrl();
    const response = await (deps.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(toSlackMessage(n)),
      signal: AbortSignal.timeout(SLACK_TIMEOUT_MS),
    });
    if (!response.ok) {
      // Slack explains a refusal in the body ("invalid_payload", "no_service", ...).
      const reason = (await response.text().catch(() => '')).slice(0, 200);
      throw new Error(`Slack answered HTTP ${response.status}${reason ? `: ${reason}` : ''}`);
    }
    logger.info('Notification posted to Slack', { kind: n.kind });
    return { snsMessageId, slack: 'sent' };
  } catch (error) {
    logger.warn('Slack post failed; the SNS message was published', {
      slackError: describeRedacted(error, url),
    });
    return { snsMessageId, slack: 'failed' };
  }
}

/**
 * Name and message of a Slack failure with the webhook URL removed: fetch puts the URL in some of
 * its errors ("Failed to parse URL from ..."), and the URL is a credential.
 */
function describeRedacted(error: unknown, url: string | undefined): { name: string; message: string } {
  const name = error instanceof Error ? error.name : 'Error';
  let message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  if (cause !== undefined) message = `${message} (${cause})`;
  return { name, message: redact(message, url) };
}

export function redact(text: string, url: string | undefined): string {
  if (url === undefined || url === '') return text;
  const secrets = [url, url.trim()];
  if (URL.canParse(url)) {
    const parsed = new URL(url);
    secrets.push(parsed.href, parsed.pathname + parsed.search);
  }
  let out = text;
  for (const secret of secrets.filter((s) => s.length > 1).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join('[webhook URL redacted]');
  }
  return out;
}
