import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { classified } from '#shared/aws/classified.ts';
import { exportBucketsS3Config, SDK_CLIENT_CONFIG } from '#shared/aws/client-config.ts';
import { loadPolicyFile } from '#shared/policy/load.ts';
import { parseEnv } from '#shared/runtime/env.ts';
import { lambdaHandler } from '#shared/runtime/handler.ts';
import { logger } from '#shared/runtime/logger.ts';
import { PruneEnv } from './config.ts';
import { exportBuckets, prune } from './prune.ts';

const env = parseEnv(PruneEnv);
// Validated at cold start: a policy that does not parse fails here, naming the field.
const policy = loadPolicyFile(env.POLICY_FILE);
// Each client throws the pipeline's classified errors (shared/aws/classified.ts), naming the call.
const glue = classified(new GlueClient(SDK_CLIENT_CONFIG), 'glue');
const s3 = classified(new S3Client(exportBucketsS3Config(env.S3_FORCE_PATH_STYLE === 'true')), 's3');
const sfn = classified(new SFNClient(SDK_CLIENT_CONFIG), 'sfn');
const dynamodb = classified(new DynamoDBClient(SDK_CLIENT_CONFIG), 'dynamodb');

/** The scheduler's input: `{}` daily; `{"dryRun": true}` reports what would go and deletes nothing. */
const Input = z.object({ dryRun: z.boolean().default(false) });

export const handler = lambdaHandler({ what: 'prune input', input: Input }, async ({ dryRun }, context) => {
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
      // Stops starting requests before the function's timeout; the next daily run finishes.
      remainingMs: () => context.getRemainingTimeInMillis(),
    },
    dryRun,
  );
  const done = dryRun ? 'prune planned (dry run)' : 'prune done';
  logger.info(result.complete ? done : `${done} in part: stopped before the time limit`, {
    sources: result.sources,
    exports: result.exports.length,
    kept: result.kept,
    refused: result.refused,
    complete: result.complete,
    bytes: result.exports.reduce((n, e) => n + e.bytes, 0),
    notes: result.notes,
  });
  return result;
});
