import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import { RDSClient } from '@aws-sdk/client-rds';
import { classified } from '#shared/aws/classified.ts';
import { SDK_CLIENT_CONFIG } from '#shared/aws/client-config.ts';
import { ExecutionState, executionKeys } from '#shared/contract/execution.ts';
import { parseEnv } from '#shared/runtime/env.ts';
import { lambdaHandler } from '#shared/runtime/handler.ts';
import { logger } from '#shared/runtime/logger.ts';
import { recordStart } from '#shared/runtime/metrics.ts';
import { exportSlots } from '#shared/slots/semaphore.ts';
import { slotsOf } from '#shared/sources/kinds/registry/slots.ts';
import { exportServices, startOf } from '#shared/sources/kinds/registry/start.ts';
import { StartExportEnv } from './config.ts';
import { startExport } from './start.ts';

const config = parseEnv(StartExportEnv);
// Every kind's service once per container; a job takes its source kind's.
const serviceOf = exportServices({
  rds: classified(new RDSClient(SDK_CLIENT_CONFIG), 'rds'),
  graphs: classified(new NeptuneGraphClient(SDK_CLIENT_CONFIG), 'neptune-graph'),
});
const dynamodb = classified(new DynamoDBClient(SDK_CLIENT_CONFIG), 'dynamodb');

export const handler = lambdaHandler(
  { what: 'start-export input', input: ExecutionState, keys: executionKeys },
  async (state) => {
    const result = await startExport(state, {
      service: serviceOf(state.source.kind),
      // Whether the machine waits for the export's end event or polls: the kind's answer.
      endAnnounced: startOf(state.source.kind).endAnnounced,
      now: () => new Date(),
      random: Math.random,
      queueBaseWaitSeconds: config.QUEUE_BASE_WAIT_SECONDS,
      queueMaxWaitSeconds: config.QUEUE_MAX_WAIT_SECONDS,
      // The slots and the queue of the export's kind's pool.
      slots: exportSlots({ dynamodb, table: config.EXPORTS_TABLE, pool: slotsOf(state.source.kind).pool }),
    });
    logger.info('start-export result', { outcome: result.outcome, waitSeconds: result.waitSeconds });
    recordStart(state.source, result);
    return result;
  },
);
