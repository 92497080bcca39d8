import { parse as parseArn } from '@aws-sdk/util-arn-parser';
import { z } from 'zod';
import { ConfigurationError } from '../contract/errors.ts';

/**
 * Sources in other accounts of the Organization (member accounts): the hub's functions reach RDS
 * there through a role the member stack (serverless.member.yml) creates, and export in the account
 * and Region that own the source. The export guides describe exporting a snapshot of your own
 * account into a bucket "in the same AWS Region as the snapshot", and no AWS document says a
 * snapshot shared from another account can be exported directly; the quota is per account ("You
 * can have up to five concurrent DB snapshot export tasks in progress per account", Amazon RDS user
 * guide, "Exporting DB snapshot data to Amazon S3"). So a source's account and Region decide which
 * client calls RDS and whose slots it takes.
 */

/** Where a source lives: the account and Region of its ARN (`arn:<partition>:rds:<region>:<account>:…`). */
export interface Scope {
  partition: string;
  account: string;
  region: string;
}

/**
 * An AWS account ID: "The regex pattern for an account ID string requires exactly 12 digits"
 * (Organizations API reference, DescribeAccount AccountId).
 */
export const ACCOUNT_ID = /^\d{12}$/;

/**
 * What an account's name (the policy's `accounts:`) becomes in its databases' names
 * (`rds_export_<label>_db_<identifier>`): lowercase, as Glue names for Athena "should be" (Athena
 * user guide, "Name databases, tables, and columns"), and anything but a-z, 0-9 and _ as `_`, as
 * every name register-export gives (functions/register-export/naming.ts sanitize).
 */
export const accountLabel = (name: string): string => name.toLowerCase().replace(/[^a-z0-9_]/g, '_');

/** The account and Region of an ARN; throws for a string that is not one, or names neither. */
export function scopeOf(arn: string): Scope {
  let parsed: ReturnType<typeof parseArn>;
  try {
    parsed = parseArn(arn);
  } catch {
    throw new ConfigurationError(`${arn} is not an ARN (arn:<partition>:<service>:<region>:<account>:…)`);
  }
  if (!ACCOUNT_ID.test(parsed.accountId) || parsed.region === '') {
    throw new ConfigurationError(`${arn} names no account and Region`);
  }
  return { partition: parsed.partition, account: parsed.accountId, region: parsed.region };
}

/** The account and Region of an ARN, or undefined for one that names neither (read leniently). */
export function safeScope(arn: string): Scope | undefined {
  try {
    return scopeOf(arn);
  } catch {
    return undefined;
  }
}

/**
 * The names the member stack (serverless.member.yml custom.names) and the regional stack
 * (serverless.region.yml ExportBucket) give what the hub's functions and commands look for, for the
 * hub's service (`rds-export`) and stage: one place in the code, as the stacks name them.
 */
export const memberStackNames = (stage: string) => ({
  accessRole: `rds-export-${stage}-member-access`,
  exportRole: `rds-export-${stage}-member-export`,
  operatorRole: `rds-export-${stage}-member-operator`,
  forwardRole: `rds-export-${stage}-member-forward`,
});

/** The hub's bucket in another Region, as serverless.region.yml names it. */
export const regionalBucketName = (stage: string, hubAccount: string, region: string): string =>
  `rds-export-${stage}-${hubAccount}-${region}`;

/** IAM role names: 1-64 of letters, digits and `+=,.@_-` (IAM API Reference, CreateRole RoleName). */
export const IAM_ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const RoleName = optional.refine(
  (v) => v === undefined || IAM_ROLE_NAME.test(v),
  'must be an IAM role name (1-64 letters, digits and +=,.@_-)',
);

/**
 * The deployment's own account and Region and the member stack's role names (serverless.yml
 * provider.environment). Without DEPLOYMENT_ACCOUNT_ID every source is the deployment's own (the
 * local stack, and a deployment that serves one account); without MEMBER_ROLE_NAME a source of
 * another account cannot be exported, and says so.
 */
export const AccountsEnv = z.object({
  DEPLOYMENT_ACCOUNT_ID: optional.refine(
    (v) => v === undefined || ACCOUNT_ID.test(v),
    'must be a 12-digit account ID',
  ),
  /** Lambda sets it (Lambda developer guide, "Defined runtime environment variables"). */
  AWS_REGION: optional,
  /** The role of each member account the hub's functions assume (serverless.member.yml). */
  MEMBER_ROLE_NAME: RoleName,
  /** The role of each member account RDS exports with: the member's own, trusted by its RDS. */
  MEMBER_EXPORT_ROLE_NAME: RoleName,
});
export type AccountsEnv = z.infer<typeof AccountsEnv>;

/** The deployment's own account and Region, and how it reaches the others. */
export interface Home {
  account?: string | undefined;
  region?: string | undefined;
  memberRole?: string | undefined;
  memberExportRole?: string | undefined;
}

export const homeOf = (env: AccountsEnv): Home => ({
  account: env.DEPLOYMENT_ACCOUNT_ID,
  region: env.AWS_REGION,
  memberRole: env.MEMBER_ROLE_NAME,
  memberExportRole: env.MEMBER_EXPORT_ROLE_NAME,
});

/** Whether the source's account is another than the deployment's (a member's). */
export const isMember = (scope: Scope, home: Home): boolean =>
  home.account !== undefined && scope.account !== home.account;

/** Whether the source is the deployment's own, in its own Region: its clients are the default ones. */
export const isHome = (scope: Scope, home: Home): boolean =>
  !isMember(scope, home) && (home.region === undefined || scope.region === home.region);

/** A member's role, by the name the member stack gives it. */
export const memberRoleArn = (scope: Scope, roleName: string): string =>
  `arn:${scope.partition}:iam::${scope.account}:role/${roleName}`;

/**
 * The part of a key that names a source's account and Region, for all state keyed by a source: none
 * for the deployment's own account and Region (the keys it always had), `<account>/<region>` for
 * any other. Two sources of one name in two accounts (an `orders-db` in each) never share an item:
 * their export slots (RDS counts its five exports per account and Region, shared/slots/items.ts),
 * their last export (the interval guard, shared/exports/ledger.ts), their clients.
 */
export const scopeKey = (scope: Scope, home: Home): string | undefined =>
  isHome(scope, home) ? undefined : `${scope.account}/${scope.region}`;
