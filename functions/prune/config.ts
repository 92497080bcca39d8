import { validate as isArn, parse as parseArn } from '@aws-sdk/util-arn-parser';
import { z } from 'zod';
import { BucketName } from '#shared/policy/schema.ts';

/**
 * `arn:<partition>:states:<region>:<account>:stateMachine:<name>`, the form the Step Functions API
 * reference gives for StartExecution's stateMachineArn.
 */
const isStateMachineArn = (value: string) => {
  if (!isArn(value)) return false;
  const { service, resource } = parseArn(value);
  return service === 'states' && resource.startsWith('stateMachine:');
};

/** prune's environment: the policy (retention per rule), the catalog it reads, the bucket, machine and ledger it checks against. */
export const PruneEnv = z.object({
  POLICY_FILE: z.string().min(1).default('export-policy.yml'),
  GLUE_DATABASE_PREFIX: z
    .string()
    .regex(/^[a-z0-9_]*$/, 'must be lowercase letters, digits and _')
    .default('rds_export_'),
  /** The deployment's export bucket; buckets the policy's rules name are allowed too. */
  EXPORT_BUCKET: BucketName,
  /**
   * The export state machine: an export is deleted only if its execution says this deployment
   * started it, there (and never while it still runs).
   */
  STATE_MACHINE_ARN: z.string().refine(isStateMachineArn, 'must be the export state machine ARN'),
  /** The deployment's table: where each export an event starts is recorded, past its execution's 90 days. */
  EXPORTS_TABLE: z.string().min(3, 'must name the DynamoDB table of the deployment'),
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).optional(),
});
export type PruneEnv = z.infer<typeof PruneEnv>;
