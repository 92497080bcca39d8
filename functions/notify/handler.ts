import { executionKeys, NotifyInput } from '#shared/contract/execution.ts';
import { notifierFromEnv } from '#shared/notify/notifier.ts';
import { parseEnv } from '#shared/runtime/env.ts';
import { lambdaHandler } from '#shared/runtime/handler.ts';
import { buildNotification } from './build.ts';
import { NotifyEnv } from './config.ts';

const notify = notifierFromEnv(parseEnv(NotifyEnv));

export const handler = lambdaHandler(
  {
    what: 'notify input',
    input: NotifyInput,
    keys: (input) => ({ ...executionKeys(input.state), execution: input.executionId }),
  },
  async (input) => notify(buildNotification(input)),
);
