import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import { RDSClient } from '@aws-sdk/client-rds';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from '#bin/ops/deployment.ts';
import type { Scope } from '#shared/aws/accounts.ts';

export const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:rds-export-test-export';
export const executionArn = (name: string) =>
  `arn:aws:states:us-east-1:123456789012:execution:rds-export-test-export:${name}`;
export const NOW = new Date('2024-05-02T12:00:00.000Z');

/** A deployment as openDeployment finds it, with clients that aws-sdk-client-mock intercepts. */
export function testContext(now = NOW): Context {
  const config = { region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };
  return {
    deployment: {
      stage: 'test',
      stackName: 'rds-export-test',
      region: 'us-east-1',
      stateMachineArn: STATE_MACHINE_ARN,
      exportsTable: 'rds-export-test-exports',
      bucket: 'test-exports',
      kmsKey: 'arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-4444-4222-8333-944455556666',
      role: 'arn:aws:iam::123456789012:role/test-export',
    },
    clients: {
      rds: new RDSClient(config),
      sfn: new SFNClient(config),
      dynamodb: new DynamoDBClient(config),
      graphs: new NeptuneGraphClient(config),
    },
    now: () => now,
  };
}

/**
 * A hub's deployment whose commands reach member accounts: `sourceRds` hands a member's source (any
 * account but the state machine's) the one `member` client (aws-sdk-client-mock intercepts it too,
 * and tells the calls apart by `thisValue`), recording the scopes asked for.
 */
export function memberContext(now = NOW) {
  const ctx = testContext(now);
  const member = new RDSClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'm', secretAccessKey: 'n' },
  });
  const scopes: Scope[] = [];
  const sourceRds = (scope: Scope) => {
    scopes.push(scope);
    return scope.account === '123456789012' && scope.region === 'us-east-1' ? ctx.clients.rds : member;
  };
  return { ctx: { ...ctx, sourceRds }, member, scopes };
}

/** A DB snapshot as DescribeDBSnapshots returns it. */
export function dbSnapshot(identifier: string, instance: string, created: string, extra: object = {}) {
  return {
    DBSnapshotIdentifier: identifier,
    DBInstanceIdentifier: instance,
    DBSnapshotArn: `arn:aws:rds:us-east-1:123456789012:snapshot:${identifier}`,
    SnapshotCreateTime: new Date(created),
    Engine: 'postgres',
    EngineVersion: '16.3',
    AllocatedStorage: 100,
    Status: 'available',
    StorageType: 'gp3',
    SnapshotType: identifier.startsWith('rds:') ? 'automated' : 'manual',
    TagList: [],
    ...extra,
  };
}
