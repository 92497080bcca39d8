import {
  DescribeDBClusterSnapshotsCommand,
  type DescribeDBClusterSnapshotsMessage,
  DescribeDBSnapshotsCommand,
  type DescribeDBSnapshotsMessage,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { z } from 'zod';
import { awsCause } from '#shared/aws/errors.ts';
import { ExportSourceNotFoundError, InvalidInputError } from '#shared/contract/errors.ts';
import { SnapshotSource, type SourceKind } from '#shared/contract/execution.ts';
import { parseWith } from '#shared/runtime/validation.ts';
import { parseSnapshotArn, type SnapshotRef, snapshotTypeOf } from './snapshot-events.ts';

/** What the policy needs about a snapshot: the SnapshotSource plus its tags. */
export interface DescribedSnapshot {
  source: SnapshotSource;
  tags: Record<string, string>;
}

export type DescribeResult = { found: true; snapshot: DescribedSnapshot } | { found: false; reason: string };

const DateLike = z.union([z.date(), z.string()]).transform((d) => new Date(d).toISOString());
const TagList = z.array(z.object({ Key: z.string().optional(), Value: z.string().optional() })).optional();

/**
 * A `DBSnapshot` or `DBClusterSnapshot` as DescribeDBSnapshots / DescribeDBClusterSnapshots return
 * it: from the SDK (Dates) or as the AWS CLI prints it (PascalCase JSON, ISO date strings).
 */
const SnapshotDescription = z.object({
  DBSnapshotArn: z.string().optional(),
  DBClusterSnapshotArn: z.string().optional(),
  DBSnapshotIdentifier: z.string().optional(),
  DBClusterSnapshotIdentifier: z.string().optional(),
  DBInstanceIdentifier: z.string().optional(),
  DBClusterIdentifier: z.string().optional(),
  Engine: z.string().min(1),
  AllocatedStorage: z.number().nonnegative().optional(),
  EngineVersion: z.string().optional(),
  Status: z.string().optional(),
  StorageType: z.string().optional(),
  SnapshotCreateTime: DateLike.optional(),
  TagList,
});

/** Converts a described DB / cluster snapshot into what the policy decides on. Throws InvalidInputError. */
export function toDescribedSnapshot(description: unknown): DescribedSnapshot {
  const d = parseWith(SnapshotDescription, description, 'Not a DBSnapshot or DBClusterSnapshot');
  const arn = d.DBClusterSnapshotArn ?? d.DBSnapshotArn;
  const arnParts = arn === undefined ? undefined : parseSnapshotArn(arn);
  if (arn === undefined || arnParts === undefined) {
    throw new InvalidInputError(
      'Not a DBSnapshot or DBClusterSnapshot: no DBSnapshotArn / DBClusterSnapshotArn',
    );
  }
  const kind: SourceKind = arnParts.kind;
  const snapshotIdentifier =
    (kind === 'cluster-snapshot' ? d.DBClusterSnapshotIdentifier : d.DBSnapshotIdentifier) ??
    arnParts.snapshotIdentifier;
  const sourceIdentifier = kind === 'cluster-snapshot' ? d.DBClusterIdentifier : d.DBInstanceIdentifier;
  if (sourceIdentifier === undefined || sourceIdentifier === '') {
    const field = kind === 'cluster-snapshot' ? 'DBClusterIdentifier' : 'DBInstanceIdentifier';
    throw new InvalidInputError(`Snapshot ${arn} has no ${field}`);
  }
  const source = SnapshotSource.parse({
    kind,
    arn,
    snapshotIdentifier,
    sourceIdentifier,
    engine: d.Engine,
    snapshotType: snapshotTypeOf(snapshotIdentifier),
    snapshotCreateTime: d.SnapshotCreateTime,
    sizeGB: d.AllocatedStorage,
    engineVersion: d.EngineVersion,
    status: d.Status,
    storageType: d.StorageType,
  });
  const tags: Record<string, string> = {};
  for (const t of d.TagList ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  return { source, tags };
}

/**
 * Describes the snapshot an event named. DescribeDBSnapshots / DescribeDBClusterSnapshots take the
 * identifier, and require `SnapshotType` too when it names an automated snapshot (API reference,
 * DBSnapshotIdentifier constraints); `awsbackup` selects AWS Backup's DB snapshots and does not apply
 * to Aurora. Not found is a result (the event outlived the snapshot); throttling and 5xx throw
 * retryable errors so the asynchronous invocation is retried.
 */
export async function describeSnapshot(
  rds: Pick<RDSClient, 'send'>,
  ref: SnapshotRef,
): Promise<DescribeResult> {
  try {
    let found: unknown;
    if (ref.kind === 'cluster-snapshot') {
      const input: DescribeDBClusterSnapshotsMessage = {
        DBClusterSnapshotIdentifier: ref.snapshotIdentifier,
      };
      if (ref.snapshotType === 'automated') input.SnapshotType = 'automated';
      const out = await rds.send(new DescribeDBClusterSnapshotsCommand(input));
      found = out.DBClusterSnapshots?.[0];
    } else {
      const input: DescribeDBSnapshotsMessage = { DBSnapshotIdentifier: ref.snapshotIdentifier };
      if (ref.snapshotType !== 'manual') input.SnapshotType = ref.snapshotType;
      const out = await rds.send(new DescribeDBSnapshotsCommand(input));
      found = out.DBSnapshots?.[0];
    }
    if (found === undefined)
      return { found: false, reason: `snapshot ${ref.arn} not found (describe returned nothing)` };
    return { found: true, snapshot: toDescribedSnapshot(found) };
  } catch (error) {
    if (error instanceof ExportSourceNotFoundError) {
      const aws = awsCause(error);
      const name = aws instanceof Error ? aws.name : 'not found';
      return { found: false, reason: `snapshot ${ref.arn} not found (${name}); it may have been deleted` };
    }
    throw error;
  }
}
