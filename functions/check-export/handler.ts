import { NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import { homeOf } from '#shared/aws/accounts.ts';
import { classified } from '#shared/aws/classified.ts';
import { SDK_CLIENT_CONFIG } from '#shared/aws/client-config.ts';
import { ExecutionState, executionKeys } from '#shared/contract/execution.ts';
import { parseEnv } from '#shared/runtime/env.ts';
import { lambdaHandler } from '#shared/runtime/handler.ts';
import { logger } from '#shared/runtime/logger.ts';
import { recordCheck } from '#shared/runtime/metrics.ts';
import { sourceAccounts } from '#shared/sources/rds/clients.ts';
import { checkExport } from './check.ts';
import { CheckExportEnv } from './config.ts';

const config = parseEnv(CheckExportEnv);
// RDS in the source's account and Region (a member's through its role: shared/aws/accounts.ts).
const accounts = sourceAccounts(homeOf(config));
const graphs = classified(new NeptuneGraphClient(SDK_CLIENT_CONFIG), 'neptune-graph');

export const handler = lambdaHandler(
  { what: 'check-export input', input: ExecutionState, keys: executionKeys },
  async (state) => {
    const result = await checkExport(state, {
      rds: accounts.rds(state.source.arn),
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
