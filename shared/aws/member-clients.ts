import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { ConfigurationError } from '../contract/errors.ts';
import { type Home, isHome, isMember, memberRoleArn, type Scope, scopeKey } from './accounts.ts';

/**
 * The clients of member accounts: the only module that assumes a role (STS AssumeRole through
 * `fromTemporaryCredentials`), so only the functions that call RDS in a member import it and hold
 * sts:AssumeRole (test/deploy/sdk-calls.ts follows the imports); the rds-export commands import it
 * too, to cancel and retry a member's export through its operator role (bin/ops/member-operator.ts).
 */

/** The configuration a client of a scope is built with: its Region, and a member's assumed credentials. */
export interface ScopedConfig {
  region?: string;
  credentials?: AwsCredentialIdentityProvider;
}

/**
 * How the STS client that assumes the member roles is built: in the deployment's Region with its
 * own credentials unless given (a local endpoint gives all three; the rds-export commands give the
 * operator's own credentials, bin/ops/member-operator.ts).
 */
export interface StsConfig {
  region?: string;
  endpoint?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/** RoleSessionName: 2-64 of `[\w+=,.@-]` (STS API Reference, AssumeRole). */
const sessionName = (): string =>
  (process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'rds-export')
    .replace(/[^\w+=,.@-]/g, '-')
    .slice(0, 64)
    .padEnd(2, '-');

/**
 * One client per account and Region a function meets, built once per container: the deployment's
 * own with `make({})` (the execution role, the function's Region), another Region's with its
 * `region`, and a member account's with the member role's temporary credentials (STS AssumeRole
 * through `fromTemporaryCredentials`; `make` gets the scope too). The client memoises them and asks STS again only when they
 * are about to expire, so each container assumes a member's role about once an hour.
 */
export function clientsByScope<C>(
  home: Home,
  make: (config: ScopedConfig, scope?: Scope) => C,
  sts: StsConfig = {},
): (scope?: Scope) => C {
  const built = new Map<string, C>();
  // No scope: the deployment's own.
  return (scope) => {
    const key = (scope && scopeKey(scope, home)) ?? 'home';
    let client = built.get(key);
    if (client === undefined) {
      client = make(scope === undefined ? {} : configOf(scope, home, sts), scope);
      built.set(key, client);
    }
    return client;
  };
}

function configOf(scope: Scope, home: Home, sts: StsConfig): ScopedConfig {
  if (isHome(scope, home)) return {};
  if (!isMember(scope, home)) return { region: scope.region };
  if (home.memberRole === undefined) {
    throw new ConfigurationError(
      `the source is in account ${scope.account}, not the deployment's (${home.account}), and no member role is configured (MEMBER_ROLE_NAME): deploy serverless.member.yml there and the hub with organizationId or memberAccountIds`,
    );
  }
  return {
    region: scope.region,
    credentials: fromTemporaryCredentials({
      params: {
        RoleArn: memberRoleArn(scope, home.memberRole),
        RoleSessionName: sessionName(),
      },
      // STS in the deployment's Region (a regional endpoint, not the global one).
      clientConfig: { ...sts, region: sts.region ?? home.region ?? scope.region },
    }),
  };
}
