import { describe, expect, it } from 'vitest';
import type { SourceKind } from '#shared/contract/execution.ts';
import { registerOf } from '#shared/sources/kinds/registry/register.ts';
import type {
  GraphRegistration,
  RdsRegistration,
  RegisterJob,
  Registrations,
} from '#shared/sources/kinds/types.ts';

type Chosen = { rds: RdsRegistration } | { graph: GraphRegistration };
const registrations: Registrations<Chosen> = { rds: (rds) => ({ rds }), graph: (graph) => ({ graph }) };

const rdsJob = (kind: SourceKind, task: RegisterJob['check']['task'] = {}): RegisterJob => ({
  exportTaskIdentifier: 'e1',
  rule: 'daily',
  source: { kind, sourceIdentifier: 'prod', engine: 'postgres' },
  request: { S3BucketName: 'request-bucket', S3Prefix: 'req' },
  check: { task },
});
const graphJob = (task: RegisterJob['check']['task'] = {}): RegisterJob => ({
  exportTaskIdentifier: 'sample-graph-x1',
  source: {
    kind: 'graph',
    sourceIdentifier: 'sample-graph',
    engine: 'neptune-graph',
    scheduledTime: '2024-05-05T04:00:00.000Z',
  },
  request: { destination: 's3://graph-bucket/exports/g/sample-graph-x1/', format: 'CSV' },
  check: { task },
});

describe("each source kind's registration", () => {
  it.each(['db-snapshot', 'cluster-snapshot', 'cluster'] as const)(
    'registers a %s export with RDS’s registration, where its task says it wrote, else where it asked',
    (kind) => {
      expect(registerOf(kind).register(rdsJob(kind), registrations)).toEqual({
        rds: expect.objectContaining({
          bucket: 'request-bucket',
          prefix: 'req',
          exportTaskIdentifier: 'e1',
          sourceIdentifier: 'prod',
          sourceKind: kind,
          engine: 'postgres',
          rule: 'daily',
        }),
      });
      const task = { s3Bucket: 'task-bucket', s3Prefix: 'task', snapshotTime: '2024-01-01T00:00:00Z' };
      expect(registerOf(kind).register(rdsJob(kind, task), registrations)).toEqual({
        rds: expect.objectContaining({
          bucket: 'task-bucket',
          prefix: 'task',
          snapshotTime: task.snapshotTime,
        }),
      });
    },
  );

  it('registers a graph export with the graph registration, below its destination, as of its schedule slot', () => {
    expect(registerOf('graph').register(graphJob(), registrations)).toEqual({
      graph: {
        bucket: 'graph-bucket',
        prefix: 'exports/g/sample-graph-x1',
        exportTaskIdentifier: 'sample-graph-x1',
        snapshotTime: '2024-05-05T04:00:00.000Z',
        sourceIdentifier: 'sample-graph',
        format: 'CSV',
      },
    });
    const task = { s3Bucket: 'task-bucket', s3Prefix: 'x/y', snapshotTime: '2024-05-05T04:01:00.000Z' };
    expect(registerOf('graph').register(graphJob(task), registrations)).toEqual({
      graph: expect.objectContaining({
        bucket: 'task-bucket',
        prefix: 'x/y',
        snapshotTime: task.snapshotTime,
      }),
    });
  });
});
