import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { homeOf, safeScope } from '#shared/aws/accounts.ts';
import { classified } from '#shared/aws/classified.ts';
import { exportBucketsS3Config, SDK_CLIENT_CONFIG } from '#shared/aws/client-config.ts';
import { PageCapError } from '#shared/aws/pages.ts';
import { UnexpectedAwsError } from '#shared/contract/errors.ts';
import { executionKeys } from '#shared/contract/execution.ts';
import { parseEnv } from '#shared/runtime/env.ts';
import { lambdaHandler } from '#shared/runtime/handler.ts';
import { logger } from '#shared/runtime/logger.ts';
import { recordRegistration } from '#shared/runtime/metrics.ts';
import { RegisterExportEnv } from './config.ts';
import { RegisterState, registerFromState } from './input.ts';
import { scopeDatabasePrefix } from './naming.ts';
import { countRequests, totalRequests } from './request-count.ts';

const env = parseEnv(RegisterExportEnv);
const home = homeOf(env);
// Each client throws the pipeline's classified errors (shared/aws/classified.ts): the name is what
// the state machine retries or reports.
const glue = classified(new GlueClient(SDK_CLIENT_CONFIG), 'glue');
const s3 = classified(new S3Client(exportBucketsS3Config(env.S3_FORCE_PATH_STYLE === 'true')), 's3');
const glueRequests = countRequests(glue);
const s3Requests = countRequests(s3);

export const handler = lambdaHandler(
  { what: 'register-export input', input: RegisterState, keys: executionKeys },
  async (state, context) => {
    const before = { glue: totalRequests(glueRequests), s3: totalRequests(s3Requests) };
    const registered = await registerFromState(state, {
      glue,
      s3,
      // A member's databases name its account, another Region's sources' their Region (./naming.ts).
      databasePrefix: scopeDatabasePrefix(
        env.GLUE_DATABASE_PREFIX,
        state.source.arn === undefined ? undefined : safeScope(state.source.arn),
        home,
        state.accountName,
      ),
      remainingMs: () => context.getRemainingTimeInMillis(),
    }).catch((error: unknown) => {
      // Per-table failures are in the result; what escapes concerns the export as a whole (listing,
      // database), classified by its client. A listing past its page cap (the export's objects or
      // the database's tables) is not one a retry shortens: the state machine must not retry it.
      if (error instanceof PageCapError)
        throw new UnexpectedAwsError(`Registering the export: ${error.message}`, { cause: error });
      throw error;
    });
    const requests = {
      glue: totalRequests(glueRequests) - before.glue,
      s3: totalRequests(s3Requests) - before.s3,
    };
    const result = { ...registered, requests };
    logger.info(result.cursor ? 'registration continues in the next invocation' : 'export registered', {
      database: result.database,
      registered: result.registeredCount,
      skipped: result.skipped.length,
      failed: result.failed,
      problems: result.problems,
      schemaChanges: result.schemaChangesCount ?? 0,
      typedViews: result.typedViews,
      cursor: result.cursor,
      requests,
    });
    // The counts are the registration's so far: recorded once, when it is done.
    if (result.cursor === undefined) recordRegistration(state.source, result);
    return result;
  },
);
