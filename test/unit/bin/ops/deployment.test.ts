import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '#bin/command.ts';
import { openDeployment } from '#bin/ops/deployment.ts';
import { STATE_MACHINE_ARN } from './context.ts';

const cloudformation = mockClient(CloudFormationClient);
const outputs = (values: Record<string, string>) => ({
  Stacks: [
    {
      StackName: 'rds-export-prod',
      StackStatus: 'UPDATE_COMPLETE' as const,
      CreationTime: new Date(),
      Outputs: Object.entries(values).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
    },
  ],
});

beforeEach(() => {
  cloudformation.reset();
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('RDS_EXPORT_STAGE', undefined);
});
afterEach(() => vi.unstubAllEnvs());

describe('finding the deployment', () => {
  it("reads the stage's stack outputs: state machine, table, topic and destination", async () => {
    cloudformation.on(DescribeStacksCommand, { StackName: 'rds-export-prod' }).resolves(
      outputs({
        ExportStateMachineArn: STATE_MACHINE_ARN,
        ExportsTableName: 'rds-export-prod-exports',
        NotificationTopicArn: 'arn:aws:sns:eu-west-1:123456789012:topic',
        ExportBucketName: 'exports',
        ExportKmsKeyArn: '',
      }),
    );
    const ctx = await openDeployment({ stage: 'prod' });
    expect(ctx.deployment).toEqual({
      stage: 'prod',
      stackName: 'rds-export-prod',
      region: 'eu-west-1',
      stateMachineArn: STATE_MACHINE_ARN,
      exportsTable: 'rds-export-prod-exports',
      topicArn: 'arn:aws:sns:eu-west-1:123456789012:topic',
      bucket: 'exports',
    });
    expect(await ctx.clients.sfn.config.region()).toBe('eu-west-1');
  });

  it('takes the stage from RDS_EXPORT_STAGE when --stage is not given', async () => {
    vi.stubEnv('RDS_EXPORT_STAGE', 'local');
    cloudformation
      .on(DescribeStacksCommand)
      .resolves(
        outputs({ ExportStateMachineArn: STATE_MACHINE_ARN, ExportsTableName: 'rds-export-local-exports' }),
      );
    expect((await openDeployment({})).deployment.stage).toBe('local');
    expect(cloudformation.commandCalls(DescribeStacksCommand)[0]?.args[0].input).toEqual({
      StackName: 'rds-export-local',
    });
  });

  it('names the stage and the Region when the stack does not exist (exit 2)', async () => {
    cloudformation.on(DescribeStacksCommand).rejects(
      new CloudFormationServiceException({
        name: 'ValidationError',
        $fault: 'client',
        $metadata: {},
        message: 'Stack with id rds-export-nope does not exist',
      }),
    );
    const opened = openDeployment({ stage: 'nope' });
    await expect(opened).rejects.toBeInstanceOf(UsageError);
    await expect(opened).rejects.toThrow(
      'no deployment "nope": stack rds-export-nope does not exist in eu-west-1',
    );
  });

  it('says to deploy this version when the stack lacks the outputs the commands read', async () => {
    cloudformation.on(DescribeStacksCommand).resolves(outputs({ ExportStateMachineArn: STATE_MACHINE_ARN }));
    await expect(openDeployment({ stage: 'old' })).rejects.toThrow('deploy this version first');
  });

  it('refuses a stage that cannot be part of a stack name', async () => {
    await expect(openDeployment({ stage: 'a/b' })).rejects.toThrow('--stage "a/b"');
    expect(cloudformation.calls()).toHaveLength(0);
  });
});
