/**
 * Stand-in for `@aws-sdk/credential-provider-node` in the Lambda bundles (wired in by
 * scripts/esbuild.config.cjs). Lambda hands the execution role's credentials to the function in
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN; container credentials
 * (AWS_CONTAINER_CREDENTIALS_FULL_URI) are kept as a fallback for container-style runtimes.
 * Same exports and memoisation as the original; profile, SSO and instance-metadata links are left
 * out because they cannot apply on Lambda.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { CredentialsProviderError, chain, memoize } from '@smithy/core/config';

export const credentialsWillNeedRefresh = (credentials) => credentials?.expiration !== undefined;

export const credentialsTreatedAsExpired = (credentials) =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;

const fromContainer = (init) => async () => {
  if (
    !process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI &&
    !process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
  ) {
    throw new CredentialsProviderError(
      'Could not load credentials: none in the environment or the container',
      {
        tryNextLink: false,
        logger: init.logger,
      },
    );
  }
  const { fromHttp } = await import('@aws-sdk/credential-provider-http');
  return fromHttp(init)();
};

export const defaultProvider = (init = {}) =>
  memoize(chain(fromEnv(init), fromContainer(init)), credentialsTreatedAsExpired, credentialsWillNeedRefresh);
