'use strict';
/**
 * Package-time step of serverless.member.yml (`custom.operators`): checks the hubOperatorRoleArns
 * parameter, so a typo fails `serverless package` instead of a trust policy that admits no one (or
 * someone else), and turns the comma-separated list into the principals MemberOperatorRole trusts.
 */

// An IAM role's ARN: arn:<partition>:iam::<account>:role/<path><name>. The path is "/" or "/…/" of
// printable ASCII, the name 1-64 of letters, digits and +=,.@_- (IAM API Reference, CreateRole Path
// and RoleName); account IDs are 12 digits (Organizations API reference, DescribeAccount AccountId,
// as scripts/organization.cjs and shared/aws/accounts.ts ACCOUNT_ID).
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?[\w+=,.@-]{1,64}$/;

/** The hub operators' role ARNs, each checked to be a role of the hub's account; "" is none. */
function hubOperatorRoleArns(value, hubAccountId) {
  const arns = String(value)
    .split(',')
    .map((arn) => arn.trim())
    .filter((arn) => arn !== '');
  const notRoles = arns.filter((arn) => !ROLE_ARN.test(arn));
  if (notRoles.length > 0)
    throw new Error(
      `hubOperatorRoleArns: not IAM role ARNs (arn:<partition>:iam::<account>:role/<name>): ${notRoles.join(', ')}`,
    );
  const elsewhere = arns.filter((arn) => ROLE_ARN.exec(arn)?.[1] !== String(hubAccountId));
  if (elsewhere.length > 0)
    throw new Error(
      `hubOperatorRoleArns: roles outside the hub's account ${hubAccountId} (hubAccountId): ${elsewhere.join(', ')}`,
    );
  return [...new Set(arns)];
}

module.exports = async ({ resolveVariable }) => {
  const roleArns = hubOperatorRoleArns(
    await resolveVariable('self:custom.hub.operatorRoleArns'),
    await resolveVariable('self:custom.hub.accountId'),
  );
  // MemberOperatorsSet reads `enabled`: an empty list is never used (the role is not created) but
  // must still be a list in the template.
  return { roleArns, enabled: roleArns.length > 0 ? 'true' : 'false' };
};
module.exports.hubOperatorRoleArns = hubOperatorRoleArns;
