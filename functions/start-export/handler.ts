import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { RDSClient } from '@aws-sdk/client-rds';
import middy from '@middy/core';
import { z } from 'zod';
import { parseEnv } from '#shared/env.ts';
import { InvalidInputError } from '#shared/errors.ts';
import { ExecutionState, type StartResult } from '#shared/machine-contract.ts';
import { logger } from '#shared/logger.ts';
import { StartExportEnv } from './config.ts';
import { startExport } from './start.ts';

const config = parseEnv(StartExportEnv);
const rds = new RDSClient({});

export const handler = middy(async (event: unknown): Promise<StartResult> => {
  const parsed = ExecutionState.safeParse(event);
  if (!parsed.success) throw new InvalidInputError(`start-export input: ${z.prettifyError(parsed.error)}`);
  const state = parsed.data;
  // The execution name is the export task identifier (fixed contract), so it doubles as the execution key.
  logger.appendKeys({
    exportTaskIdentifier: state.exportTaskIdentifier,
    snapshot: state.source.snapshotIdentifier,
    execution: state.exportTaskIdentifier,
  });
  const result = await startExport(state, {
    rds,
    now: () => new Date(),
    random: Math.random,
    queueBaseWaitSeconds: config.QUEUE_BASE_WAIT_SECONDS,
    queueMaxWaitSeconds: config.QUEUE_MAX_WAIT_SECONDS,
  });
  logger.info('start-export result', { outcome: result.outcome, waitSeconds: result.waitSeconds });
  return result;
}).use(injectLambdaContext(logger, { resetKeys: true }));
