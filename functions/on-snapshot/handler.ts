import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RDSClient } from '@aws-sdk/client-rds';
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { parseEnv } from '#shared/env.ts';
import { exportLedger } from '#shared/export-ledger.ts';
import { lambdaHandler } from '#shared/handler.ts';
import { notifierFromEnv } from '#shared/notify/notifier.ts';
import { loadPolicyFile } from '#shared/policy/load.ts';
import { OnSnapshotEnv } from './config.ts';
import { handleSnapshotEvent } from './intake.ts';

const env = parseEnv(OnSnapshotEnv);
// An invalid policy fails the cold start with a message naming the field.
const policy = loadPolicyFile(env.POLICY_FILE);
const rds = new RDSClient({});
const sfn = new SFNClient({});
const notify = notifierFromEnv(env);
const ledger = exportLedger({
  dynamodb: new DynamoDBClient({}),
  sfn,
  table: env.EXPORTS_TABLE,
  stateMachineArn: env.STATE_MACHINE_ARN,
});

// Any event reaches the intake, which logs a decision (skip with the reason) for what it cannot use.
export const handler = lambdaHandler({ what: 'on-snapshot event', input: z.unknown() }, async (event) =>
  handleSnapshotEvent(event, {
    rds,
    sfn,
    policy,
    stateMachineArn: env.STATE_MACHINE_ARN,
    ledger,
    destination: { bucket: env.EXPORT_BUCKET, kmsKey: env.EXPORT_KMS_KEY_ARN, role: env.EXPORT_ROLE_ARN },
    notify,
  }),
);
