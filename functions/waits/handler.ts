import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import { SFNClient } from '@aws-sdk/client-sfn';
import { homeOf } from '#shared/aws/accounts.ts';
import { classified } from '#shared/aws/classified.ts';
import { SDK_CLIENT_CONFIG } from '#shared/aws/client-config.ts';
import { parseEnv } from '#shared/runtime/env.ts';
import { lambdaHandler } from '#shared/runtime/handler.ts';
import { sourceAccounts } from '#shared/sources/rds/clients.ts';
import { WaitsEnv } from './config.ts';
import { WaitsInput } from './input.ts';
import { handleWaits } from './waits.ts';

const env = parseEnv(WaitsEnv);
const accounts = sourceAccounts(homeOf(env));
const deps = {
  dynamodb: classified(new DynamoDBClient(SDK_CLIENT_CONFIG), 'dynamodb'),
  sfn: classified(new SFNClient(SDK_CLIENT_CONFIG), 'sfn'),
  rds: accounts.own,
  accounts,
  graphs: classified(new NeptuneGraphClient(SDK_CLIENT_CONFIG), 'neptune-graph'),
  table: env.EXPORTS_TABLE,
  now: () => new Date(),
};

export const handler = lambdaHandler(
  {
    what: 'waits input',
    input: WaitsInput,
    keys: (input) =>
      'exportTaskIdentifier' in input ? { exportTaskIdentifier: input.exportTaskIdentifier } : {},
  },
  async (input) => handleWaits(input, deps),
);
