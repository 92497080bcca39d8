import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import type { RDSClient } from '@aws-sdk/client-rds';
import { SFNClient } from '@aws-sdk/client-sfn';
import { type Scope, safeScope } from '#shared/aws/accounts.ts';
import { classified } from '#shared/aws/classified.ts';
import { isAwsError } from '#shared/aws/errors.ts';
import { optionOrEnv, UsageError, type Values } from '../command.ts';
import { memberRoleNameOf, operatorRds } from './member-operator.ts';

/** The options every operations command takes. */
export const DEPLOYMENT_OPTIONS = {
  region: { type: 'string' },
  profile: { type: 'string' },
  stage: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const DEPLOYMENT_USAGE = `  --stage              the deployment's stage (default: env RDS_EXPORT_STAGE, else dev): its CloudFormation
                       stack rds-export-<stage> names the state machine, table, topic and destination
  --region, --profile  the AWS Region and the shared-config profile (default: the SDK's own chain)
  --json               print one JSON document (see docs/operations.md)`;

/** What the commands need of a deployment, from its stack outputs (resources/operations.yml). */
export interface Deployment {
  stage: string;
  stackName: string;
  region: string;
  stateMachineArn: string;
  exportsTable: string;
  topicArn?: string;
  bucket?: string;
  kmsKey?: string;
  role?: string;
  databasePrefix?: string;
  /** A hub's bus for member accounts' events (resources/organization.yml): the deployment is a hub. */
  hubEventBusArn?: string;
}

export interface Clients {
  rds: RDSClient;
  sfn: SFNClient;
  dynamodb: DynamoDBClient;
  /** Neptune Analytics, for graph exports' tasks and graphs. */
  graphs: NeptuneGraphClient;
}

/** A deployment, its clients, and the service's clock. */
export interface Context {
  deployment: Deployment;
  clients: Clients;
  /**
   * RDS of a source's account and Region (bin/ops/member-operator.ts): a member's through the role
   * its stack gives the hub's operators, another Region's there; the deployment's own is `clients.rds`.
   */
  sourceRds?: (scope: Scope) => Pick<RDSClient, 'send'>;
  /**
   * Now on the clock of the endpoint that answered DescribeStacks (its Date header): ages and
   * estimates stay right on a machine whose clock is off, and against the local stack's simulated time.
   */
  now: () => Date;
}

/** The stack outputs the commands read (resources/operations.yml; the plugin adds ExportStateMachineArn). */
export const OUTPUTS = {
  stateMachineArn: 'ExportStateMachineArn',
  exportsTable: 'ExportsTableName',
  topicArn: 'NotificationTopicArn',
  bucket: 'ExportBucketName',
  kmsKey: 'ExportKmsKeyArn',
  role: 'ExportRoleArn',
  databasePrefix: 'GlueDatabasePrefix',
  hubEventBusArn: 'HubEventBusArn',
} as const;

/** Finds the deployment of `--stage` through its stack's outputs, with clients for its Region. */
export async function openDeployment(values: Values): Promise<Context> {
  const stage = optionOrEnv(values, 'stage', 'RDS_EXPORT_STAGE') ?? 'dev';
  if (!/^[A-Za-z0-9-]+$/.test(stage)) throw new UsageError(`--stage "${stage}": letters, digits and - only`);
  const region = optionOrEnv(values, 'region');
  const profile = optionOrEnv(values, 'profile');
  const config = {
    ...(region === undefined ? {} : { region }),
    ...(profile === undefined ? {} : { profile }),
  };
  const cloudformation = classified(new CloudFormationClient(config), 'cloudformation');
  let offset = 0;
  cloudformation.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const date = (out.response as { headers?: Record<string, string> }).headers?.date;
      const at = date === undefined ? Number.NaN : Date.parse(date);
      if (!Number.isNaN(at)) offset = at - Date.now();
      return out;
    },
    { step: 'deserialize', name: 'serviceClock' },
  );
  const stackName = `rds-export-${stage}`;
  let outputs: Record<string, string>;
  try {
    const out = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = out.Stacks?.[0];
    outputs = Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } catch (error) {
    // CloudFormation answers an unknown stack with ValidationError "Stack with id … does not exist".
    if (isAwsError(error, 'ValidationError') && /does not exist/i.test((error as Error).message)) {
      throw new UsageError(
        `no deployment "${stage}": stack ${stackName} does not exist in ${await cloudformation.config.region()} (--stage, --region)`,
      );
    }
    throw error;
  }
  const read = (key: string) =>
    outputs[key] === undefined || outputs[key] === '' ? undefined : outputs[key];
  const stateMachineArn = read(OUTPUTS.stateMachineArn);
  const exportsTable = read(OUTPUTS.exportsTable);
  if (stateMachineArn === undefined || exportsTable === undefined) {
    throw new UsageError(
      `stack ${stackName} has no ${OUTPUTS.stateMachineArn} / ${OUTPUTS.exportsTable} output: deploy this version first`,
    );
  }
  const optional = <K extends keyof typeof OUTPUTS>(name: K) => {
    const value = read(OUTPUTS[name]);
    return value === undefined ? {} : { [name]: value };
  };
  const deployment: Deployment = {
    stage,
    stackName,
    region: await cloudformation.config.region(),
    stateMachineArn,
    exportsTable,
    ...optional('topicArn'),
    ...optional('bucket'),
    ...optional('kmsKey'),
    ...optional('role'),
    ...optional('databasePrefix'),
    ...optional('hubEventBusArn'),
  };
  const regional = { ...config, region: deployment.region };
  // A member's RDS through its operator role, assumed with the operator's own credentials (those
  // DescribeStacks was signed with) from STS in the deployment's Region.
  const rdsIn = operatorRds(
    {
      account: safeScope(stateMachineArn)?.account,
      region: deployment.region,
      memberRole: memberRoleNameOf(values, stage),
    },
    regional,
    { region: deployment.region, credentials: cloudformation.config.credentials },
  );
  return {
    deployment,
    sourceRds: rdsIn,
    clients: {
      rds: rdsIn(),
      sfn: classified(new SFNClient(regional), 'sfn'),
      dynamodb: classified(new DynamoDBClient(regional), 'dynamodb'),
      graphs: classified(new NeptuneGraphClient(regional), 'neptune-graph'),
    },
    now: () => new Date(Date.now() + offset),
  };
}
