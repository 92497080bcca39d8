import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import { RDSClient } from '@aws-sdk/client-rds';
import { SFNClient } from '@aws-sdk/client-sfn';
import { parseEnv } from '#shared/env.ts';
import { lambdaHandler } from '#shared/handler.ts';
import { WaitsEnv } from './config.ts';
import { WaitsInput } from './input.ts';
import { handleWaits } from './waits.ts';

const env = parseEnv(WaitsEnv);
const deps = {
  dynamodb: new DynamoDBClient({}),
  sfn: new SFNClient({}),
  rds: new RDSClient({}),
  graphs: new NeptuneGraphClient({}),
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
