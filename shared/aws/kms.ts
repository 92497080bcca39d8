/**
 * The one rule for naming the export KMS key, used by the policy schema, the deployment's
 * `existingKmsKeyArn` parameter check, the functions' environment and `rds-export plan --kms-key`.
 *
 * StartExportTask itself accepts a key ARN, key ID, alias name or alias ARN (API reference,
 * KmsKeyId), but the caller needs `kms:CreateGrant` and `kms:DescribeKey` on the key, and IAM
 * evaluates those against the key's ARN: a policy scoped to an alias grants nothing, so every
 * export would fail with KMSKeyNotAccessibleFault. Only a key ARN or a key ID names the key.
 *
 * Their form is the one AWS documents, and the graph request (shared/sources/graph/request.ts) is checked
 * with it too. A key ARN matches the pattern the Neptune Analytics API reference gives for
 * kmsKeyIdentifier (ExportTaskSummary), the only one AWS publishes:
 * `arn:aws(|-cn|-us-gov):kms:[a-zA-Z0-9-]*:[0-9]{12}:key/[a-zA-Z0-9-]{36}`. A key ID is that ARN's
 * last part, 36 characters: `1234abcd-12ab-34cd-56ef-1234567890ab`, or
 * `mrk-1234abcd12ab34cd56ef1234567890ab` for a multi-Region key (AWS KMS API reference, KeyId).
 */

const KEY_ID_PART = '[a-zA-Z0-9-]{36}';
/** KmsKeyArn, as the Neptune Analytics API reference gives it. */
export const KMS_KEY_ARN = new RegExp(
  `^arn:aws(|-cn|-us-gov):kms:[a-zA-Z0-9-]*:[0-9]{12}:key/${KEY_ID_PART}$`,
);
const KEY_ID = new RegExp(`^${KEY_ID_PART}$`);

export const KMS_KEY_RULE =
  'must be a KMS key ARN or key ID, not an alias (IAM cannot scope kms:CreateGrant to an alias)';
export const KMS_KEY_ARN_RULE =
  'must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>), not an alias or a key ID';

export function isKmsKeyArn(value: string): boolean {
  return KMS_KEY_ARN.test(value);
}

/** A key ARN or a bare key ID (the form IAM policies can be scoped to once the ARN is built). */
export function isKmsKeyReference(value: string): boolean {
  return KMS_KEY_ARN.test(value) || KEY_ID.test(value);
}

/** Why `value` cannot name the export key, or undefined when it can. `arnOnly` refuses key IDs too. */
export function kmsKeyProblem(value: string, arnOnly = false): string | undefined {
  if (arnOnly) return isKmsKeyArn(value) ? undefined : KMS_KEY_ARN_RULE;
  return isKmsKeyReference(value) ? undefined : KMS_KEY_RULE;
}
