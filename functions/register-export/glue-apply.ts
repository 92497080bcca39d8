import type { ErrorDetail, TableInput } from '@aws-sdk/client-glue';
import { BatchCreatePartitionCommand, CreateTableCommand, UpdateTableCommand } from '@aws-sdk/client-glue';
import { isRetryableAwsError } from '#shared/aws-errors.ts';
import type { RetryOptions } from '#shared/concurrency.ts';
import { DEFAULT_RETRY, withRetry } from '#shared/concurrency.ts';
import type { GlueWrite } from './glue-plan.ts';
import { type Glue, P } from './glue-tables.ts';

export type ApplyOutcome = { ok: true; calls: number } | { ok: false; calls: number; reason: string };

/** Raised for a BatchCreatePartition entry error, carrying its code so withRetry can classify it. */
class PartitionEntryError extends Error {
  constructor(detail: ErrorDetail) {
    super(detail.ErrorMessage ?? detail.ErrorCode ?? 'unknown partition error');
    this.name = detail.ErrorCode ?? 'PartitionEntryError';
  }
}

/**
 * Runs one table's writes in order. Every call retries throttling with backoff; a per-entry error in
 * BatchCreatePartition's `Errors[]` is retried the same way when transient, accepted when the partition
 * already exists (an earlier, interrupted run made it), and otherwise fails the table with its reason.
 */
export async function applyWrites(
  glue: Glue,
  database: string,
  writes: readonly GlueWrite[],
  retry: RetryOptions = DEFAULT_RETRY,
): Promise<ApplyOutcome> {
  let calls = 0;
  const send = async (fn: () => Promise<unknown>) =>
    withRetry(async () => {
      calls++;
      return fn();
    }, retry);
  for (const w of writes) {
    try {
      if (w.kind === 'createPartition') {
        await send(async () => {
          const out = await glue.send(
            new BatchCreatePartitionCommand({
              DatabaseName: database,
              TableName: w.table,
              PartitionInputList: [w.partition],
            }),
          );
          const detail = out.Errors?.find(
            (e) => e.ErrorDetail?.ErrorCode !== 'AlreadyExistsException',
          )?.ErrorDetail;
          if (detail) throw new PartitionEntryError(detail);
        });
      } else if (w.kind === 'createTable') {
        await createOrUpdate(glue, database, w.input, send);
      } else {
        await send(() => glue.send(updateTable(database, w.input)));
      }
    } catch (err) {
      const e = err as Error;
      const what = w.kind === 'createPartition' ? `partition of ${w.table}` : `${w.kind} ${w.input.Name}`;
      const transient = isRetryableAwsError(err, 'glue') ? ' (still failing after retries)' : '';
      return { ok: false, calls, reason: `${what}: ${e.name}: ${e.message}${transient}` };
    }
  }
  return { ok: true, calls };
}

async function createOrUpdate(
  glue: Glue,
  database: string,
  input: TableInput,
  send: (fn: () => Promise<unknown>) => Promise<unknown>,
): Promise<void> {
  try {
    await send(() => glue.send(new CreateTableCommand({ DatabaseName: database, TableInput: input })));
  } catch (err) {
    // A concurrent run created it between our read and this write: converge by updating instead.
    if ((err as Error).name !== 'AlreadyExistsException') throw err;
    await send(() => glue.send(updateTable(database, input)));
  }
}

/**
 * Every UpdateTable archives the table's previous version unless SkipArchive is set, and Glue
 * allows 1,000,000 versions per account: 2,000 latest tables updated daily reach it in about 16
 * months, and then every Glue writer in the account fails. A latest table's earlier versions are
 * worth nothing (each export stays readable as a partition of its history table, with its own
 * columns), so its updates skip the archive. A history table is updated only when the schema
 * changes; its versions are kept as the record of those changes, and stay few.
 */
function updateTable(database: string, input: TableInput): UpdateTableCommand {
  return new UpdateTableCommand({
    DatabaseName: database,
    TableInput: input,
    ...(SKIP_ARCHIVE.has(input.Parameters?.[P.role] ?? '') ? { SkipArchive: true } : {}),
  });
}

/**
 * Roles whose earlier versions are worth nothing: the latest table (see above) and the typed views.
 * A view changes only when its table's columns do, and the history table's versions already record
 * each such change; a view's archived versions would only count toward the quota.
 */
const SKIP_ARCHIVE = new Set(['latest', 'latest_typed', 'history_typed']);
