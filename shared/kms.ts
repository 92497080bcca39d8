/**
 * The one rule for naming the export KMS key, used by the policy schema, the deployment's
 * `existingKmsKeyArn` parameter check, the functions' environment and `rds-export plan --kms-key`.
 *
 * StartExportTask itself accepts a key ARN, key ID, alias name or alias ARN (API reference,
 * KmsKeyId), but the caller needs `kms:CreateGrant` and `kms:DescribeKey` on the key, and IAM
 * evaluates those against the key's ARN: a policy scoped to an alias grants nothing, so every
 * export would fail with KMSKeyNotAccessibleFault. Only a key ARN or a key ID names the key.
 */

const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-)?[A-Za-z0-9-]{32,}$/;
const KEY_ID = /^(mrk-)?[A-Za-z0-9-]{32,}$/;

export const KMS_KEY_RULE =
  'must be a KMS key ARN or key ID, not an alias (IAM cannot scope kms:CreateGrant to an alias)';
export const KMS_KEY_ARN_RULE =
  'must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>), not an alias or a key ID';

export function isKmsKeyArn(value: string): boolean {
  return KEY_ARN.test(value);
}

/** A key ARN or a bare key ID (the form IAM policies can be scoped to once the ARN is built). */
export function isKmsKeyReference(value: string): boolean {
  return KEY_ARN.test(value) || KEY_ID.test(value);
}

/** Why `value` cannot name the export key, or undefined when it can. `arnOnly` refuses key IDs too. */
export function kmsKeyProblem(value: string, arnOnly = false): string | undefined {
  if (arnOnly) return isKmsKeyArn(value) ? undefined : KMS_KEY_ARN_RULE;
  return isKmsKeyReference(value) ? undefined : KMS_KEY_RULE;
}
