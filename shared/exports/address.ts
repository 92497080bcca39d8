import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { SourceKind } from '#shared/contract/execution.ts';
import { addressOf } from '#shared/sources/kinds/registry/address.ts';
import type { ExportRoot, StartedRequest } from '#shared/sources/kinds/types.ts';

/**
 * Where an export can be found again: its execution, the S3 folder it was started with, and the
 * ledger item that records that folder. No SDK client here: the ledger writes the item, prune reads
 * it, and neither's IAM may include the other's calls (the role tests derive actions from imports).
 */

export type { ExportRoot };

/** The ARN of the execution named `name` (an export's task identifier) of the state machine. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** What an export was started with: its name, its source's kind, and its start request's destination. */
export interface StartedJob {
  exportTaskIdentifier: string;
  source: { kind: SourceKind };
  request: StartedRequest;
}

/** The folder an export was started with: where its kind's start request writes (its `address`). */
export function startedRoot(job: StartedJob): ExportRoot {
  return addressOf(job.source.kind).root(job.exportTaskIdentifier, job.request);
}

/**
 * The ledger item recording where an export was started, one per export an event starts. It outlives
 * the execution, which Step Functions keeps 90 days after it ends ("Quotas for Standard Workflows",
 * maximum execution history retention time), so prune can check an older export too.
 */
export function startedRecordKey(exportTaskIdentifier: string): Record<string, AttributeValue> {
  return marshall({ pk: `export#${exportTaskIdentifier}`, sk: 'started' });
}
