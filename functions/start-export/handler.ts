import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import { homeOf } from '#shared/aws/accounts.ts';
import { classified } from '#shared/aws/classified.ts';
import { SDK_CLIENT_CONFIG } from '#shared/aws/client-config.ts';
import { ExecutionState, executionKeys, type SourceKind } from '#shared/contract/execution.ts';
import { parseEnv } from '#shared/runtime/env.ts';
import { lambdaHandler } from '#shared/runtime/handler.ts';
import { logger } from '#shared/runtime/logger.ts';
import { recordStart } from '#shared/runtime/metrics.ts';
import { exportSlots } from '#shared/slots/semaphore.ts';
import { slotsOf } from '#shared/sources/kinds/registry/slots.ts';
import { exportServices, startOf } from '#shared/sources/kinds/registry/start.ts';
import { sourceAccounts } from '#shared/sources/rds/clients.ts';
import { StartExportEnv } from './config.ts';
import { startExport } from './start.ts';

const config = parseEnv(StartExportEnv);
const accounts = sourceAccounts(homeOf(config));
const graphs = classified(new NeptuneGraphClient(SDK_CLIENT_CONFIG), 'neptune-graph');
// A job takes its source kind's service, in the source's account and Region (a member's RDS
// through its role, the client built once per container: shared/aws/accounts.ts).
const serviceOf = (source: { kind: SourceKind; arn: string }) =>
  exportServices({ rds: accounts.rds(source.arn), graphs })(source.kind);
const dynamodb = classified(new DynamoDBClient(SDK_CLIENT_CONFIG), 'dynamodb');

export const handler = lambdaHandler(
  { what: 'start-export input', input: ExecutionState, keys: executionKeys },
  async (state) => {
    const result = await startExport(state, {
      service: serviceOf(state.source),
      // Whether the machine waits for the export's end event or polls: the kind's answer.
      endAnnounced: startOf(state.source.kind).endAnnounced,
      now: () => new Date(),
      random: Math.random,
      queueBaseWaitSeconds: config.QUEUE_BASE_WAIT_SECONDS,
      queueMaxWaitSeconds: config.QUEUE_MAX_WAIT_SECONDS,
      // The slots and the queue of the export's kind's pool, in the source's account and Region.
      slots: exportSlots({
        dynamodb,
        table: config.EXPORTS_TABLE,
        pool: slotsOf(state.source.kind).pool,
        scope: accounts.slots(state.source.arn),
      }),
    });
    logger.info('start-export result', { outcome: result.outcome, waitSeconds: result.waitSeconds });
    recordStart(state.source, result);
    return result;
  },
);
