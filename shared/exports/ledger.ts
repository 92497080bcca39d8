import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { type Home, safeScope, scopeKey } from '../aws/accounts.ts';
import { isConditionalCheckFailed } from '../aws/dynamodb-errors.ts';
import { isAwsError } from '../aws/errors.ts';
import type { ExportJob, SnapshotSource } from '../contract/execution.ts';
import type { RecentExport } from '../policy/decide.ts';
import { executionArnOf, startedRecordKey, startedRoot } from './address.ts';

/**
 * The last export started for each source: one item per source in the deployment's DynamoDB table
 * (`pk` = `last-export#<kind>#<source identifier>`, with `#<account>/<region>` after `last-export` for
 * a source of another account or Region, `sk` = `last`). The interval guard reads one item and
 * describes one execution per event, however many sources the fleet has (listing the state
 * machine's executions grew with the fleet: 500 daily sources meant 500 calls per event). The
 * item is replaced only if it is still the one the decision read, so two snapshots of one source
 * deciding at the same moment cannot both pass the guard.
 */

const ENDED_UNSUCCESSFULLY = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

/**
 * The error an execution fails with when the export completed but its tables were not registered
 * (statemachines/export.asl.yml, "Tables not registered"): the data is in S3.
 */
export const TABLES_NOT_REGISTERED = 'TablesNotRegistered';

/**
 * True when an execution ended without exporting, so it does not count against the interval. Its
 * status alone cannot tell: a failed registration fails the execution after the export completed,
 * which DescribeExecution's `error` names (ListExecutions does not return it).
 */
export function endedWithoutExport(status: string, error: string | undefined): boolean {
  return ENDED_UNSUCCESSFULLY.has(status) && !(status === 'FAILED' && error === TABLES_NOT_REGISTERED);
}

export interface LedgerDeps {
  dynamodb: Pick<DynamoDBClient, 'send'>;
  sfn: Pick<SFNClient, 'send'>;
  table: string;
  stateMachineArn: string;
  /** The deployment's account and Region: another's sources are keyed with theirs (ledgerKey). */
  home?: Home;
}

/** The table's items are keyed by `pk` and `sk`; a source has one last-export item. */
const LEDGER_SORT_KEY = 'last';

/**
 * A source's last-export item. Identifiers are unique within an account and Region only: an
 * `orders-db` of a member account is another source than the deployment's own (scopeKey), and
 * sharing the item would let one skip the other's exports for `minIntervalHours`.
 */
export function ledgerKey(
  source: Pick<SnapshotSource, 'kind' | 'sourceIdentifier' | 'arn'>,
  home: Home = {},
): string {
  const scope = safeScope(source.arn);
  const whose = scope === undefined ? undefined : scopeKey(scope, home);
  return `last-export${whose === undefined ? '' : `#${whose}`}#${source.kind}#${source.sourceIdentifier.toLowerCase()}`;
}

/** A string attribute of an item read back; anything else was not written by this code. */
const text = (item: Record<string, unknown> | undefined, name: string) => {
  const value = item?.[name];
  return typeof value === 'string' ? value : undefined;
};

/** The recorded export the guard saw, or none: what a later record must still find. */
export type LedgerSeen = { exportTaskIdentifier: string } | null;

/** The ledger said "someone else recorded an export of this source since you looked". */
export class LedgerConflict extends Error {
  override readonly name = 'LedgerConflict';
}

/** Reads and records the last export of each source. */
export function exportLedger(deps: LedgerDeps) {
  return {
    /** The last export started for the source, unless its execution ended without exporting. */
    async last(source: SnapshotSource): Promise<{ recent?: RecentExport; seen: LedgerSeen }> {
      const out = await deps.dynamodb.send(
        new GetItemCommand({
          TableName: deps.table,
          Key: marshall({ pk: ledgerKey(source, deps.home), sk: LEDGER_SORT_KEY }),
          ConsistentRead: true,
        }),
      );
      const item: Record<string, unknown> | undefined =
        out.Item === undefined ? undefined : unmarshall(out.Item);
      const executionName = text(item, 'executionName');
      const exportTaskIdentifier = text(item, 'exportTaskIdentifier');
      const startedAt = text(item, 'startedAt');
      if (executionName === undefined || exportTaskIdentifier === undefined || startedAt === undefined) {
        // No item, or one this code did not write: no evidence of an export.
        return { seen: exportTaskIdentifier === undefined ? null : { exportTaskIdentifier } };
      }
      const seen = { exportTaskIdentifier };
      let status: string;
      try {
        const out = await deps.sfn.send(
          new DescribeExecutionCommand({ executionArn: executionArnOf(deps.stateMachineArn, executionName) }),
        );
        status = out.status ?? 'UNKNOWN';
        if (endedWithoutExport(status, out.error)) return { seen };
      } catch (error) {
        // Step Functions forgets executions 90 days after they close: long after any interval.
        if (isAwsError(error, 'ExecutionDoesNotExist')) return { seen };
        throw error;
      }
      const snapshotArn = text(item, 'snapshotArn');
      const snapshotTime = text(item, 'snapshotTime');
      return {
        seen,
        recent: {
          executionName,
          exportTaskIdentifier,
          status,
          startDate: startedAt,
          ...(snapshotArn === undefined ? {} : { snapshotArn }),
          ...(snapshotTime === undefined ? {} : { snapshotTime }),
        },
      };
    },

    /**
     * Records the export about to start as the source's last one. With `seen` (what `last`
     * returned), only if the item is still that one; throws LedgerConflict otherwise. Then records
     * where the export is started (its own item, which prune checks a deletion against).
     */
    async record(job: ExportJob, startedAt: Date, seen?: LedgerSeen): Promise<void> {
      const item = marshall(
        {
          pk: ledgerKey(job.source, deps.home),
          sk: LEDGER_SORT_KEY,
          executionName: job.exportTaskIdentifier,
          exportTaskIdentifier: job.exportTaskIdentifier,
          snapshotArn: job.source.arn,
          startedAt: startedAt.toISOString(),
          snapshotTime: job.source.snapshotCreateTime,
        },
        { removeUndefinedValues: true },
      );
      // Recording this very export again (a retried invocation) is always allowed.
      const condition: Pick<PutItemCommandInput, 'ConditionExpression' | 'ExpressionAttributeValues'> =
        seen === undefined
          ? {}
          : seen === null
            ? {
                ConditionExpression: 'attribute_not_exists(pk) OR exportTaskIdentifier = :mine',
                ExpressionAttributeValues: marshall({ ':mine': job.exportTaskIdentifier }),
              }
            : {
                ConditionExpression: 'exportTaskIdentifier = :seen OR exportTaskIdentifier = :mine',
                ExpressionAttributeValues: marshall({
                  ':seen': seen.exportTaskIdentifier,
                  ':mine': job.exportTaskIdentifier,
                }),
              };
      try {
        await deps.dynamodb.send(new PutItemCommand({ TableName: deps.table, Item: item, ...condition }));
      } catch (error) {
        // PutItem's error when its condition is false (DynamoDB API reference, PutItem: Errors).
        if (isConditionalCheckFailed(error)) {
          throw new LedgerConflict(`another export of ${job.source.sourceIdentifier} was recorded meanwhile`);
        }
        throw error;
      }
      const root = startedRoot(job);
      await deps.dynamodb.send(
        new PutItemCommand({
          TableName: deps.table,
          Item: {
            ...startedRecordKey(job.exportTaskIdentifier),
            // The source too, so prune can tell its account and Region after Step Functions dropped
            // the execution (functions/prune/prune.ts sourceOf).
            ...marshall({
              bucket: root.bucket,
              prefix: root.prefix,
              startedAt: startedAt.toISOString(),
              ...(job.source.arn === undefined ? {} : { sourceArn: job.source.arn }),
            }),
          },
        }),
      );
    },
  };
}

export type ExportLedger = ReturnType<typeof exportLedger>;
