import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { AccountsEnv, homeOf } from '../aws/accounts.ts';
import { classified } from '../aws/classified.ts';
import { SDK_CLIENT_CONFIG } from '../aws/client-config.ts';
import { isKmsKeyReference, KMS_KEY_RULE } from '../aws/kms.ts';
import { NotifierEnv, notifierFromEnv } from '../notify/notifier.ts';
import { loadPolicyFile } from '../policy/load.ts';
import type { DispatchDeps } from './dispatch.ts';
import { exportLedger } from './ledger.ts';

const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/**
 * The environment of the functions that start exports (on-snapshot, on-schedule): the state machine,
 * the policy file, the default destination, the ledger table, notifications.
 */
export const IntakeEnv = NotifierEnv.extend({
  STATE_MACHINE_ARN: z.string().startsWith('arn:', 'must be a state machine ARN'),
  POLICY_FILE: z.string().min(1).default('export-policy.yml'),
  EXPORT_BUCKET: optional,
  EXPORT_KMS_KEY_ARN: optional.refine((v) => v === undefined || isKmsKeyReference(v), KMS_KEY_RULE),
  EXPORT_ROLE_ARN: optional,
  /** The role Neptune Analytics assumes for graph exports (it trusts neptune-graph.amazonaws.com). */
  GRAPH_EXPORT_ROLE_ARN: optional,
  /** The DynamoDB table recording each source's last export (minIntervalHours). */
  EXPORTS_TABLE: z.string().min(3, 'must name the DynamoDB table of the deployment'),
}).extend(AccountsEnv.shape);
export type IntakeEnv = z.infer<typeof IntakeEnv>;

/**
 * What the functions that start exports build once per container from their environment: the
 * policy (an invalid one fails the cold start, naming the field), the clients, the ledger and the
 * notifier. Each adds the RDS it reads sources with: on-schedule the deployment's own, on-snapshot
 * the snapshot's account's (shared/sources/rds/clients.ts).
 */
export function dispatchDepsFromEnv(env: IntakeEnv): DispatchDeps {
  const sfn = classified(new SFNClient(SDK_CLIENT_CONFIG), 'sfn');
  const home = homeOf(env);
  return {
    home,
    sfn,
    policy: loadPolicyFile(env.POLICY_FILE),
    stateMachineArn: env.STATE_MACHINE_ARN,
    ledger: exportLedger({
      dynamodb: classified(new DynamoDBClient(SDK_CLIENT_CONFIG), 'dynamodb'),
      sfn,
      table: env.EXPORTS_TABLE,
      stateMachineArn: env.STATE_MACHINE_ARN,
      home,
    }),
    destination: {
      bucket: env.EXPORT_BUCKET,
      kmsKey: env.EXPORT_KMS_KEY_ARN,
      role: env.EXPORT_ROLE_ARN,
      graphRole: env.GRAPH_EXPORT_ROLE_ARN,
    },
    notify: notifierFromEnv(env),
  };
}
