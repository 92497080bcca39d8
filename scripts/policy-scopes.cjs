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
// The one key-naming rule (shared/aws/kms.ts), so packaging, the cold start and `rds-export plan` refuse
// the same values with the same message.
const { isKmsKeyArn, isKmsKeyReference, kmsKeyProblem, KMS_KEY_RULE } = tsRequire(
  path.join(SHARED, 'aws', 'kms.ts'),
  __filename,
);

/**
 * Every place the policy names a destination: the defaults, each export rule and each Region's
 * entry (`regions:`), with the kinds
 * of export that may use it: graphs (Neptune Analytics, whose role is passed to
 * neptune-graph.amazonaws.com), RDS's, or both (the defaults, a rule matching any kind).
 */
function destinations(policy) {
  const found = [{ at: 'defaults.export', settings: policy.defaults.export, graph: true, rds: true }];
  policy.rules.forEach((rule, i) => {
    if (rule.action !== 'export') return;
    const kinds = rule.match.kind;
    const graph = kinds === undefined || kinds.includes('graph');
    const rds = kinds === undefined || kinds.some((k) => k !== 'graph');
    found.push({ at: `rules[${i}].export`, settings: rule.export, graph, rds });
  });
  // Each Region's bucket and key (`regions:`): exports there use the same roles.
  for (const [region, settings] of Object.entries(policy.regions ?? {})) {
    found.push({ at: `regions.${region}`, settings, graph: true, rds: true });
  }
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
 * REPORT_FILE) and the files a graph registration cut short has read (graph-progress.ts
 * PROGRESS_FILE): register-export may write those two file names and nothing else.
 */
function reportArns(bucket) {
  return ['rds-export-registration-report.json', '_rds-export-graph-files.json'].map((file) => ({
    'Fn::Sub': [`arn:\${AWS::Partition}:s3:::\${Bucket}/*/${file}`, { Bucket: bucket }],
  }));
}

/** SSM parameter ARN for a name with or without its leading slash. */
function parameterArn(name) {
  const suffix = name.startsWith('/') ? name : `/${name}`;
  return { 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${suffix}` };
}

/**
 * Derives the IAM scopes; `defaults` are the deployment's own bucket name, key ARN, export role ARN
 * and graph export role ARN.
 */
function deriveScopes(policy, defaults, slackParameter) {
  const found = destinations(policy);
  const buckets = [defaults.bucketName];
  const keys = [defaults.kmsKeyArn];
  const roles = [defaults.roleArn];
  const graphRoles = [defaults.graphRoleArn];
  for (const { at, settings, graph, rds } of found) {
    if (settings.bucket) buckets.push(settings.bucket);
    if (settings.kmsKey) keys.push(keyArn(settings.kmsKey, at));
    if (settings.role && rds) roles.push(settings.role);
    if (settings.role && graph) graphRoles.push(settings.role);
  }
  return {
    bucketAndObjectArns: unique(unique(buckets).flatMap(bucketArns)),
    reportObjectArns: unique(unique(buckets).flatMap(reportArns)),
    kmsKeyArns: unique(keys),
    exportRoleArns: unique(roles),
    graphExportRoleArns: unique(graphRoles),
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
    graphRoleArn: await resolveVariable('self:custom.export.graphRoleArn'),
  };
  return deriveScopes(policy, defaults, await resolveVariable('param:slackWebhookParameter'));
};
module.exports.deriveScopes = deriveScopes;
module.exports.loadPolicy = loadPolicy;
module.exports.checkExistingKmsKeyArn = checkExistingKmsKeyArn;
