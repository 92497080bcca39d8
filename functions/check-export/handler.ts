import { NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import { RDSClient } from '@aws-sdk/client-rds';
import { classified } from '#shared/aws/classified.ts';
import { SDK_CLIENT_CONFIG } from '#shared/aws/client-config.ts';
import { ExecutionState, executionKeys } from '#shared/contract/execution.ts';
import { parseEnv } from '#shared/runtime/env.ts';
import { lambdaHandler } from '#shared/runtime/handler.ts';
import { logger } from '#shared/runtime/logger.ts';
import { recordCheck } from '#shared/runtime/metrics.ts';
import { checkExport } from './check.ts';
import { CheckExportEnv } from './config.ts';

const config = parseEnv(CheckExportEnv);
const rds = classified(new RDSClient(SDK_CLIENT_CONFIG), 'rds');
const graphs = classified(new NeptuneGraphClient(SDK_CLIENT_CONFIG), 'neptune-graph');

export const handler = lambdaHandler(
  { what: 'check-export input', input: ExecutionState, keys: executionKeys },
  async (state) => {
    const result = await checkExport(state, {
      rds,
      graphs,
      now: () => new Date(),
      bounds: { minSeconds: config.POLL_MIN_SECONDS, maxSeconds: config.POLL_MAX_SECONDS },
    });
    logger.info('Export task checked', {
      status: result.status,
      percentProgress: result.task.percentProgress,
      polls: result.polls,
      waitSeconds: result.waitSeconds,
    });
    recordCheck(state.source, result);
    return result;
  },
);
