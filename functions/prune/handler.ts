import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { SDK_CLIENT_CONFIG } from '#shared/aws/client-config.ts';
import { loadPolicyFile } from '#shared/policy/load.ts';
import { parseEnv } from '#shared/runtime/env.ts';
import { lambdaHandler } from '#shared/runtime/handler.ts';
import { logger } from '#shared/runtime/logger.ts';
import { PruneEnv } from './config.ts';
import { exportBuckets, prune } from './prune.ts';

const env = parseEnv(PruneEnv);
// Validated at cold start: a policy that does not parse fails here, naming the field.
const policy = loadPolicyFile(env.POLICY_FILE);
const glue = new GlueClient(SDK_CLIENT_CONFIG);
const s3 = new S3Client({ ...SDK_CLIENT_CONFIG, forcePathStyle: env.S3_FORCE_PATH_STYLE === 'true' });
const sfn = new SFNClient(SDK_CLIENT_CONFIG);
const dynamodb = new DynamoDBClient(SDK_CLIENT_CONFIG);

/** The scheduler's input: `{}` daily; `{"dryRun": true}` reports what would go and deletes nothing. */
const Input = z.object({ dryRun: z.boolean().default(false) });

export const handler = lambdaHandler({ what: 'prune input', input: Input }, async ({ dryRun }) => {
  const result = await prune(
    {
      glue,
      s3,
      ownership: {
        sfn,
        stateMachineArn: env.STATE_MACHINE_ARN,
        ledger: { dynamodb, table: env.EXPORTS_TABLE },
      },
      policy,
      databasePrefix: env.GLUE_DATABASE_PREFIX,
      buckets: exportBuckets(policy, env.EXPORT_BUCKET),
      now: () => new Date(),
      onDelete: (what) => logger.info('deleting export prefix', what),
      onRefuse: (what) => logger.warn('export left alone: its partitions failed the check', what),
    },
    dryRun,
  );
  logger.info(dryRun ? 'prune planned (dry run)' : 'prune done', {
    sources: result.sources,
    exports: result.exports.length,
    kept: result.kept,
    refused: result.refused,
    bytes: result.exports.reduce((n, e) => n + e.bytes, 0),
    notes: result.notes,
  });
  return result;
});
