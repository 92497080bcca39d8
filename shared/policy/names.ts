import { z } from 'zod';

/**
 * Names the policy gives accounts and Regions, read by the rules, the schedules and `regions:`
 * (shared/policy/schema.ts, shared/policy/schedule.ts): a module of their own, as the schema imports
 * the schedules.
 */

/**
 * A Region's name as AWS spells it: `eu-west-1`, `us-gov-west-1`, `eu-isoe-west-1`,
 * `eusc-de-east-1`. The union of the partitions' `regionRegex` in the AWS SDK's endpoint rules
 * (@aws-sdk/core, partitions aws `^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$`, aws-cn, aws-us-gov,
 * aws-iso*, aws-eusc `^eusc-(de)-\w+-\d+$`): a prefix of two to four letters, words joined by `-`,
 * a number. The package-time scripts check Regions with this one (scripts/regions.cjs).
 */
export const REGION_NAME = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;
export const RegionName = z
  .string()
  .regex(REGION_NAME, 'must be an AWS Region name (eu-west-1, us-gov-west-1, …)');

/**
 * An account's name in the policy (`accounts:`), the policy's own label for it: copy the name
 * Organizations shows, or pick a shorter one. A letter first, so a name is never read as an ID, and
 * not a Region's name, which database names use for sources of another Region
 * (functions/register-export/naming.ts accountDatabasePrefix).
 */
export const AccountName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9 ._-]{0,49}$/, 'must be 1-50 letters, digits, spaces, . _ and -, a letter first')
  .refine((name) => !REGION_NAME.test(name.toLowerCase()), 'must not be a Region name');
