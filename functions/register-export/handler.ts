import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { classifyAwsError } from '#shared/aws-errors.ts';
import { parseEnv } from '#shared/env.ts';
import { lambdaHandler } from '#shared/handler.ts';
import { logger } from '#shared/logger.ts';
import { executionKeys } from '#shared/machine-contract.ts';
import { RegisterExportEnv } from './config.ts';
import { registerExport } from './register.ts';

const env = parseEnv(RegisterExportEnv);
const glue = new GlueClient({});
const s3 = new S3Client({ forcePathStyle: env.S3_FORCE_PATH_STYLE === 'true' });

/** The slice of the execution state this function reads (after check-export reported COMPLETE). */
const Input = z.object({
  exportTaskIdentifier: z.string().min(1),
  source: z.object({
    kind: z.string().min(1),
    sourceIdentifier: z.string().min(1),
    engine: z.string().min(1),
    snapshotIdentifier: z.string().optional(),
  }),
  request: z.object({ S3BucketName: z.string().min(1), S3Prefix: z.string().optional() }),
  check: z.object({
    task: z.object({
      s3Bucket: z.string().optional(),
      s3Prefix: z.string().optional(),
      snapshotTime: z.string().optional(),
      warningMessage: z.string().optional(),
    }),
  }),
});

export const handler = lambdaHandler(
  { what: 'register-export input', input: Input, keys: executionKeys },
  async (state) => {
    const task = state.check.task;
    const result = await registerExport(
      {
        bucket: task.s3Bucket ?? state.request.S3BucketName,
        prefix: task.s3Prefix ?? state.request.S3Prefix,
        exportTaskIdentifier: state.exportTaskIdentifier,
        snapshotTime: task.snapshotTime,
        warningMessage: task.warningMessage,
        sourceIdentifier: state.source.sourceIdentifier,
        sourceKind: state.source.kind,
        engine: state.source.engine,
      },
      { glue, s3, databasePrefix: env.GLUE_DATABASE_PREFIX },
    ).catch((error: unknown) => {
      // Per-table failures are in the result; what escapes concerns the export as a whole (listing,
      // database), and its name is what the state machine retries or reports.
      throw classifyAwsError(error, 'glue', 'Registering the export');
    });
    logger.info('export registered', {
      database: result.database,
      registered: result.registeredCount,
      skipped: result.skipped.length,
      failed: result.failed,
      problems: result.problems,
      requests: result.requests,
    });
    return result;
  },
);
