import { readFileSync } from 'node:fs';
import {
  DescribeStateMachineCommand,
  InvalidArn,
  InvalidToken,
  ListStateMachinesCommand,
  SFNClient,
  StateMachineDoesNotExist,
} from '@aws-sdk/client-sfn';
import { InvalidParameterException, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JsonServer, startJsonServer } from '#local/protocol/json.ts';
import type { LoggedRequest } from '#local/protocol/request-log.ts';
import { stateMachineActions } from '#local/sfn/machine.ts';
import { type LocalSns, startLocalSns } from '#local/sns/server.ts';

// The read calls an operator's AWS CLI tries first against the served stack, in the API models' shapes.
const client = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  maxAttempts: 1,
};
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:rds-export';
const ROLE = 'arn:aws:iam::123456789012:role/rds-export-local-ExportStateMachineRole-LOCAL';
const topics = Array.from(
  { length: 150 },
  (_, i) => `arn:aws:sns:us-east-1:123456789012:topic-${String(i).padStart(3, '0')}`,
);
const logged: LoggedRequest[] = [];
let sns: LocalSns;
let sfn: JsonServer;

beforeAll(async () => {
  sns = await startLocalSns(new Set(topics), (e) => logged.push(e));
  sfn = await startJsonServer(
    'sfn',
    'AWSStepFunctions',
    '1.0',
    stateMachineActions({
      definitionText: readFileSync(new URL('../../../statemachines/export.asl.yml', import.meta.url), 'utf8'),
      stateMachineArn: MACHINE,
      roleArn: ROLE,
      region: 'us-east-1',
      account: '123456789012',
    }),
    (e) => logged.push(e),
  );
});

afterAll(async () => {
  await sns?.close();
  await sfn?.close();
});

describe('SNS ListTopics', () => {
  const client_ = () => new SNSClient({ ...client, endpoint: sns.endpoint });

  it('pages the topics 100 at a time with a NextToken, as SNS does', async () => {
    const first = await client_().send(new ListTopicsCommand({}));
    expect(first.Topics).toHaveLength(100);
    expect(first.Topics?.[0]).toEqual({ TopicArn: topics[0] });
    const second = await client_().send(new ListTopicsCommand({ NextToken: first.NextToken }));
    expect(second.Topics?.map((t) => t.TopicArn)).toEqual(topics.slice(100));
    expect(second.NextToken).toBeUndefined();
    expect(logged).toContainEqual({
      service: 'sns',
      action: 'ListTopics',
      params: { NextToken: first.NextToken },
    });
  });

  it('refuses a NextToken it did not hand out with InvalidParameter', async () => {
    await expect(client_().send(new ListTopicsCommand({ NextToken: 'nope' }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
  });
});

describe('Step Functions ListStateMachines and DescribeStateMachine', () => {
  const client_ = () => new SFNClient({ ...client, endpoint: sfn.endpoint });

  it('lists the one STANDARD machine and describes it with the definition as deployed', async () => {
    const { stateMachines, nextToken } = await client_().send(
      new ListStateMachinesCommand({ maxResults: 0 }),
    );
    expect(stateMachines).toEqual([
      { stateMachineArn: MACHINE, name: 'rds-export', type: 'STANDARD', creationDate: expect.any(Date) },
    ]);
    expect(nextToken).toBeUndefined();
    const described = await client_().send(new DescribeStateMachineCommand({ stateMachineArn: MACHINE }));
    expect(described).toMatchObject({
      name: 'rds-export',
      status: 'ACTIVE',
      type: 'STANDARD',
      roleArn: ROLE,
    });
    const definition = JSON.parse(String(described.definition)) as { TimeoutSeconds: number; States: object };
    // The ASL's own top-level timeout (7 days), not one divided by the local time scale.
    expect(definition.TimeoutSeconds).toBe(604_800);
    expect(JSON.stringify(definition)).toContain('arn:aws:lambda:us-east-1:123456789012:function:local-');
    expect(JSON.stringify(definition)).not.toContain('${');
  });

  it('returns {} as the definition with includedData METADATA_ONLY', async () => {
    const described = await client_().send(
      new DescribeStateMachineCommand({ stateMachineArn: MACHINE, includedData: 'METADATA_ONLY' }),
    );
    expect(described.definition).toBe('{}');
  });

  it('answers an unknown machine, a malformed ARN and a token it never handed out with the modelled errors', async () => {
    await expect(
      client_().send(new DescribeStateMachineCommand({ stateMachineArn: `${MACHINE}-other` })),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(
      client_().send(new DescribeStateMachineCommand({ stateMachineArn: 'rds-export' })),
    ).rejects.toBeInstanceOf(InvalidArn);
    await expect(client_().send(new ListStateMachinesCommand({ nextToken: 'x' }))).rejects.toBeInstanceOf(
      InvalidToken,
    );
    await expect(client_().send(new ListStateMachinesCommand({ maxResults: 1001 }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });
});
