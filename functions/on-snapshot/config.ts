import { z } from 'zod';
import { isKmsKeyReference, KMS_KEY_RULE } from '#shared/kms.ts';
import { NotifierEnv } from '#shared/notify/notifier.ts';

const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** on-snapshot's environment: the state machine, the policy file, the default destination, notifications. */
export const OnSnapshotEnv = NotifierEnv.extend({
  STATE_MACHINE_ARN: z.string().startsWith('arn:', 'must be a state machine ARN'),
  POLICY_FILE: z.string().min(1).default('export-policy.yml'),
  EXPORT_BUCKET: optional,
  EXPORT_KMS_KEY_ARN: optional.refine((v) => v === undefined || isKmsKeyReference(v), KMS_KEY_RULE),
  EXPORT_ROLE_ARN: optional,
  /** The DynamoDB table recording each source's last export (minIntervalHours). */
  EXPORTS_TABLE: z.string().min(3, 'must name the DynamoDB table of the deployment'),
});
export type OnSnapshotEnv = z.infer<typeof OnSnapshotEnv>;
