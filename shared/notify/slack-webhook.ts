import { GetParameterCommand, ParameterNotFound, type SSMClient } from '@aws-sdk/client-ssm';
import { ConfigurationError } from '../contract/errors.ts';

/**
 * A loader of the Slack incoming-webhook URL kept in an SSM SecureString parameter. The value is
 * fetched once per container (a failed fetch is retried on the next call) and never logged: errors
 * name the parameter, never its value.
 */
export function slackWebhookFromSsm(
  ssm: Pick<SSMClient, 'send'>,
  parameterName: string,
): () => Promise<string> {
  let cached: Promise<string> | undefined;
  return () => {
    cached ??= load(ssm, parameterName).catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
}

async function load(ssm: Pick<SSMClient, 'send'>, name: string): Promise<string> {
  let value: string | undefined;
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    value = out.Parameter?.Value;
  } catch (error) {
    if (error instanceof ParameterNotFound) {
      throw new ConfigurationError(`SSM parameter ${name} (SLACK_WEBHOOK_PARAMETER) does not exist`, {
        cause: error,
      });
    }
    throw error;
  }
  if (value === undefined || !isWebhookUrl(value.trim())) {
    throw new ConfigurationError(
      `SSM parameter ${name} (SLACK_WEBHOOK_PARAMETER) does not hold an https URL of a Slack incoming webhook`,
    );
  }
  return value.trim();
}

/**
 * https only, without credentials in the URL. Plain http is accepted for loopback addresses alone,
 * so the local stack and tests can receive the post on 127.0.0.1.
 */
export function isWebhookUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.username !== '' || url.password !== '') return false;
  if (url.protocol === 'https:') return url.hostname !== '';
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}
