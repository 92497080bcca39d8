import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import { z } from 'zod';
import { parseEnv } from '#shared/env.ts';
import {
  AwsServiceUnavailableError,
  InvalidInputError,
  PipelineError,
  UnexpectedAwsError,
} from '#shared/errors.ts';
import type { RegistrationResult } from '#shared/machine-contract.ts';
import { logger } from '#shared/logger.ts';
import { isRetryable } from './concurrency.ts';
import { registerExport } from './register.ts';

const env = parseEnv(
  z.object({
    GLUE_DATABASE_PREFIX: z
      .string()
      .regex(/^[a-z0-9_]*$/)
      .default('rds_export_'),
    S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).optional(),
  }),
);

const glue = new GlueClient({});
const s3 = new S3Client({ forcePathStyle: env.S3_FORCE_PATH_STYLE === 'true' });

/** The slice of the execution state this function reads (after check-export reported COMPLETE). */
const Input = z.object({
  exportTaskIdentifier: z.string().min(1),
  source: z.object({
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

async function register(event: unknown): Promise<RegistrationResult> {
  const parsed = Input.safeParse(event);
  if (!parsed.success) throw new InvalidInputError(`register-export input: ${z.prettifyError(parsed.error)}`);
  const state = parsed.data;
  const task = state.check.task;
  logger.appendKeys({
    snapshot: state.source.snapshotIdentifier,
    exportTaskIdentifier: state.exportTaskIdentifier,
  });
  const result = await registerExport(
    {
      bucket: task.s3Bucket ?? state.request.S3BucketName,
      prefix: task.s3Prefix ?? state.request.S3Prefix,
      exportTaskIdentifier: state.exportTaskIdentifier,
      snapshotTime: task.snapshotTime,
      warningMessage: task.warningMessage,
      sourceIdentifier: state.source.sourceIdentifier,
      engine: state.source.engine,
    },
    { glue, s3, databasePrefix: env.GLUE_DATABASE_PREFIX },
  ).catch(asPipelineError);
  logger.info('export registered', {
    database: result.database,
    registered: result.registeredCount,
    skipped: result.skipped.length,
    failed: result.failed,
    problems: result.problems,
    requests: result.requests,
  });
  return result;
}

/** Per-table failures are in the result; what escapes is the export as a whole (listing, database): name it for the ASL. */
function asPipelineError(err: unknown): never {
  if (err instanceof PipelineError) throw err;
  const e = err as Error;
  if (isRetryable(err)) throw new AwsServiceUnavailableError(`${e.name}: ${e.message}`, { cause: err });
  throw new UnexpectedAwsError(`${e.name}: ${e.message}`, { cause: err });
}

export const handler = middy(register);
