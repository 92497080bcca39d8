/**
 * The IAM and KMS statements an export needs, filled in with the job's own names, so an alert can
 * say exactly what to add. Actions are those the Aurora/RDS user guides list ("Exporting DB
 * snapshot data to Amazon S3": setting up the IAM role, using a cross-account KMS key) and the
 * StartExportTask API reference (KmsKeyId: what the caller must be allowed).
 */

/** The S3 actions the export role needs on the bucket and its objects. */
export const EXPORT_ROLE_S3_ACTIONS = [
  's3:PutObject*',
  's3:ListBucket',
  's3:GetObject*',
  's3:DeleteObject*',
  's3:GetBucketLocation',
] as const;

/** What the key policy must let the export role do with the key. */
export const EXPORT_ROLE_KMS_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncrypt*',
  'kms:GenerateDataKey*',
  'kms:CreateGrant',
  'kms:DescribeKey',
  'kms:RetireGrant',
] as const;

/** What the caller of StartExportTask (the start-export function's role) needs on the key. */
export const CALLER_KMS_ACTIONS = ['kms:DescribeKey', 'kms:CreateGrant'] as const;

export const EXPORT_SERVICE_PRINCIPAL = 'export.rds.amazonaws.com';

export function exportRoleS3Policy(bucket: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AllowRdsSnapshotExport',
        Effect: 'Allow',
        Action: [...EXPORT_ROLE_S3_ACTIONS],
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
      },
    ],
  };
}

export function exportRoleTrustPolicy(): object {
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: EXPORT_SERVICE_PRINCIPAL }, Action: 'sts:AssumeRole' },
    ],
  };
}

/** Key policy statement (in a key policy, `Resource: "*"` means this key). */
export function exportRoleKeyPolicyStatement(roleArn: string): object {
  return {
    Sid: 'AllowRdsExportRoleToUseTheKey',
    Effect: 'Allow',
    Principal: { AWS: roleArn },
    Action: [...EXPORT_ROLE_KMS_ACTIONS],
    Resource: '*',
  };
}

/** Identity policy statement for the role that calls StartExportTask. */
export function callerKmsStatement(keyArn: string): object {
  return {
    Sid: 'AllowStartExportTaskToUseTheKey',
    Effect: 'Allow',
    Action: [...CALLER_KMS_ACTIONS],
    Resource: keyArn,
  };
}

/** A fenced JSON block, readable in Slack and in the SNS JSON alike. */
export function jsonBlock(value: object): string {
  return `\`\`\`\n${JSON.stringify(value, null, 2)}\n\`\`\``;
}

/** The role name of an IAM role ARN (`arn:aws:iam::123:role/path/name` → `name`). */
export function roleName(roleArn: string): string {
  return roleArn.split('/').pop() || roleArn;
}

/** An IAM policy can only name a key by ARN; an alias has to be resolved first. */
export function keyArnOrHint(kmsKeyId: string): string {
  return /^arn:aws[a-z-]*:kms:[^:]*:\d+:key\//.test(kmsKeyId) ? kmsKeyId : `arn-of-key-${kmsKeyId}`;
}
