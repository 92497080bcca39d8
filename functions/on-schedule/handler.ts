import { NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import { homeOf } from '#shared/aws/accounts.ts';
import { classified } from '#shared/aws/classified.ts';
import { SDK_CLIENT_CONFIG } from '#shared/aws/client-config.ts';
import { dispatchDepsFromEnv } from '#shared/exports/intake-env.ts';
import { parseEnv } from '#shared/runtime/env.ts';
import { lambdaHandler } from '#shared/runtime/handler.ts';
import { rdsByScope } from '#shared/sources/rds/clients.ts';
import { OnScheduleEnv } from './config.ts';
import { runSchedule, ScheduleEvent } from './run.ts';

const env = parseEnv(OnScheduleEnv);
// A cluster schedule lists the clusters of each account and Region it selects: the deployment's
// own with its own client, a member's through its access role (shared/aws/accounts.ts).
const rdsIn = rdsByScope(homeOf(env));
// Graphs are selected by schedules only: on-snapshot does not load the neptune-graph client.
const deps = {
  ...dispatchDepsFromEnv(env),
  rds: rdsIn(),
  rdsIn,
  // Graph schedules select the deployment's own graphs only (shared/sources/kinds/graph/policy.ts).
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
