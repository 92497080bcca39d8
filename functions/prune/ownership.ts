import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { z } from 'zod';
import { isAwsError } from '#shared/aws/errors.ts';
import { SourceKind } from '#shared/contract/execution.ts';
import { type ExportRoot, executionArnOf, startedRecordKey, startedRoot } from '#shared/exports/address.ts';

/**
 * Whether an export in the catalog is one this deployment started, and where. Anyone who may write
 * partitions in the pipeline's databases decides what prune reads; only the export's execution (its
 * name is the export task identifier) and the ledger, which they cannot write, say what to delete.
 */

export type OwnershipDeps = {
  sfn: Pick<SFNClient, 'send'>;
  stateMachineArn: string;
  /** The deployment's table, where each export an event starts records its folder. */
  ledger?: { dynamodb: Pick<DynamoDBClient, 'send'>; table: string };
};

export type Origin =
  | { found: 'running' }
  /** `sourceArn`: the ARN of the source the job exported (the execution input's `source.arn`). */
  | { found: 'execution'; root: ExportRoot; sourceArn?: string }
  | { found: 'ledger'; root: ExportRoot; sourceArn?: string }
  | { found: 'nothing'; reason: string };

/**
 * The slice of the execution input (an ExportJob, shared/contract/execution.ts) that says where it
 * exports: its source's kind reads its request's destination.
 */
const StartedJob = z.object({
  source: z.object({ kind: SourceKind, arn: z.string().optional() }),
  request: z.union([
    z.object({ S3BucketName: z.string().min(1), S3Prefix: z.string().optional() }),
    z.object({ destination: z.string().startsWith('s3://') }),
  ]),
});

function rootOfInput(
  id: string,
  input: string | undefined,
): { root: ExportRoot; sourceArn?: string } | string {
  let json: unknown;
  try {
    json = JSON.parse(input ?? '');
  } catch {
    return `the input of execution ${id} is not JSON`;
  }
  const job = StartedJob.safeParse(json);
  if (!job.success) return `the input of execution ${id} names no export destination`;
  const root = startedRoot({ exportTaskIdentifier: id, ...job.data });
  const arn = job.data.source.arn;
  return arn === undefined ? { root } : { root, sourceArn: arn };
}

async function recorded(ledger: NonNullable<OwnershipDeps['ledger']>, id: string) {
  const out = await ledger.dynamodb.send(
    new GetItemCommand({ TableName: ledger.table, Key: startedRecordKey(id) }),
  );
  const { bucket, prefix, sourceArn } = out.Item === undefined ? {} : unmarshall(out.Item);
  if (typeof bucket !== 'string' || typeof prefix !== 'string') return undefined;
  // Records written before the ledger kept the source have none.
  return { root: { bucket, prefix }, ...(typeof sourceArn === 'string' ? { sourceArn } : {}) };
}

/**
 * Where the export named `id` was started: from its execution's input (DescribeExecution), else,
 * once Step Functions no longer has the execution (90 days after it ends, "Quotas for Standard
 * Workflows"), from the ledger. A running execution is still exporting or registering.
 */
export async function originOf(deps: OwnershipDeps, id: string): Promise<Origin> {
  let out: DescribeExecutionCommandOutput | undefined;
  try {
    out = await deps.sfn.send(
      new DescribeExecutionCommand({ executionArn: executionArnOf(deps.stateMachineArn, id) }),
    );
  } catch (error) {
    // Gone from Step Functions: the ledger says where it was started.
    if (!isAwsError(error, 'ExecutionDoesNotExist')) throw error;
  }
  if (out !== undefined) {
    if (out.status === 'RUNNING') return { found: 'running' };
    const read = rootOfInput(id, out.input);
    return typeof read === 'string' ? { found: 'nothing', reason: read } : { found: 'execution', ...read };
  }
  const record = deps.ledger === undefined ? undefined : await recorded(deps.ledger, id);
  if (record !== undefined) return { found: 'ledger', ...record };
  return {
    found: 'nothing',
    reason: `no execution ${id} of this deployment's state machine (Step Functions keeps one 90 days after it ends)${deps.ledger === undefined ? '' : ' and no ledger record of it'}`,
  };
}

/** Why the export's catalog folders are not the one it was started with, if they are not. */
export function misplaced(roots: readonly ExportRoot[], started: ExportRoot): string | undefined {
  const other = roots.find((r) => r.bucket !== started.bucket || r.prefix !== started.prefix);
  if (other === undefined) return undefined;
  return `its partitions point at s3://${other.bucket}/${other.prefix}, not s3://${started.bucket}/${started.prefix} where it was started`;
}
