'use strict';
/**
 * Package-time steps of the stacks that spread a hub over Regions (docs/deploy.md, "Regions"):
 *
 * - `regionStack` (serverless.region.yml `custom.region`): checks hubRegion against the stack's own
 *   Region, and that the regional bucket's name fits S3's rules;
 * - `member` (serverless.member.yml `custom.regions`): the hub's Region, read from hubEventBusArn,
 *   and the Region the member's roles are created in (rolesRegion, the hub's by default).
 *
 * A typo fails `serverless package` instead of a stack whose rules forward to no bus or whose roles
 * exist in no Region.
 */

const path = require('node:path');
const { require: tsRequire } = require('tsx/cjs/api');

// The rules the policy and the functions check Region and bucket names with (shared/policy/names.ts
// REGION_NAME, from the AWS SDK's partitions; shared/policy/schema.ts BUCKET_NAME, S3's naming rules).
const SHARED = path.join(__dirname, '..', 'shared');
const { REGION_NAME: REGION } = tsRequire(path.join(SHARED, 'policy', 'names.ts'), __filename);
const { BUCKET_NAME } = tsRequire(path.join(SHARED, 'policy', 'schema.ts'), __filename);
// The account ID the bucket name ends with before its Region: 12 digits.
const ACCOUNT_ID_LENGTH = 12;

function region(name, value) {
  if (REGION.test(value)) return value;
  throw new Error(`${name}: "${value}" is not a Region name (such as us-east-1)`);
}

/**
 * The regional bucket's name, `<service>-<stage>-<account>-<region>`, with a 12-digit account
 * (serverless.region.yml ExportBucket), refused when S3 would refuse it.
 */
function regionalBucketName(service, stage, stackRegion) {
  const name = `${service}-${stage}-${'0'.repeat(ACCOUNT_ID_LENGTH)}-${stackRegion}`;
  if (!BUCKET_NAME.test(name) || name.includes('..'))
    throw new Error(
      `the regional bucket's name ${service}-${stage}-<account>-${stackRegion} is ${name.length} characters or has ` +
        'characters S3 refuses (at most 63: lowercase letters, digits, dots, hyphens); use a shorter, lowercase stage',
    );
  return name;
}

/** The Region of an EventBridge bus ARN, `arn:<partition>:events:<region>:<account>:event-bus/<name>`. */
function busRegion(arn) {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || parts[2] !== 'events' || !parts[5].startsWith('event-bus/'))
    throw new Error(`hubEventBusArn: "${arn}" is not an event bus ARN (the hub's HubEventBusArn output)`);
  return region('hubEventBusArn', parts[3]);
}

async function regionStack({ resolveVariable }) {
  const stackRegion = region('--region', await resolveVariable('self:provider.region'));
  const hubRegion = region('hubRegion', await resolveVariable('param:hubRegion'));
  if (hubRegion === stackRegion)
    throw new Error(
      `hubRegion: the hub itself is in ${hubRegion}, with its bucket and key; deploy serverless.region.yml in the other Regions only`,
    );
  const service = await resolveVariable('self:custom.hub.service');
  regionalBucketName(service, await resolveVariable('sls:stage'), stackRegion);
  return { hubRegion };
}

async function member({ resolveVariable }) {
  const hub = busRegion(await resolveVariable('param:hubEventBusArn'));
  const roles = await resolveVariable('param:rolesRegion');
  return { hub, roles: roles === '' ? hub : region('rolesRegion', roles) };
}

module.exports = { regionStack, member, region, regionalBucketName, busRegion };
