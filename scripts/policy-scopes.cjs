'use strict';
/**
 * Package-time step of serverless.yml (`custom.scopes`): validates export-policy.yml with the same
 * loader the on-snapshot cold start uses, so an invalid policy fails `serverless package` with the
 * PolicyError naming the field, and derives the IAM scopes from it. A rule may name its own bucket,
 * KMS key or export role; each must be usable by the functions and roles that act on it, so the
 * scopes are the deployment's defaults plus every one the policy names.
 */
const path = require('node:path');
const { require: tsRequire } = require('tsx/cjs/api');

const POLICY_FILE = 'export-policy.yml';
const SHARED = path.join(__dirname, '..', 'shared');
// The one key-naming rule (shared/kms.ts), so packaging, the cold start and `rds-export plan` refuse
// the same values with the same message.
const { isKmsKeyArn, isKmsKeyReference, kmsKeyProblem, KMS_KEY_RULE } = tsRequire(
  path.join(SHARED, 'kms.ts'),
  __filename,
);

/** Every place the policy names a destination: the defaults, then each export rule. */
function destinations(policy) {
  const found = [{ at: 'defaults.export', settings: policy.defaults.export }];
  policy.rules.forEach((rule, i) => {
    if (rule.action === 'export') found.push({ at: `rules[${i}].export`, settings: rule.export });
  });
  return found;
}

/** The key's ARN as IAM sees it. Aliases cannot scope kms:CreateGrant (IAM evaluates the key ARN). */
function keyArn(kmsKey, at) {
  if (isKmsKeyArn(kmsKey)) return kmsKey;
  if (isKmsKeyReference(kmsKey))
    return { 'Fn::Sub': `arn:\${AWS::Partition}:kms:\${AWS::Region}:\${AWS::AccountId}:key/${kmsKey}` };
  throw new Error(`${POLICY_FILE}: ${at}.kmsKey: ${KMS_KEY_RULE}`);
}

/**
 * Refuses an `existingKmsKeyArn` that is not a key ARN: it becomes the key policy's, the topic's and
 * every IAM statement's key, and an alias there scopes kms:CreateGrant to nothing.
 */
function checkExistingKmsKeyArn(value) {
  const problem = value ? kmsKeyProblem(value, true) : undefined;
  if (problem) throw new Error(`existingKmsKeyArn: ${problem}`);
}

const unique = (values) => {
  const seen = new Set();
  return values.filter((v) => {
    const key = JSON.stringify(v);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

/** Bucket and object ARNs for a bucket name, or for the deployment's own bucket (an intrinsic). */
function bucketArns(bucket) {
  return [`arn:\${AWS::Partition}:s3:::\${Bucket}`, `arn:\${AWS::Partition}:s3:::\${Bucket}/*`].map(
    (arn) => ({
      'Fn::Sub': [arn, { Bucket: bucket }],
    }),
  );
}

/**
 * The registration report of every export in a bucket (functions/register-export/report.ts
 * REPORT_FILE): register-export may write that one file name and nothing else.
 */
function reportArn(bucket) {
  return {
    'Fn::Sub': [
      `arn:\${AWS::Partition}:s3:::\${Bucket}/*/rds-export-registration-report.json`,
      { Bucket: bucket },
    ],
  };
}

/** SSM parameter ARN for a name with or without its leading slash. */
function parameterArn(name) {
  const suffix = name.startsWith('/') ? name : `/${name}`;
  return { 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${suffix}` };
}

/** Derives the IAM scopes; `defaults` are the deployment's own bucket name, key ARN and role ARN. */
function deriveScopes(policy, defaults, slackParameter) {
  const found = destinations(policy);
  const buckets = [defaults.bucketName];
  const keys = [defaults.kmsKeyArn];
  const roles = [defaults.roleArn];
  for (const { at, settings } of found) {
    if (settings.bucket) buckets.push(settings.bucket);
    if (settings.kmsKey) keys.push(keyArn(settings.kmsKey, at));
    if (settings.role) roles.push(settings.role);
  }
  return {
    bucketAndObjectArns: unique(unique(buckets).flatMap(bucketArns)),
    reportObjectArns: unique(unique(buckets).map(reportArn)),
    kmsKeyArns: unique(keys),
    exportRoleArns: unique(roles),
    slackParameterArn: parameterArn(slackParameter || 'slack-webhook-not-configured'),
  };
}

function loadPolicy(serviceDir) {
  const { loadPolicyFile } = tsRequire(path.join(SHARED, 'policy', 'load.ts'), __filename);
  // Relative to the working directory, so the error reads `export-policy.yml: rules[0]...`.
  return loadPolicyFile(path.relative(process.cwd(), path.join(serviceDir, POLICY_FILE)) || POLICY_FILE);
}

module.exports = async ({ resolveVariable }) => {
  const serviceDir = path.join(__dirname, '..');
  checkExistingKmsKeyArn(await resolveVariable('param:existingKmsKeyArn'));
  const policy = loadPolicy(serviceDir);
  const defaults = {
    bucketName: await resolveVariable('self:custom.export.bucketName'),
    kmsKeyArn: await resolveVariable('self:custom.export.kmsKeyArn'),
    roleArn: await resolveVariable('self:custom.export.roleArn'),
  };
  return deriveScopes(policy, defaults, await resolveVariable('param:slackWebhookParameter'));
};
module.exports.deriveScopes = deriveScopes;
module.exports.loadPolicy = loadPolicy;
module.exports.checkExistingKmsKeyArn = checkExistingKmsKeyArn;
