'use strict';
/**
 * Package-time step of serverless.yml (`custom.organization`): checks the hub's organizationId and
 * memberAccountIds parameters, so a typo fails `serverless package` instead of a policy that admits
 * no one, and turns the comma-separated account list into the list the policies name.
 */

const path = require('node:path');
const { require: tsRequire } = require('tsx/cjs/api');

// Organization IDs: "o-" and 10 to 32 lowercase letters or digits (Organizations API reference,
// Organization Id pattern ^o-[a-z0-9]{10,32}$); account IDs are 12 digits, the rule every other
// check uses (shared/aws/accounts.ts ACCOUNT_ID, from the Organizations API reference).
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const { ACCOUNT_ID } = tsRequire(path.join(__dirname, '..', 'shared', 'aws', 'accounts.ts'), __filename);

// EventBridge quota "Event bus policy size": 10,240 characters by default (EventBridge user guide,
// "Amazon EventBridge quotas"). Each listed account adds a principal to the hub bus's policy.
const BUS_POLICY_LIMIT = 10240;

function organizationId(value) {
  if (value === '' || ORGANIZATION_ID.test(value)) return value;
  throw new Error(`organizationId: "${value}" is not an organization ID (o- and 10 to 32 letters or digits)`);
}

function memberAccountIds(value) {
  const ids = value
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  const bad = ids.filter((id) => !ACCOUNT_ID.test(id));
  if (bad.length > 0) throw new Error(`memberAccountIds: not 12-digit account IDs: ${bad.join(', ')}`);
  return [...new Set(ids)];
}

/**
 * The size the hub bus's policy reaches with these accounts (as EventBridge stores it: the statements
 * of resources/organization.yml, at the longest Region and partition names), refused above the quota.
 */
function checkBusPolicySize(accountIds, orgId, busName) {
  const busArn = `arn:aws-us-gov:events:ap-southeast-5:123456789012:event-bus/${busName}`;
  // The members' forwarding rules (serverless.yml custom.names.memberForwardRules): the bus name
  // holds the service and stage, so this pattern is longer than the real one.
  const fromMemberRules = {
    ArnLike: { 'aws:SourceArn': `arn:aws-us-gov:events:*:*:rule/${busName}-member-*` },
  };
  const statements = [];
  if (orgId !== '')
    statements.push({
      Sid: 'organization',
      Effect: 'Allow',
      Principal: '*',
      Action: 'events:PutEvents',
      Resource: busArn,
      Condition: { StringEquals: { 'aws:PrincipalOrgID': orgId }, ...fromMemberRules },
    });
  if (accountIds.length > 0)
    statements.push({
      Sid: 'member-accounts',
      Effect: 'Allow',
      Principal: { AWS: accountIds.map((id) => `arn:aws-us-gov:iam::${id}:root`) },
      Action: 'events:PutEvents',
      Resource: busArn,
      Condition: fromMemberRules,
    });
  const size = JSON.stringify({ Version: '2012-10-17', Statement: statements }).length;
  if (size > BUS_POLICY_LIMIT)
    throw new Error(
      `memberAccountIds: the hub bus policy would be ${size} characters, above EventBridge's ${BUS_POLICY_LIMIT}; ` +
        'name the organization (organizationId) instead of listing its accounts',
    );
  return size;
}

module.exports = async ({ resolveVariable }) => {
  const orgId = organizationId(await resolveVariable('param:organizationId'));
  const accountIds = memberAccountIds(await resolveVariable('param:memberAccountIds'));
  checkBusPolicySize(accountIds, orgId, await resolveVariable('self:custom.names.hubBus'));
  // An empty list is never used (the statements naming it are dropped by their Condition) but must
  // still be a list in the template.
  const accountRoots = accountIds.map((id) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::${id}:root` }));
  return { accountIds, accountRoots };
};
module.exports.organizationId = organizationId;
module.exports.memberAccountIds = memberAccountIds;
module.exports.checkBusPolicySize = checkBusPolicySize;
