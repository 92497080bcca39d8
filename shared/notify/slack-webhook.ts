import { GetParameterError, ParameterNotFoundError } from '@aws-lambda-powertools/parameters/errors';
import type { SsmSecureStringProvider } from '../aws/ssm-secure-string.ts';
import { ConfigurationError, PipelineError } from '../contract/errors.ts';

/**
 * How long a container reuses the URL it read: a rotated webhook reaches every warm container
 * within five minutes, and a busy one asks SSM at most once per five minutes.
 */
export const WEBHOOK_MAX_AGE_SECONDS = 300;

/**
 * A loader of the Slack incoming-webhook URL kept in an SSM SecureString parameter, read through a
 * Powertools Parameters provider of our own (SsmSecureStringProvider, shared/aws/ssm-secure-string.ts):
 * GetParameter with WithDecryption (so the role needs ssm:GetParameter on the parameter and
 * kms:Decrypt on its key, as serverless.yml's slackStatements grant; AWS Systems Manager User Guide,
 * "Restricting access to Parameter Store parameters using IAM policies"), the value cached for
 * WEBHOOK_MAX_AGE_SECONDS by Powertools; a failed read is not cached. The provider and its SSM
 * client are loaded at the first read, so a function whose notifications never reach Slack never
 * loads them. The value is never logged: errors name the parameter only.
 */
export function slackWebhookFromSsm(parameterName: string): () => Promise<string> {
  let provider: Promise<SsmSecureStringProvider> | undefined;
  return async () => {
    provider ??= import('../aws/ssm-secure-string.ts').then(
      ({ SsmSecureStringProvider }) => new SsmSecureStringProvider(),
    );
    return load(await provider, parameterName);
  };
}

async function load(provider: SsmSecureStringProvider, name: string): Promise<string> {
  let value: unknown;
  try {
    value = await provider.get(name, { maxAge: WEBHOOK_MAX_AGE_SECONDS, throwOnMissing: true });
  } catch (error) {
    // throwOnMissing turns SSM's ParameterNotFound (and a parameter without a value) into this.
    if (error instanceof ParameterNotFoundError) {
      throw new ConfigurationError(`SSM parameter ${name} (SLACK_WEBHOOK_PARAMETER) does not exist`, {
        cause: error,
      });
    }
    // Powertools wraps every other failure in GetParameterError; the classified client's error
    // inside it (AwsThrottledError, ConfigurationError for AccessDenied, ...) says more.
    if (error instanceof GetParameterError && error.cause instanceof PipelineError) throw error.cause;
    throw error;
  }
  if (typeof value !== 'string' || !isWebhookUrl(value.trim())) {
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
