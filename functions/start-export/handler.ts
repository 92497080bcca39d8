import { RDSClient } from '@aws-sdk/client-rds';
import { parseEnv } from '#shared/env.ts';
import { lambdaHandler } from '#shared/handler.ts';
import { logger } from '#shared/logger.ts';
import { ExecutionState, executionKeys } from '#shared/machine-contract.ts';
import { StartExportEnv } from './config.ts';
import { startExport } from './start.ts';

const config = parseEnv(StartExportEnv);
const rds = new RDSClient({});

export const handler = lambdaHandler(
  { what: 'start-export input', input: ExecutionState, keys: executionKeys },
  async (state) => {
    const result = await startExport(state, {
      rds,
      now: () => new Date(),
      random: Math.random,
      queueBaseWaitSeconds: config.QUEUE_BASE_WAIT_SECONDS,
      queueMaxWaitSeconds: config.QUEUE_MAX_WAIT_SECONDS,
    });
    logger.info('start-export result', { outcome: result.outcome, waitSeconds: result.waitSeconds });
    return result;
  },
);
