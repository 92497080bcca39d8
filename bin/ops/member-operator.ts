import { RDSClient, type RDSClientConfig } from '@aws-sdk/client-rds';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import {
  type Home,
  IAM_ROLE_NAME,
  memberRoleArn,
  memberStackNames,
  type Scope,
  safeScope,
} from '#shared/aws/accounts.ts';
import { classified } from '#shared/aws/classified.ts';
import { isAwsError } from '#shared/aws/errors.ts';
import { clientsByScope, type StsConfig } from '#shared/aws/member-clients.ts';
import { ConfigurationError } from '#shared/contract/errors.ts';
import type { OpsContext } from '#shared/sources/kinds/types.ts';
import { optionOrEnv, UsageError, type Values } from '../command.ts';

/**
 * `rds-export cancel` and `retry` of a member account's export: its task runs in the member's RDS,
 * so the command calls RDS there through the role the member stack creates for the hub's operators
 * (serverless.member.yml MemberOperatorRole, with its hubOperatorRoleArns parameter), assumed with
 * the operator's own credentials, as the hub's functions assume the member access role
 * (shared/aws/member-clients.ts, the one module that assumes roles).
 */

export const MEMBER_ROLE_OPTION = { 'member-role-name': { type: 'string' } } as const;
export const MEMBER_ROLE_USAGE = `  --member-role-name   the role a member account's stack gives the hub's operators, assumed to cancel or
                       retry that account's exports (default: rds-export-<stage>-member-operator)`;

/** `--member-role-name`, else the stage's default. */
export function memberRoleNameOf(values: Values, stage: string): string {
  const name = optionOrEnv(values, 'member-role-name') ?? memberStackNames(stage).operatorRole;
  if (!IAM_ROLE_NAME.test(name)) {
    throw new UsageError(`--member-role-name "${name}": an IAM role name (1-64 letters, digits and +=,.@_-)`);
  }
  return name;
}

/**
 * The operator's credentials for a member, explained when STS refuses them: STS answers AccessDenied
 * ("User: … is not authorized to perform: sts:AssumeRole on resource: …", AWS Knowledge Center,
 * "iam-assume-role-error") when the role does not trust the caller, when the caller may not assume
 * it, and when it does not exist.
 */
export function explainedDenial(
  credentials: AwsCredentialIdentityProvider,
  roleArn: string,
  account: string,
): AwsCredentialIdentityProvider {
  return async (...args) => {
    try {
      return await credentials(...args);
    } catch (error) {
      if (!isAwsError(error, 'AccessDenied')) throw error;
      throw new ConfigurationError(
        `cannot assume ${roleArn} in member account ${account} (${(error as Error).message}): deploy that account's member stack (serverless.member.yml) with --param="hubOperatorRoleArns=<the ARN of the role you run rds-export with>", allow yourself sts:AssumeRole on it (docs/operations.md, "Operator policy"), or name its role with --member-role-name`,
        { cause: error },
      );
    }
  };
}

/**
 * RDS of each account and Region the commands meet, one client each: the deployment's own account
 * with the operator's credentials (`base`), and a member's through its operator role `roleName`,
 * assumed with STS in the deployment's Region with the operator's credentials (`sts`).
 */
export function operatorRds(home: Home, base: RDSClientConfig, sts: StsConfig): (scope?: Scope) => RDSClient {
  return clientsByScope(
    home,
    (config, scope) => {
      const role =
        scope === undefined || home.memberRole === undefined
          ? undefined
          : memberRoleArn(scope, home.memberRole);
      const credentials =
        config.credentials === undefined || role === undefined || scope === undefined
          ? {}
          : { credentials: explainedDenial(config.credentials, role, scope.account) };
      return classified(new RDSClient({ ...base, ...config, ...credentials }), 'rds');
    },
    sts,
  );
}

/**
 * What the kinds' operations (shared/sources/kinds) act on an export's source with: RDS of the
 * source's account and Region (a member's through its operator role) and the source's Region. A
 * source the command cannot place (no job, an unreadable ARN) is looked for in the deployment's own.
 */
export function opsAt(
  ctx: OpsContext & { sourceRds?: (scope: Scope) => Pick<RDSClient, 'send'> },
  sourceArn: string | undefined,
): OpsContext {
  const scope = sourceArn === undefined ? undefined : safeScope(sourceArn);
  if (scope === undefined || ctx.sourceRds === undefined) return ctx;
  return { clients: { ...ctx.clients, rds: ctx.sourceRds(scope) }, deployment: { region: scope.region } };
}
