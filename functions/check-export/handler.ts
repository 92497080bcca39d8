import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { RDSClient } from '@aws-sdk/client-rds';
import middy from '@middy/core';
import { z } from 'zod';
import { parseEnv } from '#shared/env.ts';
import { InvalidInputError } from '#shared/errors.ts';
import { type CheckResult, ExecutionState } from '#shared/machine-contract.ts';
import { logger } from '#shared/logger.ts';
import { checkExport } from './check.ts';
import { CheckExportEnv } from './config.ts';

const config = parseEnv(CheckExportEnv);
const rds = new RDSClient({});

export const handler = middy(async (event: unknown): Promise<CheckResult> => {
  const parsed = ExecutionState.safeParse(event);
  if (!parsed.success) throw new InvalidInputError(`check-export input: ${z.prettifyError(parsed.error)}`);
  const state = parsed.data;
  // The execution name is the export task identifier (fixed contract), so it doubles as the execution key.
  logger.appendKeys({
    exportTaskIdentifier: state.exportTaskIdentifier,
    snapshot: state.source.snapshotIdentifier,
    execution: state.exportTaskIdentifier,
  });
  const result = await checkExport(state, {
    rds,
    now: () => new Date(),
    bounds: { minSeconds: config.POLL_MIN_SECONDS, maxSeconds: config.POLL_MAX_SECONDS },
  });
  logger.info('Export task checked', {
    status: result.status,
    percentProgress: result.task.percentProgress,
    polls: result.polls,
    waitSeconds: result.waitSeconds,
  });
  return result;
}).use(injectLambdaContext(logger, { resetKeys: true }));
