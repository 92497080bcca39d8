import { z } from 'zod';

/**
 * Names the policy gives accounts and Regions, read by the rules, the schedules and `regions:`
 * (shared/policy/schema.ts, shared/policy/schedule.ts): a module of their own, as the schema imports
 * the schedules.
 */

/**
 * A Region's name as AWS spells it: `eu-west-1`, `us-gov-west-1`, `ap-southeast-4` (the AWS General
 * Reference, "Regions and endpoints": two letters, words joined by `-`, a number).
 */
const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
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
