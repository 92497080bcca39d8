import { NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import { RDSClient } from '@aws-sdk/client-rds';
import { classified } from '#shared/aws/classified.ts';
import { SDK_CLIENT_CONFIG } from '#shared/aws/client-config.ts';
import { dispatchDepsFromEnv } from '#shared/exports/intake-env.ts';
import { parseEnv } from '#shared/runtime/env.ts';
import { lambdaHandler } from '#shared/runtime/handler.ts';
import { OnScheduleEnv } from './config.ts';
import { runSchedule, ScheduleEvent } from './run.ts';

// Graphs are selected by schedules only: on-snapshot does not load the neptune-graph client.
const deps = {
  ...dispatchDepsFromEnv(parseEnv(OnScheduleEnv)),
  // Schedules select the deployment's own clusters and graphs.
  rds: classified(new RDSClient(SDK_CLIENT_CONFIG), 'rds'),
  graphs: classified(new NeptuneGraphClient(SDK_CLIENT_CONFIG), 'neptune-graph'),
};

export const handler = lambdaHandler(
  {
    what: 'schedule event',
    input: ScheduleEvent,
    keys: (e) => ({ schedule: e.schedule, scheduledTime: e.scheduledTime }),
  },
  async (event) => runSchedule(event, deps),
);
